"""Safety checks on a zipped workbook (.xlsx/.xlsm/.ods) and what calamine does not report.

Before calamine is handed a package, every part it may read is decompressed here with a hard
size cap (a zip bomb stops at the cap, whatever sizes the zip claims), its prolog is checked
for DTDs (entity expansion, external entities), and each sheet's used area is estimated so a
sheet too large for memory is refused before it is loaded.

The same pass finds what hides data: hidden rows, formulas saved without a result, and error
values (python-calamine reads #REF! as an empty cell). Sheet XML is searched with bytes.find
and regular expressions that start with a literal (fast on a 25 MB sheet), never expanded;
XML those searches do not cover (namespace prefixes, unusual attribute spelling) is parsed
with defusedxml's streaming parser instead.
"""
from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from templates.config import Limits
from validators.sheet import CellError, SheetData

XLSX = "xlsx"
ODS = "ods"

# Bytes of sheet XML allowed per permitted cell, and a floor for small limits.
_XML_BYTES_PER_CELL = 40
_XML_FLOOR = 64 * 1024 * 1024
_CHUNK = 1024 * 1024


def _unreadable(reason: str):
    from validators.reader import UnreadableFile
    return UnreadableFile(reason)


_CORRUPT = ("文件已损坏（压缩包结构不完整），无法打开：可能是下载或传输不完整，"
            "请重新保存或重新发送。")
_BOMB = ("文件解压后异常巨大（{size}，超过上限），可能已损坏或是恶意文件：已停止读取。"
         "请用 Excel 或 WPS 打开后另存为新文件再报送。")
_DTD = ("文件中含有不安全的 XML 内容（DTD/实体声明），已拒绝读取：正常的 Excel/WPS 文件不会这样，"
        "请用 Excel 或 WPS 打开后另存为新文件再报送。")


@dataclass
class SheetExtras:
    """What the sheet XML says beyond calamine's values."""
    hidden_rows: set[int] = field(default_factory=set)
    unsaved_formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)    # .ods only
    percent_cells: set[tuple[int, int]] = field(default_factory=set)

    def apply(self, sheet: SheetData) -> None:
        sheet.hidden_rows = frozenset(self.hidden_rows)
        sheet.unsaved_formulas = dict(self.unsaved_formulas)
        sheet.percent_cells = frozenset(self.percent_cells)
        if self.merged and not sheet.merged:
            sheet.merged = tuple(self.merged)
        for (row, col), text in sorted(self.errors.items()):
            set_cell(sheet, row, col, CellError(text))


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


# -- the package -----------------------------------------------------------------

def inspect_package(path: Path, limits: Limits) -> dict[str, SheetExtras]:
    """Check a zipped workbook; sheet name -> SheetExtras. UnreadableFile when it is unsafe or not a workbook."""
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            kind = _package_kind(package, names)
            cap = max(_XML_FLOOR, limits.max_cells * _XML_BYTES_PER_CELL)
            parts = {info.filename: info for info in package.infolist() if not info.is_dir()}
            _check_declared_sizes(parts.values(), cap)
            if kind == ODS:
                return _inspect_ods(package, parts, cap, limits)
            return _inspect_xlsx(package, parts, cap, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, KeyError, ValueError,
            OSError, struct.error):
        raise _unreadable(_CORRUPT) from None
    except NotImplementedError:
        raise _unreadable("文件使用了不支持的压缩方式，无法打开：请用 Excel 或 WPS 另存为 .xlsx 再报送。") from None
    except RuntimeError:    # zipfile: an encrypted zip entry
        raise _unreadable("压缩包设置了密码，无法读取：请报送未加密的 Excel 表格。") from None


def _package_kind(package: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names:
        mimetype = package.read("mimetype")[:100].decode("ascii", "replace").strip()
        if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
            return ODS
        if mimetype.startswith("application/vnd.oasis.opendocument"):
            raise _unreadable("这是 OpenDocument 文本/演示文档，不是表格：请报送表格文件（.xlsx 或 .ods）。")
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names or any(
            n.startswith("xl/") and n.endswith("workbook.xml") for n in names):
        if "xl/workbook.bin" in names:
            raise _unreadable("这是 Excel 二进制工作簿（.xlsb），暂不支持：请另存为 .xlsx 再报送。")
        return XLSX
    if any(n.startswith("word/") for n in names):
        raise _unreadable("这是 Word 文档（.docx），不是表格：请把表格复制到 Excel/WPS 表格中，"
                          "保存为 .xlsx 再报送。")
    if any(n.startswith("ppt/") for n in names):
        raise _unreadable("这是 PowerPoint 演示文稿，不是表格：请报送 Excel 表格文件（.xlsx）。")
    raise _unreadable("这是一个普通压缩包（zip），不是 Excel 表格：请解压后报送其中的表格文件。")


def _check_declared_sizes(infos, cap: int) -> None:
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > cap or total > 4 * cap:
            raise _unreadable(_BOMB.format(size=_size(max(info.file_size, total))))


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB"


def _read_part(package: zipfile.ZipFile, name: str, cap: int) -> bytes:
    """A part's bytes, stopping at `cap` whatever the zip claims; rejects DTDs in its prolog."""
    chunks, size = [], 0
    with package.open(name) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                raise _unreadable(_BOMB.format(size=f"超过 {_size(cap)}"))
            chunks.append(chunk)
    data = b"".join(chunks)
    check_prolog(data)
    return data


_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", "<!DOCTYPE".encode("utf-16-le"),
                "<!ENTITY".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))


def check_prolog(data: bytes) -> None:
    """Refuse XML with a DTD: the only place entities (billion laughs, external files) can be declared."""
    head = data[:65536]
    if any(marker in head for marker in _DTD_MARKERS) or (
            b"<!" in head and re.search(rb"<!\s*(?:DOCTYPE|ENTITY)", head, re.IGNORECASE)):
        raise _unreadable(_DTD)


# -- .ods ------------------------------------------------------------------------

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"


def _inspect_ods(package, parts: dict, cap: int, limits: Limits) -> dict[str, SheetExtras]:
    """Every table of content.xml, streamed: its used area (rows and cells may be "repeated"
    a million times in a few bytes), hidden rows and error values."""
    for name in parts:
        if name.endswith(".xml") and name != "content.xml":
            _read_part(package, name, cap)
    if "content.xml" not in parts:
        raise _unreadable(_CORRUPT)
    content = _read_part(package, "content.xml", cap)
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
        width = _ods_row_width(xml, tag_end + 1, end, row_start, table.extras)
        if width:
            table.max_row = table.row
            table.max_col = max(table.max_col, width)
            if table.max_row * table.max_col > limits.max_cells:
                _refuse(table.name, table.max_row * table.max_col, limits)
        position = end


def _ods_row_width(xml: bytes, start: int, end: int, row: int, extras: SheetExtras) -> int:
    """The column of the row's last cell with content (0: none); records error values."""
    last_value = xml.rfind(b"value-type=", start, end)
    if last_value < 0:
        return 0
    tag_end = xml.find(b">", last_value, end)
    if xml.find(b"repeated", start, tag_end) < 0 and xml.find(_ODS_ERROR, start, end) < 0 \
            and xml.find(b"-spanned=", start, end) < 0 and xml.find(_ODS_PERCENT, start, end) < 0:
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


def _parse_ods_content(xml: bytes, limits: Limits) -> dict[str, SheetExtras]:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse
    from xml.etree.ElementTree import ParseError

    tables: dict[str, SheetExtras] = {}
    table: _OdsTable | None = None
    row_start = row_repeat = col = 0
    row_has_content = False
    try:
        for event, element in iterparse(io.BytesIO(xml), events=("start", "end")):
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
                    table.extras.merged.append((row_start, col + 1, row_start + spans[0] - 1,
                                                col + spans[1]))
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
                        _refuse(table.name, table.max_row * table.max_col, limits)
                element.clear()
            elif tag == _TABLE + "table":
                _finish_ods_table(table, limits)
                tables[table.name] = table.extras
                table = None
                element.clear()
    except DefusedXmlException:
        raise _unreadable(_DTD) from None
    except ParseError:
        raise _unreadable(_CORRUPT) from None
    return tables


def _repeat(element, attribute: str) -> int:
    raw = element.get(_TABLE + attribute)
    return int(raw) if raw and raw.isdigit() and int(raw) > 0 else 1


def _finish_ods_table(table: _OdsTable, limits: Limits) -> None:
    if table.max_row * table.max_col > limits.max_cells:
        _refuse(table.name, table.max_row * table.max_col, limits)
    for first, last in table.hidden:           # trailing hidden filler rows hold nothing
        table.extras.hidden_rows.update(range(first, min(last, table.max_row) + 1))


def _refuse(name: str, cells: int, limits: Limits):
    from validators.reader import _too_many_cells
    raise _unreadable(_too_many_cells(name, cells, limits))


# -- .xlsx -----------------------------------------------------------------------



def _inspect_xlsx(package, parts: dict, cap: int, limits: Limits) -> dict[str, SheetExtras]:
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
    for name in parts:      # every other XML part calamine may read: bounded and DTD-free
        if name.endswith((".xml", ".rels", ".vml")) and name not in sheet_parts:
            data = _read_part(package, name, cap)
            if name.lower().endswith("sharedstrings.xml"):
                _check_string_count(data)
            if "worksheets/" in name.lower() and name.endswith(".xml"):
                inspect_sheet(data, posixpath.basename(name), limits)   # found by another route
    extras: dict[str, SheetExtras] = {}
    for name, target in sheets:
        if name is not None and target in parts:
            data = _read_part(package, target, cap)
            extras[name] = inspect_sheet(data, name, limits)
            if percent:
                extras[name].percent_cells = _cells_with_styles(data, percent)
    return extras


_PERCENT_FORMATS = {9, 10}                 # Excel's built-in 0% and 0.00%
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _percent_styles(styles) -> set[int]:
    """Indexes of the cell formats (cellXfs) that show a number as a percentage."""
    custom = {}
    for element in styles.iter():
        if _local(element.tag) == "numFmt" and (element.get("numFmtId") or "").isdigit():
            code = _QUOTED.sub("", element.get("formatCode") or "")
            custom[int(element.get("numFmtId"))] = "%" in code
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


_STYLED_CELL = re.compile(rb"<c\b([^>]*)>")
_STYLE_OF = re.compile(rb'\ss="([0-9]+)"')


def _cells_with_styles(xml: bytes, styles: set[int]) -> set[tuple[int, int]]:
    """(row, col) of the cells with a value whose style is one of `styles`."""
    wanted = {str(s).encode() for s in styles}
    cells = set()
    for match in _STYLED_CELL.finditer(xml):
        attrs = match.group(1)
        style = _STYLE_OF.search(attrs)
        if style is None or style.group(1) not in wanted or attrs.endswith(b"/"):
            continue
        ref = _TAG_REF.search(attrs)
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
    present = xml.count(b"<si") + xml.count(b":si>") + xml.count(b":si ")
    if int(declared.group(1)) > present + 1024:
        from validators.reader import _DAMAGED
        raise _unreadable(_DAMAGED)


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
    raise _unreadable(_CORRUPT)


def _parse_small(package, name: str, cap: int, SafeET):
    from defusedxml import DefusedXmlException
    from xml.etree.ElementTree import ParseError
    data = _read_part(package, name, cap)
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException:
        raise _unreadable(_DTD) from None
    except ParseError:
        raise _unreadable(_CORRUPT) from None


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
_CLOSED_FORMULA = re.compile(rb"</f>[ \t\r\n]*(<v[ \t\r\n]*/>|<v>[ \t\r\n]*</v>)?[ \t\r\n]*</c>")
_EMPTY_FORMULA = re.compile(rb"<f\b[^>]*/>[ \t\r\n]*(<v[ \t\r\n]*/>|<v>[ \t\r\n]*</v>)?[ \t\r\n]*</c>")
_TAG_REF = re.compile(rb'\sr="([A-Z]{1,3})([0-9]+)"')
_TAG_ROW = re.compile(rb'\sr="([0-9]+)"')
_STR_RESULT = re.compile(rb'\st="str"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")


class _Irregular(Exception):
    """XML the fast scans do not cover; read it with the streaming parser instead."""


def inspect_sheet(xml: bytes, name: str, limits: Limits) -> SheetExtras:
    """Refuse a sheet too large to load, then find what hides data in it."""
    cells = xml.count(b"<c ")
    data_at = xml.find(b"sheetData")              # near the top: a prefix shows at once
    regular = (xml[data_at - 1:data_at] != b":" and b"r='" not in xml and b"<c>" not in xml
               and xml.count(b' r="') >= cells + xml.count(b"<row "))
    if regular:
        height, width = _farthest_cell(xml, limits.max_cells)
        _check_size(name, height * width, cells, limits, xml)
        return scan_sheet(xml)
    extras, height, width = _parse_sheet(xml)
    _check_size(name, height * width, 0, limits, xml)
    return extras


def _check_size(name: str, area: int, cells: int, limits: Limits, xml: bytes) -> None:
    """calamine allocates the rectangle up to the farthest cell, so one cell at XFD1048576 in a
    6 KB file would take tens of gigabytes: the farthest reference counts, not the file size.
    When a few stray cells far from the table make it so, the message names them."""
    if area > limits.max_cells or cells > limits.max_cells:
        stray = stray_cells(xml, limits.max_cells) if cells <= limits.max_cells else []
        if stray:
            raise _unreadable(_stray_message(name, stray, area))
        _refuse(name, max(area, cells), limits)


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
    return [cell_reference(r, c) for r, c in stray] if cells and len(stray) <= MAX_STRAY else []


def _area(cells: list[tuple[int, int]]) -> int:
    if not cells:
        return 0
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    return (max(rows) - min(rows) + 1) * (max(cols) - min(cols) + 1)


def cell_reference(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


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


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def scan_sheet(xml: bytes) -> SheetExtras:
    """Hidden rows, formulas without a saved result, and error values of regular sheet XML."""
    has_hidden = _HIDDEN_MARK.search(xml) is not None
    has_formula = b"<f" in xml
    has_error = b't="e"' in xml
    if not (has_hidden or has_formula or has_error):
        return SheetExtras()
    try:
        extras = SheetExtras()
        if has_hidden:
            _fast_hidden_rows(xml, extras)
        if has_formula:
            _fast_unsaved_formulas(xml, extras)
        if has_error:
            _fast_errors(xml, extras)
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


def _fast_unsaved_formulas(xml: bytes, extras: SheetExtras) -> None:
    masters: dict[bytes, str] | None = None       # shared formula index -> text, read once
    for pattern in (_CLOSED_FORMULA, _EMPTY_FORMULA):
        for match in pattern.finditer(xml):
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


def _fast_errors(xml: bytes, extras: SheetExtras) -> None:
    at = xml.find(b't="e"')
    while at >= 0:
        start, tag = _start_tag(xml, at)
        if tag.startswith(b"<c") and tag[2:3].isspace() and not tag.endswith(b"/>"):
            _, _, position = _cell_position(xml, start + len(tag))
            close = xml.find(b"</c>", start, start + _CELL_WINDOW)
            value = _VALUE.search(xml, start + len(tag), close if close >= 0 else start + _CELL_WINDOW)
            if value is not None and value.group(1):
                extras.errors[position] = _unescape(value.group(1))
        at = xml.find(b't="e"', at + 5)


_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")


def _parse_sheet(xml: bytes) -> tuple[SheetExtras, int, int]:
    """The streaming (defusedxml) reading of a sheet: its extras and its farthest row and column."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse
    from xml.etree.ElementTree import ParseError

    extras = SheetExtras()
    shared: dict[str, str] = {}
    row_number = col_number = max_row = max_col = 0
    try:
        for event, element in iterparse(io.BytesIO(xml), events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag == "row":
                    r = element.get("r")
                    row_number = int(r) if r and r.isdigit() else row_number + 1
                    col_number = 0
                    if element.get("hidden") in ("1", "true"):
                        extras.hidden_rows.add(row_number)
                continue
            if tag == "c":
                row_number, col_number = _cell_position_of(element.get("r"), row_number, col_number)
                if len(element):                  # an empty formatted cell costs calamine nothing
                    max_row, max_col = max(max_row, row_number), max(max_col, col_number)
                _read_cell(element, row_number, col_number, extras, shared)
                element.clear()
            elif tag == "row":
                element.clear()
    except DefusedXmlException:
        raise _unreadable(_DTD) from None
    except ParseError:
        raise _unreadable(_CORRUPT) from None
    return extras, max_row, max_col


def _cell_position_of(ref: str | None, row: int, previous_col: int) -> tuple[int, int]:
    match = _CELL_REF.fullmatch((ref or "").strip())
    if match is None:
        return row, previous_col + 1
    return int(match.group(2)), column_number(match.group(1))


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
