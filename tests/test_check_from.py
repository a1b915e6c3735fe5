"""`fenjie check --from COUNTY_TABLE` (issue 15): returns a township built itself — villages as
rows, no identity block, plain values written by openpyxl — checked against its row of the
county table, at the first step (check) and not only at the last (merge)."""
import json
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from templates.identity import SUMMARY_SHEET
from templates.kinds import KINDS
from tests.conftest import EXAMPLE
from tests.handmade import county_table, village_return
from tests.support.addin_home import isolate_addin
from tests.support.grain_round import gazette_county, township_return
from validators.batch import check_file, check_paths
from validators.county import read_assigned
from validators.output.render import json_document

GRAIN = KINDS["grain-plan"]
CONFIG = EXAMPLE / "fenjie.toml"
STATUS_ZH = {"ok": "通过", "invalid": "有错", "duplicate": "重复报送", "missing": "未报送"}


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)])


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """The county table (fenjie's own, from the gazette) and a folder of hand-made returns:
    湘滨镇 0.5 万亩 short of its 15.5, 新泉镇 exact, 东塘镇 exact and sent twice, and 幸福镇,
    a township the county table does not list."""
    work = tmp_path_factory.mktemp("from")
    config, table, assigned = gazette_county(work)
    folder = work / "报送"
    short = {**assigned["湘滨镇"], "grain_area": assigned["湘滨镇"]["grain_area"] - 0.5}
    village_return(folder / "湘滨镇-分到村.xlsx", "湘滨镇", config.villages["湘滨镇"], short)
    village_return(folder / "新泉镇-分到村.xlsx", "新泉镇", config.villages["新泉镇"], assigned["新泉镇"])
    twice = village_return(folder / "东塘镇-分到村.xlsx", "东塘镇", config.villages["东塘镇"], assigned["东塘镇"])
    shutil.copy(twice, folder / "东塘镇-分到村(1).xlsx")
    village_return(folder / "幸福镇-分到村.xlsx", "幸福镇", ["幸福村", "和平村"], assigned["新泉镇"])
    return config, table, assigned, folder


def by_name(document: dict) -> dict[str, dict]:
    return {entry["path"].rsplit("/", 1)[-1]: entry for entry in document["files"]}


def total_cell(path, column="B") -> str:
    sheet = openpyxl.load_workbook(path).active
    return f"{column}{next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == '合计')}"


def test_each_return_is_checked_against_its_row_of_the_county_table(county):
    config, table, assigned, folder = county
    result = run("check", folder, "--config", CONFIG, "--from", table, "--format", "json")
    assert result.exit_code == 1
    files = by_name(json.loads(result.stdout))
    short = files["湘滨镇-分到村.xlsx"]
    assert short["status"] == "invalid" and short["township"] == "湘滨镇"
    t003 = [f for f in short["findings"] if f["code"] == "T003"]
    assert [f["cell"] for f in t003] == [total_cell(folder / "湘滨镇-分到村.xlsx")]
    assert t003[0]["message"] == "「粮食总面积」合计为 15，县里分配给湘滨镇的任务是 15.5，相差 -0.5"
    assert files["新泉镇-分到村.xlsx"]["status"] == "ok"
    assert files["新泉镇-分到村.xlsx"]["findings"] == []
    stranger = files["幸福镇-分到村.xlsx"]
    assert stranger["status"] == "invalid" and [f["code"] for f in stranger["findings"]] == ["S007"]


def test_without_from_the_short_return_passed(county):
    """What the issue reported: checked on its own, 湘滨镇's sheet is consistent and passes."""
    _, _, _, folder = county
    files = by_name(json.loads(run("check", folder, "--config", CONFIG, "--format", "json").stdout))
    assert files["湘滨镇-分到村.xlsx"]["status"] == "ok"


def test_the_text_output_points_at_the_total_cell(county):
    _, table, _, folder = county
    result = run("check", folder, "--config", CONFIG, "--from", table)
    cell = total_cell(folder / "湘滨镇-分到村.xlsx")
    assert f"湘滨镇-分到村.xlsx:{cell}: T003 「粮食总面积」合计为 15，县里分配给湘滨镇的任务是 15.5" in result.output
    assert "幸福镇-分到村.xlsx: S007 " in result.output


def test_cli_and_engine_api_give_the_same_findings_and_the_json_keeps_its_shape(county):
    config, table, _, folder = county
    cli = json.loads(run("check", folder, "--config", CONFIG, "--from", table, "--format", "json").stdout)
    batch = check_paths([folder], kind="grain-plan", config=config,
                        assigned=read_assigned(table, "grain-plan", config))
    assert cli == json.loads(json.dumps(json_document(batch), ensure_ascii=False))
    plain = json.loads(run("check", folder, "--config", CONFIG, "--format", "json").stdout)
    assert set(cli) == set(plain)
    assert {k for f in cli["files"] for k in f} == {k for f in plain["files"] for k in f}


def test_merge_and_check_from_agree_on_every_townships_status(county, tmp_path):
    config, table, _, folder = county
    checked = json.loads(run("check", folder, "--config", CONFIG, "--from", table, "--format", "json").stdout)
    from_check = {}
    for township in config.townships:
        if township in checked["missing"]:
            from_check[township] = "missing"
        elif township in checked["duplicates"]:
            from_check[township] = "duplicate"
        else:
            from_check[township], = [f["status"] for f in checked["files"] if f["township"] == township]
    out = tmp_path / "汇总.xlsx"
    merged = run("merge", folder, "--config", CONFIG, "--from", table, "-o", out)
    assert merged.exit_code == 1
    sheet = openpyxl.load_workbook(out, data_only=True)[SUMMARY_SHEET]
    from_merge = {}
    for row in sheet.iter_rows(values_only=True):
        if row and row[0] in config.townships:
            from_merge[row[0]] = next(v for v in row if v in STATUS_ZH.values())
    assert from_merge == {t: STATUS_ZH[s] for t, s in from_check.items()}
    assert (from_merge["湘滨镇"], from_merge["新泉镇"], from_merge["东塘镇"]) == ("有错", "通过", "重复报送")
    assert "未能对应到乡镇：幸福镇-分到村.xlsx" in merged.output


def test_the_county_table_wins_over_the_identity_block_with_a_warning(county, tmp_path):
    config, _, assigned, _ = county
    old = assigned["新泉镇"]
    sent = township_return(tmp_path, config, "新泉镇", old, name="新泉镇.xlsx")
    moved = {("新泉镇", "grain_area"): old["grain_area"] + 0.5,
             ("湘滨镇", "grain_area"): assigned["湘滨镇"]["grain_area"] - 0.5}
    reallocated = county_table(tmp_path / "县分解表-调整后.xlsx", config, assigned, moved)
    before = json.loads(run("check", sent, "--config", CONFIG, "--format", "json").stdout)
    assert before["files"][0]["status"] == "ok"
    result = run("check", sent, "--config", CONFIG, "--from", reallocated, "--format", "json")
    assert json.loads(result.stdout)["files"][0]["status"] == "invalid"
    findings = {f["code"]: f for f in json.loads(result.stdout)["files"][0]["findings"]}
    new = old["grain_area"] + 0.5
    assert f"县里分配给新泉镇的任务是 {new:g}" in findings["T003"]["message"]
    assert findings["S006"]["severity"] == "warning"
    assert findings["S006"]["message"] == (f"「粮食总面积」模板里县下达的数是 {old['grain_area']:g}，"
                                           f"县分解表现在是 {new:g}：按县分解表核对")


def test_a_wrong_county_table_is_refused_before_any_return_is_checked(county, tmp_path):
    config, _, assigned, folder = county
    bad = county_table(tmp_path / "县分解表.xlsx", config, assigned, {("湘滨镇", "grain_area"): "15.5万亩"})
    report = tmp_path / "报告.xlsx"
    result = run("check", folder, "--config", CONFIG, "--from", bad, "--report", report)
    assert result.exit_code == 2
    assert "县分解表 县分解表.xlsx 有 " in result.output
    assert "N004 单元格中写了单位「15.5万亩」" in result.output
    assert "湘滨镇-分到村.xlsx" not in result.output and not report.exists()


def test_from_needs_a_config_and_an_existing_table(county, tmp_path):
    _, table, _, folder = county
    without = run("check", folder, "--from", table)
    assert without.exit_code == 2 and "--from 需要同时用 --config" in without.output
    missing = run("check", folder, "--config", CONFIG, "--from", tmp_path / "没有.xlsx")
    assert missing.exit_code == 2 and "找不到县分解表" in missing.output


def test_the_county_table_among_the_returns_is_not_checked_as_one(county, tmp_path):
    _, table, _, folder = county
    mixed = tmp_path / "报送"
    shutil.copytree(folder, mixed)
    inside = shutil.copy(table, mixed / "县分解表.xlsx")
    document = json.loads(run("check", mixed, "--config", CONFIG, "--from", inside, "--format", "json").stdout)
    assert "县分解表.xlsx" not in by_name(document)
    assert len(document["files"]) == 5


# -- the 校验 button: the add-in's conf names the county table -----------------------------------

@pytest.fixture
def addin_home(tmp_path, monkeypatch):
    isolate_addin(monkeypatch, tmp_path, CONFIG)


def _codes(findings):
    return [(f.code, f.cell, f.message) for f in findings]


def test_a_press_checks_against_the_county_table_named_in_the_conf(county, tmp_path, addin_home):
    from tests.support.payload import run_press
    config, table, assigned, folder = county
    sheet = shutil.copy(folder / "湘滨镇-分到村.xlsx", tmp_path / "湘滨镇-分到村.xlsx")
    plain, _ = run_press(sheet)
    assert plain.result.errors == 0                       # no county table named: internally fine
    conf = tmp_path / "home" / ".myaddin" / "myaddin.conf"     # the user's add-in settings
    conf.parent.mkdir(parents=True)
    shutil.copy(table, conf.parent / "县分解表.xlsx")
    conf.write_text('"Interpreter_Win","%USERPROFILE%\\fenjie-venv\\Scripts\\pythonw.exe"\n'
                    '"FENJIE_COUNTY_TABLE","县分解表.xlsx"\n', encoding="utf-8")
    pressed, _ = run_press(sheet)
    engine = check_file(sheet, config=config, assigned=assigned)
    assert _codes(pressed.result.findings) == _codes(engine.findings)
    assert [f.code for f in pressed.result.findings if f.is_error] == ["T003"]
    assert "错误" in pressed.alert


def test_a_press_with_a_wrong_county_table_says_so(county, tmp_path, addin_home, monkeypatch):
    from tests.support.payload import run_press
    config, _, assigned, folder = county
    bad = county_table(tmp_path / "县表" / "县分解表.xlsx", config, assigned, {("湘滨镇", "grain_area"): None})
    monkeypatch.setenv("FENJIE_COUNTY_TABLE", str(bad))
    sheet = shutil.copy(folder / "湘滨镇-分到村.xlsx", tmp_path / "湘滨镇-分到村.xlsx")
    pressed, actions = run_press(sheet)
    assert pressed.result is None
    assert "县分解表 县分解表.xlsx 有 " in pressed.alert and "个错误，没有使用" in pressed.alert
    assert "N009" in pressed.alert
