"""Plain data the engine works on: a sheet's values and what the reader noticed about it.

The file reader (validators.read.workbook) and the add-in (reading the open workbook through xlwings)
both produce these; the engine never touches a file or Excel.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from templates.cells import a1
from templates.identity import Identity


class CellError(str):
    """An error value shown in a cell (#REF!, #VALUE!, #DIV/0! …), kept apart from text."""


@dataclass
class SheetData:
    name: str
    # cell values: float | int | str | bool | datetime | CellError | None (empty); ragged rows allowed
    rows: list[list[object]]
    origin_row: int = 1             # Excel row number of rows[0]
    origin_col: int = 1             # Excel column number of rows[i][0]
    hidden: bool = False
    hidden_rows: frozenset[int] = frozenset()       # Excel row numbers
    # formulas whose result was not saved in the file: (excel row, excel col) -> "=SUM(B4:B19)"
    unsaved_formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    # merged ranges as Excel (first row, first col, last row, last col); only the first cell of
    # a range holds the value, as in the file
    merged: tuple[tuple[int, int, int, int], ...] = ()
    # (excel row, excel col) of cells formatted as a percentage (0.05 shown as 5%)
    percent_cells: frozenset[tuple[int, int]] = frozenset()
    # (excel row, excel col) of the few stray cells far from the table that the reader read
    # sparsely (validators.read.extras): their values are in `rows`, or in unsaved_formulas
    far_cells: frozenset[tuple[int, int]] = frozenset()

    def value(self, row: int, col: int):
        """Value at Excel (row, col), None outside the data."""
        r, c = row - self.origin_row, col - self.origin_col
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return None

    def address(self, row_index: int, col_index: int) -> str:
        """A1 address of rows[row_index][col_index]."""
        return a1(self.origin_row + row_index, self.origin_col + col_index)


@dataclass
class WorkbookData:
    path: str
    sheets: list[SheetData]                 # visible and hidden, in workbook order
    identity: Identity | None = None        # fenjie's identity block, when present
    filler: str | None = None               # text of a 填报单位 line, when found
