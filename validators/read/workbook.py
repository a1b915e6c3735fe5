"""The file edge: a returned spreadsheet on disk -> validators.read.sheet.WorkbookData.

Values come from python-calamine (fast, never runs macros or formulas). What calamine does
not report — hidden rows, formulas saved without a result, error values — and what would make
it exhaust memory (zip bombs, a far cell that makes it allocate a huge grid) are found first:
.xlsx/.xlsm by validators.read.ooxml, .ods by validators.read.ods (both inside the package checks
of validators.read.package), .xls by validators.read.biff. CSV is read by validators.read.csvfile.
The file's content, not its name, decides how it is read (validators.read.sniff).

Every way a file can fail to be read ends in UnreadableFile (validators.read.errors) with a
Chinese reason that tells the clerk what to do; the file is opened read-only and never changed.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import struct
import sys
import tempfile
import threading
import zipfile
import zlib
from pathlib import Path

from templates.config import Limits
from templates.identity import IDENTITY_SHEET, parse_identity
from validators.read import biff, ods, ooxml
from validators.read.csvfile import read_csv
from validators.read.errors import CORRUPT, DAMAGED, ENCRYPTED, NOT_A_WORKBOOK, WPS_ET, UnreadableFile, too_many_cells
from validators.read.extras import SheetExtras
from validators.read.package import ODS, XLSX, check_declared_sizes, package_kind, part_cap
from validators.read.sheet import SheetData, WorkbookData
from validators.read.sniff import OLE_MAGIC, sniff, stat_and_head

log = logging.getLogger(__name__)

# -- reading one file ------------------------------------------------------

def read_workbook(path, *, limits: Limits | None = None, meanwhile=None) -> WorkbookData:
    """Read every sheet of the workbook at `path`; UnreadableFile when that is not possible.

    `meanwhile`: called once just before python-calamine parses the file, which it does without
    holding the GIL: the caller's moment to start Python work on the other core (the CLI imports
    pandas then). Not before: the package checks before it are Python work themselves."""
    limits = limits or Limits()
    path = Path(path)
    head = stat_and_head(path, limits)
    if path.suffix.lower() == ".et":
        return _read_wps_et(path, head, limits, meanwhile)
    container = sniff(path, head)
    if container == "text":
        sheets = [read_csv(path, limits)]
    else:
        sheets = _read_with_calamine(path, container, limits, meanwhile)
    return build_workbook(str(path), sheets)


def _read_wps_et(path: Path, head: bytes, limits: Limits, meanwhile=None) -> WorkbookData:
    """WPS's .et: WPS writes it as an Excel 97–2003 (.xls) or 2007+ (.xlsx) workbook inside,
    which is read like one; anything else (an older private WPS format) is explained."""
    if not head.startswith((b"PK\x03\x04", OLE_MAGIC)):
        raise UnreadableFile(WPS_ET)
    try:
        container = sniff(path, head)
        return build_workbook(str(path), _read_with_calamine(path, container, limits, meanwhile))
    except UnreadableFile as exc:
        if exc.reason in (DAMAGED, NOT_A_WORKBOOK):
            raise UnreadableFile(WPS_ET) from None
        raise


def build_workbook(path: str, sheets: list[SheetData]) -> WorkbookData:
    identity = None
    for sheet in sheets:
        if sheet.name == IDENTITY_SHEET:
            identity = parse_identity(sheet.rows if sheet.origin_col == 1 else
                                      [[None] * (sheet.origin_col - 1) + row for row in sheet.rows])
    data_sheets = [s for s in sheets if s.name != IDENTITY_SHEET]
    return WorkbookData(path=path, sheets=sheets, identity=identity,
                        filler=find_filler(data_sheets))


def _read_with_calamine(path: Path, container: str, limits: Limits, meanwhile=None) -> list[SheetData]:
    import python_calamine as pc

    extras = {}
    if container == "zip":
        extras = inspect_package(path, limits)
    else:
        extras = biff.inspect_xls(path, limits, ENCRYPTED)
    if meanwhile is not None:
        meanwhile()
    trimmed = {e.replaced_part: e.trimmed for e in extras.values() if e.trimmed is not None}
    try:
        with _native_errors_quiet(), _opened(pc, path, container, trimmed) as book:
            sheets = []
            for meta in book.sheets_metadata:
                if meta.typ != pc.SheetTypeEnum.WorkSheet:
                    continue
                sheet = book.get_sheet_by_name(meta.name)
                _check_cells(sheet, meta.name, limits)
                data = _sheet_data(meta.name, sheet, hidden=meta.visible != pc.SheetVisibleEnum.Visible)
                data.merged = _merged_ranges(sheet)
                extra = extras.get(meta.name)
                if extra is not None:
                    extra.apply(data)
                sheets.append(data)
    except UnreadableFile:
        raise
    except pc.PasswordError:
        raise UnreadableFile(ENCRYPTED) from None
    except BaseException as exc:
        if not _is_reader_failure(exc):
            raise
        log.info("calamine could not read %s: %s: %s", path, type(exc).__name__, exc)
        raise UnreadableFile(DAMAGED) from None
    if not sheets:
        raise UnreadableFile("工作簿中没有工作表：请确认是否选错了文件。")
    return sheets


def _opened(pc, path: Path, container: str, replaced: dict[str, bytes]):
    """The workbook opened by calamine: the file as it is, or (sheets read sparsely) a copy in
    memory whose named parts are replaced by the trimmed XML. The file itself is never changed.

    From the path where its name says what it holds: calamine then opens it (and reads its
    shared strings, a quarter of a second for 100 000 names) without holding the GIL, where
    given a Python file object it holds the GIL throughout and the pandas import waits. From a
    file object otherwise: calamine picks the format of a path by its extension, and an .xls
    renamed .xlsx is read by its content."""
    if not replaced and _named_for_content(path, container):
        return pc.CalamineWorkbook.from_path(str(path))
    if not replaced:
        with path.open("rb") as handle:
            return pc.CalamineWorkbook.from_filelike(handle)
    import io
    copy = io.BytesIO()
    with zipfile.ZipFile(path) as package, zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as out:
        for info in package.infolist():      # every part was bounded by inspect_package
            out.writestr(info.filename, replaced.get(info.filename) or package.read(info))
    copy.seek(0)
    return pc.CalamineWorkbook.from_filelike(copy)


_EXTENSIONS = {"ole": (".xls",), XLSX: (".xlsx", ".xlsm"), ODS: (".ods",)}     # as calamine names them


def _named_for_content(path: Path, container: str) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:      # a name in GBK bytes (unzipped from Windows): Rust cannot open it
        return False
    if container == "zip":
        with zipfile.ZipFile(path) as package:       # checked already: it is one of the two
            container = package_kind(package, set(package.namelist()))
    return path.suffix in _EXTENSIONS.get(container, ())


def _is_reader_failure(exc: BaseException) -> bool:
    """calamine's errors, and the Rust panics pyo3 raises (PanicException is a BaseException)."""
    if isinstance(exc, Exception):
        return True
    return type(exc).__name__ == "PanicException"


_STDERR_LOCK = threading.Lock()      # fd 2 is process-wide: one redirection at a time


@contextlib.contextmanager
def _native_errors_quiet():
    """Send native stderr (a Rust panic prints its message and backtrace there) to a scratch
    file while calamine runs, so a damaged file never shows a trace in the terminal; the
    panic itself still arrives as an exception and becomes UnreadableFile."""
    with _STDERR_LOCK:
        with _stderr_to_scratch():
            yield


@contextlib.contextmanager
def _stderr_to_scratch():
    try:
        if sys.stderr is not None:
            sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        saved = None                # no usable fd 2 (a windowed Python): nothing to keep quiet
    if saved is None:
        yield
        return
    with tempfile.TemporaryFile() as scratch:
        os.dup2(scratch.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            scratch.seek(0)
            noise = scratch.read(2000)
            if noise:
                log.debug("native stderr while reading: %s", noise.decode("utf-8", "replace"))


def _check_cells(sheet, name: str, limits: Limits) -> None:
    cells = sheet.height * sheet.width
    if cells > limits.max_cells:
        raise UnreadableFile(too_many_cells(name, cells, limits))


def _sheet_data(name: str, sheet, hidden: bool) -> SheetData:
    start = sheet.start
    if start is None:
        return SheetData(name=name, rows=[], hidden=hidden)
    rows = [_row(row) for row in sheet.to_python(skip_empty_area=True)]
    while rows and not any(v is not None for v in rows[-1]):
        rows.pop()
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    return SheetData(name=name, rows=rows, origin_row=start[0] + 1, origin_col=start[1] + 1,
                     hidden=hidden)


def _merged_ranges(sheet) -> tuple[tuple[int, int, int, int], ...]:
    """calamine's merged ranges (0-based corners) as Excel numbers; .ods ranges come from
    validators.read.ods (calamine does not report them there)."""
    ranges = getattr(sheet, "merged_cell_ranges", None) or ()
    return tuple((top + 1, left + 1, bottom + 1, right + 1)
                 for (top, left), (bottom, right) in ranges)


def _row(values: list) -> list:
    """calamine gives "" for an empty cell; numbers stay the floats the file stores."""
    if "" in values:
        return [None if v == "" else v for v in values]
    return values


# -- the 填报单位 line -------------------------------------------------------

_FILLER_LABEL = re.compile(r"填\s*报\s*单\s*位\s*[(（]?\s*(?:盖章|签章|公章)?\s*[)）]?\s*[:：]?")
# Where the filler's name ends: the next label on the same line, or a wide gap.
_FILLER_END = re.compile(r"\s{2,}|\u3000|(?:填\s*报\s*人|联\s*系\s*人|联系电话|电\s*话|"
                         r"填报日期|日\s*期|审\s*核\s*人|负\s*责\s*人|手\s*机|签\s*字)")
_PLACEHOLDER = re.compile(r"^[\s_＿\-—－.…·（）()盖章:：]*$")


_FILLER_EDGE = 60       # the line sits above or below the table, not among 100 000 data rows


def find_filler(sheets: list[SheetData]) -> str | None:
    """The clerk's text after 填报单位 on a "填报单位：xxx镇" line; None when left blank."""
    for sheet in sorted(sheets, key=lambda s: s.hidden):     # visible sheets first
        rows = sheet.rows
        edges = rows if len(rows) <= 2 * _FILLER_EDGE else rows[:_FILLER_EDGE] + rows[-_FILLER_EDGE:]
        for row in edges:
            for index, value in enumerate(row):
                if not isinstance(value, str) or "填" not in value:
                    continue
                match = _FILLER_LABEL.search(value)
                if match is None:
                    continue
                text = _filler_text(value[match.end():])
                if text is None:
                    following = [v for v in row[index + 1:] if v is not None]
                    if following and isinstance(following[0], str) and not _FILLER_LABEL.search(following[0]):
                        text = _filler_text(following[0])
                if text is not None:
                    return text
    return None


def _filler_text(rest: str) -> str | None:
    rest = rest.strip(" \t\r\n\u3000:：")
    end = _FILLER_END.search(rest)
    if end is not None:
        rest = rest[:end.start()]
    rest = rest.strip(" \t_＿:：")
    if not rest or _PLACEHOLDER.match(rest):
        return None
    return rest


def inspect_package(path: Path, limits: Limits) -> dict[str, SheetExtras]:
    """Check a zipped workbook; sheet name -> SheetExtras. UnreadableFile when it is unsafe or not a workbook."""
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            kind = package_kind(package, names)
            cap = part_cap(limits.max_cells)
            parts = {info.filename: info for info in package.infolist() if not info.is_dir()}
            check_declared_sizes(parts.values(), cap)
            if kind == ODS:
                return ods.inspect_ods(package, parts, cap, limits)
            return ooxml.inspect_xlsx(package, parts, cap, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, KeyError, ValueError,
            OSError, struct.error):
        raise UnreadableFile(CORRUPT) from None
    except NotImplementedError:
        raise UnreadableFile("文件使用了不支持的压缩方式，无法打开：请用 Excel 或 WPS 另存为 .xlsx 再报送。") from None
    except RuntimeError:    # zipfile: an encrypted zip entry
        raise UnreadableFile("压缩包设置了密码，无法读取：请报送未加密的 Excel 表格。") from None
