"""The read edge: the open workbook (through xlwings) -> validators.read.sheet.WorkbookData.

The active sheet's used range is read once, as values, so unsaved edits are checked too; the
hidden identity sheet (fenjie_id), when present, is read once more for the template's kind
and targets, and so is any other hidden sheet (rare), which `fenjie check` warns about. The
values are shaped exactly as validators.read.workbook shapes a file's, so the engine sees the same
data from Excel as from the saved file. On Windows and macOS the sheet's merged ranges and the
numbers shown as percentages are read too, area by area (xladdin.formats), as the file reader
gives them (SheetData.merged, SheetData.percent_cells); the remote engine's JSON carries neither.

Each engine hands values over in its own shapes, handled here:
  Windows  one Value read of the used range (through .api): numbers as float, currency and
           accounting cells as decimal.Decimal (VT_CY), error cells as VT_ERROR ints
           (0x800A0000 + code, Excel 365's #SPILL!, #CALC! … included), dates as datetimes
  macOS    one `value` and one `string_value` Apple event for the whole range (xlwings' own
           err_to_str read fails on any multi-row range); an error cell is one whose shown
           text is an error text
  remote   xlwings' value read with err_to_str
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from templates.cells import a1
from templates.identity import IDENTITY_SHEET, OWN_SHEET_PREFIX
from validators.read.sheet import CellError, SheetData, WorkbookData
from xladdin import formats
from xladdin.cells import Cell, Rect, address_rect, rect_address, rows_in
from xladdin.host import MAC, WINDOWS, Workbook

# Excel's error codes (XlCVError); COM hands an error cell over as VT_ERROR 0x800A0000 + code
ERROR_CODES = {2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?",
               2036: "#NUM!", 2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!",
               2046: "#CONNECT!", 2047: "#BLOCKED!", 2048: "#UNKNOWN!", 2049: "#FIELD!",
               2050: "#CALC!", 2051: "#BUSY!"}
ERROR_TEXTS = frozenset(ERROR_CODES.values()) | {"#DATA!"}
VT_ERROR_BASE = -2146828288     # 0x800A0000 as a signed 32-bit int
XL_CELL_TYPE_VISIBLE = 12
MAX_ADDRESS = 255               # Excel returns at most this many characters of an Address

HIDDEN_ROWS_UNREAD = ("没能读出工作表「{sheet}」哪些行被隐藏（工作表受保护时 Excel 可能不让读）："
                      "这次没有核对隐藏的行（F003），收表后 fenjie check 会核对。")
MERGED_UNREAD = ("工作表「{sheet}」的合并单元格太多，没能全部读出：合并单元格里的内容可能没有算到它覆盖的"
                 "每一行，收表后 fenjie check 会照合并单元格核对。")
PERCENT_UNREAD = ("工作表「{sheet}」的数字格式太杂，没能全部读出哪些数显示为百分比：这次可能没有核对"
                  "百分比格式（N012），收表后 fenjie check 会核对。")
LAYOUT_UNREAD = ("没能读出工作表「{sheet}」的合并单元格和数字格式：这次按没有合并、没有百分比格式核对，"
                 "收表后 fenjie check 会核对。")


class TooLarge(Exception):
    """The used range holds more cells than the configured limit."""

    def __init__(self, sheet: str, cells: int, limit: int):
        super().__init__(sheet)
        self.sheet, self.cells, self.limit = sheet, cells, limit


@dataclass
class Reading:
    data: WorkbookData
    caveats: list[str] = field(default_factory=list)     # Chinese: what could not be read


def read_workbook(workbook: Workbook, checked: str, max_cells: int) -> Reading:
    """The checked sheet, fenjie's identity sheet and any hidden sheets, as validators.read.workbook
    builds a file: hidden sheets are read too because `fenjie check` warns about them (F002)."""
    from validators.read.workbook import build_workbook

    caveats: list[str] = []
    sheets = [read_sheet(workbook, workbook.get(checked), checked, max_cells, caveats)]
    for info in workbook.sheets():
        ours = info.name.startswith(OWN_SHEET_PREFIX) and info.name != IDENTITY_SHEET
        if info.name == checked or ours:
            continue
        if info.name == IDENTITY_SHEET or not info.visible:
            data = read_sheet(workbook, info.handle, info.name, max_cells, caveats, rows_hidden=False,
                              layout=info.name != IDENTITY_SHEET)
            data.hidden = not info.visible
            sheets.append(data)
    return Reading(build_workbook(workbook_path(workbook.book), sheets), caveats)


def read_sheet(workbook: Workbook, sheet, name: str, max_cells: int, caveats: list[str],
               rows_hidden: bool = True, layout: bool = True) -> SheetData:
    """The used range of an xlwings sheet as SheetData, origin at its first non-empty cell;
    `layout`: with its merged ranges and percentage cells (Windows and macOS)."""
    if workbook.platform == WINDOWS:
        used = sheet.api.UsedRange
        top, left, rows, cols = used.Row, used.Column, used.Rows.Count, used.Columns.Count
        _check_size(name, rows * cols, max_cells)
        values = [[com_value(v) for v in row] for row in two_d(used.Value)]
        data = sheet_data(name, values, top, left)
        if layout:
            read_layout(data, ComProbe(sheet.api), used, values, top, left, caveats)
        if rows_hidden:
            hidden = hidden_rows_windows(used, top, rows)
            if hidden is None:
                caveats.append(HIDDEN_ROWS_UNREAD.format(sheet=name))
            data.hidden_rows = hidden or frozenset()
        return data
    used = sheet.used_range
    rows, cols = used.shape
    _check_size(name, rows * cols, max_cells)
    if workbook.platform == MAC:
        values = mac_values(used.api.value.get(), used.api.string_value.get())
    else:
        values = used.options(ndim=2, err_to_str=True).value or []
    data = sheet_data(name, values, used.row, used.column)
    if layout and workbook.platform == MAC:
        read_layout(data, MacProbe(sheet), MacUsed(used.api), values, used.row, used.column, caveats)
    return data


class ComProbe:
    """Questions about a worksheet's ranges through COM: two calls each (Range, then the property)."""

    def __init__(self, com_sheet):
        self.sheet = com_sheet

    def merge_cells(self, rect: Rect):
        return self.sheet.Range(rect_address(rect)).MergeCells

    def merge_area(self, cell: Cell) -> Rect:
        return address_rect(self.sheet.Range(a1(*cell)).MergeArea.Address)

    def number_format(self, rect: Rect):
        return self.sheet.Range(rect_address(rect)).NumberFormat


class MacProbe:
    """The same questions as Apple events (one each): missing value when a range is mixed."""

    def __init__(self, sheet):
        self.sheet = sheet

    def merge_cells(self, rect: Rect):
        return self.sheet.range(rect_address(rect)).api.merge_cells.get()

    def merge_area(self, cell: Cell) -> Rect:
        return address_rect(self.sheet.range(a1(*cell)).api.merge_area.get_address())

    def number_format(self, rect: Rect):
        return self.sheet.range(rect_address(rect)).api.number_format.get()


class MacUsed:
    """The used range's answers in COM's names, so read_layout asks both engines alike."""

    def __init__(self, api):
        self.api = api

    @property
    def MergeCells(self):                          # noqa: N802
        return self.api.merge_cells.get()

    @property
    def NumberFormat(self):                        # noqa: N802
        return self.api.number_format.get()


def read_layout(data: SheetData, probe, used, values: list[list], top: int, left: int,
                caveats: list[str]) -> None:
    """data.merged and data.percent_cells from Excel: `used` answers for the whole used range
    (one call each), `probe` for smaller ranges; what could not be read is said in `caveats`."""
    from xladdin.settings import logger

    try:
        merged = formats.merged_ranges(probe, _cells_where(values, top, left, _is_empty), used.MergeCells,
                                       limit=formats.MAX_PROBES)
        percent = formats.percent_cells(probe, _cells_where(values, top, left, _is_number), used.NumberFormat,
                                        limit=formats.MAX_PROBES)
    except Exception:
        logger().exception("读合并单元格和数字格式失败：%s", data.name)
        caveats.append(LAYOUT_UNREAD.format(sheet=data.name))
        return
    data.merged, data.percent_cells = merged.cells, percent.cells
    if not merged.complete:
        caveats.append(MERGED_UNREAD.format(sheet=data.name))
    if not percent.complete:
        caveats.append(PERCENT_UNREAD.format(sheet=data.name))


def _cells_where(values: list[list], top: int, left: int, test):
    """(row, col) of the used range's cells whose value passes `test`, read only when asked for."""
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            if test(cell_value(value)):
                yield top + r, left + c


def _is_empty(value) -> bool:
    return value is None


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_size(name: str, cells: int, limit: int) -> None:
    if cells > limit:
        raise TooLarge(name, cells, limit)


def two_d(value) -> list[list]:
    """A COM Value (a scalar for one cell, rows of values otherwise) as a list of rows."""
    if isinstance(value, (tuple, list)):
        return [list(row) if isinstance(row, (tuple, list)) else [row] for row in value]
    return [[value]]


def com_value(value):
    """One value as COM hands it over, in the shapes xlwings' remote engine gives."""
    if isinstance(value, int) and not isinstance(value, bool):
        return CellError(ERROR_CODES.get(value - VT_ERROR_BASE, "#UNKNOWN!"))   # VT_ERROR
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)                                      # pywintypes time
    return value


def mac_values(values, strings) -> list[list]:
    """Rows of values from Excel for Mac's `value` and `string_value` of one range.

    AppleScript gives a scalar for one cell, a flat list for one row and a list of lists
    otherwise; a cell whose shown text is an error text is an error cell.
    """
    rows, shown = mac_rows(values), mac_rows(strings)
    for r, row in enumerate(shown):
        for c, text in enumerate(row):
            if isinstance(text, str) and text in ERROR_TEXTS and r < len(rows) and c < len(rows[r]):
                rows[r][c] = text
    return rows


def mac_rows(value) -> list[list]:
    if not isinstance(value, list):
        return [[value]]
    if value and all(isinstance(row, list) for row in value):
        return [list(row) for row in value]
    return [list(value)]


def hidden_rows_windows(used, top: int, count: int) -> frozenset[int] | None:
    """Hidden rows of the used range from its visible cells; None when Excel will not tell.

    SpecialCells(xlCellTypeVisible).Address is one call, but Excel cuts it at 255 characters:
    a longer one is read area by area instead.
    """
    rows = set(range(top, top + count))
    try:
        visible = used.SpecialCells(XL_CELL_TYPE_VISIBLE)
    except Exception as exc:
        if "no cells were found" in str(exc).lower():
            return frozenset(rows)          # every row hidden
        return None                         # e.g. a protected sheet
    try:
        address = visible.Address
        if len(address) < MAX_ADDRESS:
            return frozenset(rows - rows_in(address))
        shown: set[int] = set()
        areas = visible.Areas
        for index in range(1, areas.Count + 1):
            area = areas.Item(index)
            first = area.Row
            shown.update(range(first, first + area.Rows.Count))
        return frozenset(rows - shown)
    except Exception:
        return None


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
    """One value as validators.read.workbook gives it: None for empty, numbers as float (as calamine
    reads a file), error texts as CellError."""
    if value is None or value == "":
        return None
    if isinstance(value, CellError):
        return value
    if isinstance(value, str):
        return CellError(value) if value in ERROR_TEXTS else value
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return float(value)                 # Decimal: a currency/accounting cell (VT_CY)
    return value


def workbook_path(book) -> str:
    """The workbook's full path where Excel knows it (its name when unsaved or remote)."""
    try:
        return book.fullname or book.name
    except Exception:           # some engines cannot tell; the name still matches 乡镇 by file name
        return book.name
