"""Silent passes from the trust issue (issue 9 items 5, 7, 8, 15, 20), each through the real
command on real .xlsx files: another county's or year's return, a wrong county table, an
explicit --target at township scope, --ignore of the batch rules, a township that sent twice."""
import json
import os
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from templates.config import load_config
from templates.kinds import KINDS
from templates.plan import township_plan
from validators.records import read_records
from templates.writer import write_plan, write_template
from tests.conftest import EXAMPLE
from tests.handmade import county_table, set_saved_time, village_return
from validators.county import read_assigned

GRAIN = KINDS["grain-plan"]
CONFIG = EXAMPLE / "fenjie.toml"


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def as_json(result) -> dict:
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    work = tmp_path_factory.mktemp("county")
    config = load_config(CONFIG)
    gazette = read_records(EXAMPLE / "gazette" / "xiangyin-2025-grain-plan.tsv", GRAIN)
    table = write_template(GRAIN, config, work, gazette)
    return config, table, read_assigned(table, GRAIN, config)


def township_return(folder, config, township, figures, name=None):
    """The township's own fenjie template (identity block carries `figures`), filled exactly."""
    villages = config.villages.get(township) or ["城东村", "城西村"]
    records = [{"unit": villages[0], **figures}, *({"unit": v, **{k: 0 for k in figures}} for v in villages[1:])]
    plan = township_plan(GRAIN, config, township, figures, records)
    folder.mkdir(parents=True, exist_ok=True)
    return write_plan(plan, folder / (name or f"{township}-报送.xlsx"))


NANXIAN_FIGURES = {"grain_area": 9.3, "early_rice_area": 3.1, "grain_output": 40000,
                   "early_rice_seedling": 2.0, "demo_seedling": 0.5}


def nanxian(tmp_path, year: int):
    path = tmp_path / f"南县{year}.toml"
    path.write_text(f'county = "南县"\nyear = {year}\ntownships = ["南洲镇", "茅草街镇", "三仙湖镇"]\n',
                    encoding="utf-8")
    return path


# -- item 5: a return of another county, year or township is never 通过 ----------------------

def test_a_return_from_a_township_not_in_the_config_is_an_error(county, tmp_path):
    config, _, assigned = county
    xiangyin = township_return(tmp_path / "报送", config, "新泉镇", assigned["新泉镇"])
    result = run("check", xiangyin, "--config", nanxian(tmp_path, 2025), "--format", "json")
    entry = as_json(result)["files"][0]
    assert entry["status"] == "invalid"
    s004 = [f for f in entry["findings"] if f["code"] == "S004"]
    assert s004 and s004[0]["severity"] == "error" and "新泉镇" in s004[0]["message"]
    assert "南县" in s004[0]["message"]


def test_a_template_of_another_year_is_an_error_and_never_counted(tmp_path):
    config_2024 = load_config(nanxian(tmp_path, 2024))
    old = township_return(tmp_path / "报送", config_2024, "南洲镇", NANXIAN_FIGURES)
    config_2025 = nanxian(tmp_path, 2025)
    checked = run("check", old, "--config", config_2025)
    assert checked.exit_code == 1
    assert "S005 这是南县2024年的模板，配置文件是南县2025年的" in checked.output
    for extra in ([], ["--include-invalid"]):
        merged = run("merge", tmp_path / "报送", "--config", config_2025, "-o",
                     tmp_path / f"汇总{len(extra)}.xlsx", *extra)
        assert merged.exit_code == 1, merged.output
        assert "粮食总面积：报送合计 0（万亩）" in merged.output
        assert "有错：南洲镇" in merged.output and "未计入合计" in merged.output


def test_a_template_of_another_county_says_which(county, tmp_path):
    config, _, _ = county
    nanzhou = township_return(tmp_path / "报送", load_config(nanxian(tmp_path, 2025)), "南洲镇", NANXIAN_FIGURES)
    result = run("check", nanzhou, "--config", CONFIG, "--format", "json")
    codes = {f["code"]: f for f in as_json(result)["files"][0]["findings"]}
    assert "这是南县2025年的模板，配置文件是湘阴县2025年的" in codes["S005"]["message"]
    assert codes["S004"]["severity"] == "error"


def test_this_rounds_return_has_no_such_finding(county, tmp_path):
    config, _, assigned = county
    good = township_return(tmp_path / "报送", config, "湘滨镇", assigned["湘滨镇"])
    entry = as_json(run("check", good, "--config", CONFIG, "--format", "json"))["files"][0]
    assert entry["status"] == "ok" and entry["township"] == "湘滨镇"
    assert not [f for f in entry["findings"] if f["code"] in ("S004", "S005")]


# -- item 7: the county table is checked before anything is made from it -----------------------

def _defects(assigned):
    area = assigned["新泉镇"]["grain_area"]
    full_width = str(area).translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    return {
        "N004": ({("新泉镇", "grain_area"): f"{area:g}万亩"}, None),
        "N009": ({("新泉镇", "grain_area"): None}, None),
        "N002": ({("新泉镇", "grain_area"): full_width}, None),
        "N008": ({("新泉镇", "grain_area"): -10}, None),
        # the rows and the 合计 agree, but 9 万亩 short of the county's own target (118)
        "T002": ({("新泉镇", "grain_area"): area - 9}, {"grain_area": 118 - 9}),
    }


@pytest.mark.parametrize("code", ["N004", "N009", "N002", "N008", "T002"])
def test_a_wrong_county_table_is_refused_by_template_and_merge(county, tmp_path, code):
    config, _, assigned = county
    edits, total = _defects(assigned)[code]
    bad = county_table(tmp_path / "县分解表.xlsx", config, assigned, edits, total)
    made = run("template", "grain-plan", "--per-township", "--from", bad, "--config", CONFIG,
               "-o", tmp_path / "乡镇模板")
    assert made.exit_code == 2, made.output
    assert "县分解表 县分解表.xlsx 有" in made.output and f" {code} " in made.output
    assert not list((tmp_path / "乡镇模板").glob("*.xlsx"))

    village_return(tmp_path / "报送" / "新泉镇.xlsx", "新泉镇", config.villages["新泉镇"], assigned["新泉镇"])
    merged = run("merge", tmp_path / "报送", "--config", CONFIG, "--from", bad, "-o", tmp_path / "汇总.xlsx")
    assert merged.exit_code == 2, merged.output
    assert f" {code} " in merged.output and "Traceback" not in merged.output
    assert not (tmp_path / "汇总.xlsx").exists()


def test_merge_does_not_reconcile_against_a_county_table_short_of_the_target(county, tmp_path):
    """下达 109 while the county target is 118 must not pass without a word."""
    config, _, assigned = county
    edits, total = _defects(assigned)["T002"]
    bad = county_table(tmp_path / "县分解表.xlsx", config, assigned, edits, total)
    village_return(tmp_path / "报送" / "新泉镇.xlsx", "新泉镇", config.villages["新泉镇"], assigned["新泉镇"])
    merged = run("merge", tmp_path / "报送", "--config", CONFIG, "--from", bad, "-o", tmp_path / "汇总.xlsx")
    assert merged.exit_code == 2
    assert "县下达目标为 118" in merged.output


def test_a_clean_hand_made_county_table_is_accepted(county, tmp_path):
    config, _, assigned = county
    good = county_table(tmp_path / "县分解表.xlsx", config, assigned)
    made = run("template", "grain-plan", "--per-township", "--from", good, "--config", CONFIG,
               "-o", tmp_path / "乡镇模板")
    assert made.exit_code == 0, made.output
    assert len(list((tmp_path / "乡镇模板").glob("*.xlsx"))) == len(config.townships)


# -- item 8: --target at township scope ----------------------------------------------------------

def test_target_is_honoured_for_a_township_template(county, tmp_path):
    config, _, assigned = county
    own = township_return(tmp_path / "报送", config, "湘滨镇", assigned["湘滨镇"])
    wanted = assigned["湘滨镇"]["grain_area"] + 0.5
    result = run("check", own, "--config", CONFIG, "--target", f"粮食总面积={wanted:g}", "--format", "json")
    assert result.exit_code == 1
    t003 = [f for f in as_json(result)["files"][0]["findings"] if f["code"] == "T003"]
    assert len(t003) == 1 and f"任务是 {wanted:g}" in t003[0]["message"]
    sheet = openpyxl.load_workbook(own).active
    total_row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "合计")
    assert t003[0]["cell"] == f"B{total_row}"


def test_target_is_honoured_for_a_village_sheet_without_config(tmp_path):
    sheet = village_return(tmp_path / "南洲镇.xlsx", "南洲镇", ["城东村", "城西村"], NANXIAN_FIGURES)
    result = run("check", sheet, "--target", "粮食总面积=9.8")
    assert result.exit_code == 1, result.output
    assert "南洲镇.xlsx:B6: T003 「粮食总面积」合计为 9.3" in result.output
    assert "9.8" in result.output
    assert run("check", sheet, "--target", "粮食总面积=9.3").exit_code == 0


# -- item 15: --ignore S001 / S002 remove the rule everywhere -------------------------------------

@pytest.fixture
def two_sent_one_twice(county, tmp_path):
    config, _, assigned = county
    folder = tmp_path / "报送"
    township_return(folder, config, "湘滨镇", assigned["湘滨镇"])
    first = township_return(folder, config, "新泉镇", assigned["新泉镇"])
    shutil.copy(first, folder / "新泉镇-报送(1).xlsx")
    return folder


def test_ignore_s001_removes_not_submitted_everywhere(two_sent_one_twice, tmp_path):
    report = tmp_path / "报告.xlsx"
    text = run("check", two_sent_one_twice, "--config", CONFIG, "--ignore", "S001", "--report", report)
    assert text.exit_code == 0, text.output
    assert "未报送" not in text.output
    document = as_json(run("check", two_sent_one_twice, "--config", CONFIG, "--ignore", "s001",
                           "--format", "json"))
    assert document["missing"] == []
    cells = [c for ws in openpyxl.load_workbook(report) for row in ws.iter_rows(values_only=True)
             for c in row if isinstance(c, str)]
    assert not [c for c in cells if "未报送" in c or c == "S001"]
    assert run("check", two_sent_one_twice, "--config", CONFIG).exit_code == 1   # 14 missing


def test_ignore_s002_removes_sent_twice_everywhere(two_sent_one_twice):
    text = run("check", two_sent_one_twice, "--config", CONFIG, "--ignore", "S002", "--ignore", "S001")
    assert text.exit_code == 0
    assert "重复报送" not in text.output and "S002" not in text.output
    document = as_json(run("check", two_sent_one_twice, "--config", CONFIG, "--ignore", "S002",
                           "--format", "json"))
    assert document["duplicates"] == {}
    assert not [f for entry in document["files"] for f in entry["findings"] if f["code"] == "S002"]
    assert document["summary"]["warnings"] == 0


# -- item 20: a township that sent two files: the latest clean one counts ------------------------

def _older(path):
    os.utime(path, (1_700_000_000, 1_700_000_000))
    return path


def test_the_latest_clean_return_is_counted_by_saved_time_before_file_time(county, tmp_path):
    config, _, _ = county
    folder = tmp_path / "报送"
    folder.mkdir()
    villages = config.villages["湘滨镇"]
    newer = village_return(folder / "湘滨镇-改.xlsx", "湘滨镇", villages, {**NANXIAN_FIGURES, "grain_area": 15.5})
    older = village_return(folder / "湘滨镇.xlsx", "湘滨镇", villages, {**NANXIAN_FIGURES, "grain_area": 15.0})
    set_saved_time(newer, "2025-03-05T08:00:00Z")
    set_saved_time(older, "2025-03-02T08:00:00Z")
    _older(newer)                     # the file time says otherwise: the workbook's own time wins
    merged = run("merge", folder, "--config", CONFIG, "-o", tmp_path / "汇总.xlsx")
    assert "重复报送：湘滨镇（报送了 2 份：湘滨镇-改.xlsx、湘滨镇.xlsx；计入无错的最新一份 湘滨镇-改.xlsx；已计入合计）" \
        in merged.output
    assert "粮食总面积：报送合计 15.5，" in merged.output
    checked = run("check", folder, "--config", CONFIG)
    assert "汇总时计入无错的最新一份 湘滨镇-改.xlsx" in checked.output
    assert "重复报送：湘滨镇（2 份：" in checked.output and "；计入无错的最新一份 湘滨镇-改.xlsx）" in checked.output


def test_a_newer_return_with_errors_leaves_the_clean_one_counted(county, tmp_path):
    config, _, assigned = county
    folder = tmp_path / "报送"
    clean = township_return(folder, config, "湘滨镇", assigned["湘滨镇"], "湘滨镇.xlsx")
    wrong = township_return(folder, config, "湘滨镇", {**assigned["湘滨镇"]}, "湘滨镇-新.xlsx")
    book = openpyxl.load_workbook(wrong)
    book.active["B5"] = "1.5万亩"                        # the newest file has a text number
    book.save(wrong)
    set_saved_time(clean, "2025-03-02T08:00:00Z")
    set_saved_time(wrong, "2025-03-09T08:00:00Z")
    merged = run("merge", folder, "--config", CONFIG, "-o", tmp_path / "汇总.xlsx")
    assert "计入无错的最新一份 湘滨镇.xlsx；已计入合计" in merged.output
    assert f"粮食总面积：报送合计 {assigned['湘滨镇']['grain_area']:g}，" in merged.output


def test_when_every_return_has_errors_none_is_counted(county, tmp_path):
    config, _, assigned = county
    folder = tmp_path / "报送"
    for name in ("湘滨镇.xlsx", "湘滨镇-新.xlsx"):
        path = township_return(folder, config, "湘滨镇", assigned["湘滨镇"], name)
        book = openpyxl.load_workbook(path)
        book.active["B5"] = "1.5万亩"
        book.save(path)
    merged = run("merge", folder, "--config", CONFIG, "-o", tmp_path / "汇总.xlsx")
    assert "没有一份无错；未计入合计" in merged.output
    assert "粮食总面积：报送合计 0，" in merged.output
    checked = run("check", folder, "--config", CONFIG)
    assert "份份有错，汇总时一份也不计入" in checked.output
