"""A hostile reviewer's reproductions after the split/labels/read merge: what a county or township
clerk hits, each through the real `fenjie` command on real files."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.support.cli import ENGLISH, fenjie

CONFIG = EXAMPLE / "fenjie.toml"
COUNTY_TABLE = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
TASK_TABLE = EXAMPLE / "县分解表" / "湘阴县2025年目标任务分解表.xlsx"



def english_in(result) -> list[str]:
    return [e for e in ENGLISH if e in result.stdout + result.stderr]


# -- `fenjie kind` is a group of its own: its help and its errors were click's English ----------

@pytest.mark.parametrize("args", [["kind", "--help"], ["kind", "-h"], ["kind", "new", "--help"]])
def test_kind_help_is_chinese(args):
    result = fenjie(*args)
    assert result.returncode == 0, result.stderr
    assert not english_in(result), result.stdout
    assert "选项：" in result.stdout


def test_kind_without_a_subcommand_or_with_an_unknown_one_names_kind_new():
    for args in (["kind", "bogus"], ["kind", "new"]):
        result = fenjie(*args)
        assert result.returncode == 2, result
        assert result.stderr.startswith("错误："), result.stderr
        assert not english_in(result), result.stderr
    assert "缺少已填好的表" in fenjie("kind", "new").stderr
    unknown = fenjie("kind", "bogus")
    assert "new" in unknown.stderr and "template" not in unknown.stderr, unknown.stderr


# -- `fenjie kind new` on the example's task table: 牵头单位 repeats, so it is not the key ---------

def test_kind_new_on_the_task_table_keys_it_by_its_sequence_not_by_a_repeated_lead_unit(tmp_path):
    out = tmp_path / "任务.toml"
    result = fenjie("kind", "new", TASK_TABLE, "--config", CONFIG, "-o", out)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert 'rows = "tasks"' in text, text[:3000]
    assert "R002" not in result.stdout + result.stderr, result.stdout


# -- `fenjie check 县分解表 --from 县分解表`: the file is a table, and it was checked ---------------

def test_checking_the_county_table_against_itself_says_so_instead_of_no_table_found():
    result = fenjie("check", COUNTY_TABLE, "--config", CONFIG, "--from", COUNTY_TABLE)
    assert result.returncode == 2, result
    assert "没有找到要核对的表格" not in result.stderr, result.stderr
    assert "--from" in result.stderr and "县分解表" in result.stderr, result.stderr
    assert "没有错误" in result.stderr, result.stderr


# -- `fenjie kind new` on a township's table of villages (blank rows above its 合计) ---------------

RETURN = EXAMPLE / "报送" / "三塘镇-2025年粮食生产计划任务分解表.xlsx"


@pytest.mark.parametrize("config", [True, False])
def test_kind_new_on_a_village_table_keys_it_by_village_and_finds_the_total(tmp_path, config):
    out = tmp_path / "村.toml"
    result = fenjie("kind", "new", RETURN, *(["--config", CONFIG] if config else []), "-o", out)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert 'rows = "townships"' in text, text[:3000]
    assert 'key_headers = { county = "乡镇(单位)", township = "村(社区)" }' in text, text[:3000]
    assert 'role = "sequence"' not in text, text
    if config:
        assert 'title = "粮食生产计划任务分解表"' in text, text[:3000]
    assert text.count("summed = true") == 5, text
    assert "N007" not in result.stdout and "没有合计行" not in result.stdout, result.stdout


def test_merging_the_county_table_alone_says_so_and_an_empty_folder_is_named(tmp_path):
    result = fenjie("merge", COUNTY_TABLE, "--config", CONFIG, "--from", COUNTY_TABLE,
                    "-o", tmp_path / "汇总.xlsx")
    assert result.returncode == 2, result
    assert "是 --from 给出的县分解表" in result.stderr, result.stderr
    empty = tmp_path / "报送"
    empty.mkdir()
    result = fenjie("merge", empty, "--config", CONFIG, "-o", tmp_path / "汇总.xlsx")
    assert result.returncode == 2 and str(empty) in result.stderr, result.stderr
    assert not (tmp_path / "汇总.xlsx").exists()


# -- a row two units share (the gazette's 「财政局、发改局」): each unit's return is held to it -------

@pytest.fixture
def shared_row_round(tmp_path):
    """A funding-targets round from the gazette's table; the unit templates of 财政局 and 发改局
    (their shared row's figure is 125000) as the server hands them out; (config, links, client)."""
    from starlette.testclient import TestClient

    from server.app import create_app
    from templates.config import load_config
    from templates.writer import write_template
    from tests.conftest import GAZETTE
    from tests.serving import open_round_of
    from validators.records import read_records
    config = load_config(CONFIG)
    spec = config.county_kinds["funding-targets"]
    records = read_records(GAZETTE / "xiangyin-2025-funding-targets.tsv", spec)
    county_table = write_template(spec, config, tmp_path / "县表", records)
    config, links, round_ = open_round_of(tmp_path / "data", "funding-targets", county_table)
    assert round_.assigned["财政局、发改局"]["fiscal"] == 125000
    with TestClient(create_app(config, tmp_path / "data")) as client:
        yield county_table, links, client


def unit_return(client, links, unit: str, fiscal: float, folder: Path) -> Path:
    import io

    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/t/{links[unit]}/template.xlsx").content))
    sheet = book.worksheets[0]
    row = next(r for r in range(1, sheet.max_row + 1)              # its line: 财政局、发改局 for 财政局
               if unit in str(sheet.cell(r, 2).value or "").split("、"))
    sheet.cell(row, 3, fiscal)
    folder.mkdir(exist_ok=True)
    path = folder / f"{unit}-争资争项.xlsx"
    book.save(path)
    return path


def test_a_unit_of_a_shared_row_is_held_to_the_rows_figure(shared_row_round, tmp_path):
    county_table, links, client = shared_row_round
    assert "125000" in client.get(f"/t/{links['财政局']}").text      # its page shows what it owes
    for fiscal, status, codes in ((999, "invalid", ["T003"]), (125000, "ok", [])):
        path = unit_return(client, links, "财政局", fiscal, tmp_path / f"报送{fiscal}")
        with open(path, "rb") as f:
            answer = client.post(f"/t/{links['财政局']}/upload", files={"file": (path.name, f)},
                                 headers={"accept": "application/json"}).json()
        assert (answer["status"], [f["code"] for f in answer["findings"]]) == (status, codes), answer
        result = fenjie("check", path, "--config", CONFIG, "--from", county_table, "--kind", "funding-targets")
        assert ("T003" in result.stdout) == bool(codes), result.stdout


def test_merge_counts_a_shared_rows_return_on_its_line(shared_row_round, tmp_path):
    county_table, links, client = shared_row_round
    folder = tmp_path / "报送"
    unit_return(client, links, "发改局", 125000, folder)
    unit_return(client, links, "教育局", 5800, folder)
    out = tmp_path / "汇总.xlsx"
    result = fenjie("merge", folder, "--config", CONFIG, "--kind", "funding-targets", "--from", county_table,
                    "-o", out)
    assert "未能对应" not in result.stdout, result.stdout
    assert "财政局、发改局" not in result.stdout.split("未报送", 1)[1].split("\n", 1)[0], result.stdout
    assert "财政性资金：报送合计 130800" in result.stdout, result.stdout
    check = fenjie("check", folder, "--config", CONFIG, "--kind", "funding-targets", "--from", county_table,
                   "--format", "json")
    import json
    assert "财政局、发改局" not in json.loads(check.stdout)["missing"], check.stdout


def test_a_unit_keyed_summary_speaks_of_units_not_townships(shared_row_round, tmp_path):
    import openpyxl
    county_table, links, client = shared_row_round
    folder = tmp_path / "报送"
    unit_return(client, links, "教育局", 5800, folder)
    stray = openpyxl.load_workbook(unit_return(client, links, "民政局", 1600, tmp_path / "别处"))
    for line in stray.worksheets[0].iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and "民政局" in cell.value:
                cell.value = cell.value.replace("民政局", "")   # nobody's: no unit, no 填报单位
    del stray["fenjie_id"]                         # nor the identity block naming the unit
    stray.save(folder / "争资争项.xlsx")
    out = tmp_path / "汇总.xlsx"
    fenjie("merge", folder, "--config", CONFIG, "--kind", "funding-targets", "--from", county_table, "-o", out)
    book = openpyxl.load_workbook(out)
    texts = [str(c.value) for ws in book.worksheets if ws.title != "校验明细"
             for line in ws.iter_rows() for c in line if c.value is not None]
    assert not [t for t in texts if "乡镇" in t], [t for t in texts if "乡镇" in t]
    assert any("未能对应到单位的文件" in t for t in texts), texts


# -- `-o 模板.xlsx` / `--annotate 标注.xlsx`: a folder named like a workbook was made ------------

@pytest.mark.parametrize("args", [
    ["template", "grain-plan", "--config", CONFIG, "-o", "{tmp}/粮食模板.xlsx"],
    ["check", RETURN, "--annotate", "{tmp}/标注.xlsx"],
])
def test_a_folder_option_given_a_workbook_name_is_refused_before_anything_is_made(tmp_path, args):
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in args]
    result = fenjie(*args)
    assert result.returncode == 2, result
    assert result.stderr.startswith("错误：") and "文件夹" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


# -- `fenjie merge --from` a county table of another kind, without --kind ---------------------

def test_merge_from_a_task_table_says_it_is_not_split_by_township(tmp_path):
    result = fenjie("merge", EXAMPLE / "报送", "--config", CONFIG, "--from", TASK_TABLE, "-o", tmp_path / "汇总.xlsx")
    assert result.returncode == 2, result
    assert "不按乡镇分解" in result.stderr and "找不到" not in result.stderr, result.stderr


def test_merge_takes_the_kind_of_its_county_table_when_no_kind_is_given(shared_row_round, tmp_path):
    county_table, links, client = shared_row_round
    folder = tmp_path / "报送"
    unit_return(client, links, "教育局", 5800, folder)
    result = fenjie("merge", folder, "--config", CONFIG, "--from", county_table, "-o", tmp_path / "汇总.xlsx")
    assert result.returncode == 1, result.stderr
    assert "财政性资金：报送合计 5800" in result.stdout, result.stdout


# -- `fenjie serve` of the county's own units kind, from the command line ---------------------

@pytest.mark.parametrize("kind", [["--kind", "funding-targets"], []])
def test_serve_opens_a_round_of_the_countys_own_units_kind(tmp_path, kind):
    from templates.config import load_config
    from templates.writer import write_template
    from tests.conftest import GAZETTE
    from validators.records import read_records
    config = load_config(CONFIG)
    spec = config.county_kinds["funding-targets"]
    county_table = write_template(spec, config, tmp_path / "县表",
                                  read_records(GAZETTE / "xiangyin-2025-funding-targets.tsv", spec))
    result = fenjie("serve", "--config", CONFIG, *kind, "--from", county_table, "--data", tmp_path / "data",
                    "--links", "--url", "http://127.0.0.1:8000")
    assert result.returncode == 0, result.stderr
    assert ",教育局,http://127.0.0.1:8000/t/" in result.stdout, result.stdout


def test_a_unit_returning_the_county_layout_is_held_to_its_shared_row(shared_row_round, tmp_path):
    """財政局 fills its figure into the whole county table's shared row 「财政局、发改局」 and sends it."""
    import openpyxl
    county_table, links, client = shared_row_round
    book = openpyxl.load_workbook(county_table)
    sheet = book.worksheets[0]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 2).value == "财政局、发改局")
    sheet.cell(row, 3, 999)
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("填报单位"):
                cell.value = "填报单位（盖章）：财政局"
    path = tmp_path / "财政局-争资争项.xlsx"
    book.save(path)
    result = fenjie("check", path, "--config", CONFIG, "--from", county_table, "--kind", "funding-targets")
    assert "T003" in result.stdout, result.stdout
    assert "125000" in result.stdout and "C" + str(row) in result.stdout, result.stdout
