"""`fenjie check --annotate DIR`: a marked-up copy of each checked file (the Excel edge).

Bad cells are filled (red for errors, yellow for warnings) and carry a note with the message
and the suggestion. Every finding, including those about something absent (no cell), is also
listed on an added sheet 核对结果 with links to the cells. The input is only read: .xlsx/.xlsm
are copied by openpyxl (load + save, macros kept for .xlsm); .xls/.ods/.csv become an .xlsx
copy of their values.
"""
from __future__ import annotations

import math
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl.comments import Comment

from templates.cells import put
from templates.identity import ANNOTATED_LIST_SHEET
from templates.labels import finding_column, level_color, note_text, solid_fill
from templates.outputs import distinct_names
from validators.findings import FileResult, Finding
from validators.output.report import add_finding_row, finish_findings_sheet, start_findings_sheet

AUTHOR = "fenjie"
COPIED_AS_IS = (".xlsx", ".xlsm")

# Note box geometry, in pixels: wide enough for ~24 Chinese characters a line.
NOTE_WIDTH = 320
NOTE_LINE_HEIGHT = 18
NOTE_PADDING = 12
NOTE_CHARS_PER_LINE = 24
COLUMN_PX, ROW_PX = 64, 20    # default column width and row height, for the note's anchor


@dataclass
class Annotated:
    source: Path
    copy: Path
    values_only: bool            # .xls/.ods/.csv, or openpyxl could not open it: values only


def copy_name(source: Path) -> str:
    """The copy's file name: the same for .xlsx/.xlsm, .xlsx for the other formats."""
    return source.name if source.suffix.lower() in COPIED_AS_IS else source.stem + ".xlsx"


def plan_copies(sources: list[Path], out_dir: Path) -> dict[Path, Path]:
    """Where each source's copy goes; two sources with one name get 名称(2).xlsx and so on."""
    names = distinct_names([copy_name(source) for source in sources])
    return {source: out_dir / name for source, name in zip(sources, names)}


def unsafe_copies(planned: dict[Path, Path], inputs: list[Path]) -> list[Path]:
    """Copies that would overwrite a file they must not, even with --force: any input, or any
    existing file in an input's own folder (it may be a return that was not named on the
    command line) other than fenjie's own untouched output."""
    from templates.outputs import replaceable
    input_files = {p.resolve() for p in inputs if p.exists()}
    input_dirs = {p.resolve().parent for p in inputs}
    bad = []
    for copy in planned.values():
        target = copy.resolve()
        if target in input_files or (target.parent in input_dirs and not replaceable(target)):
            bad.append(copy)
    return bad


# -- the note text and size ------------------------------------------------------------------

def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def note_size(text: str) -> tuple[int, int]:
    """(width, height) in pixels for a note showing all of `text` without scrolling."""
    per_line = NOTE_CHARS_PER_LINE * 2
    lines = sum(max(1, math.ceil(_display_width(line) / per_line)) for line in text.split("\n"))
    return NOTE_WIDTH, lines * NOTE_LINE_HEIGHT + NOTE_PADDING


def make_note(findings: list[Finding], old: Comment | None = None) -> Comment:
    text = note_text(findings)
    if old is not None and old.text and old.author != AUTHOR:
        text += f"\n——原批注（{old.author or '未署名'}）——\n{old.text}"
    width, height = note_size(text)
    return Comment(text, AUTHOR, height=height, width=width)


# -- marking up a workbook -------------------------------------------------------------------

def _anchor_cell(ws, coordinate: str):
    """The cell that can carry a note: the top-left cell of a merged range."""
    for merged in ws.merged_cells.ranges:
        if coordinate in merged:
            return ws.cell(row=merged.min_row, column=merged.min_col)
    return ws[coordinate]


def _table_sheet(wb, result: FileResult):
    if result.sheet and result.sheet in wb.sheetnames:
        return wb[result.sheet]
    return wb.worksheets[0]


def _mark_cells(wb, result: FileResult) -> None:
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in result.findings:
        if f.cell:
            sheet = f.sheet or _table_sheet(wb, result).title
            by_cell.setdefault((sheet, f.cell), []).append(f)
    for (sheet, coordinate), findings in by_cell.items():
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        try:
            target = _anchor_cell(ws, coordinate)
        except ValueError:        # not an A1 address; the list sheet still shows it
            continue
        fill = solid_fill(level_color("error" if any(f.is_error for f in findings) else "warning"))
        ws[coordinate].fill = fill
        target.fill = fill
        target.comment = make_note(findings, target.comment)


def _unique_title(wb, title: str) -> str:
    n, name = 2, title
    while name in wb.sheetnames:
        name = f"{title}({n})"
        n += 1
    return name


def _list_sheet(wb, result: FileResult) -> None:
    """核对结果: the findings sheet of every output (templates.labels), cells linked in the copy."""
    ws = wb.create_sheet(_unique_title(wb, ANNOTATED_LIST_SHEET))
    ws.sheet_view.tabSelected = False
    start_findings_sheet(ws)
    table_sheet = _table_sheet(wb, result).title
    for f in result.findings:
        sheet = f.sheet or table_sheet
        add_finding_row(ws, f, file=Path(result.path).name, township=result.scope, sheet=table_sheet,
                        link_cell=sheet in wb.sheetnames)
    if not result.findings:
        put(ws.cell(row=2, column=finding_column("message")), "没有发现问题。")
    finish_findings_sheet(ws)


def annotate_workbook(wb, result: FileResult) -> None:
    """Mark `result`'s findings in the (already loaded) workbook `wb`."""
    _mark_cells(wb, result)
    _list_sheet(wb, result)


# -- files -----------------------------------------------------------------------------------

def _values_workbook(source: Path):
    """A new workbook holding the values of a .xls/.ods/.csv file, sheet by sheet."""
    from openpyxl import Workbook

    from validators.read.sheet import CellError
    from validators.read.workbook import read_workbook

    book = read_workbook(source)
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in book.sheets:
        ws = wb.create_sheet(_unique_title(wb, sheet.name[:31] or "Sheet"))
        if sheet.hidden:
            ws.sheet_state = "hidden"
        for i, row in enumerate(sheet.rows):
            for j, value in enumerate(row):
                if value is None:
                    continue
                value = str(value) if isinstance(value, CellError) else value
                put(ws.cell(row=sheet.origin_row + i, column=sheet.origin_col + j), value)
    return wb


def annotate_file(result: FileResult, copy: Path) -> Annotated:
    """Write the annotated copy of `result.path` to `copy`; the source is only read.

    Raises UnreadableFile or OSError; the caller reports it and goes on with the batch."""
    from openpyxl import load_workbook

    source = Path(result.path)
    copy.parent.mkdir(parents=True, exist_ok=True)
    suffix = source.suffix.lower()
    wb = None
    if suffix in COPIED_AS_IS:
        try:
            with warnings.catch_warnings():    # "extension not supported" etc.: not for clerks
                warnings.simplefilter("ignore")
                wb = load_workbook(source, keep_vba=suffix == ".xlsm", rich_text=True)
        except Exception:      # e.g. an .xls renamed .xlsx: the reader copes, openpyxl does not
            wb = None
    values_only = wb is None
    if values_only:
        wb = _values_workbook(source)
    annotate_workbook(wb, result)
    _save(wb, copy)
    return Annotated(source, copy, values_only)


def _save(wb, copy: Path) -> None:
    """Save as fenjie's output (all or nothing, mode by the umask), then add note anchors."""
    from templates.outputs import save_output

    def finish(written: Path) -> None:
        # after save, each worksheet with notes knows the VML part openpyxl wrote them to
        grids = {ws.legacy_drawing: grid_of(ws) for ws in wb.worksheets if ws.legacy_drawing}
        add_note_anchors(written, grids)
    save_output(wb, copy, "annotated", finish)


# -- note anchors ----------------------------------------------------------------------------
# openpyxl sizes a note only through the VML shape's CSS (width/height). Excel itself writes
# an <x:Anchor> too (the columns and rows the box spans) and other programs, WPS among them,
# size the box from it; openpyxl writes none, so we add one that spans the same pixels.

_VML = re.compile(r"xl/drawings/.*\.vml$")
VML_NS = {"v": "urn:schemas-microsoft-com:vml", "o": "urn:schemas-microsoft-com:office:office",
          "x": "urn:schemas-microsoft-com:office:excel"}
_SIZE = re.compile(r"width:(\d+(?:\.\d+)?)px;\s*height:(\d+(?:\.\d+)?)px")
LEFT_OFFSET, TOP_OFFSET = 15, 10     # px: the box starts a little right of and above its cell
MAX_SPAN = 200                       # columns or rows a box may span (hidden ones are 0 px)


@dataclass
class Grid:
    """A sheet's column widths and row heights in pixels (1-based), default where unset."""
    columns: dict[int, float]
    rows: dict[int, float]

    def column_px(self, col: int) -> float:
        return self.columns.get(col, COLUMN_PX)

    def row_px(self, row: int) -> float:
        return self.rows.get(row, ROW_PX)


def grid_of(ws) -> Grid:
    from openpyxl.utils import column_index_from_string
    columns = {}
    for letter, dim in ws.column_dimensions.items():
        first = dim.min or column_index_from_string(letter)
        px = 0 if dim.hidden else (dim.width * 7 + 5 if dim.width else COLUMN_PX)
        for col in range(first, max(dim.max or first, first) + 1):
            columns[col] = px
    rows = {r: (0 if dim.hidden else dim.height * 4 / 3) for r, dim in ws.row_dimensions.items()
            if dim.hidden or dim.height}
    return Grid(columns, rows)


def _span(start: int, need: float, size) -> tuple[int, int]:
    """(last 0-based index, px into it) for a run of `need` px from 0-based index `start`."""
    index, used = start, 0.0
    for index in range(start, start + MAX_SPAN):
        px = size(index + 1)
        if used + px >= need:
            return index, max(0, round(need - used))
        used += px
    return index, 0


def note_anchor(row: int, column: int, width: float, height: float, grid: Grid | None = None) -> str:
    """x:Anchor for a note by the 0-based (row, column) cell: LeftColumn, LeftOffset, TopRow,
    TopOffset, RightColumn, RightOffset, BottomRow, BottomOffset (offsets in pixels)."""
    grid = grid or Grid({}, {})
    left, top = column + 1, max(row - 1, 0)
    right, right_px = _span(left, LEFT_OFFSET + width, grid.column_px)
    bottom, bottom_px = _span(top, TOP_OFFSET + height, grid.row_px)
    return f"{left}, {LEFT_OFFSET}, {top}, {TOP_OFFSET}, {right}, {right_px}, {bottom}, {bottom_px}"


def _anchored_vml(data: bytes, grid: Grid | None) -> bytes:
    """The VML with an x:Anchor on every note lacking one, written with the usual v/o/x
    prefixes (openpyxl writes ns0/ns1/ns2, which some readers do not accept)."""
    import xml.etree.ElementTree as ET

    from defusedxml.ElementTree import fromstring

    for prefix, uri in VML_NS.items():
        ET.register_namespace(prefix, uri)
    try:
        root = fromstring(data)
    except Exception:           # VML kept from the source that is not clean XML: leave it be
        return data
    x = "{%s}" % VML_NS["x"]
    for shape in root.iter("{%s}shape" % VML_NS["v"]):
        data_el = shape.find(x + "ClientData")
        size = _SIZE.search(shape.get("style", ""))
        if data_el is None or data_el.get("ObjectType") != "Note" or size is None:
            continue
        row, column = data_el.find(x + "Row"), data_el.find(x + "Column")
        if data_el.find(x + "Anchor") is not None or row is None or column is None:
            continue
        anchor = ET.Element(x + "Anchor")
        anchor.text = note_anchor(int(row.text), int(column.text),
                                  float(size.group(1)), float(size.group(2)), grid)
        data_el.insert(2, anchor)
    return ET.tostring(root)


def add_note_anchors(xlsx: Path, grids: dict[str, Grid] | None = None) -> None:
    """Rewrite `xlsx` (our own output) so that every note carries its size as an anchor;
    `grids` gives each VML part's sheet geometry (default column widths otherwise)."""
    grids = grids or {}
    with zipfile.ZipFile(xlsx) as zin:
        entries = [(info, zin.read(info)) for info in zin.infolist()]
    if not any(_VML.match(info.filename) for info, _ in entries):
        return
    with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            if _VML.match(info.filename):
                data = _anchored_vml(data, grids.get(info.filename))
            zout.writestr(info, data)
