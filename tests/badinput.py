"""The bad-input set: returned files that are broken in every way we know, and what each must give.

Every file is generated here, deterministically: real .xlsx written by openpyxl, real files
converted by LibreOffice (`soffice --headless --convert-to`), real encrypted workbooks
(msoffcrypto-tool), and hand-made hostile packages. Each Case says which finding the engine
must report (code + cell) and, for unreadable files, a word the Chinese reason must contain.

Used by tests/test_reader_badinput.py; `python -m tests.badinput DIR` writes the set to DIR
to look at.
"""
from __future__ import annotations

import csv
import io
import shutil
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from templates.config import Limits
from templates.kinds import GRAIN_PLAN

# -- a clean grain-plan table as the gazette prints it ------------------------------

COUNTY = "湘阴县"
TITLE = f"{COUNTY}2025年{GRAIN_PLAN.title}"
GRAIN_ROWS = [
    ("新泉镇", 22.0, 9.0, 95000, 6, 0.7), ("湘滨镇", 15.5, 6.5, 66500, 4, 0.5),
    ("南湖洲镇", 14.0, 5.0, 60600, 4, 0.5), ("岭北镇", 14.4, 5.8, 62000, 4, 0.7),
    ("鹤龙湖镇", 14.4, 5.4, 62000, 4.5, 0.7), ("杨林寨乡", 4.6, 1.05, 19400, 0.9, 0.6),
    ("东塘镇", 5.0, 1.15, 20800, 0.9, 0.5), ("三塘镇", 4.4, 1.0, 18000, 0.7, 0.3),
    ("石塘镇", 5.5, 1.5, 22000, 1.0, 0.35), ("六塘乡", 2.0, 0.25, 8200, 0.25, 0.15),
    ("金龙镇", 4.0, 0.4, 16800, 0.4, 0.18), ("洋沙湖镇", 3.8, 0.4, 16000, 0.4, 0.24),
    ("静河镇", 3.9, 1.0, 16400, 0.8, 0.36), ("樟树镇", 2.8, 0.25, 11500, 0.25, 0.12),
    ("文星街道", 1.0, 0.1, 4000, 0.1, 0.05), ("国有场所", 0.7, 0.2, 2800, 0.2, 0.05),
]
GRAIN_TOTAL = ("合计", 118, 39, 502000, 28.4, 6.0)
HEADER_ROW = 4                       # Excel row of the header; data from row 5, 合计 in row 21
FIRST_DATA_ROW = HEADER_ROW + 1
TOTAL_ROW = FIRST_DATA_ROW + len(GRAIN_ROWS)


def grain_headers() -> list[str]:
    """Header texts from the kind declaration (never a hand-written column list)."""
    return [GRAIN_PLAN.key_headers["county"] if c.key == GRAIN_PLAN.key else c.label
            for c in GRAIN_PLAN.columns]


def grain_table(overrides: dict[str, object] | None = None, footer: str | None = None) -> list[list]:
    """The rows of a returned sheet from A1 (附件, title, unit line, header, data, 合计),
    with single cells replaced by A1 address: {"B5": "２２．０"}."""
    from templates.cells import a1
    rows: list[list] = [["附件1"], [TITLE], [GRAIN_PLAN.unit_line], grain_headers()]
    rows += [list(r) for r in GRAIN_ROWS] + [list(GRAIN_TOTAL)]
    if footer is not None:
        rows += [[], [footer]]
    for address, value in (overrides or {}).items():
        for r, row in enumerate(rows, start=1):
            for c in range(1, len(grain_headers()) + 1):
                if a1(r, c) == address:
                    row.extend([None] * (c - len(row)))
                    row[c - 1] = value
    return rows


def write_xlsx(path: Path, rows: list[list], *, sheet: str = "Sheet1", edit=None) -> Path:
    from openpyxl import Workbook
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    if edit is not None:
        edit(book, ws)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8-sig", delimiter: str = ",") -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def soffice_convert(sources: list[Path], target: str, out_dir: Path) -> list[Path]:
    """Convert with LibreOffice headless in one run; `target` is xlsx, xls or ods."""
    from scripts.libreoffice import convert
    return convert(sources, target, out_dir, timeout=180)


# -- hostile and broken packages ---------------------------------------------------

def rewrite_xlsx(source: Path, target: Path, parts: dict[str, Callable[[bytes], bytes]]) -> Path:
    """Copy an .xlsx, passing chosen parts through a function (to plant broken XML)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in parts:
                data = parts[info.filename](data)
            out.writestr(info.filename, data)
    return target


def _laughs_prolog(levels: int = 9) -> bytes:
    """The billion-laughs DTD: lol9 expands to 10**9 "lol"s in a parser that expands entities."""
    entities = [b'<!ENTITY lol1 "lol">']
    for level in range(2, levels + 1):
        entities.append(b'<!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * 10))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [' + b"".join(entities) + b"]>\n"


_XXE = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n')


def _strip_declaration(xml: bytes) -> bytes:
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


def _with_entity(prolog: bytes, entity: bytes):
    def plant(xml: bytes) -> bytes:
        body = _strip_declaration(xml).replace(b"<t>", b"<t>&" + entity + b";", 1)
        return prolog + body
    return plant


def _no_sheets(xml: bytes) -> bytes:
    import re
    return re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", xml, flags=re.S)


def _far_cell(xml: bytes) -> bytes:
    """Eleven far cells: more than a few stray ones (those are read sparsely), so the sheet is
    too large to load."""
    cells = b"".join(b'<c r="%s1048576" t="n"><v>1</v></c>' % column.encode() for column in "ABCDEFGHIJK")
    return xml.replace(b"</sheetData>", b'<row r="1048576">' + cells + b"</row></sheetData>")


def write_zip_bomb(path: Path, uncompressed_mb: int = 260) -> Path:
    """A valid-looking .xlsx whose one sheet inflates to `uncompressed_mb` MB of rows."""
    source = path.with_suffix(".src.xlsx")
    write_xlsx(source, [["x"]])
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, src.read(info.filename))
                continue
            with out.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                            b"<sheetData>")
                block = b"<row/>" * (1024 * 1024 // 6)
                for _ in range(uncompressed_mb):
                    sheet.write(block)
                sheet.write(b"</sheetData></worksheet>")
    source.unlink()
    return path


def write_ods(path: Path, table_body: str, name: str = "Sheet1") -> Path:
    """A minimal OpenDocument spreadsheet with one table holding `table_body` (rows)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{name}">{table_body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


_ODS_FAR = ('<table:table-row><table:table-cell office:value-type="string"><text:p>乡镇</text:p>'
            '</table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1048575">'
            '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" '
            'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>')


def write_encrypted(path: Path, source: Path, password: str = "123456") -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile
    with source.open("rb") as handle:
        out = io.BytesIO()
        OOXMLFile(handle).encrypt(password, out)
    path.write_bytes(out.getvalue())
    return path


def write_docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'content-types"><Override PartName="/word/document.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                   'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>粮食生产计划</w:t></w:r></w:p>'
                   '</w:body></w:document>')
    return path


def write_png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def write_pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                     b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    return path


def write_html_xls(path: Path) -> Path:
    cells = "".join(f"<td>{h}</td>" for h in grain_headers())
    path.write_text('<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8">'
                    f"</head><body><table><tr>{cells}</tr><tr><td>新泉镇</td><td>22</td></tr></table>"
                    "</body></html>", encoding="utf-8")
    return path


def write_spreadsheet_2003(path: Path) -> Path:
    path.write_text('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="Sheet1">'
                    '<Table><Row><Cell><Data ss:Type="String">乡镇</Data></Cell></Row></Table>'
                    "</Worksheet></Workbook>", encoding="utf-8")
    return path


def write_plain_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("说明.txt", "粮食生产计划表在另一个文件里。")
    return path


def write_truncated(path: Path, source: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


# -- the cases ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    name: str                      # ASCII id, also the file's stem
    filename: str
    code: str                      # the finding it must produce
    cell: str | None               # where (None: about the whole file)
    reason_word: str | None = None  # for F001: a word the Chinese reason contains
    limits: Limits = field(default_factory=Limits)
    soffice: bool = False          # made by LibreOffice
    value: object = None           # for a malformed number: what was typed

    @property
    def unreadable(self) -> bool:
        return self.code == "F001"


def _unreadable(name, filename, word, **kw) -> Case:
    return Case(name, filename, "F001", None, reason_word=word, **kw)


UNREADABLE_CASES = [
    _unreadable("empty", "empty.xlsx", "0 字节"),
    _unreadable("truncated", "truncated.xlsx", "损坏"),
    _unreadable("encrypted", "encrypted.xlsx", "密码"),
    _unreadable("docx_renamed", "docx_renamed.xlsx", "Word"),
    _unreadable("pdf_renamed", "pdf_renamed.xlsx", "PDF"),
    _unreadable("png_renamed", "png_renamed.xlsx", "图片"),
    _unreadable("text_renamed", "text_renamed.xlsx", "纯文本"),
    _unreadable("html_xls", "html_xls.xls", "网页"),
    _unreadable("spreadsheet_2003", "spreadsheet_2003.xls", "2003"),
    _unreadable("plain_zip", "plain_zip.xlsx", "压缩包"),
    _unreadable("zip_bomb", "zip_bomb.xlsx", "异常巨大"),
    _unreadable("billion_laughs", "billion_laughs.xlsx", "不安全"),
    _unreadable("external_entity", "external_entity.xlsx", "不安全"),
    _unreadable("no_sheets", "no_sheets.xlsx", "没有工作表"),
    _unreadable("far_cell", "far_cell.xlsx", "过大"),
    _unreadable("repeated_cells_ods", "repeated_cells_ods.ods", "过大"),
    _unreadable("too_big", "too_big.xlsx", "太大", limits=Limits(max_bytes=4096)),
    _unreadable("too_many_cells", "too_many_cells.xlsx", "过大", limits=Limits(max_cells=50)),
    _unreadable("too_many_cells_csv", "too_many_cells_csv.csv", "过大", limits=Limits(max_cells=50)),
    _unreadable("garbage_csv", "garbage_csv.csv", "编码"),
    _unreadable("missing", "missing.xlsx", "不存在"),
    _unreadable("xls_dimensions_inverted", "xls_dimensions_inverted.xls", "损坏", soffice=True),
    _unreadable("xls_dimensions_huge", "xls_dimensions_huge.xls", "过大", soffice=True),
    _unreadable("xlsx_string_count", "xlsx_string_count.xlsx", "损坏", soffice=True),
]

# One malformed number per file, in 新泉镇's row (row 5): column B 粮食总面积, C 早稻面积, D 粮食总产量.
NUMBER_CASES = [
    Case("full_width", "full_width.xlsx", "N002", "B5", value="２２．０"),
    Case("thousands_text", "thousands_text.xlsx", "N003", "D5", value="95,000"),
    Case("unit_in_cell", "unit_in_cell.xlsx", "N004", "B5", value="22万亩"),
    Case("approx_prefix", "approx_prefix.xlsx", "N005", "B5", value="约22"),
    Case("approx_suffix", "approx_suffix.xlsx", "N005", "B5", value="22左右"),
    Case("stray_spaces", "stray_spaces.xlsx", "N006", "B5", value=" 22 "),
    Case("number_as_text", "number_as_text.xlsx", "N001", "B5", value="22"),
    Case("a_word", "a_word.xlsx", "N007", "B5", value="不详"),
    Case("negative", "negative.xlsx", "N008", "C5", value=-9),
    # the same mistakes, as LibreOffice and WPS save them, and as CSV
    Case("number_as_text_lo", "number_as_text_lo.xlsx", "N001", "B5", value="22", soffice=True),
    Case("unit_in_cell_lo", "unit_in_cell_lo.xls", "N004", "B5", value="22万亩", soffice=True),
    Case("full_width_lo", "full_width_lo.ods", "N002", "B5", value="２２．０", soffice=True),
    Case("unit_in_cell_gbk", "unit_in_cell_gbk.csv", "N004", "B5", value="22万亩"),
    Case("stray_spaces_csv", "stray_spaces_csv.csv", "N006", "B5", value=" 22 "),
]

CASES = UNREADABLE_CASES + NUMBER_CASES


def _number_file(case: Case) -> list[list]:
    return grain_table({case.cell: case.value} if case.cell else None)


def build(case: Case, directory: Path) -> Path:
    """Write one case's file into `directory` (LibreOffice cases: see build_all)."""
    path = directory / case.filename
    clean = directory / "_clean.xlsx"
    if not clean.exists():
        write_xlsx(clean, grain_table())
    makers: dict[str, Callable[[], object]] = {
        "empty": lambda: path.write_bytes(b""),
        "truncated": lambda: write_truncated(path, clean),
        "encrypted": lambda: write_encrypted(path, clean),
        "docx_renamed": lambda: write_docx(path),
        "pdf_renamed": lambda: write_pdf(path),
        "png_renamed": lambda: write_png(path),
        "text_renamed": lambda: path.write_text("新泉镇 22 9 95000\n湘滨镇 15.5 6.5 66500\n", encoding="utf-8"),
        "html_xls": lambda: write_html_xls(path),
        "spreadsheet_2003": lambda: write_spreadsheet_2003(path),
        "plain_zip": lambda: write_plain_zip(path),
        "zip_bomb": lambda: write_zip_bomb(path),
        "billion_laughs": lambda: rewrite_xlsx(clean, path, {
            "xl/worksheets/sheet1.xml": _with_entity(_laughs_prolog(), b"lol9")}),
        "external_entity": lambda: rewrite_xlsx(clean, path, {
            "xl/worksheets/sheet1.xml": _with_entity(_XXE, b"xxe")}),
        "no_sheets": lambda: rewrite_xlsx(clean, path, {"xl/workbook.xml": _no_sheets}),
        "far_cell": lambda: rewrite_xlsx(clean, path, {"xl/worksheets/sheet1.xml": _far_cell}),
        "repeated_cells_ods": lambda: write_ods(path, _ODS_FAR),
        "too_big": lambda: shutil.copyfile(clean, path),
        "too_many_cells": lambda: shutil.copyfile(clean, path),
        "too_many_cells_csv": lambda: write_csv(path, grain_table()),
        "garbage_csv": lambda: path.write_bytes(b"\x80\x81\xff\xfe\xfd" * 40 + b"\n"),
        "missing": lambda: None,
        "unit_in_cell_gbk": lambda: write_csv(path, _number_file(case), encoding="gb18030"),
        "stray_spaces_csv": lambda: write_csv(path, _number_file(case), encoding="utf-8"),
    }
    if case.name in makers:
        makers[case.name]()
    elif case.code.startswith("N"):
        write_xlsx(path, _number_file(case))
    else:
        raise KeyError(case.name)
    return path


def build_all(directory: Path, *, with_soffice: bool = True) -> dict[str, Path]:
    """Every case's file; LibreOffice cases are converted in one soffice run per format."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {case.name: build(case, directory) for case in CASES if not case.soffice}
    lo_cases = [case for case in CASES if case.soffice]
    if with_soffice and lo_cases:
        staging = directory / "_lo_sources"
        staging.mkdir(exist_ok=True)
        by_format: dict[str, list[Case]] = {}
        for case in lo_cases:
            by_format.setdefault(Path(case.filename).suffix[1:], []).append(case)
        for target, cases in by_format.items():
            sources = [write_xlsx(staging / f"{Path(c.filename).stem}.xlsx", _number_file(c))
                       for c in cases]
            out_dir = staging / target
            for case, converted in zip(cases, soffice_convert(sources, target, out_dir)):
                paths[case.name] = Path(shutil.move(converted, directory / case.filename))
                if case.name in _AFTER_SOFFICE:
                    _AFTER_SOFFICE[case.name](paths[case.name])
    return paths


def patch_xls_dimensions(path: Path, first_row: int, end_row: int) -> Path:
    """Rewrite the row bounds of every sheet's DIMENSIONS record in a real .xls (same size)."""
    import olefile
    with olefile.OleFileIO(str(path)) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
    position = 0
    while position + 4 <= len(stream):
        rtype, length = struct.unpack_from("<HH", stream, position)
        if rtype == 0x0200 and length >= 12:
            struct.pack_into("<II", stream, position + 4, first_row, end_row)
        position += 4 + length
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        ole.write_stream("Workbook", bytes(stream))
    return path


def patch_string_count(path: Path, count: int = 4_000_000_000) -> Path:
    """Claim `count` shared strings in a LibreOffice-saved .xlsx (it writes sharedStrings.xml)."""
    import re
    patched = path.with_suffix(".patched.xlsx")
    rewrite_xlsx(path, patched, {"xl/sharedStrings.xml": lambda xml: re.sub(
        rb'uniqueCount="[0-9]+"', b'uniqueCount="%d"' % count, xml, count=1)})
    patched.replace(path)
    return path


# LibreOffice-made files damaged afterwards, as a disk or a mail gateway might
_AFTER_SOFFICE: dict[str, Callable[[Path], object]] = {
    # calamine reserves memory for every announced shared string before reading one
    "xlsx_string_count": patch_string_count,
    # calamine sizes the grid as end - first: a first row past the end wraps to terabytes
    "xls_dimensions_inverted": lambda path: patch_xls_dimensions(path, 0xC1000000, 1),
    "xls_dimensions_huge": lambda path: patch_xls_dimensions(path, 0, 0xAC000001),
}


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "badinput")
    for name, path in build_all(out).items():
        print(f"{name:22} {path}")
