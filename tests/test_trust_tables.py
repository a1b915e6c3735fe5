"""Issue 9, tables: silent passes and false errors on real .xlsx files (openpyxl and LibreOffice).

Each test writes a workbook the way clerks send them back and checks it through the file reader,
so the reader (merged ranges, number formats) and the table locator are exercised together.
"""
import csv

import openpyxl
import pytest

from tests.conftest import EXAMPLE
from validators.batch import check_file

GAZETTE = EXAMPLE / "gazette"
GRAIN_HEADER = ["乡镇(单位)", "粮食总面积(万亩)", "早稻面积(万亩)", "粮食总产量(吨)",
                "早稻集中育秧(万亩)", "专业化示范育秧(万亩)"]
TOTALS = {"grain_area": 118, "early_rice_area": 39, "grain_output": 502000,
          "early_rice_seedling": 28.4, "demo_seedling": 6.0}


def _tsv(name):
    with open(GAZETTE / name, encoding="utf-8") as handle:
        return list(csv.reader(handle, delimiter="\t"))


def _number(text):
    return float(text) if "." in text else int(text)


def township_rows():
    """The 16 rows of the gazette's grain plan (without its 合计)."""
    return [[row[0], *map(_number, row[1:])] for row in _tsv("xiangyin-2025-grain-plan.tsv")[1:-1]]


def total_row(label="合计", rows=None):
    rows = rows or township_rows()
    return [label, *(round(sum(r[i] for r in rows), 6) for i in range(1, 6))]


def write(path, rows, *, title="湘阴县2025年粮食生产计划任务分解表", sheet="Sheet1", setup=None):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in ([["附件"], [title]] if title else []) + rows:
        ws.append(row)
    if setup:
        setup(book, ws)
    book.save(path)
    return path


def codes(result):
    return sorted((f.code, f.cell) for f in result.findings)


def check(path, config=None, **options):
    return check_file(path, config=config, **options)


# -- 12. 合计 labels by pattern ---------------------------------------------------------------

@pytest.mark.parametrize("label", ["合计：", "合计(全县)", "全县总计", "总计", "合  计", "合计（全县）",
                                   "全县合计:", "湘阴县合计", "全县"])
def test_total_label_variants_are_the_total(tmp_path, label, example_config):
    path = write(tmp_path / "县表.xlsx", [GRAIN_HEADER, *township_rows(), total_row(label)])
    result = check(path, example_config)
    assert result.findings == []
    assert result.totals == TOTALS            # not doubled by the 合计 row summed as data


def test_a_name_with_ji_is_a_row_not_a_total(tmp_path):
    header = ["村(社区)", *GRAIN_HEADER[1:]]
    rows = [["计家村", 2, 1, 10000, 1, 0.5], ["总丰村", 3, 1, 15000, 1, 0.5], ["全福村", 1, 0, 5000, 0, 0]]
    path = write(tmp_path / "新泉镇.xlsx", [header, *rows, total_row("合计", rows)])
    result = check(path)
    assert result.findings == [] and result.totals["grain_area"] == 6


# -- 11. 小计 rows ------------------------------------------------------------------------------

def grouped(subtotal_edit=None, total_edit=None):
    """East group (rows 1-8) with its 小计, west group (rows 9-16) with its 小计, then 合计."""
    rows = township_rows()
    east, west = rows[:8], rows[8:]
    east_total, west_total = total_row("东片小计", east), total_row("西片小计", west)
    grand = total_row("合计", rows)
    if subtotal_edit:
        west_total[subtotal_edit[0]] = subtotal_edit[1]
    if total_edit:
        grand[total_edit[0]] = total_edit[1]
    return [GRAIN_HEADER, *east, east_total, *west, west_total, grand]


def test_subtotals_check_clean(tmp_path, example_config):
    result = check(write(tmp_path / "县表.xlsx", grouped()), example_config)
    assert result.findings == [] and result.totals == TOTALS


def test_a_wrong_subtotal_is_found_against_its_own_group(tmp_path, example_config):
    # 西片小计 is on Excel row 21 (title 2 rows, header row 3, 8 rows, 小计 row 12, 8 rows)
    result = check(write(tmp_path / "县表.xlsx", grouped(subtotal_edit=(1, 30))), example_config)
    found = [f for f in result.findings if f.code == "T010"]
    assert [(f.cell, f.suggestion) for f in found] == [("B21", "23.7")]
    assert codes(result) == [("T010", "B21")]


def test_a_total_that_counts_the_subtotals_too_is_wrong(tmp_path, example_config):
    result = check(write(tmp_path / "县表.xlsx", grouped(total_edit=(1, 236))), example_config)
    t001 = [f for f in result.findings if f.code == "T001"]
    assert [(f.cell, f.suggestion) for f in t001] == [("B22", "118")]
    assert not [f for f in result.findings if f.code == "T010"]


def test_rows_after_the_first_subtotal_are_checked(tmp_path, example_config):
    rows = grouped()
    rows[10][3] = "２２０００"           # 石塘镇's 粮食总产量 in full-width digits, second group
    result = check(write(tmp_path / "县表.xlsx", rows), example_config)
    assert ("N002", "D13") in codes(result)


def test_subtotals_above_their_groups(tmp_path, example_config):
    rows = township_rows()
    east, west = rows[:8], rows[8:]
    table = [GRAIN_HEADER, total_row("合计", rows), total_row("东片小计", east), *east,
             total_row("西片小计", west), *west]
    assert check(write(tmp_path / "县表.xlsx", table), example_config).findings == []
    table[11][1] = 29                     # 西片小计 (Excel row 14): the group adds up to 23.7
    assert codes(check(write(tmp_path / "县表2.xlsx", table), example_config)) == [("T010", "B14")]


# -- 13. one mistyped 序号, one finding ------------------------------------------------------------

TASK_HEADER = [["序号", "目标任务", "责任领导", "牵头单位", "相关单位", "责任人", None],
               [None, None, None, None, None, "县政府", "牵头单位"]]


def task_rows():
    return [[int(t[0]), *[c or None for c in t[1:]]] for t in _tsv("xiangyin-2025-task-breakdown.tsv")[1:]]


def test_a_repeated_sequence_number_is_one_finding(tmp_path):
    tasks = task_rows()
    tasks[16][0] = 16                       # …15, 16, 16, 18…: task 17 typed as 16 (Excel row 21)
    path = write(tmp_path / "任务.xlsx", [*TASK_HEADER, *tasks], title="目标任务分解表")
    found = [f for f in check(path).findings if f.code == "K005"]
    assert [(f.cell, f.suggestion) for f in found] == [("A21", "17")]


def test_a_missing_sequence_number_is_one_finding_without_a_wrong_suggestion(tmp_path):
    tasks = [t for t in task_rows() if t[0] != 17]
    path = write(tmp_path / "任务.xlsx", [*TASK_HEADER, *tasks], title="目标任务分解表")
    found = [f for f in check(path).findings if f.code == "K005"]
    assert [(f.cell, f.suggestion) for f in found] == [("A21", None)]
    assert "缺少序号 17" in found[0].message


# -- 14. units in a cell: convert what the column knows, never a wrong suggestion -------------

@pytest.mark.parametrize("cell, column, text, code, suggestion", [
    ("D4", 3, "9.5万吨", "N004", "95000"),
    ("D4", 3, "95000吨", "N004", "95000"),
    ("D4", 3, "9500万公斤", "N004", "95000"),
    ("B4", 1, "220000亩", "N004", "22"),
    ("B4", 1, "22万亩", "N004", "22"),
    ("B4", 1, "约22万亩", "N005", "22"),
    ("B4", 1, "10%", "N011", None),
    ("B4", 1, "22吨", "N011", None),
])
def test_units_written_in_a_cell(tmp_path, cell, column, text, code, suggestion):
    rows = township_rows()
    rows[0][column] = text
    path = write(tmp_path / "县表.xlsx", [GRAIN_HEADER, *rows, total_row("合计")])
    result = check(path)
    found = [f for f in result.findings if f.cell == cell]
    assert [(f.code, f.suggestion) for f in found] == [(code, suggestion)]
    if suggestion is None:            # the rows' sum lacks that cell: no 合计 to suggest either
        assert [f.suggestion for f in result.findings if f.code == "T001"] == [None]


def test_a_header_unit_decides_the_conversion(tmp_path):
    header = [*GRAIN_HEADER[:3], "粮食总产量(万吨)", *GRAIN_HEADER[4:]]
    rows = [[r[0], r[1], r[2], r[3] / 10000, r[4], r[5]] for r in township_rows()]
    rows[0][3] = "95000吨"
    path = write(tmp_path / "县表.xlsx", [header, *rows, total_row("合计", township_rows())])
    found = [f for f in check(path).findings if f.cell == "D4"]
    assert [(f.code, f.suggestion) for f in found] == [("N004", "9.5")]
    assert [(f.code, f.cell) for f in check(path).findings if f.code == "F014"] == [("F014", "D3")]


def test_no_yield_from_text_operands(tmp_path):
    rows = township_rows()
    rows[0][3] = "9.5万吨"                  # 亩产 from the text would be 4 kg/亩 on main
    path = write(tmp_path / "县表.xlsx", [GRAIN_HEADER, *rows, total_row("合计")])
    assert not [f for f in check(path).findings if f.code == "P001"]


# -- 9. values merged down over several tasks ------------------------------------------------

def merge_runs(ws, first_row, last_row, columns):
    """The print layout: equal neighbouring values in a column merged into one cell."""
    merged = 0
    for col in columns:
        row = first_row
        while row <= last_row:
            value, end = ws.cell(row, col).value, row
            while end + 1 <= last_row and value is not None and ws.cell(end + 1, col).value == value:
                end += 1
            if end > row:
                for covered in range(row + 1, end + 1):
                    ws.cell(covered, col).value = None
                ws.merge_cells(start_row=row, start_column=col, end_row=end, end_column=col)
                merged += 1
            row = end + 1
    assert merged > 20
    return merged


def task_table(path, merged):
    rows = [*TASK_HEADER, *task_rows()]

    def setup(book, ws):
        ws.merge_cells("F3:G3")
        for col in range(1, 6):
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
        if merged:
            merge_runs(ws, 5, ws.max_row, (3, 4, 5, 6, 7))
    return write(path, rows, title="县十八届人大五次会议政府工作报告目标任务分解表", setup=setup)


def libreoffice_copy(path, fmt, tmp_path):
    """`path` opened and saved again by LibreOffice (as .xlsx, .ods or .xls)."""
    from scripts.libreoffice import convert
    filters = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "ods": "ods", "xls": "xls:MS Excel 97"}
    return convert([path], filters[fmt], tmp_path / f"lo-{fmt}", timeout=300)[0]


def pairs(result):
    return sorted((f.code, f.cell, f.suggestion) for f in result.findings)


def test_merged_leaders_and_units_apply_to_every_row_they_cover(tmp_path, example_config):
    plain = check(task_table(tmp_path / "逐行填写.xlsx", merged=False), example_config)
    merged = check(task_table(tmp_path / "合并单元格.xlsx", merged=True), example_config)
    assert [f for f in plain.findings if f.code in ("K001", "K002", "K003")]    # the real gaps
    assert pairs(merged) == pairs(plain)


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls"])
def test_merged_cells_saved_by_libreoffice(tmp_path, fmt, example_config):
    plain = check(task_table(tmp_path / "逐行填写.xlsx", merged=False), example_config)
    saved = libreoffice_copy(task_table(tmp_path / "合并单元格.xlsx", merged=True), fmt, tmp_path)
    assert pairs(check(saved, example_config)) == pairs(plain)


def test_a_merged_number_is_not_counted_twice(tmp_path):
    """Numbers merged over two rows are summed once, as Excel does: the covered cell is empty."""
    rows = township_rows()

    def setup(book, ws):
        ws["B5"] = None
        ws.merge_cells("B4:B5")
    path = write(tmp_path / "县表.xlsx", [GRAIN_HEADER, *rows, total_row("合计")], setup=setup)
    assert ("N009", "B5") in codes(check(path))


# -- 10. units under the header, a header grouped over two rows ------------------------------

def test_units_in_a_second_header_row(tmp_path, example_config):
    header = ["乡镇(单位)", "粮食总面积", "早稻面积", "粮食总产量", "早稻集中育秧", "专业化示范育秧"]
    units = ["单位", "万亩", "万亩", "吨", "（万亩）", "万亩"]
    path = write(tmp_path / "县表.xlsx", [header, units, *township_rows(), total_row()])
    result = check(path, example_config)
    assert result.findings == [] and result.totals == TOTALS


def test_a_unit_row_sets_the_unit_a_cell_is_converted_to(tmp_path):
    header = ["乡镇(单位)", "粮食总面积", "早稻面积", "粮食总产量", "早稻集中育秧", "专业化示范育秧"]
    units = [None, "万亩", "万亩", "万吨", "万亩", "万亩"]
    rows = [[r[0], r[1], r[2], r[3] / 10000, r[4], r[5]] for r in township_rows()]
    rows[0][3] = "95000吨"
    path = write(tmp_path / "县表.xlsx", [header, units, *rows, total_row("合计", township_rows())])
    found = [f for f in check(path).findings if f.cell == "D5"]
    assert [(f.code, f.suggestion) for f in found] == [("N004", "9.5")]
    assert "万吨" in next(f.message for f in check(path).findings if f.code == "F014")


GROUPED = [["乡镇(单位)", "面积(万亩)", None, "粮食总产量(吨)", "早稻集中育秧(万亩)", "专业化示范育秧(万亩)"],
           [None, "粮食总面积", "早稻面积", None, None, None]]


@pytest.mark.parametrize("merged", [True, False], ids=["merged", "blank"])
def test_a_grouped_two_row_header(tmp_path, merged, example_config):
    def setup(book, ws):
        if merged:
            ws.merge_cells("B3:C3")
            for col in "ADEF":
                ws.merge_cells(f"{col}3:{col}4")
    path = write(tmp_path / "县表.xlsx", [*GROUPED, *township_rows(), total_row()], setup=setup)
    result = check(path, example_config)
    assert result.findings == [] and result.totals == TOTALS


@pytest.mark.libreoffice
def test_a_grouped_header_saved_by_libreoffice_as_ods(tmp_path, example_config):
    def setup(book, ws):
        ws.merge_cells("B3:C3")
        for col in "ADEF":
            ws.merge_cells(f"{col}3:{col}4")
    path = write(tmp_path / "县表.xlsx", [*GROUPED, *township_rows(), total_row()], setup=setup)
    result = check(libreoffice_copy(path, "ods", tmp_path), example_config)
    assert result.findings == [] and result.totals == TOTALS


# -- 6. what the first table hides: a second table, another sheet, a column twice, a % cell ---

def test_a_second_table_below_the_first_is_reported(tmp_path, example_config):
    second = [[None], ["湘阴县2025年粮食生产计划任务分解表（修改）"], GRAIN_HEADER,
              *[[r[0], *[v * 2 for v in r[1:]]] for r in township_rows()], total_row()]
    path = write(tmp_path / "县表.xlsx", [GRAIN_HEADER, *township_rows(), total_row(), *second])
    result = check(path, example_config)
    assert codes(result) == [("F010", "A23")]
    assert result.findings[0].severity == "warning"


def test_a_table_on_a_second_sheet_is_reported(tmp_path, example_config):
    def setup(book, ws):
        other = book.create_sheet("修改后")
        for row in [GRAIN_HEADER, *township_rows(), total_row()]:
            other.append(row)
    path = write(tmp_path / "县表.xlsx", [GRAIN_HEADER, *township_rows(), total_row()], setup=setup)
    result = check(path, example_config)
    assert [(f.code, f.sheet) for f in result.findings] == [("F011", "修改后")]


def test_a_duplicated_column_with_other_numbers_is_an_error(tmp_path, example_config):
    header = [*GRAIN_HEADER, "粮食总面积(万亩)"]
    rows = [[*r, 999] for r in township_rows()]
    path = write(tmp_path / "县表.xlsx", [header, *rows, [*total_row(), 999 * 16]])
    result = check(path, example_config)
    assert [(f.code, f.cell, f.severity) for f in result.findings] == [("F012", "G4", "error")]


def test_a_second_sequence_column_is_not_a_duplicate(tmp_path):
    header = ["序号", "编号", "目标任务", "责任领导", "牵头单位", "相关单位", "责任人", None]
    sub = [None, None, None, None, None, None, "县政府", "牵头单位"]
    tasks = [[t[0], f"A-{t[0]}", *t[1:]] for t in task_rows()]
    path = write(tmp_path / "任务.xlsx", [header, sub, *tasks], title="目标任务分解表")
    assert not [f for f in check(path).findings if f.code.startswith("F01")]


def test_a_duplicated_column_with_the_same_numbers_is_a_warning(tmp_path, example_config):
    header = [*GRAIN_HEADER, "粮食播种面积"]
    rows = [[*r, r[1]] for r in township_rows()]
    path = write(tmp_path / "县表.xlsx", [header, *rows, [*total_row(), 118]])
    result = check(path, example_config)
    assert [(f.code, f.cell, f.severity) for f in result.findings] == [("F013", "G3", "warning")]


def test_a_percent_formatted_cell_in_an_area_column(tmp_path, example_config):
    def setup(book, ws):
        ws["C4"].number_format = "0%"          # 新泉镇 早稻面积 9 shows as 900%
    path = write(tmp_path / "县表.xlsx", [GRAIN_HEADER, *township_rows(), total_row()], setup=setup)
    result = check(path, example_config)
    assert [(f.code, f.cell, f.severity) for f in result.findings] == [("N012", "C4", "warning")]
    assert "900%" in result.findings[0].message


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_a_percent_cell_saved_by_libreoffice(tmp_path, fmt, example_config):
    def setup(book, ws):
        ws["C4"].number_format = "0.0%"
    path = write(tmp_path / "县表.xlsx", [GRAIN_HEADER, *township_rows(), total_row()], setup=setup)
    result = check(libreoffice_copy(path, fmt, tmp_path), example_config)
    assert [(f.code, f.cell) for f in result.findings] == [("N012", "C4")]


def test_group_headings_above_their_rows_are_not_rows(tmp_path, example_config):
    rows = township_rows()
    east, west = rows[:8], rows[8:]
    table = [GRAIN_HEADER, ["一、东片"], *east, total_row("东片小计", east),
             ["（二）西片", None, None], *west, total_row("西片小计", west), total_row("合计", rows)]
    result = check(write(tmp_path / "县表.xlsx", table), example_config)
    assert result.findings == [] and result.totals == TOTALS


def test_group_headings_and_subtotals_above_their_groups(tmp_path, example_config):
    rows = township_rows()
    east, west = rows[:8], rows[8:]
    table = [GRAIN_HEADER, total_row("合计", rows), ["一、东片"], total_row("东片小计", east), *east,
             ["二、西片"], total_row("西片小计", west), *west]
    result = check(write(tmp_path / "县表.xlsx", table), example_config)
    assert result.findings == [] and result.totals == TOTALS
