"""validators.read.package.read_part: a part's bytes exactly as zipfile gives them, read in one
bounded inflate; a stream cut short, a bomb and other compression methods handled."""
from __future__ import annotations

import io
import struct
import zipfile

import pytest

from tests.badinput import write_xlsx
from validators.read.errors import UnreadableFile
from validators.read.package import read_part
from validators.read.workbook import read_workbook

XML = b'<?xml version="1.0"?><root>' + b"<row>\xe4\xb9\xa1\xe9\x95\x87 12.5</row>" * 5000 + b"</root>"


def _package(method: int, data: bytes = XML, **options) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("a.xml", b"<a/>", compress_type=zipfile.ZIP_STORED)
        out.writestr("part.xml", data, compress_type=method, **options)
    buffer.seek(0)
    return zipfile.ZipFile(buffer)


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_LZMA,
                                    zipfile.ZIP_BZIP2])
def test_a_part_reads_exactly_as_zipfile_reads_it(method):
    package = _package(method)
    assert read_part(package, "part.xml", 10 * 1024 * 1024) == package.read("part.xml") == XML


def test_a_part_read_through_a_local_header_with_its_own_extra_field():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out, \
            out.open("part.xml", "w", force_zip64=True) as part:      # zip64 extra only in the local header
        part.write(XML)
    buffer.seek(0)
    assert read_part(zipfile.ZipFile(buffer), "part.xml", 10 * 1024 * 1024) == XML


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_LZMA])
def test_a_part_larger_than_the_cap_is_a_bomb(method):
    with pytest.raises(UnreadableFile, match="异常巨大|超过"):
        read_part(_package(method), "part.xml", len(XML) - 1)
    assert read_part(_package(method), "part.xml", len(XML)) == XML


def test_a_deflate_stream_cut_short_inside_a_sound_zip_is_damaged(tmp_path):
    """The central directory is intact but the sheet's compressed bytes stop half-way."""
    source = write_xlsx(tmp_path / "whole.xlsx", [["乡镇", "面积"], ["新泉镇", 12.5]] * 200)
    with zipfile.ZipFile(source) as package:
        infos = package.infolist()
        parts = {info.filename: package.read(info) for info in infos}
    cut = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(cut, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            out.writestr(info.filename, parts[info.filename])
    data = bytearray(cut.read_bytes())
    with zipfile.ZipFile(cut) as package:
        sheet = package.getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename.encode())
    half = sheet.compress_size // 2
    data[start + half:start + sheet.compress_size] = bytes(sheet.compress_size - half)   # zeros: stored blocks end early
    cut.write_bytes(bytes(data))
    with pytest.raises(UnreadableFile) as refused:
        read_workbook(cut)
    assert "损坏" in str(refused.value)


def test_a_part_whose_deflate_stream_stops_before_its_end_is_refused():
    """Headers say deflated and give the size of what is there; the stream inside ends early."""
    import zlib
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    stream = deflater.compress(XML) + deflater.flush()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        out.writestr("part.xml", stream[:len(stream) // 2])
    data = bytearray(buffer.getvalue())
    central = data.rfind(b"PK\x01\x02")
    data[8:10] = data[central + 10:central + 12] = struct.pack("<H", zipfile.ZIP_DEFLATED)
    package = zipfile.ZipFile(io.BytesIO(bytes(data)))
    with pytest.raises(zipfile.BadZipFile):
        read_part(package, "part.xml", 10 * 1024 * 1024)


def test_a_local_header_that_is_not_one_is_damaged(tmp_path):
    source = write_xlsx(tmp_path / "whole.xlsx", [["乡镇", "面积"], ["新泉镇", 12.5]])
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as package:
        sheet = package.getinfo("xl/worksheets/sheet1.xml")
    data[sheet.header_offset:sheet.header_offset + 4] = b"XXXX"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(bytes(data))
    with pytest.raises(UnreadableFile) as refused:
        read_workbook(broken)
    assert "损坏" in str(refused.value)
    assert struct.calcsize("<4s5H3L2H") == 30
