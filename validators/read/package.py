"""Safety of a zipped workbook (.xlsx/.xlsm/.ods): what kind of package it is, sizes capped
whatever the zip claims (a zip bomb stops at the cap), no DTD in any XML part (entity
expansion, external entities), and the one safe streaming walk over a part's XML (`walk`)."""
from __future__ import annotations

import re
import struct
import zipfile
import zlib

from validators.read.errors import BOMB, CORRUPT, DTD, UnreadableFile

XLSX = "xlsx"
ODS = "ods"

# Bytes of sheet XML allowed per permitted cell, and a floor for small limits.
_XML_BYTES_PER_CELL = 40
_XML_FLOOR = 64 * 1024 * 1024
_CHUNK = 1024 * 1024


def part_cap(max_cells: int) -> int:
    """The most bytes any one part may decompress to."""
    return max(_XML_FLOOR, max_cells * _XML_BYTES_PER_CELL)


def package_kind(package: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names:
        mimetype = package.read("mimetype")[:100].decode("ascii", "replace").strip()
        if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
            return ODS
        if mimetype.startswith("application/vnd.oasis.opendocument"):
            raise UnreadableFile("这是 OpenDocument 文本/演示文档，不是表格：请报送表格文件（.xlsx 或 .ods）。")
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names or any(
            n.startswith("xl/") and n.endswith("workbook.xml") for n in names):
        if "xl/workbook.bin" in names:
            raise UnreadableFile("这是 Excel 二进制工作簿（.xlsb），暂不支持：请另存为 .xlsx 再报送。")
        return XLSX
    if any(n.startswith("word/") for n in names):
        raise UnreadableFile("这是 Word 文档（.docx），不是表格：请把表格复制到 Excel/WPS 表格中，"
                          "保存为 .xlsx 再报送。")
    if any(n.startswith("ppt/") for n in names):
        raise UnreadableFile("这是 PowerPoint 演示文稿，不是表格：请报送 Excel 表格文件（.xlsx）。")
    raise UnreadableFile("这是一个普通压缩包（zip），不是 Excel 表格：请解压后报送其中的表格文件。")


def check_declared_sizes(infos, cap: int) -> None:
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > cap or total > 4 * cap:
            raise UnreadableFile(BOMB.format(size=size_text(max(info.file_size, total))))


def size_text(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB"


def read_part(package: zipfile.ZipFile, name: str, cap: int) -> bytes:
    """A part's bytes, stopping at `cap` whatever the zip claims; rejects DTDs in its prolog.

    A deflated or stored part is inflated in one call bounded by `cap` (zlib's max_length)
    instead of zipfile's 1 MB reads joined afterwards: a 27 MB sheet was copied twice more and
    its CRC computed on the way. The CRC is left to calamine, which refuses a part whose
    checksum is wrong when it reads it; a part calamine does not read needs none."""
    info = package.getinfo(name)
    if info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED) and not info.flag_bits & 0x1:
        data = _inflate(_compressed(package, info), info.compress_type, cap)
    else:
        data = _read_by_zipfile(package, name, cap)
    check_prolog(data)
    return data


def _compressed(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The part's bytes as stored: after its local header, whose name and extra field lengths
    may differ from the central directory's."""
    stream = package.fp
    stream.seek(info.header_offset)
    header = stream.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(info.filename)
    name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
    stream.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    data = stream.read(info.compress_size)
    if len(data) != info.compress_size:
        raise zipfile.BadZipFile(info.filename)
    return data


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")


def _inflate(data: bytes, method: int, cap: int) -> bytes:
    if method == zipfile.ZIP_STORED:
        inflated, complete = data, True
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        inflated = inflater.decompress(data, cap + 1)
        complete = inflater.eof
    if len(inflated) > cap:
        raise UnreadableFile(BOMB.format(size=f"超过 {size_text(cap)}"))
    if not complete:                                  # the stream stops before its end
        raise zipfile.BadZipFile("truncated")
    return inflated


def _read_by_zipfile(package: zipfile.ZipFile, name: str, cap: int) -> bytes:
    chunks, size = [], 0
    with package.open(name) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                raise UnreadableFile(BOMB.format(size=f"超过 {size_text(cap)}"))
            chunks.append(chunk)
    return b"".join(chunks)


_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", "<!DOCTYPE".encode("utf-16-le"),
                "<!ENTITY".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))


def check_prolog(data: bytes) -> None:
    """Refuse XML with a DTD: the only place entities (billion laughs, external files) can be declared."""
    head = data[:65536]
    if any(marker in head for marker in _DTD_MARKERS) or (
            b"<!" in head and re.search(rb"<!\s*(?:DOCTYPE|ENTITY)", head, re.IGNORECASE)):
        raise UnreadableFile(DTD)


def walk(xml: bytes, tags: tuple[str, ...], events: tuple[str, ...] = ("start", "end")):
    """(event, element) for the `events` of each element named in `tags` ("{*}c": any
    namespace or prefix), streamed by lxml with no entity resolution, no network, no DTD loading
    and libxml2's limits on depth and text size; the caller clears what it has read. A DTD
    anywhere in the prolog is refused (check_prolog only sees its first 64 KB)."""
    import io

    from lxml import etree

    parser = etree.iterparse(io.BytesIO(xml), events=events, tag=tags, resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False, remove_comments=True,
                             remove_pis=True)
    checked = False
    try:
        for event, element in parser:
            if not checked:
                _refuse_doctype(element)
                checked = True
            yield event, element
    except etree.XMLSyntaxError:
        raise UnreadableFile(CORRUPT) from None
    if not checked and parser.root is not None:
        _refuse_doctype(parser.root)


def _refuse_doctype(element) -> None:
    info = element.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise UnreadableFile(DTD)
