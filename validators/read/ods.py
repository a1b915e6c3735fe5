"""OpenDocument spreadsheets (.ods): content.xml scanned for each table's used area (rows and
cells may be "repeated" a million times in a few bytes), hidden rows, merged ranges, error values
and percentages; other namespace prefixes are stream-parsed with lxml (package.walk)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from templates.config import Limits
from validators.read.errors import CORRUPT, UnreadableFile, refuse
from validators.read.extras import SheetExtras
from validators.read.package import read_part, walk

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"


def inspect_ods(package, parts: dict, cap: int, limits: Limits) -> dict[str, SheetExtras]:
    """Every table of content.xml, streamed: its used area (rows and cells may be "repeated"
    a million times in a few bytes), hidden rows and error values."""
    for name in parts:
        if name.endswith(".xml") and name != "content.xml":
            read_part(package, name, cap)
    if "content.xml" not in parts:
        raise UnreadableFile(CORRUPT)
    content = read_part(package, "content.xml", cap)
    if b"<table:table-row" in content or b"<table:table " not in content:
        return scan_ods_content(content, limits)
    return _parse_ods_content(content, limits)      # other namespace prefixes: stream-parse


# content.xml is walked row by row with bytes.find: a row whose cells carry no repeat before
# its last value (the usual case: LibreOffice only repeats the empty cells after it) is measured
# by counting its cell tags; other rows, and rows with error values, are walked cell by cell.
_ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell(?=[\s/>])([^>]*)>")
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="([0-9]+)"')
_ODS_COLUMNS = re.compile(rb'table:number-columns-repeated="([0-9]+)"')
_ODS_HIDDEN = re.compile(rb'table:visibility="(?:collapse|filter)"')
_ODS_ERROR = b'calcext:value-type="error"'
_ODS_PERCENT = b'office:value-type="percentage"'
_ODS_TIME = b'office:value-type="time"'
_ODS_ROWS_SPANNED = re.compile(rb'table:number-rows-spanned="([0-9]+)"')
_ODS_COLUMNS_SPANNED = re.compile(rb'table:number-columns-spanned="([0-9]+)"')
_ODS_TEXT = re.compile(rb"<text:p\b[^>]*>(.*?)</text:p>", re.S)
_ANY_TAG = re.compile(rb"<[^>]*>")
_ROW_END = b"</table:table-row>"


def scan_ods_content(xml: bytes, limits: Limits) -> dict[str, SheetExtras]:
    """Used area, hidden rows and error values of every table in an ODS content.xml."""
    import html

    tables: dict[str, SheetExtras] = {}
    position = 0
    while (start := _find_tag(xml, b"<table:table", position, len(xml))) >= 0:
        tag_end = xml.find(b">", start)
        end = xml.find(b"</table:table>", tag_end)
        end = len(xml) if end < 0 else end
        name = _ODS_NAME.search(xml, start, tag_end)
        table = _OdsTable(html.unescape(name.group(1).decode("utf-8", "replace")) if name else "")
        _scan_ods_rows(xml, tag_end + 1, end, table, limits)
        _finish_ods_table(table, limits)
        tables[table.name] = table.extras
        position = end + 1
    return tables


def _find_tag(xml: bytes, opening: bytes, start: int, end: int) -> int:
    """Offset of the next tag named exactly `opening` (not a longer name starting with it)."""
    while (at := xml.find(opening, start, end)) >= 0:
        if xml[at + len(opening):at + len(opening) + 1] in (b" ", b">", b"/", b"\n", b"\t", b"\r"):
            return at
        start = at + 1
    return -1


def _scan_ods_rows(xml: bytes, position: int, table_end: int, table: _OdsTable, limits: Limits) -> None:
    # a table with no error value, merged range or percentage anywhere (most of them) needs no
    # per-row search for one: three searches per row fewer
    special = any(xml.find(mark, position, table_end) >= 0 for mark in (_ODS_ERROR, b"-spanned=", _ODS_PERCENT))
    table.extras.durations = xml.find(_ODS_TIME, position, table_end) >= 0
    while (start := _find_tag(xml, b"<table:table-row", position, table_end)) >= 0:
        tag_end = xml.find(b">", start)
        attrs = xml[start + 16:tag_end]
        row_start = table.row + 1
        row_repeat = _ods_repeat(_ODS_ROWS, attrs)
        if b"visibility" in attrs and _ODS_HIDDEN.search(attrs):
            table.hidden.append((row_start, row_start + row_repeat - 1))
        table.row += row_repeat
        if attrs.endswith(b"/"):
            position = tag_end + 1
            continue
        end = xml.find(_ROW_END, tag_end, table_end)
        end = table_end if end < 0 else end
        width = _ods_row_width(xml, tag_end + 1, end, row_start, table.extras, special)
        if width:
            table.max_row = table.row
            table.max_col = max(table.max_col, width)
            if table.max_row * table.max_col > limits.max_cells:
                refuse(table.name, table.max_row * table.max_col, limits)
        position = end


def _ods_row_width(xml: bytes, start: int, end: int, row: int, extras: SheetExtras, special: bool = True) -> int:
    """The column of the row's last cell with content (0: none); records error values. `special`:
    the table may hold error values, merged ranges or percentages somewhere."""
    last_value = xml.rfind(b"value-type=", start, end)
    if last_value < 0:
        return 0
    tag_end = xml.find(b">", last_value, end)
    if xml.find(b"repeated", start, tag_end) < 0 and not (special and (
            xml.find(_ODS_ERROR, start, end) >= 0 or xml.find(b"-spanned=", start, end) >= 0
            or xml.find(_ODS_PERCENT, start, end) >= 0)):
        return (xml.count(b"<table:table-cell", start, last_value)
                + xml.count(b"<table:covered-table-cell", start, last_value))
    return _ods_walk_cells(xml, start, end, row, extras)


def _ods_walk_cells(xml: bytes, start: int, end: int, row: int, extras: SheetExtras) -> int:
    import html

    col = width = 0
    for cell in _ODS_CELL.finditer(xml, start, end):
        attrs = cell.group(1)
        repeat = _ods_repeat(_ODS_COLUMNS, attrs)
        if b"-spanned=" in attrs:
            rows, cols = _ods_repeat(_ODS_ROWS_SPANNED, attrs), _ods_repeat(_ODS_COLUMNS_SPANNED, attrs)
            if rows > 1 or cols > 1:
                extras.merged.append((row, col + 1, row + rows - 1, col + cols))
        if _ODS_PERCENT in attrs:
            extras.percent_cells.update((row, col + 1 + offset) for offset in range(min(repeat, 16)))
        if b"value-type=" in attrs or not attrs.endswith(b"/"):
            width = col + repeat
            if _ODS_ERROR in attrs:
                text = _ODS_TEXT.search(xml, cell.end(), min(end, cell.end() + 4096))
                shown = html.unescape(_ANY_TAG.sub(b"", text.group(1)).decode("utf-8", "replace")
                                      ).strip() if text else ""
                for offset in range(min(repeat, 16)):
                    extras.errors[(row, col + 1 + offset)] = shown or "#VALUE!"
        col += repeat
    return width


def _ods_repeat(pattern: re.Pattern, attrs: bytes) -> int:
    if b"repeated" not in attrs and b"spanned" not in attrs:
        return 1
    found = pattern.search(attrs)
    return max(int(found.group(1)), 1) if found else 1


@dataclass
class _OdsTable:
    name: str
    row: int = 0                 # rows seen so far
    max_row: int = 0             # last row with content
    max_col: int = 0
    hidden: list[tuple[int, int]] = field(default_factory=list)
    extras: SheetExtras = field(default_factory=SheetExtras)


_WALKED = (_TABLE + "table", _TABLE + "table-row", _TABLE + "table-cell", _TABLE + "covered-table-cell")


def _parse_ods_content(xml: bytes, limits: Limits) -> dict[str, SheetExtras]:
    """The streaming (lxml) reading of content.xml, for namespace prefixes the scan does not know."""
    tables: dict[str, SheetExtras] = {}
    table: _OdsTable | None = None
    row_start = row_repeat = col = 0
    row_has_content = False
    for event, element in walk(xml, _WALKED):
        tag = element.tag
        if event == "start":
            if tag == _TABLE + "table":
                table = _OdsTable(element.get(_TABLE + "name") or "")
            elif tag == _TABLE + "table-row" and table is not None:
                row_start, col, row_has_content = table.row + 1, 0, False
                row_repeat = _repeat(element, "number-rows-repeated")
                if element.get(_TABLE + "visibility") in ("collapse", "filter"):
                    table.hidden.append((row_start, row_start + row_repeat - 1))
            continue
        if table is None:
            continue
        if tag in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
            repeat = _repeat(element, "number-columns-repeated")
            spans = (_repeat(element, "number-rows-spanned"), _repeat(element, "number-columns-spanned"))
            if spans != (1, 1):
                table.extras.merged.append((row_start, col + 1, row_start + spans[0] - 1, col + spans[1]))
            if element.get(_OFFICE + "value-type") == "time":
                table.extras.durations = True
            if element.get(_OFFICE + "value-type") == "percentage":
                table.extras.percent_cells.update(
                    (row_start, col + 1 + offset) for offset in range(min(repeat, 16)))
            if element.get(_OFFICE + "value-type") or len(element):
                row_has_content = True
                table.max_col = max(table.max_col, col + repeat)
                if element.get(_CALCEXT + "value-type") == "error":
                    text = "".join(element.itertext()).strip()
                    for offset in range(min(repeat, 16)):
                        table.extras.errors[(row_start, col + 1 + offset)] = text or "#VALUE!"
            col += repeat
            element.clear()
        elif tag == _TABLE + "table-row":
            table.row += row_repeat
            if row_has_content:
                table.max_row = table.row
                if table.max_row * max(table.max_col, 1) > limits.max_cells:
                    refuse(table.name, table.max_row * table.max_col, limits)
            element.clear()
            while element.getprevious() is not None:     # rows already read: free them
                del element.getparent()[0]
        elif tag == _TABLE + "table":
            _finish_ods_table(table, limits)
            tables[table.name] = table.extras
            table = None
            element.clear()
    return tables


def _repeat(element, attribute: str) -> int:
    raw = element.get(_TABLE + attribute)
    return int(raw) if raw and raw.isdigit() and int(raw) > 0 else 1


def _finish_ods_table(table: _OdsTable, limits: Limits) -> None:
    if table.max_row * table.max_col > limits.max_cells:
        refuse(table.name, table.max_row * table.max_col, limits)
    for first, last in table.hidden:           # trailing hidden filler rows hold nothing
        table.extras.hidden_rows.update(range(first, min(last, table.max_row) + 1))
