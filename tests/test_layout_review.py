"""Correct grain-plan returns laid out as clerks really make them must not be flagged: the
「单位：亩、吨」 line above the table, a note line between the rows, a number shown as a time or
date, the 「其中：」 header wording, and the table given on two sheets."""
from __future__ import annotations

import openpyxl
import pytest

from tests.conftest import EXAMPLE
from validators.batch import check_file
from validators.county import read_assigned

COUNTY_TABLE = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
HEADERS = ["粮食总面积", "早稻面积", "粮食总产量", "早稻集中育秧", "专业化示范育秧"]
# 三塘镇's villages and their figures in 万亩 / 吨: the county assigns 4.4 / 1 / 18000 / 0.7 / 0.3
SANTANG = [
    ("严家山村", 0.61, 0.15, 2474, 0.11, 0.05), ("拦河坝社区", 0.1, 0, 393, 0, 0),
    ("新龙村", 0.72, 0.17, 3007, 0.12, 0.05), ("民岳村", 0.31, 0.07, 1245, 0.05, 0.02),
    ("白雪村", 0.51, 0.12, 2151, 0.08, 0.04), ("蒙古包社区", 0.1, 0, 397, 0, 0),
    ("金嵒村", 0.21, 0.05, 860, 0.04, 0.02), ("金嵩村", 0.51, 0.12, 2068, 0.08, 0.03),
    ("青草湖村", 0.41, 0.1, 1613, 0.07, 0.03), ("黄陵港村", 0.61, 0.15, 2548, 0.1, 0.04),
    ("龙华村", 0.31, 0.07, 1244, 0.05, 0.02)]
AREA = (0, 1, 3, 4)             # the 万亩 columns among the five figures


@pytest.fixture(scope="module")
def assigned():
    from templates.config import load_config
    config = load_config(EXAMPLE / "fenjie.toml")
    return config, read_assigned(COUNTY_TABLE, "grain-plan", config)


def santang(path, *, unit_line="单位：万亩、吨", headers=None, in_mu=False, between=None,
            below=None, setup=None, formulas=False):
    """三塘镇's own table as a clerk makes it: title, unit line, 序号 | 村名 | five figures, a
    合计 (its sums, or SUM formulas for LibreOffice to calculate), a 填报单位 line; `between` =
    (after which village, a row) inserted."""
    scale = [10000 if in_mu and i in AREA else 1 for i in range(5)]
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["三塘镇2025年粮食生产计划任务分解到村"])
    if unit_line:
        ws.append([unit_line])
    ws.append(["序号", "村名", *(headers or HEADERS)])
    first = ws.max_row + 1
    for number, (village, *figures) in enumerate(SANTANG, 1):
        ws.append([number, village, *(round(f * s, 6) for f, s in zip(figures, scale))])
        if between and between[0] == village:
            ws.append(list(between[1]))
    last = ws.max_row
    sums = [round(sum(row[i + 1] * scale[i] for row in SANTANG), 6) for i in range(5)]
    ws.append([None, "合计", *([f"=SUM({c}{first}:{c}{last})" for c in "CDEFG"] if formulas else sums)])
    for row in below or [["填报单位：三塘镇人民政府    填报人：王五"]]:
        ws.append(list(row))
    if setup:
        setup(book, ws)
    book.save(path)
    return path


def calculated(path, tmp_path):
    """The file as LibreOffice saves it: the 合计 formulas carry their results, as Excel's do."""
    from scripts.libreoffice import convert
    return convert([path], "xlsx", tmp_path / "lo")[0]


def found(path, assigned, **options):
    config, figures = assigned
    result = check_file(path, config=config, assigned=figures, **options)
    return result, sorted((f.code, f.cell) for f in result.findings)


# -- 1. the unit line above the table -----------------------------------------------------------

@pytest.mark.libreoffice
def test_a_unit_line_in_mu_converts_the_columns_without_units(tmp_path, assigned):
    path = calculated(santang(tmp_path / "三塘镇.xlsx", unit_line="单位：亩、吨", in_mu=True,
                              formulas=True), tmp_path)
    result, codes = found(path, assigned)
    assert codes == [("F014", "A2")] * 4, result.findings
    assert result.totals == {"grain_area": 4.4, "early_rice_area": 1, "grain_output": 18000,
                             "early_rice_seedling": 0.7, "demo_seedling": 0.3}
    assert "「粮食总面积」的单位是亩" in result.findings[0].message


@pytest.mark.libreoffice
def test_a_unit_line_in_mu_over_figures_in_wan_mu_is_still_wrong(tmp_path, assigned):
    """The line says 亩, the clerk wrote 万亩: 4.4 亩 is not the 4.4 万亩 assigned."""
    path = calculated(santang(tmp_path / "三塘镇.xlsx", unit_line="单位：亩、吨", formulas=True), tmp_path)
    codes = {code for code, _ in found(path, assigned)[1]}
    assert "T003" in codes


def test_units_in_the_headers_win_over_the_unit_line(tmp_path, assigned):
    headers = [h + ("(吨)" if h == "粮食总产量" else "(万亩)") for h in HEADERS]
    path = santang(tmp_path / "三塘镇.xlsx", unit_line="单位：亩、吨", headers=headers)
    assert found(path, assigned)[1] == []


def test_the_templates_unit_line_changes_nothing(tmp_path, assigned):
    path = santang(tmp_path / "三塘镇.xlsx", unit_line="单位：万亩、吨")
    assert found(path, assigned)[1] == []


def test_a_filler_line_above_the_table_is_no_unit_line(tmp_path, assigned):
    path = santang(tmp_path / "三塘镇.xlsx", unit_line="填报单位：三塘镇人民政府")
    assert found(path, assigned)[1] == []


def test_a_county_table_with_a_unit_line_in_mu_assigns_wan_mu(tmp_path, assigned):
    config, figures = assigned
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["湘阴县2025年粮食生产计划任务分解表"])
    ws.append(["单位：亩、吨"])
    ws.append(["乡镇(单位)", *HEADERS])
    rows = [[t, *(round(figures[t][k] * (10000 if i in AREA else 1), 6)
                  for i, k in enumerate(("grain_area", "early_rice_area", "grain_output",
                                         "early_rice_seedling", "demo_seedling")))]
            for t in config.townships]
    for row in rows:
        ws.append(row)
    ws.append(["合计", *(round(sum(r[i] for r in rows), 6) for i in range(1, 6))])
    book.save(tmp_path / "县表.xlsx")
    assert read_assigned(tmp_path / "县表.xlsx", "grain-plan", config) == figures


# -- 2. a note line between the rows --------------------------------------------------------------

NOTE = ["注：以下为新划入的村"]


def located(path):
    from validators.check.locate import locate_table
    from validators.read.workbook import read_workbook
    return locate_table(read_workbook(path).sheets[0])


def test_a_note_between_the_rows_does_not_end_the_table(tmp_path, assigned):
    path = santang(tmp_path / "三塘镇.xlsx", between=("蒙古包社区", NOTE))
    result, codes = found(path, assigned)
    assert codes == [], result.findings
    table = located(path)
    assert len(table.rows) == 11 and table.total_row.key == "合计"


@pytest.mark.libreoffice
def test_rows_below_the_note_are_checked(tmp_path, assigned):
    """The village below the note written wrong: its error found, the 合计 against all rows."""
    path = santang(tmp_path / "三塘镇.xlsx", between=("蒙古包社区", NOTE), formulas=True)
    book = openpyxl.load_workbook(path)
    book.active["C11"] = "0.21万亩"                 # 金嵒村, below the note: text, SUM skips it
    book.save(path)
    codes = found(calculated(path, tmp_path), assigned)[1]
    assert ("N004", "C11") in codes and ("T001", "C16") in codes


def test_a_note_under_the_total_still_ends_the_table(tmp_path):
    path = santang(tmp_path / "三塘镇.xlsx", below=[NOTE, [12, "新村", 1, 1, 1, 1, 1], [None, "合计", 1, 1, 1, 1, 1]])
    table = located(path)
    assert len(table.rows) == 11 and table.total_row.row == 15 and not table.other_totals


def test_a_note_before_a_second_table_ends_the_first(tmp_path):
    """Rows, a note, then another table with its own header and 合计: not one table."""
    path = santang(tmp_path / "三塘镇.xlsx", between=("蒙古包社区", NOTE))
    book = openpyxl.load_workbook(path)
    book.active.insert_rows(11)
    for col, text in enumerate(["序号", "村名", *HEADERS], 1):
        book.active.cell(11, col, text)
    book.save(path)
    table = located(path)
    assert len(table.rows) == 6 and table.total_row is None and table.later_header == 11


# -- 3. a number shown as a time or a date --------------------------------------------------------

def shown_as_time_and_date(book, ws):
    ws["C4"].number_format = "hh:mm:ss"              # 严家山村 0.61 万亩: 14:38:24
    ws["E4"].number_format = "yyyy-mm-dd"            # 严家山村 2474 吨: 1906-10-09


@pytest.mark.libreoffice
def test_numbers_shown_as_a_time_or_a_date_are_summed_as_numbers(tmp_path, assigned):
    path = calculated(santang(tmp_path / "三塘镇.xlsx", setup=shown_as_time_and_date, formulas=True),
                      tmp_path)
    result, codes = found(path, assigned)
    assert codes == [("N013", "C4"), ("N013", "E4")], result.findings
    assert [f.severity for f in result.findings] == ["warning", "warning"]
    time_finding, date_finding = result.findings
    assert "时间格式：显示为「14:38:24」，实际数值是 0.61" in time_finding.message
    assert "日期格式：显示为「1906-10-09」，实际数值是 2474" in date_finding.message
    assert result.totals["grain_area"] == 4.4 and result.totals["grain_output"] == 18000


def test_a_wrong_number_shown_as_a_time_is_still_wrong(tmp_path, assigned):
    def wrong(book, ws):
        ws["C4"] = 0.71                                  # 0.1 more than the typed 合计 counts
        ws["C4"].number_format = "hh:mm:ss"
    codes = found(santang(tmp_path / "三塘镇.xlsx", setup=wrong), assigned)[1]
    assert ("N013", "C4") in codes and ("T001", "C15") in codes


def test_date_serials():
    import datetime as dt

    from validators.check.numbers import date_serial
    assert date_serial(dt.time(14, 38, 24)) == 0.61
    assert date_serial(dt.time(14, 41, 46, 666000)) == 0.6123457
    assert date_serial(dt.date(2025, 1, 6)) == 45663
    assert date_serial(dt.datetime(1900, 1, 1, 14, 38, 24)) == 1.61        # the file reader's 1.61
    assert date_serial(dt.datetime(1899, 12, 30, 14, 38, 24)) == 0.61      # COM's 0.61
    assert date_serial(dt.date(1900, 3, 1)) == 61
    assert date_serial(dt.timedelta(days=1, hours=12)) == 1.5


# -- 4. the 「其中：」 and 「…面积」 header wordings ---------------------------------------------------

WORDED = ["粮食播种面积（万亩）", "其中：早稻面积（万亩）", "粮食产量（吨）", "早稻集中育秧面积（万亩）",
          "专业化示范育秧面积（万亩）"]


def test_other_header_wordings_are_the_right_columns(tmp_path, assigned):
    path = santang(tmp_path / "三塘镇.xlsx", headers=WORDED)
    assert found(path, assigned)[1] == []
    assert located(path).columns == {"unit": 2, "grain_area": 3, "early_rice_area": 4, "grain_output": 5,
                                     "early_rice_seedling": 6, "demo_seedling": 7}


def test_another_crop_after_qizhong_is_not_early_rice(tmp_path, assigned):
    headers = [h.replace("早稻面积", "晚稻面积") for h in WORDED]
    codes = found(santang(tmp_path / "三塘镇.xlsx", headers=headers), assigned)[1]
    assert ("F006", None) in codes and "early_rice_area" not in located(tmp_path / "三塘镇.xlsx").columns


# -- 5. the table on two sheets -------------------------------------------------------------------

SANTANG_RETURN = EXAMPLE / "报送" / "三塘镇-2025年粮食生产计划任务分解表.xlsx"


def two_sheets(tmp_path, edit_first=None, edit_copy=None):
    """三塘镇's filled template with a copy of its table on a second sheet 「修改后」, each sheet
    edited (cell -> value; None empties it), recalculated and saved by LibreOffice."""
    table = located(SANTANG_RETURN)
    numbers = {f"{col}{row.row}": None for row in table.rows for col in "BCDEF"}
    book = openpyxl.load_workbook(SANTANG_RETURN)
    first = book.worksheets[0]
    copy = book.copy_worksheet(first)
    copy.title = "修改后"
    for sheet, edits in ((first, edit_first), (copy, edit_copy)):
        for address, value in (numbers if edits == "blank" else edits or {}).items():
            sheet[address] = value
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "三塘镇.xlsx"
    book.save(path)
    return calculated(path, tmp_path)


@pytest.mark.libreoffice
def test_a_blank_first_sheet_is_not_checked_when_the_second_is_filled(tmp_path, assigned):
    path = two_sheets(tmp_path, edit_first="blank")
    result, codes = found(path, assigned)
    assert result.sheet == "修改后"
    assert codes == [("F011", None)] and result.findings[0].sheet == "粮食生产计划任务分解表", result.findings
    assert result.totals["grain_area"] == 4.4


@pytest.mark.libreoffice
def test_two_filled_copies_that_differ_are_an_error(tmp_path, assigned):
    path = two_sheets(tmp_path, edit_copy={"B5": 0.91, "B6": 0})     # 合计 still 4.4
    result, codes = found(path, assigned)
    assert codes == [("F018", "B5")], result.findings
    f018 = result.findings[0]
    assert f018.severity == "error" and f018.sheet == "修改后" and f018.value == "0.91"
    assert "在工作表「修改后」中是 0.91，在工作表「粮食生产计划任务分解表」中是 0.61" in f018.message
    assert result.status == "invalid"


@pytest.mark.libreoffice
def test_a_same_copy_or_a_blank_copy_after_the_table_is_a_warning(tmp_path, assigned):
    for edit in (None, "blank"):
        result, codes = found(two_sheets(tmp_path / str(edit), edit_copy=edit), assigned)
        assert result.sheet == "粮食生产计划任务分解表" and codes == [("F011", None)], result.findings


@pytest.mark.libreoffice
def test_a_county_table_with_two_copies_that_differ_is_refused(tmp_path, assigned):
    from validators.county import CountyTableProblem
    config, _ = assigned
    book = openpyxl.load_workbook(COUNTY_TABLE)
    copy = book.copy_worksheet(book.worksheets[0])
    copy.title = "修改后"
    copy["B5"], copy["B6"] = 23, 14.5                       # 新泉镇 22 -> 23, 湘滨镇 15.5 -> 14.5
    book.save(tmp_path / "县表.xlsx")
    with pytest.raises(CountyTableProblem) as refused:
        read_assigned(calculated(tmp_path / "县表.xlsx", tmp_path), "grain-plan", config)
    assert [f.code for f in refused.value.result.findings if f.severity == "error"] == ["F018"]


def test_another_table_on_another_sheet_is_no_copy(tmp_path, assigned):
    """The county's table (乡镇 rows) beside the township's own: not two versions of one, F011."""
    def county_sheet(book, ws):
        other = book.create_sheet("县表")
        for row in (["乡镇(单位)", *HEADERS], ["三塘镇", 4.4, 1, 18000, 0.7, 0.3],
                    ["石塘镇", 5.5, 1.5, 22000, 1, 0.35], ["合计", 9.9, 2.5, 40000, 1.7, 0.65]):
            other.append(row)
    result, codes = found(santang(tmp_path / "三塘镇.xlsx", setup=county_sheet), assigned)
    assert codes == [("F011", None)] and result.sheet == "Sheet", result.findings


def test_last_years_table_kept_beside_this_years_is_another_table_not_a_copy():
    """The review of 2026-11-29: a 「2024年」 sheet left before or after the 2025 table was F018
    (two versions, which is meant?); titles that name two years are two tables (F011)."""
    from tests.sheets import grain_rows
    from validators.check.workbook import check_workbook
    from validators.read.sheet import SheetData, WorkbookData
    this_year = grain_rows()
    last_year = [list(row) for row in grain_rows()]
    last_year[1] = ["湘阴县2024年粮食生产计划任务分解表"]
    last_year[4] = [last_year[4][0], 21.0, *last_year[4][2:]]
    for sheets in ((this_year, last_year), (last_year, this_year)):
        named = [SheetData(f"S{i}", rows) for i, rows in enumerate(sheets)]
        codes = {f.code for f in check_workbook(WorkbookData("县表.xlsx", named)).findings}
        assert "F018" not in codes and "F011" in codes, codes
    same_year = [list(row) for row in last_year]
    same_year[1] = this_year[1]
    codes = {f.code for f in check_workbook(WorkbookData("县表.xlsx", [SheetData("A", this_year),
                                                                       SheetData("B", same_year)])).findings}
    assert "F018" in codes


@pytest.mark.libreoffice
def test_numbers_shown_as_times_of_a_day_or_more_in_an_ods_are_their_numbers(tmp_path):
    """The review of 2026-11-29: in an .ods, 18000 t shown as h:mm is a time value of 18000 days,
    which calamine gives as the text PT432000H00M00S: it was N007 on every row and a false T001."""
    from tests.badinput import soffice_convert
    from tests.sheets import grain_rows
    book = openpyxl.Workbook()
    for row in grain_rows():
        book.active.append(row)
    for (cell,) in book.active["D5:D21"]:
        cell.number_format = "h:mm"
    book.save(tmp_path / "时间.xlsx")
    ods = soffice_convert([tmp_path / "时间.xlsx"], "ods", tmp_path / "ods")[0]
    codes = [f.code for f in check_file(ods).findings]
    assert "N007" not in codes and "T001" not in codes, codes
    assert codes.count("N013") == 17, codes
