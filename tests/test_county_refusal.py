"""A county table with errors is refused with one rendering (validators.output.refusal): `fenjie
check --from` prints every error, the web page the first 10, the add-in's alert the first 5 —
the same head and the same lines, cut at different lengths."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from cli.main import main
from server.rounds import RoundProblem, open_round
from server.store import Store
from templates.config import load_config
from tests.conftest import EXAMPLE
from tests.handmade import county_table, village_return
from validators.county import check_county_table, read_assigned
from validators.output.refusal import county_table_refusal

CONFIG = EXAMPLE / "fenjie.toml"
COUNTY_TABLE = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
WRONG = ["新泉镇", "湘滨镇", "南湖洲镇", "岭北镇", "鹤龙湖镇", "杨林寨乡", "东塘镇", "三塘镇", "石塘镇",
         "六塘乡", "金龙镇", "樟树镇"]


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    """A county table whose 粮食总面积 is written with its unit in 12 rows (12 N004 errors)."""
    config = load_config(CONFIG)
    assigned = read_assigned(COUNTY_TABLE, "grain-plan", config)
    folder = tmp_path_factory.mktemp("refused")
    edits = {(t, "grain_area"): f"{assigned[t]['grain_area']:g}万亩" for t in WRONG}
    table = county_table(folder / "县分解表.xlsx", config, assigned, edits)
    county = check_county_table(table, "grain-plan", config)
    assert county.result.errors >= len(WRONG)
    return config, table, county.result, assigned, folder


def test_the_refusal_is_a_head_and_one_line_per_error(refused):
    _, _, result, _, _ = refused
    whole = county_table_refusal(result).splitlines()
    assert whole[0].startswith(f"县分解表 县分解表.xlsx 有 {result.errors} 个错误，没有使用")
    assert len(whole) == 1 + result.errors
    assert all(line.startswith("县分解表.xlsx:B") and " N004 " in line for line in whole[1:len(WRONG) + 1])
    cut = county_table_refusal(result, shown=5).splitlines()
    assert cut[:6] == whole[:6] and len(cut) == 7
    assert cut[6] == f"……共 {result.errors} 个错误，运行 fenjie check 可列出全部问题。"


def test_cli_prints_every_error(refused, tmp_path):
    _, table, result, _, _ = refused
    done = CliRunner().invoke(main, ["check", str(tmp_path), "--config", str(CONFIG), "--from", str(table)])
    assert done.exit_code == 2
    assert county_table_refusal(result) in done.output


def test_the_web_page_shows_the_first_ten_under_the_uploaded_name(refused, tmp_path):
    config, table, result, _, _ = refused
    store = Store(tmp_path / "data")
    try:
        with pytest.raises(RoundProblem) as problem:
            open_round(store, config, "grain-plan", table, table_name="县表(上传).xlsx")
    finally:
        store.close()
    assert str(problem.value) == county_table_refusal(result, shown=10, name="县表(上传).xlsx")
    assert str(problem.value).startswith("县分解表 县表(上传).xlsx 有 ")


def test_the_add_in_alert_shows_the_first_five(refused, tmp_path, monkeypatch):
    from tests.support.payload import run_press

    config, table, result, assigned, folder = refused
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENJIE_LOG_DIR", str(tmp_path / "log"))
    monkeypatch.setenv("FENJIE_CONFIG", str(CONFIG))
    monkeypatch.setenv("FENJIE_COUNTY_TABLE", str(table))
    monkeypatch.delenv("LOCALAPPDATA", raising=False)
    villages = config.villages["湘滨镇"]
    sheet = village_return(tmp_path / "湘滨镇.xlsx", "湘滨镇", villages, assigned["湘滨镇"])
    pressed, _ = run_press(shutil.copy(sheet, tmp_path / "按校验.xlsx"))
    assert pressed.result is None
    assert pressed.alert == county_table_refusal(result, shown=5)
