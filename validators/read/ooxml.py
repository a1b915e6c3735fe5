"""Office Open XML workbooks (.xlsx/.xlsm): the parts calamine may read, each bounded and DTD-free,
and what calamine does not report: each sheet's used area (so a sheet too large for memory is
refused before it is loaded), hidden rows, formulas saved without a result, error values
(python-calamine reads #REF! as an empty cell) and percentage formats.

Sheet XML is searched with bytes.find and regular expressions that start with a literal (fast on
a 25 MB sheet), never expanded; XML those searches do not cover (namespace prefixes, unusual
attribute spelling) is walked by lxml's streaming parser instead (package.walk). Measured on a
100 000-row sheet (benchmarks/README.md): the scans take a quarter of the CPU time of the
lightest lxml walk, which takes a quarter of defusedxml's.
"""
from __future__ import annotations

import posixpath
import re

from templates.cells import a1, cell_position, column_number, shows_percent
from templates.config import Limits
from validators.read.errors import CORRUPT, DAMAGED, DTD, UnreadableFile, refuse
from validators.read.extras import SheetExtras
from validators.read.package import read_part, walk
from validators.read.sheet import CellError


def inspect_xlsx(package, parts: dict, cap: int, limits: Limits) -> dict[str, SheetExtras]:
    from defusedxml import ElementTree as SafeET

    workbook_name = _workbook_part(package, parts, cap)
    workbook = _parse_small(package, workbook_name, cap, SafeET)
    rels_name = posixpath.join(posixpath.dirname(workbook_name), "_rels",
                               posixpath.basename(workbook_name) + ".rels")
    targets = {}
    if rels_name in parts:
        for rel in _parse_small(package, rels_name, cap, SafeET).iter():
            if rel.get("Id") and rel.get("Target"):
                targets[rel.get("Id")] = _resolve(workbook_name, rel.get("Target"))
    sheets = [(element.get("name"), targets.get(_relationship_id(element) or ""))
              for element in workbook.iter() if _local(element.tag) == "sheet"]
    styles = next((t for t in targets.values() if t.lower().endswith("styles.xml")), None)
    percent = _percent_styles(_parse_small(package, styles, cap, SafeET)) if styles in parts else set()
    sheet_parts = {target for _, target in sheets}
    shared_strings = b""
    for name in parts:      # every other XML part calamine may read: bounded and DTD-free
        if name.endswith((".xml", ".rels", ".vml")) and name not in sheet_parts:
            data = read_part(package, name, cap)
            if name.lower().endswith("sharedstrings.xml"):
                _check_string_count(data)
                shared_strings = data
            if "worksheets/" in name.lower() and name.endswith(".xml"):
                inspect_sheet(data, posixpath.basename(name), limits)   # found by another route
    extras: dict[str, SheetExtras] = {}
    sparse_rows = limits.max_cells // SPARSE_ROW_SHARE       # rows of sheets read sparsely, at most
    for name, target in sheets:
        if name is not None and target in parts:
            data = read_part(package, target, cap)
            extras[name] = inspect_sheet(data, name, limits, sparse=sparse_rows > 0)
            if extras[name].trimmed is not None:
                sparse_rows -= max(row for row, _ in extras[name].far_cells or {(0, 0): None})
                if sparse_rows < 0:       # every row down to a far cell is a list in SheetData
                    inspect_sheet(data, name, limits)          # refused, naming the stray cells
                extras[name].replaced_part = target
                extras[name].far_cells = {position: _shared_string(shared_strings, value.index)
                                          if isinstance(value, _SharedString) else value
                                          for position, value in extras[name].far_cells.items()}
            if percent:
                extras[name].percent_cells = _cells_with_styles(data, percent)
    return extras


_PERCENT_FORMATS = {9, 10}                 # Excel's built-in 0% and 0.00%


def _percent_styles(styles) -> set[int]:
    """Indexes of the cell formats (cellXfs) that show a number as a percentage."""
    custom = {}
    for element in styles.iter():
        if _local(element.tag) == "numFmt" and (element.get("numFmtId") or "").isdigit():
            custom[int(element.get("numFmtId"))] = shows_percent(element.get("formatCode") or "")
    formats = next((e for e in styles.iter() if _local(e.tag) == "cellXfs"), None)
    if formats is None:
        return set()
    found = set()
    for index, xf in enumerate(e for e in formats if _local(e.tag) == "xf"):
        raw = xf.get("numFmtId") or "0"
        number = int(raw) if raw.isdigit() else 0
        if custom.get(number, number in _PERCENT_FORMATS):
            found.add(index)
    return found


def _cells_with_styles(xml: bytes, styles: set[int]) -> set[tuple[int, int]]:
    """(row, col) of the cells with a value whose style is one of `styles`.

    Only the style attributes naming one of them are visited (a search in C): a percentage
    format somewhere in styles.xml is common, cells that use it are few, and visiting every
    cell of a 100 000-row sheet in Python took a third of a second."""
    wanted = rb"|".join(str(s).encode() for s in sorted(styles))
    cells = set()
    for match in re.finditer(rb's="(?:' + wanted + rb')"', xml):     # a literal first: fast
        if not xml[match.start() - 1:match.start()].isspace():
            continue
        start = xml.rfind(b"<", 0, match.start())
        end = xml.find(b">", match.end())
        tag = xml[start:end + 1]
        name = tag[1:].split(None, 1)[0]
        if name.rsplit(b":", 1)[-1] != b"c" or tag.endswith(b"/>"):
            continue                         # a row's style, or an empty formatted cell
        ref = _TAG_REF.search(tag)
        if ref is not None:
            cells.add((int(ref.group(2)), column_number(ref.group(1).decode())))
    return cells


_UNIQUE_COUNT = re.compile(rb'uniqueCount="([0-9]+)"')


def _check_string_count(xml: bytes) -> None:
    """calamine reserves memory for uniqueCount strings up front: a damaged or hostile count of
    four billion would abort the whole process, so the count must match the strings present."""
    declared = _UNIQUE_COUNT.search(xml, 0, 4096)
    if declared is None:
        return
    allowed = int(declared.group(1)) - 1024
    if allowed <= 0 or xml.count(b"<si") >= allowed:
        return                             # one pass over a 40 MB part LibreOffice writes
    if xml.count(b"<si") + xml.count(b":si>") + xml.count(b":si ") < allowed:     # <x:si>: prefixed
        raise UnreadableFile(DAMAGED)


def _relationship_id(element) -> str | None:
    """r:id in any namespace (transitional and strict OOXML name it differently)."""
    for key, value in element.attrib.items():
        if key.startswith("{") and key.endswith("}id"):
            return value
    return None


def _workbook_part(package, parts, cap) -> str:
    if "_rels/.rels" in parts:
        from defusedxml import ElementTree as SafeET
        for rel in _parse_small(package, "_rels/.rels", cap, SafeET).iter():
            if (rel.get("Type") or "").endswith("/officeDocument") and rel.get("Target"):
                target = rel.get("Target").lstrip("/")
                if target in parts:
                    return target
    if "xl/workbook.xml" in parts:
        return "xl/workbook.xml"
    raise UnreadableFile(CORRUPT)


def _parse_small(package, name: str, cap: int, SafeET):
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    data = read_part(package, name, cap)
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException:
        raise UnreadableFile(DTD) from None
    except ParseError:
        raise UnreadableFile(CORRUPT) from None


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# -- one sheet: size, then what hides data ---------------------------------------

# Every search below starts with a literal, so the regex engine skips ahead with a fast scan:
# a 25 MB sheet takes milliseconds per pattern. XML these shortcuts do not cover (namespace
# prefixes, attributes written r = '…', cells without a reference) goes through _parse_sheet.
# cell references of cells that hold something (a value, inline text or a formula): an empty
# formatted <row r="1048576"/> or <c r="F1048576" s="1"/> (LibreOffice writes them after rows are
# deleted) costs calamine nothing and must not make a sheet "too large"
_HOLDS = rb'"[^>]*(?<!/)>\s*<(?:v|is|f)\b'
_WIDE_REF = re.compile(rb'r="([A-Z]{2,3})[0-9]+' + _HOLDS)
_ANY_COLUMN = re.compile(rb'r="([A-Z]{1,3})[0-9]+' + _HOLDS)
_TALL_REF = {digits: re.compile(rb'r="[A-Z]{1,3}([0-9]{%d,})' % digits + _HOLDS)
             for digits in range(1, 8)}
# A cell placed by its reference: every cell calamine reads is then where its r="…" says, and the
# farthest-cell scans are exact. A cell without one (<c>, <c/>, a line break before its first
# attribute) is placed after the one before it, and a few thousand such in rows without r
# would make calamine allocate gigabytes: those sheets go through the streaming parser.
_BARE_CELL = re.compile(rb"<c[\t\n\r>/]")
_CLOSED_FORMULA = re.compile(rb"</f>[ \t\r\n]*(<v[ \t\r\n]*/>|<v>[ \t\r\n]*</v>)?[ \t\r\n]*</c>")
_EMPTY_FORMULA = re.compile(rb"<f\b[^>]*/>[ \t\r\n]*(<v[ \t\r\n]*/>|<v>[ \t\r\n]*</v>)?[ \t\r\n]*</c>")
_TAG_REF = re.compile(rb'\sr="([A-Z]{1,3})([0-9]+)"')
_TAG_ROW = re.compile(rb'\sr="([0-9]+)"')
_STR_RESULT = re.compile(rb'\st="str"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")


class _Irregular(Exception):
    """XML the fast scans do not cover; read it with the streaming parser instead."""


def inspect_sheet(xml: bytes, name: str, limits: Limits, *, sparse: bool = False) -> SheetExtras:
    """Refuse a sheet too large to load, then find what hides data in it.

    `sparse`: when a few stray cells far from the table are all that make the sheet too large,
    read it without them instead of refusing it: the extras carry the sheet XML without those
    cells (`trimmed`, for calamine) and their values (`far_cells`, put back at their places)."""
    cells = xml.count(b"<c ")
    data_at = xml.find(b"sheetData")              # near the top: a prefix shows at once
    regular = (xml[data_at - 1:data_at] != b":" and xml.count(b'<c r="') == cells
               and _BARE_CELL.search(xml) is None)
    if regular:
        height, width = _farthest_cell(xml, limits.max_cells)
        stray = _check_size(name, height * width, cells, limits, xml, sparse)
        if stray:
            return _without_stray_cells(xml, name, stray, limits)
        return scan_sheet(xml)
    extras, height, width = _parse_sheet(xml)
    _check_size(name, height * width, 0, limits, xml, sparse=False)
    return extras


def _check_size(name: str, area: int, cells: int, limits: Limits, xml: bytes, sparse: bool) -> list[str]:
    """calamine allocates the rectangle up to the farthest cell, so one cell at XFD1048576 in a
    6 KB file would take tens of gigabytes: the farthest reference counts, not the file size.
    When a few stray cells far from the table make it so, they are returned (`sparse`) or the
    message names them."""
    if area > limits.max_cells or cells > limits.max_cells:
        stray = stray_cells(xml, limits.max_cells) if cells <= limits.max_cells else []
        if stray and sparse:
            return stray
        if stray:
            raise UnreadableFile(_stray_message(name, stray, area))
        refuse(name, max(area, cells), limits)
    return []


SPARSE_ROW_SHARE = 4      # a workbook's sparse sheets span at most max_cells / 4 rows together


def _without_stray_cells(xml: bytes, name: str, stray: list[str], limits: Limits) -> SheetExtras:
    """The extras of the sheet without its `stray` cells, which calamine is not given (their
    values are kept in far_cells); the trimmed XML is measured again as strictly as the whole."""
    found = [_cell_element(ref).search(xml) for ref in stray]
    if None in found:                     # not where the scans put it: refuse as before
        raise UnreadableFile(_stray_message(name, stray, 0))
    far: dict[tuple[int, int], object] = {}
    unsaved: dict[tuple[int, int], str] = {}
    kept, position = [], 0
    for ref, cell in sorted(zip(stray, found), key=lambda pair: pair[1].start()):
        place, body = cell_position(ref), cell.group(2) or b""
        value = _stray_value(cell.group(1), body)
        formula = _FORMULA_TEXT.search(body)
        if value is None and formula is not None:
            unsaved[place] = "=" + _unescape(formula.group(1) or b"")
        elif value is not None:
            far[place] = value
        kept.append(xml[position:cell.start()])
        position = cell.end()
    kept.append(xml[position:])
    trimmed = b"".join(kept)
    extras = inspect_sheet(trimmed, name, limits)        # refused if still too large
    extras.unsaved_formulas.update(unsaved)
    extras.trimmed, extras.far_cells, extras.far_formulas = trimmed, far, set(unsaved)
    return extras


def _cell_element(ref: str) -> re.Pattern:
    return re.compile(rb'<c\b([^>]*\sr="' + ref.encode() + rb'"[^>]*?)(?:/>|>(.*?)</c>)', re.S)


_FORMULA_TEXT = re.compile(rb"<f\b[^>]*>([^<]*)</f>|<f\b[^>]*/>()")
_TYPE = re.compile(rb'\st="([a-zA-Z]+)"')
_TEXT_RUN = re.compile(rb"<t\b[^>]*>([^<]*)</t>")


class _SharedString:
    """A stray cell's value that is the index-th shared string (resolved by inspect_xlsx)."""

    def __init__(self, index: int):
        self.index = index


def _stray_value(attrs: bytes, body: bytes):
    """A stray cell's value as calamine gives it: numbers as float, text, bool, CellError."""
    kind = _TYPE.search(attrs)
    kind = kind.group(1) if kind else b"n"
    if kind == b"inlineStr":
        return _unescape(b"".join(_TEXT_RUN.findall(body)))
    value = _VALUE.search(body)
    if value is None or not value.group(1):
        return None
    raw = value.group(1)
    if kind == b"s":
        return _SharedString(int(raw)) if raw.strip().isdigit() else None
    if kind == b"b":
        return raw.strip() == b"1"
    if kind == b"e":
        return CellError(_unescape(raw))
    if kind in (b"str", b"d"):
        return _unescape(raw)
    try:
        return float(raw)
    except ValueError:
        return _unescape(raw)


def _shared_string(xml: bytes, index: int) -> str | None:
    """The text of the index-th shared string (its runs joined, phonetic guides left out)."""
    if not xml:
        return None
    for number, (_, item) in enumerate(walk(xml, ("{*}si",), events=("end",))):
        if number == index:
            return "".join(t.text or "" for t in item.iter("{*}t")
                           if _local(t.getparent().tag) != "rPh")
        item.clear()
    return None


_HOLDING_REF = re.compile(rb'r="([A-Z]{1,3})([0-9]+)' + _HOLDS)
MAX_STRAY = 10


def stray_cells(xml: bytes, max_cells: int) -> list[str]:
    """The references of the few cells (at most MAX_STRAY) holding a value so far from the
    rest that the rectangle calamine would allocate exceeds `max_cells`; [] when deleting a
    few cells would not bring the sheet under the limit."""
    cells = [(int(row), column_number(col.decode())) for col, row in _HOLDING_REF.findall(xml)]
    stray = []
    while cells and _area(cells) > max_cells:
        if len(stray) >= MAX_STRAY:
            return []
        far_row = max(r for r, _ in cells)
        far_col = max(c for _, c in cells)
        by_row = [cell for cell in cells if cell[0] != far_row]
        by_col = [cell for cell in cells if cell[1] != far_col]
        keep = by_row if _area(by_row) <= _area(by_col) else by_col
        kept = set(keep)
        stray += [cell for cell in cells if cell not in kept]
        cells = keep
    return [a1(r, c) for r, c in stray] if cells and len(stray) <= MAX_STRAY else []


def _area(cells: list[tuple[int, int]]) -> int:
    if not cells:
        return 0
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    return (max(rows) - min(rows) + 1) * (max(cols) - min(cols) + 1)


def _stray_message(name: str, stray: list[str], area: int) -> str:
    where = "、".join(stray)
    return (f"工作表「{name}」的数据区域过大（约 {area:,} 个单元格），因为 {where} 有内容，离表格太远："
            f"请删去 {where} 的内容后重新保存再报送。")


def _farthest_cell(xml: bytes, max_cells: int) -> tuple[int, int]:
    """(row, column) bounds of the farthest cell, exact where it matters for the limit."""
    wide = _WIDE_REF.findall(xml)
    width = max(column_number(w.decode()) for w in wide) if wide else 26
    allowed_rows = max(max_cells // width, 1)
    tall = _TALL_REF[min(len(str(allowed_rows)), 7)].findall(xml)
    height = max((int(t) for t in tall), default=0)
    if height * width > max_cells and not wide:     # 26 was only a bound: find the real width
        width = max(column_number(c.decode()) for c in _ANY_COLUMN.findall(xml))
    return height, width


def scan_sheet(xml: bytes) -> SheetExtras:
    """Hidden rows, formulas without a saved result, and error values of regular sheet XML."""
    has_hidden = _HIDDEN_MARK.search(xml) is not None
    first_formula = xml.find(b"<f")         # the scans below start here: no pass over the XML twice
    first_error = xml.find(b't="e"')
    if not has_hidden and first_formula < 0 and first_error < 0:
        return SheetExtras()
    try:
        extras = SheetExtras()
        if has_hidden:
            _fast_hidden_rows(xml, extras)
        if first_formula >= 0:
            _fast_unsaved_formulas(xml, extras, first_formula)
        if first_error >= 0:
            _fast_errors(xml, extras, first_error)
        return extras
    except _Irregular:
        return _parse_sheet(xml)[0]


def _start_tag(xml: bytes, inside: int) -> tuple[int, bytes]:
    """The start tag around position `inside`: (its offset, its bytes)."""
    start = xml.rfind(b"<", 0, inside)
    end = xml.find(b">", inside)
    return start, xml[start:end + 1]


_HIDDEN_MARKS = (b'hidden="1"', b'hidden="true"')     # LibreOffice writes hidden="false" on every row
_HIDDEN_MARK = re.compile(rb'hidden="(?:1|true)"')


def _fast_hidden_rows(xml: bytes, extras: SheetExtras) -> None:
    for mark in _HIDDEN_MARKS:
        at = xml.find(mark)
        while at >= 0:
            _, tag = _start_tag(xml, at)
            if tag.startswith(b"<row") and tag[4:5].isspace() and xml[at - 1:at].isspace():
                number = _TAG_ROW.search(tag)
                if number is None:
                    raise _Irregular
                extras.hidden_rows.add(int(number.group(1)))
            at = xml.find(mark, at + len(mark))


_CELL_WINDOW = 65536     # a cell's start tag is this close before its formula or value


def _cell_position(xml: bytes, before: int) -> tuple[int, bytes, tuple[int, int]]:
    """The cell start tag that precedes offset `before`: (offset, tag, (row, col))."""
    start = xml.rfind(b"<c ", max(0, before - _CELL_WINDOW), before)
    if start < 0:
        raise _Irregular
    tag = xml[start:xml.find(b">", start) + 1]
    ref = _TAG_REF.search(tag)
    if ref is None:
        raise _Irregular
    return start, tag, (int(ref.group(2)), column_number(ref.group(1).decode()))


def _fast_unsaved_formulas(xml: bytes, extras: SheetExtras, first: int = 0) -> None:
    """`first`: where the first formula starts (nothing before it can close one)."""
    masters: dict[bytes, str] | None = None       # shared formula index -> text, read once
    for pattern in (_CLOSED_FORMULA, _EMPTY_FORMULA):
        for match in pattern.finditer(xml, first):
            start, tag, position = _cell_position(xml, match.start())
            if match.group(1) and b"<v>" in match.group(1) and _STR_RESULT.search(tag):
                continue        # a formula whose saved result is empty text
            formula_at = xml.rfind(b"<f", start, match.start() + 2)
            formula_tag = xml[formula_at:xml.find(b">", formula_at) + 1]
            text = None
            if pattern is _CLOSED_FORMULA:
                text = _unescape(xml[formula_at + len(formula_tag):match.start()])
            if not text:
                index = _SHARED_INDEX.search(formula_tag)
                if index is not None:
                    if masters is None:
                        masters = {m.group(1): _unescape(m.group(2)) for m in _SHARED_MASTER.finditer(xml)}
                    text = masters.get(index.group(1))
            extras.unsaved_formulas[position] = "=" + (text or "")


_SHARED_INDEX = re.compile(rb'\ssi="([0-9]+)"')
_SHARED_MASTER = re.compile(rb'<f\b[^>]*\ssi="([0-9]+)"[^>/]*>([^<]+)</f>')


def _unescape(raw: bytes) -> str:
    import html
    return html.unescape(raw.decode("utf-8", "replace"))


def _fast_errors(xml: bytes, extras: SheetExtras, first: int = 0) -> None:
    at = xml.find(b't="e"', first)
    while at >= 0:
        start, tag = _start_tag(xml, at)
        if tag.startswith(b"<c") and tag[2:3].isspace() and not tag.endswith(b"/>"):
            _, _, position = _cell_position(xml, start + len(tag))
            close = xml.find(b"</c>", start, start + _CELL_WINDOW)
            value = _VALUE.search(xml, start + len(tag), close if close >= 0 else start + _CELL_WINDOW)
            if value is not None and value.group(1):
                extras.errors[position] = _unescape(value.group(1))
        at = xml.find(b't="e"', at + 5)




def _parse_sheet(xml: bytes) -> tuple[SheetExtras, int, int]:
    """The streaming (lxml) reading of a sheet: its extras and its farthest row and column.

    Only end events are asked for (half the events of start + end): a row's attributes are read
    when its first cell ends, or at its own end when it has no cells."""
    extras = SheetExtras()
    shared: dict[str, str] = {}
    row = None
    row_number = col_number = max_row = max_col = 0
    for _, element in walk(xml, ("{*}row", "{*}c"), events=("end",)):
        is_row = element.tag.endswith("row")
        current = element if is_row else element.getparent()
        if current is not row:                  # the first cell of a new row, or an empty row
            row = current
            r = row.get("r")
            row_number = int(r) if r and r.isdigit() else row_number + 1
            col_number = 0
            if row.get("hidden") in ("1", "true"):
                extras.hidden_rows.add(row_number)
        if is_row:
            element.clear()
            while element.getprevious() is not None:     # rows already read: free them
                del element.getparent()[0]
            continue
        row_number, col_number = _cell_position_of(element.get("r"), row_number, col_number)
        children = len(element)
        if children:                      # an empty formatted cell costs calamine nothing
            if row_number > max_row:
                max_row = row_number
            if col_number > max_col:
                max_col = col_number
            if children > 1 or element.get("t") == "e" or not element[0].text \
                    or not element[0].tag.endswith("v"):      # more than a plain value
                _read_cell(element, row_number, col_number, extras, shared)
        element.clear()
    return extras, max_row, max_col


_COLUMNS: dict[str, int] = {}
_DIGITS = "0123456789"


def _cell_position_of(ref: str | None, row: int, previous_col: int) -> tuple[int, int]:
    """(row, column) of a cell reference such as "B12"; the next column of `row` without one."""
    ref = (ref or "").strip()
    letters = ref.rstrip(_DIGITS)
    digits = ref[len(letters):]
    if not letters or not digits or not digits.isdigit() or not letters.isalpha() or not letters.isupper() \
            or len(letters) > 3 or not letters.isascii():
        return row, previous_col + 1
    col = _COLUMNS.get(letters)
    if col is None:
        col = _COLUMNS.setdefault(letters, column_number(letters))
    return int(digits), col


def _read_cell(element, row: int, col: int, extras: SheetExtras, shared: dict[str, str]) -> None:
    formula = value = None
    has_value = False
    for child in element:
        tag = _local(child.tag)
        if tag == "f":
            formula = child
        elif tag == "v":
            value = child.text
            has_value = value not in (None, "") or element.get("t") == "str"
        elif tag == "is":
            has_value = True
    if formula is not None:
        text = formula.text
        if formula.get("t") == "shared" and formula.get("si") is not None:
            if text:
                shared[formula.get("si")] = text
            else:
                text = shared.get(formula.get("si"))
        if not has_value:
            extras.unsaved_formulas[(row, col)] = "=" + (text or "")
    if element.get("t") == "e" and value:
        extras.errors[(row, col)] = value
