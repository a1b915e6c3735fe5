"""Marking bad cells, and taking the marks away again on the next press.

Each press records what it did in a very hidden sheet, fenjie_marks, saved with the workbook:
for every cell it filled, the fill the cell had before (read from Excel when it was marked)
and the text of the note it added, if any. The next press puts back the fills of cells that
are no longer bad and deletes the notes that are no longer right, so marks never pile up and a
sheet that has become clean ends up unmarked; an unchanged note is left alone. The record
lives in the workbook, not in Python, because every press may be a fresh Python process and
because the remote engine (xlwings Server/Lite) cannot read a fill at all: there the previous
fill is taken as "no fill". Values, formulas and number formats are never touched.

The clerk may insert or delete rows, or rename the sheet, between presses. So on Windows each
row of the record also holds a formula pointing at its cell (='粮食'!$B$5): Excel keeps that
reference on the cell as it moves, follows a rename, and turns it into #REF! when the cell is
deleted (its fill and note go with it). The record is read back as formulas, so the next press
finds the marks where they are now. The remote engine cannot insert rows, so there the fixed
address is enough. What a press could not take away (a protected sheet refuses to delete a
note or restore a fill) stays in the record for the next press, and the alert says so.

Every call to Excel is a round trip (an Apple event on macOS), so the painters work on many
cells per call: on Windows, multi-area addresses of up to 255 characters through COM, and fills
are read a whole group at a time, split only where a group's fills differ.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from templates.cells import a1, column_letter, parse_a1
from templates.identity import MARKS_SHEET
from templates.labels import LEVEL_COLORS, note_text
from validators.findings import Finding
from xladdin.cells import Cell, Rect, chunks, joined_address, rect_cells, rectangles
from xladdin.host import MAC, REMOTE, WINDOWS, Workbook

FILLS = {level: "#" + color for level, color in LEVEL_COLORS.items()}     # as xlwings takes them
MAX_NOTES = 100     # notes cost calls per cell and crowd the sheet; 校验结果 lists every finding
MAX_FILL_READS = 120    # round trips spent reading fills that differ within a group, at most
MAX_FILL_WRITES = 120   # round trips spent finding the cells a protected sheet refuses, at most
MAX_RECT_READS = 1000   # macOS: fills are read a rectangle (one Apple event) at a time, at most
_HEADER = ["sheet", "cell", "fill", "mark", "note", "ref"]
_WIDTH = len(_HEADER)
_REFERENCE = re.compile(r"=(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?([0-9]+)")
XL_NONE = -4142         # xlColorIndexNone
VERY_HIDDEN = 2         # xlSheetVeryHidden


@dataclass(frozen=True)
class Mark:
    sheet: str
    cell: Cell
    fill: str | None        # the cell's fill before it was marked, "#RRGGBB" or None
    severity: str           # error | warning
    note: bool              # this press added a note to the cell
    note_text: str = ""     # the note's text ("" when unknown: a record from an older version)


# -- the record --------------------------------------------------------------------------------

def reference(sheet: str, cell: Cell) -> str:
    """A formula pointing at `cell`, which Excel keeps on the cell when it moves: ='粮食'!$B$5."""
    return "='" + sheet.replace("'", "''") + f"'!${column_letter(cell[1])}${cell[0]}"


def referenced(formula) -> tuple[str, Cell] | None | bool:
    """(sheet, cell) a reference formula points at now; False when Excel turned it into #REF!
    (the cell or its sheet was deleted); None when there is no reference (an older record)."""
    if not isinstance(formula, str) or not formula.startswith("="):
        return None
    if "#REF!" in formula.upper():
        return False
    match = _REFERENCE.fullmatch(formula.strip())
    if match is None:
        return None
    quoted, bare, column, row = match.groups()
    return (quoted.replace("''", "'") if quoted is not None else bare), parse_a1(f"{column}{row}")


def encode(checked: str, marks: list[Mark], references: bool = False) -> list[list]:
    """The record's rows; with `references`, a sixth column of reference formulas."""
    rows = [["checked_sheet", checked, None, None, None, reference(checked, (1, 1))], _HEADER]
    rows += [[m.sheet, a1(*m.cell), m.fill or "", m.severity,
              (m.note_text or 1) if m.note else 0, reference(m.sheet, m.cell)] for m in marks]
    return rows if references else [row[:5] for row in rows]


def decode(rows: list[list]) -> tuple[str | None, list[Mark]]:
    """The last checked sheet and the marks, from the record's cells; bad rows are skipped.

    Where a row holds a reference formula, the sheet and cell are the ones it points at now."""
    checked, marks = None, []
    for row in rows or []:
        row = list(row) + [None] * (_WIDTH - len(row))
        now = referenced(row[5])
        if row[0] == "checked_sheet":
            checked = now[0] if now else str(row[1]) if row[1] else None
            continue
        if now is False:            # the cell was deleted, and its fill and note with it
            continue
        cell = parse_a1(row[1]) if isinstance(row[1], str) else None
        if not row[0] or cell is None or row[3] not in FILLS:
            continue
        if now:
            row[0], cell = now
        fill = row[2] if isinstance(row[2], str) and row[2].startswith("#") else None
        note = row[4]
        text = note if isinstance(note, str) and note not in ("", "0", "1") else ""
        marks.append(Mark(str(row[0]), cell, fill, row[3], bool(text) or note in (1, True, "1"), text))
    return checked, marks


def read_record(workbook: Workbook) -> tuple[str | None, list[Mark]]:
    sheet = workbook.get(MARKS_SHEET)
    if sheet is None:
        return None, []
    if workbook.platform == WINDOWS:
        values = sheet.api.UsedRange.Formula        # the reference formulas, not their values
        rows = [list(r) for r in values] if isinstance(values, tuple) else [[values]]
    else:
        rows = sheet.used_range.options(ndim=2).value
    return decode(rows)


def write_record(workbook: Workbook, checked: str, marks: list[Mark]) -> None:
    sheet = workbook.get(MARKS_SHEET)
    # text format, so Excel keeps a sheet called "2025" as text, not the number 2025
    if workbook.platform == WINDOWS:
        rows = encode(checked, marks, references=True)
        api = sheet.api
        api.Cells.ClearContents()
        api.Range(f"A1:B{len(rows)}").NumberFormat = "@"
        api.Range(f"A1:F{len(rows)}").Formula = [[("" if v is None else v) for v in row] for row in rows]
        return
    rows = encode(checked, marks)
    sheet.clear_contents()
    sheet.range((1, 1), (len(rows), 2)).number_format = "@"
    sheet.range("A1").value = rows


def hide(workbook: Workbook, sheet) -> None:
    """Very hidden where the engine allows it (not listed under 取消隐藏), else hidden."""
    try:
        if workbook.platform == WINDOWS:
            sheet.api.Visible = VERY_HIDDEN
            return
        if workbook.platform == MAC:
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


# -- painting ----------------------------------------------------------------------------------

class Painter:
    """Fills and notes through xlwings (remote engine, macOS): one call per rectangle of cells.

    On macOS every call is an Apple event, so no notes are added there (one event per cell;
    校验结果 lists every finding) and reading fills stops after MAX_RECT_READS rectangles.
    """

    def __init__(self, platform: str):
        self.can_read_fill = platform != REMOTE
        self.can_note = platform == REMOTE
        self.reads = 0

    def fill(self, sheet, cells, color: str | None) -> set[Cell]:
        """Fill `cells`; the cells Excel refused (a protected sheet's locked cells)."""
        refused: set[Cell] = set()
        for rect in rectangles(cells):
            try:
                sheet.range(joined_address([rect])).color = color
            except Exception:
                refused |= self._fill_one_by_one(sheet, rect_cells(rect), color)
        return refused

    @staticmethod
    def _fill_one_by_one(sheet, cells, color) -> set[Cell]:
        refused = set()
        for cell in cells:
            try:
                sheet.range(cell).color = color
            except Exception:
                refused.add(cell)
        return refused

    def read_fills(self, sheet, cells) -> tuple[dict[Cell, str | None], set[Cell]]:
        """The cells' fills, and the cells whose fill could not be read."""
        fills: dict[Cell, str | None] = {}
        unknown: set[Cell] = set()
        for rect in rectangles(cells):
            if not self.can_read_fill:
                fills.update({cell: None for cell in rect_cells(rect)})
                continue
            if self.reads >= MAX_RECT_READS:
                unknown.update(rect_cells(rect))
                continue
            self.reads += 1
            try:
                color = _hex(sheet.range(joined_address([rect])).color)
                fills.update({cell: color for cell in rect_cells(rect)})
            except NotImplementedError:
                self.can_read_fill = False
                fills.update({cell: None for cell in rect_cells(rect)})
            except Exception:       # a rectangle of mixed fills: leave it unmarked
                unknown.update(rect_cells(rect))
        return fills, unknown

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

    def delete_notes(self, sheet, cells) -> set[Cell]:
        """Delete the notes of `cells`; the cells whose note Excel would not delete."""
        kept: set[Cell] = set()
        for cell in cells:
            try:
                note = sheet.range(cell).note
                if note is not None:
                    note.delete()
            except Exception:       # protected since: the mark stays in the record
                kept.add(cell)
        return kept


class WindowsPainter:
    """Fills and notes through COM on Windows: a multi-area address (<= 255 characters) a call.

    A group whose fills differ, or that a protected sheet partly refuses, is halved until the
    parts agree — within MAX_FILL_READS / MAX_FILL_WRITES round trips; cells left over are
    reported, not guessed.
    """

    def __init__(self):
        self.reads = 0
        self.writes = 0

    def fill(self, sheet, cells, color: str | None) -> set[Cell]:
        refused: set[Cell] = set()
        pending = [sorted(rect_cells_of(group)) for group in chunks(rectangles(cells))]
        while pending:
            group = pending.pop()
            try:
                interior = sheet.api.Range(joined_address(rectangles(group))).Interior
                if color is None:
                    interior.ColorIndex = XL_NONE
                else:
                    interior.Color = bgr(color)
            except Exception:
                if len(group) == 1 or self.writes >= MAX_FILL_WRITES:
                    refused.update(group)
                else:
                    self.writes += 1
                    pending += _halves(group)
        return refused

    def read_fills(self, sheet, cells) -> tuple[dict[Cell, str | None], set[Cell]]:
        fills: dict[Cell, str | None] = {}
        unknown: set[Cell] = set()
        pending = [sorted(rect_cells_of(group)) for group in chunks(rectangles(cells))]
        while pending:
            group = pending.pop()
            color = self._uniform_fill(sheet, group)
            if color is not _MIXED:
                fills.update({cell: color for cell in group})
            elif len(group) == 1 or self.reads >= MAX_FILL_READS:
                unknown.update(group)
            else:
                self.reads += 1
                pending += _halves(group)
        return fills, unknown

    @staticmethod
    def _uniform_fill(sheet, group):
        try:
            interior = sheet.api.Range(joined_address(rectangles(group))).Interior
            if interior.ColorIndex == XL_NONE:
                return None
            color = interior.Color
        except Exception:
            return _MIXED
        return _MIXED if color is None else _hex_bgr(int(color))

    @staticmethod
    def add_note(sheet, cell: Cell, text: str) -> bool:
        try:
            sheet.api.Range(a1(*cell)).AddComment(text)
            return True
        except Exception:           # the clerk's own note is there, or the sheet is protected
            return False

    @staticmethod
    def delete_notes(sheet, cells) -> set[Cell]:
        """Delete the notes of `cells`; the cells whose notes Excel would not delete."""
        kept: set[Cell] = set()
        for group in chunks(rectangles(cells)):
            try:
                sheet.api.Range(joined_address(group)).ClearComments()
            except Exception:       # protected since (the whole sheet's notes): the marks stay
                kept.update(rect_cells_of(group))
        return kept


_MIXED = object()


def painter_for(platform: str):
    return WindowsPainter() if platform == WINDOWS else Painter(platform)


def rect_cells_of(rects) -> list[Cell]:
    return [cell for rect in rects for cell in rect_cells(rect)]


def _halves(group: list[Cell]) -> list[list[Cell]]:
    middle = len(group) // 2
    return [group[:middle], group[middle:]]


def bgr(color: str) -> int:
    """"#RRGGBB" -> Excel's Color (red + green * 256 + blue * 65536)."""
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return red + green * 256 + blue * 65536


def _hex_bgr(value: int) -> str:
    return f"#{value & 0xFF:02X}{(value >> 8) & 0xFF:02X}{(value >> 16) & 0xFF:02X}"


def _hex(color) -> str | None:
    if color is None:
        return None
    if isinstance(color, str):
        return color.upper() if color.startswith("#") else "#" + color.upper()
    red, green, blue = color
    return f"#{red:02X}{green:02X}{blue:02X}"


# -- one press -------------------------------------------------------------------------------

def bad_cells(findings: list[Finding], sheet_name: str, merged: Iterable[Rect] = ()) -> dict[Cell, list[Finding]]:
    """Cell -> its findings, for findings that point at a cell of the checked sheet. A cell under
    a merged range (a task row under a 牵头单位 merged over three tasks) is marked on the range's
    first cell, the one Excel shows, as `fenjie check --annotate` puts its note there."""
    anchors = {cell: rect[:2] for rect in merged for cell in rect_cells(rect)}
    cells: dict[Cell, list[Finding]] = defaultdict(list)
    for finding in findings:
        cell = parse_a1(finding.cell)
        if cell is not None and finding.sheet in (None, sheet_name):
            cells[anchors.get(cell, cell)].append(finding)
    return dict(cells)


@dataclass
class Marking:
    marks: list[Mark]           # the new record
    refused: list[Cell]         # bad cells Excel would not fill (protected sheet)
    unread: list[Cell]          # bad cells left unfilled: their own fill could not be read
    stuck: int = 0              # the last press's marks a protected sheet kept (fill or note)


def remark(workbook: Workbook, sheet_name: str, findings: list[Finding], previous: list[Mark],
           painter, merged: Iterable[Rect] = ()) -> Marking:
    """Undo what `previous` marked and is no longer right, mark the cells of `findings`
    (`merged`: the checked sheet's merged ranges)."""
    sheet = workbook.get(sheet_name)
    bad = bad_cells(findings, sheet_name, merged)
    ordered = sorted(bad)
    names = set(workbook.names())
    wanted_notes = {cell: note_text(bad[cell]) for cell in ordered[:MAX_NOTES]}
    kept_notes = {m.cell for m in previous if m.sheet == sheet_name and m.note and m.note_text
                  and wanted_notes.get(m.cell) == m.note_text}

    stale_notes: dict[str, list[Cell]] = defaultdict(list)
    restore: dict[tuple[str, str | None], list[Cell]] = defaultdict(list)
    for mark in previous:
        if mark.sheet not in names:     # renamed where Excel could not tell us: kept for later
            continue
        here = mark.sheet == sheet_name
        if mark.note and not (here and mark.cell in kept_notes):
            stale_notes[mark.sheet].append(mark.cell)
        if not (here and mark.cell in bad):
            restore[(mark.sheet, mark.fill)].append(mark.cell)
    notes_kept: set[tuple[str, Cell]] = set()       # stale notes Excel would not delete
    for name, cells in stale_notes.items():
        notes_kept |= {(name, cell) for cell in painter.delete_notes(workbook.get(name), cells)}
    fills_kept: set[tuple[str, Cell]] = set()
    for (name, fill), cells in restore.items():
        fills_kept |= {(name, cell) for cell in painter.fill(workbook.get(name), cells, fill)}
    # what could not be taken away stays in the record, so a later press can
    old_notes = {m.cell: m.note_text for m in previous if (m.sheet, m.cell) in notes_kept
                 and m.sheet == sheet_name and m.cell in bad}
    leftovers = [m if m.sheet not in names else replace(m, note=(m.sheet, m.cell) in notes_kept)
                 for m in previous
                 if m.sheet not in names
                 or ((m.sheet, m.cell) in notes_kept | fills_kept and not (m.sheet == sheet_name
                                                                          and m.cell in bad))]

    known = {m.cell: m.fill for m in previous if m.sheet == sheet_name and m.cell in bad}
    fills, unread = painter.read_fills(sheet, [c for c in ordered if c not in known])
    fills.update(known)
    severity = {cell: "error" if any(f.is_error for f in fs) else "warning" for cell, fs in bad.items()}
    refused: set[Cell] = set()
    for level, color in FILLS.items():
        cells = [c for c in ordered if severity[c] == level and c not in unread]
        if cells:
            refused |= painter.fill(sheet, cells, color)
    marks = []
    for cell in ordered:
        if cell in unread or (cell in refused and cell not in known):
            continue
        text = wanted_notes.get(cell)
        if cell in old_notes:           # an out-of-date note Excel would not delete: try again later
            marks.append(Mark(sheet_name, cell, fills[cell], severity[cell], True, old_notes[cell]))
            continue
        if text is None or cell in refused:
            noted = cell in kept_notes
        else:
            noted = cell in kept_notes or painter.add_note(sheet, cell, text)
        marks.append(Mark(sheet_name, cell, fills[cell], severity[cell], noted, text if noted else ""))
    stuck = sum(1 for m in leftovers if m.sheet in names) + len(old_notes)
    return Marking(leftovers + marks, sorted(refused), sorted(unread), stuck)
