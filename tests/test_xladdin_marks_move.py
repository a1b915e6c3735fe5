"""Marks follow the cell: rows inserted or deleted, the sheet renamed or protected between presses.

Driven like tests/test_xladdin_excel.py: xlwings' real Windows engine and the unmodified
xladdin.main() over the counting COM stand-in, which moves values, fills, notes and formula
references on a row insert/delete and follows a sheet rename the way Excel does.
"""
import openpyxl
import pytest

from tests import fakecom
from tests.badinput import grain_table, write_xlsx
from tests.conftest import EXAMPLE
from tests.fakecom.excel import Excel, Workbook, Worksheet, rgb_int
from tests.support.addin_home import isolate_addin
from xladdin.marks import FILLS, MARKS_SHEET, Mark, decode, encode
from xladdin.report import RESULTS_SHEET

RED = rgb_int(FILLS["error"][1:])
GREEN = rgb_int("00B050")
PASSED = "校验通过：没有发现问题。"


@pytest.fixture(autouse=True)
def configured(tmp_path, monkeypatch):
    isolate_addin(monkeypatch, tmp_path, EXAMPLE / "fenjie.toml")


def pressed_with_b5_wrong(tmp_path):
    """A grain table whose B5 says "22万亩", pressed once: (right value, excel, book, table)."""
    path = write_xlsx(tmp_path / "t.xlsx", grain_table(), sheet="粮食")
    book = openpyxl.load_workbook(path)
    right = float(book["粮食"]["B5"].value)
    book["粮食"]["B5"] = "22万亩"
    book.save(path)
    _, excel, fake_book = fakecom.press(path)
    table = fake_book.sheet("粮食")
    assert table.fills == {(5, 2): RED} and list(table.notes) == [(5, 2)]
    return right, excel, fake_book, table


def recorded(book):
    return decode(book.sheet(MARKS_SHEET).UsedRange.Formula)[1]


# -- the stand-in moves cells and references like Excel ----------------------------------------

def test_the_stand_in_moves_cells_and_references_on_insert_delete_and_rename():
    excel = Excel()
    book = Workbook(excel, "b.xlsx")
    table, other = Worksheet(book, "粮食"), Worksheet(book, "记录")
    book.sheets += [table, other]
    table.values[(5, 2)], table.fills[(5, 2)], table.notes[(5, 2)] = 3.0, RED, "n"
    other.Range("A1:A2").Formula = [["='粮食'!$B$5"], ["='粮食'!$B$2"]]
    assert other.Range("A1").Value == 3.0
    table.insert_rows(3, 2)
    assert (table.values, table.fills, table.notes) == ({(7, 2): 3.0}, {(7, 2): RED}, {(7, 2): "n"})
    assert other.Range("A1:A2").Formula == (("='粮食'!$B$7",), ("='粮食'!$B$2",))
    table.delete_rows(2)
    assert other.Range("A1:A2").Formula == (("='粮食'!$B$6",), ("='粮食'!#REF!",))
    table.rename("粮食2025")
    assert other.Range("A1").Formula == "='粮食2025'!$B$6" and other.Range("A1").Value == 3.0


def test_the_record_holds_a_reference_per_mark_and_an_old_record_still_reads():
    mark = Mark("粮'食", (5, 2), None, "error", True, "fenjie 校验：x")
    rows = encode("粮'食", [mark], references=True)
    assert rows[2][5] == "='粮''食'!$B$5"
    assert decode(rows) == ("粮'食", [mark])
    assert decode([row[:5] for row in rows]) == ("粮'食", [mark])
    moved = [row[:5] + ["=粮食2025!$B$9"] for row in rows]
    assert decode(moved) == ("粮食2025", [Mark("粮食2025", (9, 2), None, "error", True, "fenjie 校验：x")])
    deleted = rows[:2] + [rows[2][:5] + ["='粮''食'!#REF!"]]
    assert decode(deleted) == ("粮'食", [])


# -- 1. rows inserted or deleted between presses ---------------------------------------------

def test_a_row_inserted_above_a_mark_moves_the_mark_and_fixing_it_clears_it(tmp_path):
    right, excel, book, table = pressed_with_b5_wrong(tmp_path)
    note = table.notes[(5, 2)]
    table.insert_rows(2)                                   # the clerk inserts a row at the top
    assert table.fills == {(6, 2): RED}
    outcome, excel, book = fakecom.press_again(excel, book)    # B6 still wrong: marked once
    assert table.fills == {(6, 2): RED} and table.notes == {(6, 2): note}
    assert [m.cell for m in recorded(book)] == [(6, 2)]
    table.fills[(5, 2)] = GREEN                            # the clerk's own fill on the cell above
    table.values[(6, 2)] = right                           # and the wrong cell fixed
    outcome, excel, book = fakecom.press_again(excel, book)
    assert outcome.alert == PASSED
    assert table.fills == {(5, 2): GREEN} and table.notes == {}
    assert recorded(book) == []


def test_a_row_deleted_above_a_mark_moves_the_mark_and_fixing_it_clears_it(tmp_path):
    right, excel, book, table = pressed_with_b5_wrong(tmp_path)
    table.insert_rows(30)                                  # an empty row below the table: nothing moves
    table.delete_rows(30)
    table.values[(40, 1)] = "备注"                          # keeps the row count after the delete
    table.delete_rows(3)                                   # a row above the mark goes
    table.values[(4, 2)] = right
    outcome, excel, book = fakecom.press_again(excel, book)
    assert table.fills == {} and table.notes == {}
    assert recorded(book) == []


def test_a_deleted_marked_row_leaves_nothing_to_restore(tmp_path):
    right, excel, book, table = pressed_with_b5_wrong(tmp_path)
    table.fills[(6, 2)] = GREEN                            # the clerk's fill on the next row
    table.insert_rows(6)                                   # a new row for the 村 after B5's
    table.values.update({(6, 1): table.values[(5, 1)], (6, 2): right})
    table.values.update({(6, c): table.values[(5, c)] for c in range(3, 7) if (5, c) in table.values})
    table.delete_rows(5)                                   # the wrong row itself goes
    assert table.fills == {(6, 2): GREEN}
    outcome, excel, book = fakecom.press_again(excel, book)
    assert table.fills == {(6, 2): GREEN} and table.notes == {}
    assert recorded(book) == []


# -- 2. the sheet renamed between presses ----------------------------------------------------

def test_renaming_the_sheet_keeps_the_marks_removable(tmp_path):
    right, excel, book, table = pressed_with_b5_wrong(tmp_path)
    table.rename("粮食2025")
    table.values[(5, 2)] = right
    outcome, excel, book = fakecom.press_again(excel, book)
    assert outcome.alert == PASSED
    assert table.fills == {} and table.notes == {}
    assert recorded(book) == []


def test_pressing_on_the_results_sheet_after_a_rename_checks_the_renamed_sheet(tmp_path):
    right, excel, book, table = pressed_with_b5_wrong(tmp_path)
    table.rename("粮食2025")
    book.active = book.sheet(RESULTS_SHEET)
    outcome, excel, book = fakecom.press_again(excel, book)
    assert outcome.sheet == "粮食2025" and "错误 1 处" in outcome.alert
    assert table.fills == {(5, 2): RED} and len(table.notes) == 1


# -- 3. the sheet protected between presses --------------------------------------------------

def test_a_note_protection_keeps_stays_recorded_and_goes_once_unprotected(tmp_path):
    right, excel, book, table = pressed_with_b5_wrong(tmp_path)
    table.values[(5, 2)] = right
    table.protected = table.formatting_allowed = True      # notes can't be deleted, fills can
    outcome, excel, book = fakecom.press_again(excel, book)
    assert outcome.alert.startswith(PASSED)
    assert "上一次校验留下的 1 处标记" in outcome.alert and "取消工作表保护" in outcome.alert
    assert list(table.notes) == [(5, 2)] and table.fills == {}
    assert [(m.cell, m.note) for m in recorded(book)] == [((5, 2), True)]
    table.protected = False
    outcome, excel, book = fakecom.press_again(excel, book)
    assert outcome.alert == PASSED
    assert table.notes == {} and table.fills == {} and recorded(book) == []


def test_an_out_of_date_note_protection_keeps_is_replaced_once_unprotected(tmp_path):
    right, excel, book, table = pressed_with_b5_wrong(tmp_path)
    old = table.notes[(5, 2)]
    table.values[(5, 2)] = "33万亩"                         # still wrong, another message
    table.protected = table.formatting_allowed = True
    outcome, excel, book = fakecom.press_again(excel, book)
    assert "上一次校验留下的 1 处标记" in outcome.alert
    assert table.notes == {(5, 2): old} and table.fills[(5, 2)] == RED
    table.protected = False
    outcome, excel, book = fakecom.press_again(excel, book)
    assert "没能清除" not in outcome.alert
    assert "33" in table.notes[(5, 2)] and table.notes[(5, 2)] != old
    table.values[(5, 2)] = right
    outcome, excel, book = fakecom.press_again(excel, book)
    assert outcome.alert == PASSED and table.notes == {} and table.fills == {}
