"""The read edge: the open workbook (through xlwings) -> validators.sheet.WorkbookData.

The active sheet's used range is read once, as values, so unsaved edits are checked too; the
hidden identity sheet (fenjie_id), when present, is read once more for the template's kind
and targets, and so is any other hidden sheet (rare), which `fenjie check` warns about. The values are shaped exactly as validators.reader shapes a file's, so the
engine sees the same data from Excel as from the saved file.
"""
from __future__ import annotations

import sys

from templates.identity import IDENTITY_SHEET
from validators.engine import OUR_SHEETS_PREFIX
from validators.sheet import CellError, SheetData, WorkbookData
from xladdin.cells import rows_in

ERROR_TEXTS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!",
                         "#DATA!", "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!",
                         "#CONNECT!", "#BUSY!", "#UNKNOWN!"})




class TooLarge(Exception):
    """The used range holds more cells than the configured limit."""

    def __init__(self, sheet: str, cells: int, limit: int):
        super().__init__(sheet)
        self.sheet, self.cells, self.limit = sheet, cells, limit


def read_sheet(sheet, max_cells: int) -> SheetData:
    """The used range of an xlwings sheet as SheetData, origin at its first non-empty cell."""
    used = sheet.used_range
    rows, cols = used.shape
    if rows * cols > max_cells:
        raise TooLarge(sheet.name, rows * cols, max_cells)
    values = used.options(ndim=2, err_to_str=True).value or []
    data = sheet_data(sheet.name, values, used.row, used.column)
    data.hidden_rows = hidden_rows(sheet, used)
    return data


def hidden_rows(sheet, used) -> frozenset[int]:
    """Hidden rows of the used range, in one call; desktop Excel on Windows only.

    Elsewhere (Excel for Mac, the remote engine) none are reported: rule F003 then comes only
    from `fenjie check` on the saved file.
    """
    if sys.platform != "win32" or sheet.book.app.engine.name != "excel":
        return frozenset()
    rows = set(range(used.row, used.row + used.shape[0]))
    try:
        visible = used.api.SpecialCells(12).Address         # 12 = xlCellTypeVisible
    except Exception:           # no visible cell at all, or COM trouble: report none
        return frozenset()
    return frozenset(rows - rows_in(visible))


def sheet_data(name: str, values: list[list], first_row: int, first_col: int) -> SheetData:
    """Trim empty outer rows and columns, as the file reader does, and keep the A1 origin right."""
    rows = [[cell_value(v) for v in row] for row in values]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    top = 0
    while top < len(rows) and all(v is None for v in rows[top]):
        top += 1
    rows = rows[top:]
    left = min((_leading_blanks(row) for row in rows), default=0)
    rows = [row[left:] for row in rows]
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    return SheetData(name=name, rows=rows, origin_row=first_row + top, origin_col=first_col + left)


def _leading_blanks(row: list) -> int:
    for index, value in enumerate(row):
        if value is not None:
            return index
    return len(row) if row else 0


def cell_value(value):
    """One value as the engine expects it: None for empty, int for whole numbers, CellError."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return CellError(value) if value in ERROR_TEXTS else value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def read_workbook(book, sheet, max_cells: int) -> WorkbookData:
    """The active sheet, fenjie's identity sheet and any hidden sheets, as validators.reader
    builds a file: hidden sheets are read too because `fenjie check` warns about them (F002)."""
    from validators.reader import build_workbook

    sheets = [read_sheet(sheet, max_cells)]
    for other in book.sheets:
        if other.name == sheet.name or (other.name.startswith(OUR_SHEETS_PREFIX) and other.name != IDENTITY_SHEET):
            continue
        if other.name == IDENTITY_SHEET or not other.visible:
            data = read_sheet(other, max_cells)
            data.hidden = not other.visible
            sheets.append(data)
    return build_workbook(workbook_path(book), sheets)


def workbook_path(book) -> str:
    """The workbook's full path where Excel knows it (its name when unsaved or remote)."""
    try:
        return book.fullname or book.name
    except Exception:           # some engines cannot tell; the name still matches 乡镇 by file name
        return book.name
