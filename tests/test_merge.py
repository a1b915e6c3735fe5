"""`fenjie merge` on returns written by our own writer (no LibreOffice): the consolidation,
county-layout returns, duplicates, stray files, --include-invalid, no --from, usage errors."""
import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from templates.identity import SUMMARY_FINDINGS_SHEET as FINDINGS_SHEET
from templates.identity import SUMMARY_SHEET
from templates.kinds import KINDS
from templates.plan import county_plan
from templates.writer import write_plan
from tests.conftest import EXAMPLE
from tests.support.grain_round import gazette_county, township_return
from validators.batch import check_file
from validators.check.rules import RULES
from validators.findings import BatchResult, FileResult
from validators.merge import DUPLICATE, INVALID, MISSING, OK, consolidate
from validators.output.summary import layout_for

GRAIN = KINDS["grain-plan"]
CONFIG = EXAMPLE / "fenjie.toml"
ON_COUNTY_LAYOUT = "国有场所"          # returns its figures on the county table's layout


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    return gazette_county(tmp_path_factory.mktemp("county"))


def write_returns(folder: Path, config, assigned, skip=(), change=None) -> dict[str, Path]:
    """One return per township: its own village sheet, or the county layout for ON_COUNTY_LAYOUT."""
    written = {}
    for township in config.townships:
        if township in skip:
            continue
        figures = dict(assigned[township])
        if change and township in change:
            figures.update(change[township])
        if township == ON_COUNTY_LAYOUT:
            plan = county_plan(GRAIN, config, [{"unit": township, **figures}])
            written[township] = write_plan(plan, folder / f"{township}-报送.xlsx")
        else:
            written[township] = township_return(folder, config, township, figures, assigned=assigned[township])
    return written


def run(*args):
    return CliRunner().invoke(main, ["merge", *map(str, args)])


def summary_sheet(path: Path, data_only=True):
    return openpyxl.load_workbook(path, data_only=data_only)[SUMMARY_SHEET]


def row_of(sheet, township: str) -> int:
    return next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == township)


# -- the engine on a county-layout return ----------------------------------------------------

def test_county_layout_return_is_checked_on_its_own_row(county, tmp_path):
    config, _, assigned = county
    good = write_plan(county_plan(GRAIN, config, [{"unit": "湘滨镇", **assigned["湘滨镇"]}]),
                      tmp_path / "湘滨镇-报送.xlsx")
    result = check_file(good, config=config, assigned=assigned)
    assert (result.scope, result.errors) == ("湘滨镇", 0)
    assert result.totals == assigned["湘滨镇"]

    short = write_plan(county_plan(GRAIN, config, [{"unit": "湘滨镇", **assigned["湘滨镇"], "grain_area": 15}]),
                       tmp_path / "湘滨镇-少.xlsx")
    result = check_file(short, config=config, assigned=assigned)
    assert [(f.code, f.cell) for f in result.findings if f.is_error] == [("T003", "B6")]
    assert result.totals["grain_area"] == 15


# -- the whole command ------------------------------------------------------------------------

def test_all_returns_valid_exits_0_and_sums_back_to_the_county_table(county, tmp_path):
    config, table, assigned = county
    write_returns(tmp_path / "报送", config, assigned)
    out = tmp_path / "汇总.xlsx"
    result = run(tmp_path / "报送", "--config", CONFIG, "--from", table, "-o", out)
    assert result.exit_code == 0, result.output
    assert "通过 16，有错 0，重复报送 0，未报送 0" in result.output
    assert "粮食总面积：报送合计 118，下达 118，差额 0（万亩）" in result.output
    sheet = summary_sheet(out)
    layout = layout_for(_merged(tmp_path / "报送", config, assigned))
    assert sheet.cell(layout.total_row, layout.part("grain_area", "报送")).value == pytest.approx(118)
    assert sheet.cell(row_of(sheet, ON_COUNTY_LAYOUT), layout.part("grain_area", "报送")).value == 0.7
    assert sheet.cell(row_of(sheet, ON_COUNTY_LAYOUT), layout.status_col).value == "通过"


def _merged(folder, config, assigned, **options):
    from validators.batch import check_paths
    return consolidate(check_paths([folder], kind="grain-plan", config=config, assigned=assigned),
                       GRAIN, config, assigned, **options)


def test_duplicates_and_stray_files_are_flagged_and_left_out(county, tmp_path):
    config, table, assigned = county
    folder = tmp_path / "报送"
    written = write_returns(folder, config, assigned, skip={"岭北镇"})
    shutil.copy(written["新泉镇"], folder / "新泉镇-报送(1).xlsx")
    (folder / "看不懂.xlsx").write_bytes(b"not a workbook")
    anonymous = openpyxl.Workbook()                   # no identity block, no 填报单位, no name in it
    for row in (["2025年粮食生产计划任务分解表"], [c.label for c in GRAIN.columns],
                ["某村", 1, 0.5, 400, 0.2, 0.1], ["合计", 1, 0.5, 400, 0.2, 0.1]):
        anonymous.active.append(row)
    anonymous.active["A2"] = "村(社区)"
    anonymous.save(folder / "报表.xlsx")
    out = tmp_path / "out" / "汇总.xlsx"
    result = run(folder, "--config", CONFIG, "--from", table, "-o", out)
    assert result.exit_code == 1
    assert "通过 14，有错 0，重复报送 1，未报送 1" in result.output
    assert "未能对应到乡镇：看不懂.xlsx" in result.output
    assert "未能对应到乡镇：报表.xlsx" in result.output
    expected = 118 - assigned["岭北镇"]["grain_area"]     # 新泉镇's latest clean return counts
    assert f"粮食总面积：报送合计 {expected:g}，下达 118" in result.output

    sheet = summary_sheet(out)
    row = row_of(sheet, "新泉镇")
    layout = layout_for(_merged(folder, config, assigned))
    assert sheet.cell(row, layout.status_col).value == "重复报送"
    assert sheet.cell(row, layout.counted_col).value == "是"
    assert sheet.cell(row, layout.note_col).value == ("报送了 2 份：新泉镇-报送(1).xlsx、新泉镇-报送.xlsx；"
                                                      "计入无错的最新一份 新泉镇-报送(1).xlsx")
    notes = [sheet.cell(r, 1).value or "" for r in range(layout.total_row + 1, sheet.max_row + 1)]
    assert "未能对应到乡镇的文件（2）：报表.xlsx（无法确定报送乡镇）、看不懂.xlsx（无法读取）" in notes
    findings = openpyxl.load_workbook(out)[FINDINGS_SHEET]
    rows = list(findings.iter_rows(min_row=2, values_only=True))
    codes = [r[4] for r in rows]
    assert codes.count("S002") == 2 and "F001" in codes and "S001" in codes
    # a village sheet nobody can place cannot be checked against the county table: an error
    assert [r[0] for r in rows if r[4] == "S007"] == [str(folder / "报表.xlsx")]

    included = run(folder, "--config", CONFIG, "--from", table, "--include-invalid", "-o", tmp_path / "all.xlsx")
    assert f"粮食总面积：报送合计 {118 - assigned['岭北镇']['grain_area']:g}" in included.output
    assert summary_sheet(tmp_path / "all.xlsx").cell(row, layout.counted_col).value == "是"


def test_without_from_the_county_total_comes_from_the_config(county, tmp_path):
    config, _, assigned = county
    write_returns(tmp_path / "报送", config, assigned, change={"湘滨镇": {"grain_area": 15}})
    out = tmp_path / "汇总.xlsx"
    result = run(tmp_path / "报送", "--config", CONFIG, "-o", out)
    assert result.exit_code == 1                 # 湘滨镇 is off the target its template carries
    assert "有错：湘滨镇" in result.output
    merged = _merged(tmp_path / "报送", config, None)
    layout = layout_for(merged)
    formulas, values = summary_sheet(out, data_only=False), summary_sheet(out)
    assigned_col = layout.part("grain_area", "下达")
    assert formulas.cell(layout.total_row, assigned_col).value == 118
    assert all(values.cell(r, assigned_col).value is None for r in layout.data_rows)
    assert layout.target_row is None
    assert values.cell(layout.total_row, layout.part("grain_area", "差额")).value == pytest.approx(-15.5)


def test_inputs_are_never_overwritten_and_usage_errors_exit_2(county, tmp_path):
    config, table, assigned = county
    written = write_returns(tmp_path / "报送", config, assigned, skip=config.townships[2:])
    target = written["新泉镇"]
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    cases = [
        ((tmp_path / "报送", "--config", CONFIG, "-o", target), "汇总不能覆盖报回的表格"),
        ((tmp_path / "报送", "--config", CONFIG, "--from", table, "-o", table), "汇总不能覆盖报回的表格"),
        ((tmp_path / "报送", "-o", tmp_path / "x.xlsx"), "--config"),
        ((tmp_path / "报送", "--config", CONFIG), "-o"),
        ((tmp_path / "报送", "--config", CONFIG, "-o", tmp_path / "x.csv"), ".xlsx"),
        ((tmp_path / "报送", "--config", CONFIG, "--kind", "task-breakdown", "-o", tmp_path / "x.xlsx"),
         "不能汇总"),
        ((tmp_path / "报送", "--config", CONFIG, "--from", tmp_path / "无.xlsx", "-o", tmp_path / "x.xlsx"),
         "找不到县分解表"),
        ((tmp_path / "空", "--config", CONFIG, "-o", tmp_path / "x.xlsx"), "没有找到报回的表格"),
        ((tmp_path / "报送", "--config", tmp_path / "无.toml", "-o", tmp_path / "x.xlsx"), "找不到配置文件"),
        ((tmp_path / "报送", "--config", CONFIG, "--bogus"), "没有选项 --bogus"),
    ]
    (tmp_path / "空").mkdir()
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before
    assert not (tmp_path / "x.xlsx").exists()


def test_output_text_that_looks_like_a_formula_stays_text(county, tmp_path):
    config, table, assigned = county
    folder = tmp_path / "报送"
    write_returns(folder, config, assigned, skip=config.townships[1:])
    shutil.copy(folder / "新泉镇-报送.xlsx", folder / "=HYPERLINK(1)新泉镇.xlsx")
    out = tmp_path / "汇总.xlsx"
    run(folder, "--config", CONFIG, "--from", table, "-o", out)
    sheet = summary_sheet(out, data_only=False)
    note = sheet.cell(row_of(sheet, "新泉镇"), layout_for(_merged(folder, config, assigned)).note_col)
    assert note.data_type == "s" and "=HYPERLINK(1)新泉镇.xlsx" in note.value


# -- the pure consolidation -------------------------------------------------------------------

def test_consolidate_statuses_counting_and_notes(county):
    config = county[0]
    clean = FileResult("a/新泉镇.xlsx", kind="grain-plan", scope="新泉镇", totals={"grain_area": 22.0})
    bad = FileResult("a/湘滨镇.xlsx", kind="grain-plan", scope="湘滨镇", totals={"grain_area": 15.0},
                     findings=[RULES["T003"].finding(column="粮食总面积", total="15", target="15.5",
                                                     diff="-0.5", scope="湘滨镇")])
    foreign = FileResult("a/别县.xlsx", kind="grain-plan", scope="别县某镇", totals={"grain_area": 1.0})
    assigned = {t: {"grain_area": 1.0} for t in config.townships}
    merged = consolidate(BatchResult([clean, bad, foreign]), GRAIN, config, assigned)
    lines = {line.township: line for line in merged.lines}
    assert [line.township for line in merged.lines] == config.townships
    assert (lines["新泉镇"].status, lines["新泉镇"].counted) == (OK, True)
    assert (lines["湘滨镇"].status, lines["湘滨镇"].counted, lines["湘滨镇"].note) == (
        INVALID, False, "1 个错误：湘滨镇.xlsx")
    assert lines["岭北镇"].status == MISSING and lines["岭北镇"].reported == {}
    assert merged.stray == [foreign] and not merged.complete
    assert merged.reported_total("grain_area") == 22.0
    assert merged.assigned_total("grain_area") == 16.0
    assert lines["新泉镇"].difference("grain_area") == 21.0
    assert lines["新泉镇"].rate("grain_area") == 22.0

    everything = consolidate(BatchResult([clean, bad, clean]), GRAIN, config, assigned, include_invalid=True)
    lines = {line.township: line for line in everything.lines}
    assert lines["新泉镇"].status == DUPLICATE and lines["新泉镇"].counted
    assert everything.reported_total("grain_area") == 37.0


def test_summary_sheet_has_the_county_templates_look(county, tmp_path):
    from templates.writer import FONT_HEADER, FONT_TITLE
    config, table, assigned = county
    write_returns(tmp_path / "报送", config, assigned, skip=config.townships[3:])
    out = tmp_path / "汇总.xlsx"
    run(tmp_path / "报送", "--config", CONFIG, "--from", table, "-o", out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [SUMMARY_SHEET, "图表", FINDINGS_SHEET]
    sheet = book[SUMMARY_SHEET]
    layout = layout_for(_merged(tmp_path / "报送", config, assigned))
    assert sheet["A1"].value == "附件"
    assert sheet["A2"].value == "湘阴县2025年粮食生产计划任务汇总表" and sheet["A2"].font.name == FONT_TITLE
    assert sheet["A3"].value == GRAIN.unit_line
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {f"A2:{layout.last_letter}2", "A4:A5", "B4:D4"} <= merged
    assert [sheet.cell(5, c).value for c in range(2, 5)] == ["报送", "下达", "差额"]
    assert sheet["B4"].value == "粮食总面积(万亩)" and sheet["B4"].font.name == FONT_HEADER
    assert sheet.cell(4, layout.rate_col).value == "粮食总面积\n完成率"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$4:$5"
    assert sheet.freeze_panes == "A6"
    assert sheet.cell(layout.total_row, 1).value == "合计"


def test_merge_as_a_real_process(county, tmp_path):
    import subprocess
    import sys
    config, table, assigned = county
    write_returns(tmp_path / "报送", config, assigned)
    out = tmp_path / "汇总.xlsx"
    exe = Path(sys.executable).parent / "fenjie"
    done = subprocess.run([str(exe) if exe.exists() else shutil.which("fenjie"), "merge", "报送",
                           "--config", str(CONFIG), "--from", str(table), "-o", "汇总.xlsx"],
                          capture_output=True, text=True, encoding="utf-8", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and "汇总工作簿已写入" in done.stdout
    assert out.is_file()


def test_the_main_column_is_declared_once_in_the_kind():
    assert GRAIN.main_column.key == "grain_area"
    assert KINDS["task-breakdown"].main_column is None          # nothing summed, nothing to merge
    result = CliRunner().invoke(main, ["merge", ".", "--config", str(CONFIG), "--kind", "task-breakdown",
                                       "-o", "x.xlsx"])
    assert result.exit_code == 2 and "不能汇总" in result.output
