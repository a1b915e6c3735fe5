"""F017: content far from the checked table, where the clerk does not see it and no check reaches it.

Far is either what the reader found too far to read densely (SheetData.far_cells, on any sheet) or,
on the table's own sheet, a cell after a long run of empty rows below the table or many columns right
of it. A cell that lies inside the table's rows and columns is checked like any other and not named.
"""
from __future__ import annotations

from operator import attrgetter

from templates.cells import a1
from validators.check.locate import LocatedTable
from validators.check.numbers import cell_text, is_blank
from validators.check.rules import RULES
from validators.findings import Finding
from validators.read.sheet import SheetData, WorkbookData

FAR_ROWS = 100          # empty rows below the table (a few screens) before content counts as far
FAR_COLUMNS = 26        # columns right of the table's last column
NAMED_PER_SHEET = 10    # a far block is named by its first cells and counted
_ROW = attrgetter("row")


def far_cell_findings(book: WorkbookData, table: LocatedTable | None) -> list[Finding]:
    findings = []
    for sheet in book.sheets:
        far = set(sheet.far_cells)
        if table is not None and sheet is table.sheet:
            far |= _far_on_table_sheet(table)
        if far and table is not None and sheet is table.sheet:
            rows, columns = set(map(_ROW, _table_rows(table))), set(table.columns.values())
            far = {(row, col) for row, col in far if not (row in rows and col in columns)}   # checked as such
        far_cells = sorted(far)
        more = (f"（这样的单元格共 {len(far_cells)} 个，只列出了前 {NAMED_PER_SHEET} 个）"
                if len(far_cells) > NAMED_PER_SHEET else "")
        findings += [RULES["F017"].finding(sheet=sheet.name, cell=a1(row, col),
                                           value=_far_value(sheet, row, col), more=more)
                     for row, col in far_cells[:NAMED_PER_SHEET]]
    return findings


def _far_on_table_sheet(table: LocatedTable) -> set[tuple[int, int]]:
    """Cells after FAR_ROWS empty rows below the table, and cells FAR_COLUMNS right of it."""
    sheet, far = table.sheet, set()
    last = last_row(table) - sheet.origin_row
    first_far = max(table.columns.values()) + FAR_COLUMNS + 1 - sheet.origin_col    # rows[] index
    previous, beyond = last, False
    below = len(sheet.rows)
    if table.later_header is not None:          # a second table there is F010's to tell
        below = table.later_header - sheet.origin_row
    for index in range(last + 1, below):
        row = sheet.rows[index]
        if row.count(None) == len(row):         # the usual empty row, counted in C
            continue
        filled = [c for c, value in enumerate(row) if not is_blank(value)]
        if not filled:
            continue
        beyond = beyond or index - previous > FAR_ROWS
        previous = index
        if beyond:
            far |= {(sheet.origin_row + index, sheet.origin_col + c) for c in filled}
    if not sheet.rows or max(map(len, sheet.rows)) <= first_far:      # in C: the usual sheet
        return far
    for index, row in enumerate(sheet.rows):
        if len(row) > first_far:
            far |= {(sheet.origin_row + index, sheet.origin_col + first_far + c)
                    for c, value in enumerate(row[first_far:]) if not is_blank(value)}
    return far


def _table_rows(table: LocatedTable) -> list:
    return [*table.rows, *(s.row for s in table.subtotals),
            *([table.total_row] if table.total_row else []), *table.other_totals]


def last_row(table: LocatedTable) -> int:
    """Excel row of the table's last row: a data row, 小计, 合计 or repeated header."""
    return max([*map(_ROW, _table_rows(table)), *table.repeated_headers, *table.header_rows])


def _far_value(sheet: SheetData, row: int, col: int) -> str:
    value = sheet.value(row, col)
    return sheet.unsaved_formulas.get((row, col), "") if value is None else cell_text(value)
