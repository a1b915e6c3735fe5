"""What python-calamine does not report for a legacy .xls (BIFF8) workbook.

A walk over the Workbook stream's records: hidden rows (ROW records with fDyZero), error
values (BOOLERR and FORMULA results; calamine reads them as empty cells), the farthest cell
of each sheet (refused before calamine allocates it when over limits.max_cells), and
FILEPASS, which marks a password-protected file. Only fixed-size record headers are read;
no formula is evaluated and nothing is written.
"""
from __future__ import annotations

import re
import struct
from pathlib import Path

from templates.config import Limits
from validators.read.errors import DAMAGED, UnreadableFile, refuse
from validators.read.extras import SheetExtras

BOF, EOF, FILEPASS, BOUNDSHEET = 0x0809, 0x000A, 0x002F, 0x0085
ROW, BOOLERR, FORMULA = 0x0208, 0x0205, 0x0006
MULRK = 0x00BD
FORMAT, XF = 0x041E, 0x00E0
NUMBER, RK = 0x0203, 0x027E        # number cells: rw, col, ixfe first
PERCENT_FORMATS = {9, 10}           # the built-in 0% and 0.00%
DIMENSIONS = 0x0200     # calamine sizes its cell grid from this record, so it must be believable
# records holding one cell with a value: rw, col first
VALUE_CELLS = {0x0203, 0x00FD, 0x027E, 0x0204, 0x00D6, BOOLERR, FORMULA}
ROW_HIDDEN = 0x0020
BIFF8 = 0x0600

ERROR_TEXT = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
              0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}

_HEADER = struct.Struct("<HH")


def inspect_xls(path: Path, limits: Limits, encrypted_reason: str) -> dict[str, SheetExtras]:
    """sheet name -> SheetExtras; {} when the stream is not BIFF8 (calamine then decides)."""
    stream = _workbook_stream(path)
    if stream is None or len(stream) < 8:
        return {}
    rtype, _ = _HEADER.unpack_from(stream, 0)
    if rtype != BOF or struct.unpack_from("<H", stream, 4)[0] != BIFF8:
        return {}
    sheets = _globals(stream, encrypted_reason)
    percent = _percent_formats(stream)
    result: dict[str, SheetExtras] = {}
    walked: dict[int, SheetExtras] = {}     # a damaged file may point many sheets at one place
    for offset, name in sheets:
        try:
            if offset not in walked:
                walked[offset] = _sheet(stream, offset, name, limits, percent)
            result[name] = walked[offset]
        except struct.error:
            continue          # a damaged sheet: calamine reports what it can
    return result


def _workbook_stream(path: Path) -> bytes | None:
    try:
        import olefile
        with olefile.OleFileIO(str(path)) as ole:
            for name in ("Workbook", "Book"):
                if ole.exists(name):
                    return ole.openstream(name).read()
    except Exception:           # olefile raises many kinds on damaged files; calamine decides
        return None
    return None


def _records(stream: bytes, position: int):
    end = len(stream)
    while position + 4 <= end:
        rtype, length = _HEADER.unpack_from(stream, position)
        yield rtype, position + 4, length
        position += 4 + length


def _globals(stream: bytes, encrypted_reason: str) -> list[tuple[int, str]]:
    sheets = []
    for rtype, at, length in _records(stream, 0):
        if rtype == FILEPASS:
            raise UnreadableFile(encrypted_reason)
        if rtype == BOUNDSHEET and length >= 8:
            offset, _, kind = struct.unpack_from("<IBB", stream, at)
            if kind == 0:
                sheets.append((offset, _sheet_name(stream, at + 6, length - 6)))
        elif rtype == EOF:
            break
    return sheets


def _percent_formats(stream: bytes) -> set[int]:
    """Indexes of the XF records (cell formats) that show a number as a percentage."""
    custom: dict[int, bool] = {}
    xfs: list[int] = []
    try:
        for rtype, at, length in _records(stream, 0):
            if rtype == FORMAT and length >= 5:
                number, count, high = struct.unpack_from("<HHB", stream, at)
                raw = stream[at + 5:at + 5 + count * (2 if high & 1 else 1)]
                code = raw.decode("utf-16-le" if high & 1 else "latin-1", "replace")
                custom[number] = "%" in re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)
            elif rtype == XF and length >= 4:
                xfs.append(struct.unpack_from("<H", stream, at + 2)[0])
            elif rtype == EOF:
                break
    except struct.error:
        return set()
    return {index for index, number in enumerate(xfs)
            if custom.get(number, number in PERCENT_FORMATS)}


def _sheet_name(stream: bytes, at: int, room: int) -> str:
    count, high = stream[at], stream[at + 1] & 1
    raw = stream[at + 2: at + 2 + min(count * (2 if high else 1), room - 2)]
    return raw.decode("utf-16-le" if high else "latin-1", "replace")


def _sheet(stream: bytes, offset: int, name: str, limits: Limits, percent: set[int] = frozenset(),
           ) -> SheetExtras:
    extras = SheetExtras()
    max_row = max_col = 0
    hidden: list[int] = []
    unpack = struct.unpack_from
    depth = 0                       # charts embedded in a sheet bring their own BOF … EOF
    for rtype, at, length in _records(stream, offset):
        if rtype == BOF:
            depth += 1
        elif rtype == EOF:
            depth -= 1
            if depth <= 0:
                break
        elif depth > 1:
            continue
        elif rtype in VALUE_CELLS and length >= 4:
            row, col = unpack("<HH", stream, at)
            max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
            if percent and rtype in (NUMBER, RK, FORMULA) and length >= 6 \
                    and unpack("<H", stream, at + 4)[0] in percent:
                extras.percent_cells.add((row + 1, col + 1))
            if rtype == BOOLERR and length >= 8 and stream[at + 7] == 1:
                extras.errors[(row + 1, col + 1)] = ERROR_TEXT.get(stream[at + 6], "#VALUE!")
            elif rtype == FORMULA and length >= 14 and stream[at + 12:at + 14] == b"\xff\xff" \
                    and stream[at + 6] == 2:
                extras.errors[(row + 1, col + 1)] = ERROR_TEXT.get(stream[at + 8], "#VALUE!")
        elif rtype == MULRK and length >= 6:
            row, first_col = unpack("<HH", stream, at)
            last_col, = unpack("<H", stream, at + length - 2)
            max_row, max_col = max(max_row, row + 1), max(max_col, last_col + 1)
            if percent:
                for index in range(min(last_col - first_col + 1, (length - 6) // 6)):
                    if unpack("<H", stream, at + 4 + 6 * index)[0] in percent:
                        extras.percent_cells.add((row + 1, first_col + index + 1))
        elif rtype == DIMENSIONS and length >= 12:
            first_row, end_row, first_col, end_col = unpack("<IIHH", stream, at)
            if first_row > end_row or first_col > end_col:
                raise UnreadableFile(DAMAGED)
            if end_row * end_col > limits.max_cells:
                refuse(name, end_row * end_col, limits)
        elif rtype == ROW and length >= 14:
            if unpack("<H", stream, at + 12)[0] & ROW_HIDDEN:
                hidden.append(unpack("<H", stream, at)[0] + 1)
    if max_row * max_col > limits.max_cells:
        refuse(name, max_row * max_col, limits)
    extras.hidden_rows = set(hidden)
    return extras
