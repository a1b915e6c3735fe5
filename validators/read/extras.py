"""What a format's own scan finds beyond calamine's values (hidden rows, formulas without a saved
result, error values, merged ranges, percentages), and how it is put onto a SheetData."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from validators.read.sheet import CellError, SheetData


@dataclass
class SheetExtras:
    """What the sheet XML says beyond calamine's values."""
    hidden_rows: set[int] = field(default_factory=set)
    unsaved_formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)    # .ods only
    percent_cells: set[tuple[int, int]] = field(default_factory=set)
    durations: bool = False        # .ods: a time value somewhere, which calamine gives as PT…H…M…S
    # .xlsx read sparsely: a few stray cells far from the table (their values, put back at their
    # places after calamine has read the rest), the sheet XML without them and its part name
    far_cells: dict[tuple[int, int], object] = field(default_factory=dict)
    far_formulas: set[tuple[int, int]] = field(default_factory=set)   # stray, in unsaved_formulas
    trimmed: bytes | None = None
    replaced_part: str | None = None

    def apply(self, sheet: SheetData) -> None:
        sheet.hidden_rows = frozenset(self.hidden_rows)
        sheet.unsaved_formulas = dict(self.unsaved_formulas)
        sheet.percent_cells = frozenset(self.percent_cells)
        if self.durations:
            sheet.rows = [[_duration(v) if isinstance(v, str) else v for v in row] for row in sheet.rows]
        if self.merged and not sheet.merged:
            sheet.merged = tuple(self.merged)
        for (row, col), text in sorted(self.errors.items()):
            set_cell(sheet, row, col, CellError(text))
        for (row, col), value in sorted(self.far_cells.items()):
            set_cell(sheet, row, col, value)
        sheet.far_cells = frozenset(self.far_cells) | frozenset(self.far_formulas)


_ISO_DURATION = re.compile(r"(-?)PT([0-9]+)H([0-9]+)M([0-9]+(?:\.[0-9]+)?)S")


def _duration(text: str):
    """An .ods time value of a day or more (a number shown as 12:00:00 stores 1.5 days), which
    calamine gives as its ISO text PT36H00M00S: the timedelta it is, like the shorter ones."""
    found = _ISO_DURATION.fullmatch(text)
    if found is None:
        return text
    sign, hours, minutes, seconds = found.groups()
    value = timedelta(hours=int(hours), minutes=int(minutes), seconds=float(seconds))
    return -value if sign else value


def set_cell(sheet: SheetData, row: int, col: int, value) -> None:
    """Put `value` at Excel (row, col), growing the sheet's rows (and moving its origin) as needed."""
    if not sheet.rows:
        sheet.origin_row, sheet.origin_col = row, col
    if row < sheet.origin_row:
        sheet.rows[:0] = [[] for _ in range(sheet.origin_row - row)]
        sheet.origin_row = row
    if col < sheet.origin_col:
        shift = sheet.origin_col - col
        sheet.rows = [[None] * shift + r for r in sheet.rows]
        sheet.origin_col = col
    r, c = row - sheet.origin_row, col - sheet.origin_col
    while len(sheet.rows) <= r:
        sheet.rows.append([])
    cells = sheet.rows[r]
    if len(cells) <= c:
        cells.extend([None] * (c + 1 - len(cells)))
    cells[c] = value
