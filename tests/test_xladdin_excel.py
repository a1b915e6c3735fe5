"""Pressing 校验 in desktop Excel on Windows: xlwings' real `_xlwindows.py` engine and the
unmodified xladdin.main(), against the counting stand-in for Excel's COM object model
(tests/fakecom: pywin32 and Excel cannot run here). The oracle is `fenjie check`'s engine on
the same file; the stand-in enforces protection and counts every round trip to Excel.
"""
import importlib.util

import openpyxl
import pytest

from tests import fakecom
from tests.badinput import NUMBER_CASES, build
from tests.conftest import EXAMPLE, ROOT
from tests.fakecom.excel import ChartSheet, rgb_int, vt_error
from validators.batch import check_file
from xladdin import CALLER_FAILED
from xladdin.marks import FILLS, MARKS_SHEET
from xladdin.report import RESULTS_SHEET

CONFIG = EXAMPLE / "fenjie.toml"
COUNTY_TABLE = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
RETURNS = sorted((EXAMPLE / "报送").glob("*.xlsx"))
RED, YELLOW = rgb_int(FILLS["error"][1:]), rgb_int(FILLS["warning"][1:])


pytestmark = pytest.mark.usefixtures("fresh_addin")      # with_config: the example's fenjie.toml too


def benchmark_tables():
    spec = importlib.util.spec_from_file_location("addin_press", ROOT / "benchmarks" / "addin_press.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def grain(path, edit=None, sheet="粮食"):
    """A small clean 湘阴县 grain table (the bad-input set's), `edit(ws)` applied."""
    from tests.badinput import grain_table, write_xlsx
    write_xlsx(path, grain_table(), sheet=sheet)
    if edit:
        book = openpyxl.load_workbook(path)
        edit(book)
        book.save(path)
    return path


def findings_of(outcome):
    return [f.to_dict() for f in outcome.result.findings]


def engine_findings(path, config=None):
    return [f.to_dict() for f in check_file(path, config=config).findings]


def alerts():
    return [text for text, _, _ in fakecom.messages()]


def hidden_moves(book):
    """Sheets Excel was asked to move that are hidden (Excel refuses to move those)."""
    return [name for event, name, *_ in book.events
            if event == "move" and name in (MARKS_SHEET, "fenjie_id")]


# -- 3. adding 校验结果 and fenjie_marks moves no hidden sheet ---------------------------------

def test_first_press_on_a_fenjie_template_moves_no_hidden_sheet(tmp_path, with_config):
    outcome, excel, book = fakecom.press(COUNTY_TABLE)
    assert outcome.alert == "校验通过：没有发现问题。"
    assert hidden_moves(book) == []
    names = [s.name for s in book.sheets]
    assert names == ["粮食生产计划任务分解表", RESULTS_SHEET, MARKS_SHEET, "fenjie_id"]
    assert book.sheet(MARKS_SHEET).visible == 2 and book.sheet("fenjie_id").visible == 0
    assert book.active.name == "粮食生产计划任务分解表"
    assert book.sheet(RESULTS_SHEET).values[(1, 1)].startswith("校验时间")


def test_results_sheet_deleted_by_the_clerk_is_made_again_before_the_very_hidden_record(tmp_path, with_config):
    path = grain(tmp_path / "t.xlsx", lambda b: b["粮食"].__setitem__("B5", "22万亩"))
    _, excel, book = fakecom.press(path)
    book.sheets.remove(book.sheet(RESULTS_SHEET))          # the clerk deletes 校验结果
    outcome, excel, book = fakecom.press_again(excel, book)
    assert [s.name for s in book.sheets] == ["粮食", RESULTS_SHEET, MARKS_SHEET]
    assert hidden_moves(book) == []
    assert "错误 1 处" in outcome.alert and book.sheet("粮食").fills == {(5, 2): RED}


# -- 2. what can fail comes before any cell is coloured --------------------------------------

def test_protected_workbook_structure_is_a_chinese_alert_and_nothing_is_coloured(tmp_path, with_config):
    path = grain(tmp_path / "t.xlsx", lambda b: b["粮食"].__setitem__("B5", "22万亩"))

    def protect(excel, book):
        book.structure_protected = True
    outcome, excel, book = fakecom.press(path, prepare=protect)
    assert "工作簿的结构受保护" in outcome.alert and "取消保护工作簿" in outcome.alert
    assert book.sheet("粮食").fills == {} and book.sheet("粮食").notes == {}
    assert [s.name for s in book.sheets] == ["粮食"]
    assert alerts()[-1] == outcome.alert


def test_a_protected_results_sheet_is_a_chinese_alert_and_the_marks_stay_removable(tmp_path, with_config):
    path = grain(tmp_path / "t.xlsx", lambda b: b["粮食"].__setitem__("B5", "22万亩"))
    _, excel, book = fakecom.press(path)
    assert book.sheet("粮食").fills == {(5, 2): RED}
    table = book.sheet("粮食")
    table.values[(5, 2)] = 22.0                            # the clerk fixes B5 …
    book.sheet(RESULTS_SHEET).protected = True             # … and protects 校验结果
    outcome, excel, book = fakecom.press_again(excel, book)
    assert "「校验结果」工作表受保护" in outcome.alert
    book.sheet(RESULTS_SHEET).protected = False
    outcome, excel, book = fakecom.press_again(excel, book)
    assert outcome.alert == "校验通过：没有发现问题。" and table.fills == {} and table.notes == {}


def test_a_sheet_that_cannot_be_added_is_deleted_again_and_nothing_is_coloured(tmp_path, with_config,
                                                                                monkeypatch):
    from tests.fakecom import excel as fake
    path = grain(tmp_path / "t.xlsx", lambda b: b["粮食"].__setitem__("B5", "22万亩"))
    plain, added = fake.Sheets.Add, []

    def add_once(self, *args, **kwargs):    # Excel adds 校验结果, then refuses fenjie_marks
        if added:
            raise fake.refused("Add method of Sheets class failed")
        added.append(True)
        return plain(self, *args, **kwargs)
    monkeypatch.setattr(fake.Sheets, "Add", add_once)
    outcome, excel, book = fakecom.press(path)
    assert "没能添加「校验结果」工作表" in outcome.alert and "没有做任何标记" in outcome.alert
    assert [s.name for s in book.sheets] == ["粮食"]
    assert book.sheet("粮食").fills == {} and book.active.name == "粮食"


# -- 4-7. findings equal to `fenjie check`'s ----------------------------------------------------

def test_a_very_hidden_sheet_is_reported_like_fenjie_check(tmp_path, with_config):
    def hide(book):
        old = book.create_sheet("旧数据")
        old["A1"], old.sheet_state = "上一年的数", "veryHidden"
    path = grain(tmp_path / "t.xlsx", hide)
    outcome, excel, book = fakecom.press(path)
    assert book.sheet("旧数据").visible == 2
    assert "F002" in {f["code"] for f in findings_of(outcome)}
    assert findings_of(outcome) == engine_findings(path, with_config)


def test_currency_formatted_numbers_are_numbers(tmp_path, with_config):
    def currency(book):
        for row in book["粮食"].iter_rows(min_row=5, min_col=2):
            for cell in row:
                cell.number_format = '"¥"#,##0.00'
    path = grain(tmp_path / "t.xlsx", currency)
    outcome, excel, book = fakecom.press(path)
    from decimal import Decimal
    assert isinstance(book.sheet("粮食").values[(5, 2)], Decimal)
    assert findings_of(outcome) == engine_findings(path, with_config) == []


@pytest.mark.parametrize("error", ["#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#DIV/0!"])
def test_excel_365_errors_are_error_cells(error, tmp_path, with_config):
    path = grain(tmp_path / "t.xlsx", lambda b: b["粮食"].__setitem__("C7", "#DIV/0!"))
    expected = engine_findings(path, with_config)
    assert [f["code"] for f in expected if f["cell"] == "C7"] == ["F007"]

    def spill(excel, book):
        book.sheet("粮食").values[(7, 3)] = vt_error(error)
    outcome, excel, book = fakecom.press(path, prepare=spill)
    got = findings_of(outcome)
    assert [f["code"] for f in got] == [f["code"] for f in expected]
    assert [f["cell"] for f in got] == [f["cell"] for f in expected]
    assert not {"N008", "X001"} & {f["code"] for f in got}


def hidden_rows(rows):
    def hide(book):
        for row in rows:
            book["粮食"].row_dimensions[row].hidden = True
    return hide


def test_many_hidden_rows_are_read_area_by_area_past_the_255_character_address(tmp_path, with_config):
    from tests.badinput import grain_table
    table = grain_table() + [[f"村{i}", 1, 1, 1, 1, 1] for i in range(60)]
    from tests.badinput import write_xlsx
    path = write_xlsx(tmp_path / "t.xlsx", table, sheet="粮食")
    rows = list(range(23, 79, 2))                          # 28 hidden rows, 29 visible areas
    book = openpyxl.load_workbook(path)
    hidden_rows(rows)(book)
    book.save(path)
    outcome, excel, fake_book = fakecom.press(path)
    visible = fake_book.sheet("粮食").UsedRange.SpecialCells(12)
    assert len(visible.Address) == 255                     # Excel's cut-off: the address is incomplete
    f003 = [f for f in findings_of(outcome) if f["code"] == "F003"]
    assert len(f003) == len([f for f in engine_findings(path, with_config) if f["code"] == "F003"])
    assert findings_of(outcome) == engine_findings(path, with_config)


def test_hidden_rows_a_protected_sheet_will_not_show_are_named_in_the_alert(tmp_path, with_config):
    path = grain(tmp_path / "t.xlsx", hidden_rows([6]))

    def refuse(excel, book):
        sheet = book.sheet("粮食")
        sheet.protected = sheet.formatting_allowed = sheet.special_cells_refused = True
    outcome, excel, book = fakecom.press(path, prepare=refuse)
    assert "F003" not in {f["code"] for f in findings_of(outcome)}
    assert "没能读出工作表「粮食」哪些行被隐藏" in outcome.alert and "F003" in outcome.alert
    unprotected, *_ = fakecom.press(path)
    assert "F003" in {f["code"] for f in findings_of(unprotected)}


# -- 8. the alerts when there is nothing to check -------------------------------------------

def test_a_chart_sheet_active_is_a_chinese_alert(tmp_path, with_config):
    path = grain(tmp_path / "t.xlsx")

    def chart(excel, book):
        sheet = ChartSheet(book, "图表1")
        book.sheets.append(sheet)
        book.active = sheet
    outcome, excel, book = fakecom.press(path, prepare=chart)
    assert "图表工作表" in outcome.alert and "请点选要校验的分解表工作表" in outcome.alert
    assert [s.name for s in book.sheets] == ["粮食", "图表1"]


def test_book_caller_failing_is_a_chinese_message_box(tmp_path):
    import xladdin
    fakecom.install()
    before = len(fakecom.messages())
    assert xladdin.main() is None                          # no BOOK_CALLER, no --wb argument
    assert alerts()[before:] == [CALLER_FAILED]
    assert "启用编辑" in CALLER_FAILED
    log = (tmp_path / "log" / "xladdin.log").read_text(encoding="utf-8")
    assert "Book.caller" in log


# -- marks: fills kept, notes not rewritten --------------------------------------------------

def test_a_cell_gets_back_its_own_fill_and_a_mixed_group_is_split(tmp_path, with_config):
    def edits(book):
        ws = book["粮食"]
        for address in ("B5", "B6", "B8"):
            ws[address] = "1万亩"
        from openpyxl.styles import PatternFill
        ws["B6"].fill = PatternFill("solid", fgColor="00B050")
    path = grain(tmp_path / "t.xlsx", edits)
    original = {r: openpyxl.load_workbook(grain(tmp_path / "clean.xlsx"))["粮食"].cell(r, 2).value
                for r in (5, 6, 8)}
    _, excel, book = fakecom.press(path)
    table = book.sheet("粮食")
    assert {table.fills[(r, 2)] for r in (5, 6, 8)} == {RED}
    for row, value in original.items():             # the clerk puts the right numbers back
        table.values[(row, 2)] = float(value)
    outcome, excel, book = fakecom.press_again(excel, book)
    assert table.fills == {(6, 2): rgb_int("00B050")} and table.notes == {}


def test_an_unchanged_second_press_leaves_the_notes_alone(tmp_path, with_config):
    path = grain(tmp_path / "t.xlsx", lambda b: b["粮食"].__setitem__("B5", "22万亩"))
    _, excel, book = fakecom.press(path)
    note = book.sheet("粮食").notes[(5, 2)]
    outcome, excel, book = fakecom.press_again(excel, book)
    assert not [c for c in excel.log if "Comment" in c]
    assert book.sheet("粮食").notes == {(5, 2): note}
    assert [m.note for m in outcome.marks] == [True]


# -- the cost of a press ---------------------------------------------------------------------

BUDGETS = [(100, False, False, 100), (5000, False, False, 500), (5000, True, False, 800),
           (100, False, True, 120), (5000, False, True, 500)]


@pytest.mark.parametrize("rows, text_column, formatted, budget", BUDGETS,
                         ids=["100-rows", "5000-rows", "5000-marks", "100-rows-template", "5000-rows-template"])
def test_a_press_costs_a_bounded_number_of_calls(rows, text_column, formatted, budget, tmp_path):
    """`formatted`: laid out as fenjie's templates (title and unit line merged, numbers as 0.00),
    so the merged ranges and number formats are searched, not answered in one call."""
    path = benchmark_tables().write_table(tmp_path / "t.xlsx", rows, text_column=text_column,
                                          formatted=formatted)
    first, excel, book = fakecom.press(path)
    assert first.result is not None, first.alert
    first_calls = excel.calls
    second, excel, book = fakecom.press_again(excel, book)
    marks = len(first.marks)
    assert marks >= {100: 5, 5000: 250}[rows] if not text_column else marks >= 5000
    assert first_calls <= budget and excel.calls <= budget, (first_calls, excel.calls)
    assert len(second.marks) == marks


# -- the button's findings are `fenjie check`'s ------------------------------------------------

@pytest.mark.parametrize("path", RETURNS, ids=[p.stem for p in RETURNS])
def test_the_example_returns_give_fenjie_checks_findings(path, with_config):
    outcome, excel, book = fakecom.press(path)
    assert outcome.result is not None, outcome.alert
    assert findings_of(outcome) == engine_findings(path, with_config)


SAMPLE = [c for c in NUMBER_CASES if not c.soffice and c.filename.endswith(".xlsx")]


@pytest.mark.parametrize("case", SAMPLE, ids=[c.name for c in SAMPLE])
def test_the_bad_input_set_gives_fenjie_checks_findings(case, tmp_path, with_config):
    path = build(case, tmp_path)
    outcome, excel, book = fakecom.press(path)
    assert (case.code, case.cell) in {(f["code"], f["cell"]) for f in findings_of(outcome)}
    assert findings_of(outcome) == engine_findings(path, with_config)
    fill = book.sheet("Sheet1").fills[tuple(reversed(_col_row(case.cell)))]
    assert fill in (RED, YELLOW)


def _col_row(address):
    from templates.cells import cell_position
    row, col = cell_position(address)
    return col, row


def test_a_protected_sheet_that_forbids_formatting_marks_only_the_unlocked_cells(tmp_path, with_config):
    def edits(book):
        ws = book["粮食"]
        ws["B5"], ws["B21"] = "22万亩", 120            # an input cell and the 合计 row
    path = grain(tmp_path / "t.xlsx", edits)

    def protect(excel, book):
        sheet = book.sheet("粮食")
        sheet.protected, sheet.formatting_allowed = True, False
        sheet.unlocked = {(row, col) for row in range(5, 21) for col in range(2, 7)}
    outcome, excel, book = fakecom.press(path, prepare=protect)
    table = book.sheet("粮食")
    assert table.fills == {(5, 2): RED}
    assert "B21" in {f["cell"] for f in findings_of(outcome)}
    assert "个单元格在工作表受保护的区域" in outcome.alert
    assert [m.cell for m in outcome.marks] == [(5, 2)]
    assert excel.calls <= 100


def test_fills_too_mixed_to_read_are_left_unmarked_and_said_so(tmp_path, with_config, monkeypatch):
    from openpyxl.styles import PatternFill

    import xladdin.marks
    monkeypatch.setattr(xladdin.marks, "MAX_FILL_READS", 0)

    def edits(book):
        ws = book["粮食"]
        ws["B5"], ws["B6"] = "22万亩", "15.5万亩"
        ws["B6"].fill = PatternFill("solid", fgColor="00B050")
    path = grain(tmp_path / "t.xlsx", edits)
    outcome, excel, book = fakecom.press(path)
    assert book.sheet("粮食").fills == {(6, 2): rgb_int("00B050")}     # nothing overwritten
    assert "底色读不全" in outcome.alert
    assert {"B5", "B6"} <= {f["cell"] for f in findings_of(outcome)}
