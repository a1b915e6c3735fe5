"""Marking bad cells, and taking the marks away again on the next press.

Each press records what it did in a very hidden sheet, fenjie_marks, saved with the workbook:
for every cell it filled, the fill the cell had before (read from Excel when it was marked)
and whether it added a note. The next press first puts those fills back and deletes those
notes, so marks never pile up and a sheet that has become clean ends up unmarked. The record
lives in the workbook, not in Python, because every press may be a fresh Python process and
because the remote engine (xlwings Server/Lite) cannot read a fill at all: there the previous
fill is taken as "no fill". Values, formulas and number formats are never touched.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass

from validators.findings import Finding
from validators.sheet import a1
from xladdin.cells import Cell, chunks, joined_address, parse_a1, rect_cells, rectangles

MARKS_SHEET = "fenjie_marks"
FILLS = {"error": "#FFC7CE", "warning": "#FFEB9C"}     # Excel's own 差 / 中性 fills
SEVERITY_ZH = {"error": "错误", "warning": "提醒"}
MAX_NOTES = 100     # notes cost calls per cell and crowd the sheet; 校验结果 lists every finding
_HEADER = ["sheet", "cell", "fill", "mark", "note"]


@dataclass(frozen=True)
class Mark:
    sheet: str
    cell: Cell
    fill: str | None        # the cell's fill before it was marked, "#RRGGBB" or None
    severity: str           # error | warning
    note: bool              # this press added a note to the cell


# -- the record --------------------------------------------------------------------------------

def encode(checked: str, marks: list[Mark]) -> list[list]:
    rows = [["checked_sheet", checked, None, None, None], _HEADER]
    rows += [[m.sheet, a1(*m.cell), m.fill or "", m.severity, int(m.note)] for m in marks]
    return rows


def decode(rows: list[list]) -> tuple[str | None, list[Mark]]:
    """The last checked sheet and the marks, from the record's cells; bad rows are skipped."""
    checked, marks = None, []
    for row in rows or []:
        row = list(row) + [None] * (5 - len(row))
        if row[0] == "checked_sheet":
            checked = str(row[1]) if row[1] else None
            continue
        cell = parse_a1(row[1]) if isinstance(row[1], str) else None
        if not row[0] or cell is None or row[3] not in FILLS:
            continue
        fill = row[2] if isinstance(row[2], str) and row[2].startswith("#") else None
        marks.append(Mark(str(row[0]), cell, fill, row[3], bool(row[4])))
    return checked, marks


def read_record(book) -> tuple[str | None, list[Mark]]:
    if MARKS_SHEET not in sheet_names(book):
        return None, []
    return decode(book.sheets[MARKS_SHEET].used_range.options(ndim=2).value)


def write_record(book, checked: str, marks: list[Mark]) -> None:
    rows = encode(checked, marks)
    new = MARKS_SHEET not in sheet_names(book)
    if new:
        sheet = book.sheets.add(MARKS_SHEET, after=book.sheets[len(book.sheets) - 1])
    else:
        sheet = book.sheets[MARKS_SHEET]
        sheet.clear_contents()
    # text format, so Excel keeps a sheet called "2025" as text, not the number 2025
    sheet.range((1, 1), (len(rows), 2)).number_format = "@"
    sheet.range("A1").value = rows
    if new:
        _hide(book, sheet)


def _hide(book, sheet) -> None:
    """Very hidden where the engine allows it (not listed under 取消隐藏), else hidden."""
    desktop = book.app.engine.name == "excel"
    try:
        if desktop and sys.platform == "win32":
            sheet.api.Visible = 2                       # xlSheetVeryHidden
            return
        if desktop and sys.platform == "darwin":
            from appscript import k
            sheet.api.visible.set(k.sheet_very_hidden)
            return
    except Exception:           # fall back to plain hidden
        pass
    try:
        sheet.visible = False
    except Exception:           # a visible record is untidy, not wrong: the press goes on
        from xladdin.settings import logger
        logger().warning("无法隐藏 %s 工作表", MARKS_SHEET, exc_info=True)


def sheet_names(book) -> list[str]:
    return [s.name for s in book.sheets]


# -- painting ----------------------------------------------------------------------------------

class Painter:
    """Fills and notes through xlwings, in as few calls as the engine allows."""

    def __init__(self, book):
        engine = book.app.engine.name
        self.multi_area = engine == "excel" and sys.platform == "win32"
        self.can_read_fill = engine != "remote"
        self.can_note = True
        self.calls = 0
        self.refused: list[Cell] = []    # bad cells Excel would not fill (protected sheet)

    def fill(self, sheet, cells, color: str | None) -> set[Cell]:
        """Fill `cells`; the cells Excel refused (a protected sheet's locked cells)."""
        groups = chunks(rectangles(cells)) if self.multi_area else [[r] for r in rectangles(cells)]
        refused: set[Cell] = set()
        for group in groups:
            try:
                sheet.range(joined_address(group)).color = color
                self.calls += 1
            except Exception:
                refused |= self._fill_one_by_one(sheet, [c for r in group for c in rect_cells(r)], color)
        return refused

    def _fill_one_by_one(self, sheet, cells, color) -> set[Cell]:
        refused = set()
        for cell in cells:
            try:
                sheet.range(cell).color = color
            except Exception:
                refused.add(cell)
        return refused

    def read_fills(self, sheet, cells) -> dict[Cell, str | None]:
        fills: dict[Cell, str | None] = {cell: None for cell in cells}
        if not self.can_read_fill:
            return fills
        for rect in rectangles(cells):
            try:
                color = _hex(sheet.range(joined_address([rect])).color)
                fills.update({cell: color for cell in rect_cells(rect)})
            except NotImplementedError:
                self.can_read_fill = False
                return fills
            except Exception:       # a rectangle of mixed fills: read its cells one by one
                for cell in rect_cells(rect):
                    fills[cell] = self._read_one(sheet, cell)
        return fills

    @staticmethod
    def _read_one(sheet, cell: Cell) -> str | None:
        try:
            return _hex(sheet.range(cell).color)
        except Exception:           # unreadable: restored as no fill
            return None

    def add_note(self, sheet, cell: Cell, text: str) -> bool:
        """Add a note unless the engine cannot or the clerk already has a note there."""
        if not self.can_note:
            return False
        try:
            sheet.range(cell).add_note(text)
            return True
        except ValueError:          # xlwings: "This cell already has a note"
            return False
        except NotImplementedError:
            self.can_note = False
            return False
        except Exception:           # e.g. a protected sheet that forbids editing objects
            return False

    def delete_note(self, sheet, cell: Cell) -> None:
        try:
            note = sheet.range(cell).note
            if note is not None:
                note.delete()
        except Exception:           # protected since; the note stays, nothing else depends on it
            pass


def _hex(color) -> str | None:
    if color is None:
        return None
    if isinstance(color, str):
        return color.upper() if color.startswith("#") else "#" + color.upper()
    red, green, blue = color
    return f"#{red:02X}{green:02X}{blue:02X}"


# -- one press -------------------------------------------------------------------------------

def bad_cells(findings: list[Finding], sheet_name: str) -> dict[Cell, list[Finding]]:
    """Cell -> its findings, for findings that point at a cell of the checked sheet."""
    cells: dict[Cell, list[Finding]] = defaultdict(list)
    for finding in findings:
        cell = parse_a1(finding.cell)
        if cell is not None and finding.sheet in (None, sheet_name):
            cells[cell].append(finding)
    return dict(cells)


def note_text(findings: list[Finding]) -> str:
    lines = ["fenjie 校验："]
    for f in findings:
        line = f"[{SEVERITY_ZH.get(f.severity, f.severity)} {f.code}] {f.message}"
        if f.suggestion not in (None, ""):
            line += f"（建议：{f.suggestion}）"
        lines.append(line)
    return "\n".join(lines)


def remark(book, sheet, findings: list[Finding], previous: list[Mark], painter: Painter) -> list[Mark]:
    """Undo `previous`, mark the cells of `findings`; the new record."""
    bad = bad_cells(findings, sheet.name)
    names = set(sheet_names(book))
    current = {(sheet.name, cell) for cell in bad}
    restore: dict[tuple[str, str | None], list[Cell]] = defaultdict(list)
    for mark in previous:
        if mark.sheet not in names:
            continue
        if mark.note:
            painter.delete_note(book.sheets[mark.sheet], mark.cell)
        if (mark.sheet, mark.cell) not in current:
            restore[(mark.sheet, mark.fill)].append(mark.cell)
    for (name, fill), cells in restore.items():
        painter.fill(book.sheets[name], cells, fill)

    known = {m.cell: m.fill for m in previous if m.sheet == sheet.name and m.cell in bad}
    fills = painter.read_fills(sheet, [c for c in bad if c not in known])
    fills.update(known)
    severity = {cell: "error" if any(f.is_error for f in fs) else "warning" for cell, fs in bad.items()}
    refused: set[Cell] = set()
    for level, color in FILLS.items():
        cells = [c for c, s in severity.items() if s == level]
        if cells:
            refused |= painter.fill(sheet, cells, color)
    painter.refused = sorted(refused)
    marked = [cell for cell in sorted(bad) if cell not in refused]
    return [Mark(sheet.name, cell, fills[cell], severity[cell],
                 index < MAX_NOTES and painter.add_note(sheet, cell, note_text(bad[cell])))
            for index, cell in enumerate(marked)]
