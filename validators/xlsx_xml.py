"""Safety checks on a zipped workbook (.xlsx/.xlsm/.ods) and what calamine does not report.

Before calamine is handed a package, every part it may read is decompressed here with a hard
size cap (a zip bomb stops at the cap, whatever sizes the zip claims), its prolog is checked
for DTDs (entity expansion, external entities), and each sheet's used area is estimated so a
sheet too large for memory is refused before it is loaded.

The same pass finds what hides data: hidden rows, formulas saved without a result, and error
values (python-calamine reads #REF! as an empty cell). The raw XML is searched first with
cheap regular expressions; only a sheet that shows any of these is parsed, with defusedxml.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
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

    def apply(self, sheet: SheetData) -> None:
        sheet.hidden_rows = frozenset(self.hidden_rows)
        sheet.unsaved_formulas = dict(self.unsaved_formulas)
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
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, ValueError, OSError):
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

def _inspect_ods(package, parts: dict, cap: int, limits: Limits) -> dict[str, SheetExtras]:
    for name in parts:
        if name.endswith(".xml"):
            _read_part(package, name, cap)
    return {}


# -- .xlsx -----------------------------------------------------------------------

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


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
    for name in parts:      # every other XML part calamine may read: bounded and DTD-free
        if name.endswith((".xml", ".rels")) and not name.startswith("xl/worksheets/"):
            _read_part(package, name, cap)
    extras: dict[str, SheetExtras] = {}
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        name = element.get("name")
        target = targets.get(element.get(f"{{{_REL_NS}}}id") or "")
        if name is None or target not in parts:
            continue
        xml = _read_part(package, target, cap)
        estimate_cells(xml, name, limits)
        extras[name] = scan_sheet(xml)
    return extras


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

_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"[^>]*?(?<!/)>")
_COL_LETTERS = {n: re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{%d})\d" % n) for n in (3, 2, 1)}
_HIDDEN_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\bhidden=\"(?:1|true)\"")
_EMPTY_RESULT = re.compile(
    rb"(?:</(?:\w+:)?f>|<(?:\w+:)?f\b[^>]*/>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>")
_ERROR_CELL = re.compile(rb"\bt=\"e\"")


def estimate_cells(xml: bytes, name: str, limits: Limits) -> None:
    """Refuse a sheet whose used area (what calamine would allocate) is over limits.max_cells."""
    rows = [int(n) for n in _ROW_NUMBER.findall(xml)]
    if not rows:
        height = xml.count(b"<row") + xml.count(b":row")
    else:
        height = max(rows) - min(rows) + 1
    width = 0
    for letters, pattern in _COL_LETTERS.items():
        found = pattern.findall(xml)
        if found:
            width = max(column_number(f.decode()) for f in found)
            break
    if height * max(width, 1) > limits.max_cells:
        from validators.reader import _too_many_cells
        raise _unreadable(_too_many_cells(name, height * width, limits))


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def scan_sheet(xml: bytes) -> SheetExtras:
    """Hidden rows, formulas without a saved result, and error values of one sheet's XML."""
    if not (_HIDDEN_ROW.search(xml) or _EMPTY_RESULT.search(xml) or _ERROR_CELL.search(xml)):
        return SheetExtras()
    return _parse_sheet(xml)


_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")


def _parse_sheet(xml: bytes) -> SheetExtras:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse
    from xml.etree.ElementTree import ParseError

    extras = SheetExtras()
    shared: dict[str, str] = {}
    row_number, col_number = 0, 0
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
                col_number = _cell_column(element.get("r"), col_number)
                _read_cell(element, row_number, col_number, extras, shared)
                element.clear()
            elif tag == "row":
                element.clear()
    except DefusedXmlException:
        raise _unreadable(_DTD) from None
    except ParseError:
        raise _unreadable(_CORRUPT) from None
    return extras


def _cell_column(ref: str | None, previous: int) -> int:
    match = _CELL_REF.match(ref or "")
    return column_number(match.group(1)) if match else previous + 1


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
