"""Generated templates, opened with openpyxl and checked against the kind declaration."""
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from templates.config import load_config
from templates.identity import DIRECTORY_SHEET, IDENTITY_SHEET, parse_identity
from templates.kinds import KINDS
from templates.layout import DIFF_LABEL, DIRECTORY_NAME, TARGET_LABEL, Layout
from templates.names import normalize_header, normalize_name
from templates.writer import directory_names
from tests.conftest import EXAMPLE
from validators.records import read_records

CONFIG = EXAMPLE / "fenjie.toml"
GRAIN, TASKS = KINDS["grain-plan"], KINDS["task-breakdown"]
GRAIN_TSV = EXAMPLE / "gazette" / "xiangyin-2025-grain-plan.tsv"
TASK_TSV = EXAMPLE / "gazette" / "xiangyin-2025-task-breakdown.tsv"


def run(*args):
    result = CliRunner().invoke(main, ["template", *map(str, args)])
    return result


def written(result) -> list[Path]:
    assert result.exit_code == 0, result.output
    return [Path(line) for line in result.output.splitlines() if line.endswith(".xlsx")]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Every kind of workbook fenjie template writes for the example county, through the CLI."""
    out = tmp_path_factory.mktemp("templates")
    grain_blank, = written(run("grain-plan", "--config", CONFIG, "-o", out / "blank"))
    task_blank, = written(run("task-breakdown", "--config", CONFIG, "-o", out / "blank"))
    grain_filled, = written(run("grain-plan", "--config", CONFIG, "--from", GRAIN_TSV, "-o", out / "filled"))
    task_filled, = written(run("task-breakdown", "--config", CONFIG, "--from", TASK_TSV, "-o", out / "filled"))
    townships = written(run("grain-plan", "--per-township", "--from", grain_filled, "--config", CONFIG,
                            "-o", out / "townships"))
    return {"grain_blank": grain_blank, "task_blank": task_blank, "grain_filled": grain_filled,
            "task_filled": task_filled, "townships": townships}


@pytest.fixture(scope="module")
def config():
    return load_config(CONFIG)


def main_sheet(path):
    book = openpyxl.load_workbook(path)
    return book, book.worksheets[0]


def identity_of(book):
    sheet = book[IDENTITY_SHEET]
    return parse_identity(sheet.iter_rows(values_only=True)), sheet


def merges(sheet) -> set[str]:
    return {str(r) for r in sheet.merged_cells.ranges}


def validations(sheet) -> dict[str, object]:
    """sqref text -> DataValidation."""
    return {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}


def has_cjk(text) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text or "")


# -- grain-plan, county scope --------------------------------------------------
def test_grain_county_top_header_and_rows(made, config):
    book, sheet = main_sheet(made["grain_blank"])
    layout = Layout(GRAIN, "county", len(config.townships))
    assert made["grain_blank"].name == "湘阴县2025年粮食生产计划任务分解表.xlsx"
    assert sheet["A1"].value == "附件" and sheet["A1"].font.name == "黑体"
    assert sheet["A2"].value == "湘阴县2025年粮食生产计划任务分解表"
    assert sheet["A2"].font.name == "方正小标宋简体"
    assert sheet["A3"].value == GRAIN.unit_line == "单位：万亩、吨"
    assert {"A2:F2", "A3:F3"} <= merges(sheet)
    header = [sheet.cell(4, c).value for c in range(1, 7)]
    assert [normalize_header(h) for h in header] == \
        [normalize_header(GRAIN.key_headers["county"])] + [normalize_header(c.label) for c in GRAIN.columns[1:]]
    assert header[1] == "粮食总面积\n(万亩)"
    assert [sheet.cell(r, 1).value for r in layout.data_rows] == config.townships
    assert sheet.cell(layout.first_row, 2).font.name == "仿宋"
    for index, column in enumerate(GRAIN.columns, start=1):
        assert sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width == column.width


def test_grain_county_total_live_check_and_footer(made, config):
    book, sheet = main_sheet(made["grain_blank"])
    layout = Layout(GRAIN, "county", 16)
    assert (layout.first_row, layout.last_row, layout.total_row) == (5, 20, 21)
    assert sheet["A21"].value == "合计"
    assert [sheet.cell(21, c).value for c in range(2, 7)] == \
        [f"=SUM({x}5:{x}20)" for x in "BCDEF"]
    assert sheet["A22"].value.startswith("说明：") and "A22:F22" in merges(sheet)
    assert sheet["A23"].value == TARGET_LABEL["county"]
    assert [sheet.cell(23, c).value for c in range(2, 7)] == [118, 39, 502000, 28.4, 6.0]
    assert sheet["A24"].value == DIFF_LABEL
    assert sheet["B24"].value == '=IF(B23="","",ROUND(B21-B23,6))'
    rules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in sheet.conditional_formatting}
    for x in "BCDEF":
        assert f"AND(ISNUMBER({x}24),{x}24<>0)" in rules[f"{x}24"]          # red when not zero
        assert rules[f"{x}5:{x}20"] == [f"ISTEXT({x}5)"]                    # text in a number cell
    footer = sheet.cell(layout.footer_row, 1).value
    assert footer.startswith("填报单位（盖章）：") and "填报人：" in footer and "联系电话：" in footer \
        and footer.rstrip().endswith("填报日期：")
    assert f"A{layout.footer_row}:F{layout.footer_row}" in merges(sheet)


def test_grain_numeric_cells_are_validated(made):
    book, sheet = main_sheet(made["grain_blank"])
    found = validations(sheet)
    for x in "BCDEF":
        guard = found[f"{x}5:{x}20"]
        assert (guard.type, guard.operator, guard.formula1) == ("decimal", "greaterThanOrEqual", "0")
        assert guard.showErrorMessage and guard.showInputMessage and guard.errorStyle == "stop"
        assert has_cjk(guard.prompt) and has_cjk(guard.error) and has_cjk(guard.errorTitle)
    assert "A5:A20" not in found          # township names are given, not typed


def test_grain_protection_locks_all_but_inputs(made):
    book, sheet = main_sheet(made["grain_blank"])
    assert sheet.protection.sheet and not sheet.protection.password
    assert sheet.protection.formatCells is False           # allowed: the 校验 button colours cells
    for address in ("A1", "A2", "A4", "B4", "A5", "A20", "B21", "B23", "B24"):
        assert sheet[address].protection.locked, address
    for address in ("B5", "F20", "D12"):
        assert not sheet[address].protection.locked, address


def test_grain_print_setup(made):
    book, sheet = main_sheet(made["grain_blank"])
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and int(setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth == 1 and setup.fitToHeight == 0
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.freeze_panes == "A5"
    assert sheet["B5"].alignment.wrap_text and sheet["B4"].alignment.wrap_text


def test_identity_block_of_county_template(made, config):
    book, _ = main_sheet(made["grain_blank"])
    identity, sheet = identity_of(book)
    assert sheet.sheet_state == "hidden" and sheet.protection.sheet
    assert (identity.kind, identity.version, identity.county, identity.year, identity.scope) == \
        ("grain-plan", GRAIN.version, "湘阴县", 2025, "county")
    assert identity.targets == config.targets_for("grain-plan")
    assert book.sheetnames[0] == sheet_title_of(GRAIN) and book.active.title == book.sheetnames[0]


def sheet_title_of(kind):
    from templates.layout import sheet_title
    return sheet_title(kind)


def test_filled_grain_table_carries_the_gazette_figures(made):
    book, sheet = main_sheet(made["grain_filled"])
    records = read_records(GRAIN_TSV, GRAIN)
    assert len(records) == 16
    for row, record in zip(range(5, 21), records):
        assert [sheet.cell(row, c).value for c in range(1, 7)] == [record[c.key] for c in GRAIN.columns]
    assert sheet["B5"].value == 22.0 and sheet["D5"].value == 95000 and sheet["F5"].value == 0.7
    assert sheet["A21"].value == "合计" and sheet["B21"].value == "=SUM(B5:B20)"


# -- task-breakdown ----------------------------------------------------------------
def test_task_header_is_two_rows_with_merged_owner(made):
    book, sheet = main_sheet(made["task_blank"])
    assert sheet["A2"].value == "湘阴县2025年目标任务分解表"
    top, sub = 3, 4                       # no 单位 line for this kind
    assert [sheet.cell(top, c).value for c in range(1, 8)] == \
        ["序号", "目标任务", "责任领导", "牵头单位", "相关单位", "责任人", None]
    assert [sheet.cell(sub, c).value for c in (6, 7)] == ["县政府", "牵头单位"]
    assert {"A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:G3"} <= merges(sheet)
    assert sheet.print_title_rows == "$3:$4" and sheet.freeze_panes == "A5"
    assert sheet.cell(5 + 30, 1).value is None and "合计" not in [c.value for c in sheet["A"]]


def test_task_table_keeps_the_85_tasks_and_their_gaps(made):
    book, sheet = main_sheet(made["task_filled"])
    records = read_records(TASK_TSV, TASKS)
    assert len(records) == 85
    lines = TASK_TSV.read_text(encoding="utf-8").splitlines()[1:]
    for row, line in zip(range(5, 90), lines):
        cells = line.split("\t")
        got = [sheet.cell(row, c).value for c in range(1, 8)]
        assert got == [int(cells[0])] + [v or None for v in cells[1:]], row
    assert sheet["C22"].value is None          # task 18 has no 责任领导 in the gazette
    assert sheet["F84"].value is None and sheet["G84"].value == "李威"


def test_task_dropdowns_use_the_hidden_directory(made, config):
    book, sheet = main_sheet(made["task_filled"])
    found = validations(sheet)
    lead, related = found["D5:D89"], found["E5:E89"]
    for guard in (lead, related):
        assert guard.type == "list" and guard.formula1 == DIRECTORY_NAME
        assert has_cjk(guard.prompt) and has_cjk(guard.error)
    assert lead.errorStyle == "warning" and related.errorStyle == "information"
    assert found["A5:A89"].type == "whole" and found["A5:A89"].formula1 == "1"
    directory = book[DIRECTORY_SHEET]
    assert directory.sheet_state == "hidden" and directory.protection.sheet
    names = [c.value for c in directory["A"]]
    assert names == directory_names(config)
    assert {"发改局", "新泉镇", "生环委各成员单位", "各乡镇(街道)"} <= set(names)
    assert len("，".join(names)) > 255              # too long for a literal list: hence the range
    reference = book.defined_names[DIRECTORY_NAME].attr_text
    assert reference == f"'{DIRECTORY_SHEET}'!$A$1:$A${len(names)}"
    assert not sheet["D5"].protection.locked and not sheet["B40"].protection.locked


def test_directory_lists_each_name_once(config):
    names = directory_names(config)
    assert len({normalize_name(n) for n in names}) == len(names)
    assert names[:len(config.units)] == config.units


# -- per-township ----------------------------------------------------------------
def test_one_workbook_per_township_named_after_it(made, config):
    names = [p.name for p in made["townships"]]
    assert names == [f"{t}-2025年粮食生产计划任务分解表.xlsx" for t in config.townships]


def test_township_template_carries_its_assigned_figures(made, config):
    path = made["townships"][0]
    book, sheet = main_sheet(path)
    villages = config.villages["新泉镇"]
    layout = Layout(GRAIN, "新泉镇", len(villages) + 3)
    assert sheet["A2"].value == "湘阴县新泉镇2025年粮食生产计划任务分解表"
    assert sheet["A4"].value == "村(社区)"
    assert [sheet.cell(r, 1).value for r in layout.data_rows] == villages + [None] * 3
    assert sheet.cell(layout.target_row, 1).value == "县下达任务"
    assigned = [sheet.cell(layout.target_row, c).value for c in range(2, 7)]
    assert assigned == [22.0, 9.0, 95000, 6, 0.7]
    assert all(sheet.cell(layout.target_row, c).protection.locked for c in range(1, 7))
    assert sheet.cell(layout.total_row, 2).value == f"=SUM(B5:B{layout.last_row})"
    assert sheet.cell(layout.diff_row, 2).value == \
        f'=IF(B{layout.target_row}="","",ROUND(B{layout.total_row}-B{layout.target_row},6))'
    assert sheet.cell(layout.first_row, 1).protection.locked          # listed village
    assert not sheet.cell(layout.last_row, 1).protection.locked       # spare row: typed in
    assert sheet.cell(layout.footer_row, 1).value.startswith("填报单位（盖章）：新泉镇")
    identity, _ = identity_of(book)
    assert identity.scope == "新泉镇" and identity.county == "湘阴县"
    assert identity.targets == {"grain_area": 22.0, "early_rice_area": 9.0, "grain_output": 95000,
                                "early_rice_seedling": 6, "demo_seedling": 0.7}


def test_every_township_matches_the_county_table(made, config):
    records = {r["unit"]: r for r in read_records(GRAIN_TSV, GRAIN)}
    for path in made["townships"]:
        book, sheet = main_sheet(path)
        identity, _ = identity_of(book)
        expected = {c.key: records[identity.scope][c.key] for c in GRAIN.summed_columns}
        assert identity.targets == expected, path.name
        target_row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "县下达任务")
        assert [sheet.cell(target_row, c).value for c in range(2, 7)] == list(expected.values())


def test_township_without_villages_gets_blank_rows(made):
    path = next(p for p in made["townships"] if p.name.startswith("国有场所"))
    book, sheet = main_sheet(path)
    layout = Layout(GRAIN, "国有场所", 20)
    assert sheet.cell(layout.total_row, 1).value == "合计"
    assert all(sheet.cell(r, 1).value is None and not sheet.cell(r, 1).protection.locked
               for r in layout.data_rows)


# -- other counties, bad config, usage ---------------------------------------------------
OTHER = """
county = "平江县"
year = 2026
townships = ["汉昌镇", "安定镇", "三市镇"]
units = ["农业农村局"]
password = "pj2026"
[villages]
"安定镇" = ["安定村", "桥头村"]
[targets.grain-plan]
"粮食总面积" = 80
"早稻面积" = 20.5
"""


def test_another_county_works_from_its_own_config(tmp_path):
    config = tmp_path / "fenjie.toml"
    config.write_text(OTHER, encoding="utf-8")
    path, = written(run("grain-plan", "--config", config, "-o", tmp_path))
    assert path.name == "平江县2026年粮食生产计划任务分解表.xlsx"
    book, sheet = main_sheet(path)
    assert sheet["A2"].value == "平江县2026年粮食生产计划任务分解表"
    assert [sheet.cell(r, 1).value for r in (5, 6, 7)] == ["汉昌镇", "安定镇", "三市镇"]
    assert sheet["A8"].value == "合计" and sheet["B8"].value == "=SUM(B5:B7)"
    assert [sheet.cell(10, c).value for c in range(2, 7)] == [80, 20.5, None, None, None]
    assert sheet.protection.password                  # configured: set (stored hashed)
    identity, _ = identity_of(book)
    assert (identity.county, identity.year, identity.targets) == \
        ("平江县", 2026, {"grain_area": 80, "early_rice_area": 20.5})

    county = tmp_path / "county.tsv"
    county.write_text("乡镇\t粮食总面积\t早稻面积\n汉昌镇\t30\t8\n安定镇\t30\t7.5\n三市镇\t20\t5\n",
                      encoding="utf-8")
    filled, = written(run("grain-plan", "--config", config, "--from", county, "-o", tmp_path / "c"))
    paths = written(run("grain-plan", "--per-township", "--from", filled, "--config", config,
                        "-o", tmp_path / "t"))
    assert [p.name for p in paths] == [f"{t}-2026年粮食生产计划任务分解表.xlsx" for t in ("汉昌镇", "安定镇", "三市镇")]
    book, sheet = main_sheet(paths[1])
    assert [sheet.cell(r, 1).value for r in (5, 6)] == ["安定村", "桥头村"]
    identity, _ = identity_of(book)
    assert identity.targets == {"grain_area": 30, "early_rice_area": 7.5}


@pytest.mark.parametrize("text, words", [
    ('year = 2025\ntownships = ["甲镇"]', "county"),
    ('county = "某县"\nyear = 2025\ntownships = ["甲镇", "乙镇", "甲镇"]', "重复"),
    ('county = "某县"\nyear = 2025\ntownships = ["甲镇"]\n[targets.grain-plan]\n"玉米面积" = 3', "玉米面积"),
    ('county = "某县"\nyear = "二〇二五"\ntownships = ["甲镇"]', "year"),
    ('county = "某县\nyear = 2025', "TOML"),
])
def test_bad_config_exits_2_with_a_chinese_message(tmp_path, text, words):
    config = tmp_path / "fenjie.toml"
    config.write_text(text, encoding="utf-8")
    result = run("grain-plan", "--config", config, "-o", tmp_path)
    assert result.exit_code == 2, result.output
    assert words in result.output and has_cjk(result.output) and "Traceback" not in result.output
    assert not list(tmp_path.glob("*.xlsx"))


@pytest.mark.parametrize("args, words", [
    (["grain-plan"], "--config"),
    (["grain-plan", "--config", "不存在.toml"], "找不到配置文件"),
    (["wheat-plan", "--config", CONFIG], "未知的表格类型"),
    (["grain-plan", "--per-township", "--config", CONFIG], "--from"),
    (["task-breakdown", "--per-township", "--config", CONFIG, "--from", TASK_TSV], "乡镇"),
    (["task-breakdown", "--config", CONFIG, "--from", "没有这个.tsv"], "找不到"),
    (["grain-plan", "--per-township", "--config", CONFIG, "--from", TASK_TSV], "县分解表"),
])
def test_usage_errors_exit_2_in_chinese(tmp_path, args, words):
    result = run(*args, "-o", tmp_path)
    assert result.exit_code == 2, result.output
    assert words in result.output and result.output.startswith("错误：")
    assert not list(tmp_path.glob("*.xlsx"))


def test_task_list_from_a_filled_table(made, tmp_path):
    path, = written(run("task-breakdown", "--config", CONFIG, "--from", made["task_filled"], "-o", tmp_path))
    _, again = main_sheet(path)
    _, first = main_sheet(made["task_filled"])
    assert [[c.value for c in row] for row in again.iter_rows(min_row=5, max_row=89)] == \
        [[c.value for c in row] for row in first.iter_rows(min_row=5, max_row=89)]


# -- the shipped examples ----------------------------------------------------------
def test_examples_are_what_build_py_writes(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_example", EXAMPLE / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert len(module.build(tmp_path / "all", templates=True)) == 4 + 16
    fresh = module.build(tmp_path)
    assert len(fresh) == 2
    for path in fresh:
        shipped = EXAMPLE / path.relative_to(tmp_path)
        assert shipped.is_file(), f"{shipped} 未提交：请运行 examples/xiangyin-2025/build.py"
        assert path.parent.name == "县分解表"
        new_book, old_book = openpyxl.load_workbook(path), openpyxl.load_workbook(shipped)
        assert new_book.sheetnames == old_book.sheetnames
        for new, old in zip(new_book.worksheets, old_book.worksheets):
            assert [[c.value for c in r] for r in new.iter_rows()] == \
                [[c.value for c in r] for r in old.iter_rows()], shipped.name


def test_formula_results_are_stored_for_readers_that_do_not_calculate(made):
    filled = openpyxl.load_workbook(made["grain_filled"], data_only=True).worksheets[0]
    assert [filled.cell(21, c).value for c in range(2, 7)] == pytest.approx([118, 39, 502000, 28.4, 6.0])
    assert [filled.cell(24, c).value for c in range(2, 7)] == [0, 0, 0, 0, 0]
    blank = openpyxl.load_workbook(made["grain_blank"], data_only=True).worksheets[0]
    assert [blank.cell(21, c).value for c in range(2, 7)] == [0, 0, 0, 0, 0]
    assert [blank.cell(24, c).value for c in range(2, 7)] == pytest.approx([-118, -39, -502000, -28.4, -6])
    formulas = openpyxl.load_workbook(made["grain_filled"]).worksheets[0]
    assert formulas["B21"].value == "=SUM(B5:B20)"          # the formula is still there


def test_the_checker_accepts_the_filled_county_table(made, config):
    from validators.batch import check_file
    result = check_file(made["grain_filled"], config=config)
    assert result.kind == "grain-plan" and not result.findings, [f.message for f in result.findings]
    blank_township = next(p for p in made["townships"] if p.name.startswith("国有场所"))
    layout = Layout(GRAIN, "国有场所", 20)
    result = check_file(blank_township, config=config)
    assert result.scope == "国有场所" and result.findings
    rows = {int(f.cell.lstrip("ABCDEFG")) for f in result.findings if f.cell}
    assert rows and max(rows) <= layout.total_row    # the live-check rows are not read as data rows


def test_the_from_table_is_never_overwritten(made, tmp_path):
    source = tmp_path / made["grain_filled"].name
    source.write_bytes(made["grain_filled"].read_bytes())
    before = source.read_bytes()
    result = run("grain-plan", "--config", CONFIG, "--from", source, "-o", tmp_path)
    assert result.exit_code == 2 and "不能覆盖" in result.output
    assert source.read_bytes() == before
