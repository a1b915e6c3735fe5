"""The file edge: a returned spreadsheet on disk -> validators.sheet.WorkbookData.

Values come from python-calamine (fast, never runs macros or formulas). What calamine does
not report — hidden rows, formulas saved without a result, error values — and what would make
it exhaust memory (zip bombs, a far cell that makes it allocate a huge grid) are found first:
.xlsx/.xlsm/.ods by validators.xlsx_xml, .xls by validators.xls_biff. CSV is read by
validators.csv_reader. The file's content, not its name, decides how it is read.

Every way a file can fail to be read ends in UnreadableFile with a Chinese reason that tells
the clerk what to do; the file is opened read-only and never changed.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from templates.config import Limits
from templates.identity import IDENTITY_SHEET, parse_identity
from validators.sheet import SheetData, WorkbookData

log = logging.getLogger(__name__)

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv")
BACKUP_SUFFIXES = (".bak", ".tmp", ".wbk", ".xlk")

class UnreadableFile(Exception):
    """A file fenjie cannot read; `reason` is Chinese and says what the clerk can do."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# -- finding the files ----------------------------------------------------

@dataclass(frozen=True)
class Skipped:
    """A file in a scanned folder that is not checked; `reason` is a key of SKIP_REASONS."""
    path: Path
    reason: str


SKIP_REASONS = {
    "fenjie_output": "fenjie 生成的文件（报告、标注副本、汇总或没人填过的模板）",
    "hidden": "隐藏文件",
    "lock": "Office/WPS 打开时留下的临时文件",
    "backup": "备份或临时文件",
    "dangling_link": "失效的链接（指向的文件不存在）",
    "no_extension": "没有扩展名",
    "not_spreadsheet": "不是表格文件",
}


@dataclass
class Inputs:
    files: list[Path]
    skipped: list[Skipped]


def find_input_files(paths) -> list[Path]:
    """Spreadsheet files among `paths` (files and folders, searched recursively)."""
    return collect_inputs(paths).files


def collect_inputs(paths) -> Inputs:
    """The files to check among `paths`, and the files in folders that are not checked.

    Folders are searched recursively (subfolders included) and give their spreadsheets in
    sorted order; skipped are hidden files and folders, lock files (~$…), backups, dangling
    links, files without a spreadsheet suffix and fenjie's own outputs (reports, annotated
    copies, 汇总, untouched templates: never a return). A named file is kept whatever it is,
    and a path that does not exist is kept too: read_workbook then explains what is wrong
    with it, so nothing is dropped silently."""
    found: list[Path] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates, passed_over = _spreadsheets_under(path)
            skipped.extend(passed_over)
        else:
            candidates = [path]
        for candidate in candidates:
            key = candidate.resolve() if candidate.exists() else candidate
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return Inputs(found, skipped)


def _spreadsheets_under(folder: Path) -> tuple[list[Path], list[Skipped]]:
    files, skipped = [], []
    for root, dirs, names in os.walk(folder):
        base = Path(root)
        for name in [d for d in dirs if d.startswith(".")]:
            skipped.append(Skipped(base / name, "hidden"))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            path = base / name
            reason = _skip_reason(path)
            if reason:
                skipped.append(Skipped(path, reason))
            else:
                files.append(path)

    def order(p: Path):
        return [part.casefold() for part in p.relative_to(folder).parts]
    return sorted(files, key=order), sorted(skipped, key=lambda s: order(s.path))


def _skip_reason(path: Path) -> str | None:
    name = path.name
    if name.startswith("~$"):
        return "lock"
    if name.startswith("."):
        return "hidden"
    if not path.exists():
        return "dangling_link"
    suffix = path.suffix.lower()
    if suffix in BACKUP_SUFFIXES or name.endswith("~"):
        return "backup"
    if not suffix:
        return "no_extension"
    if suffix not in SPREADSHEET_SUFFIXES:
        return "not_spreadsheet"
    if suffix in (".xlsx", ".xlsm") and _is_own_output(path):
        return "fenjie_output"
    return None


def _is_own_output(path: Path) -> bool:
    """A report or 汇总 is never a return; an annotated copy or a template is not one until
    somebody has changed it (a clerk who corrects an annotated copy sends a real return)."""
    from templates.outputs import own_output
    found = own_output(path)
    return found is not None and (found.intact or found.role in ("report", "summary"))


def skipped_summary(skipped: list[Skipped], shown: int = 3) -> str:
    """One Chinese line: how many files were skipped, grouped by reason, a few names each."""
    groups: dict[str, list[Skipped]] = {}
    for item in skipped:
        groups.setdefault(item.reason, []).append(item)
    parts = []
    for reason in SKIP_REASONS:
        items = groups.get(reason)
        if not items:
            continue
        names = "、".join(str(s.path) for s in items[:shown]) + (" 等" if len(items) > shown else "")
        parts.append(f"{SKIP_REASONS[reason]} {len(items)} 个（{names}）")
    return f"未核对 {len(skipped)} 个文件：" + "；".join(parts) + "。"


# -- reading one file ------------------------------------------------------

def read_workbook(path, *, limits: Limits | None = None) -> WorkbookData:
    """Read every sheet of the workbook at `path`; UnreadableFile when that is not possible."""
    limits = limits or Limits()
    path = Path(path)
    head = _stat_and_head(path, limits)
    if path.suffix.lower() == ".et":
        return _read_wps_et(path, head, limits)
    container = _sniff(path, head)
    if container == "text":
        from validators.csv_reader import read_csv
        sheets = [read_csv(path, limits)]
    else:
        sheets = _read_with_calamine(path, container, limits)
    return build_workbook(str(path), sheets)


WPS_ET = ("这是 WPS 表格自己的格式（.et），其中不是 Excel 能读的工作簿，fenjie 读不了："
          "请在 WPS 中“另存为” Excel 工作簿（.xlsx）再报送。")


def _read_wps_et(path: Path, head: bytes, limits: Limits) -> WorkbookData:
    """WPS's .et: WPS writes it as an Excel 97–2003 (.xls) or 2007+ (.xlsx) workbook inside,
    which is read like one; anything else (an older private WPS format) is explained."""
    if not head.startswith((b"PK\x03\x04", _OLE_MAGIC)):
        raise UnreadableFile(WPS_ET)
    try:
        container = _sniff(path, head)
        return build_workbook(str(path), _read_with_calamine(path, container, limits))
    except UnreadableFile as exc:
        if exc.reason in (_DAMAGED, _NOT_A_WORKBOOK):
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


def _stat_and_head(path: Path, limits: Limits) -> bytes:
    try:
        if path.is_dir():
            raise UnreadableFile("这是一个文件夹，不是表格文件。")
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise UnreadableFile(
                f"文件太大（{_megabytes(size)}，上限 {_megabytes(limits.max_bytes)}）："
                "请删去无关的工作表、图片后重新保存；确需检查可在 fenjie.toml 的 [limits] 中调高 max_bytes。")
        if size == 0:
            raise UnreadableFile("文件是空的（0 字节），可能保存或传输时出错：请重新保存后再报送。")
        with path.open("rb") as handle:
            head = handle.read(8192)
    except FileNotFoundError:
        raise UnreadableFile("文件不存在：请检查路径和文件名。") from None
    except PermissionError:
        raise UnreadableFile("没有读取这个文件的权限：请检查文件权限，或复制一份后再检查。") from None
    except OSError as exc:
        from templates.outputs import os_error_zh
        raise UnreadableFile(f"读取文件时出错（{os_error_zh(exc)}）：请复制一份后再检查。") from None
    return head


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


# -- what the file really is (by content, not by its name) ---------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAVE_AS_XLSX = "请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（.xlsx）再报送。"
_NOT_A_SPREADSHEET = {
    b"%PDF": "这是 PDF 文件，不是表格：请报送 Excel 表格文件（.xlsx），不要报送打印件或扫描件。",
    b"\x89PNG": "这是图片（PNG），不是表格：请报送 Excel 表格文件（.xlsx），不要报送截图或照片。",
    b"\xff\xd8\xff": "这是图片（JPEG），不是表格：请报送 Excel 表格文件（.xlsx），不要报送截图或照片。",
    b"GIF8": "这是图片（GIF），不是表格：请报送 Excel 表格文件（.xlsx）。",
    b"BM": "这是图片（BMP），不是表格：请报送 Excel 表格文件（.xlsx）。",
    b"Rar!": "这是 RAR 压缩包，不是表格：请解压后报送其中的 Excel 表格。",
    b"7z\xbc\xaf\x27\x1c": "这是 7z 压缩包，不是表格：请解压后报送其中的 Excel 表格。",
    b"{\\rtf": "这是 RTF 文档，不是表格：" + _SAVE_AS_XLSX,
}


def _sniff(path: Path, head: bytes) -> str:
    """"zip" (xlsx/xlsm/ods), "ole" (xls) or "text" (csv); UnreadableFile for anything else."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        _check_ole(path)
        return "ole"
    for magic, reason in _NOT_A_SPREADSHEET.items():
        if head.startswith(magic):
            raise UnreadableFile(reason)
    text = _as_text(head)
    suffix = path.suffix.lower()
    if text is None:
        if suffix == ".csv" and b"\x00" not in head:
            return "text"       # let the CSV decoder say which encodings it tried
        raise UnreadableFile(f"文件内容不是表格（无法识别的格式，扩展名为 {suffix or '无'}）：" + _SAVE_AS_XLSX)
    sample = text.lstrip("\ufeff \t\r\n").lower()
    if sample.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in sample:
        raise UnreadableFile("这是 Excel 2003 XML 表格（旧格式）：" + _SAVE_AS_XLSX)
    if sample.startswith(("<!doctype html", "<html", "<table", "<head", "<meta", "<body", "<style")) \
            or "<html" in sample[:2000] or "<table" in sample[:2000]:
        raise UnreadableFile("这是网页文件（HTML），只是扩展名写成了表格：多见于从网上系统导出的"
                             "“Excel”。" + _SAVE_AS_XLSX)
    if sample.startswith("mime-version:") or "content-type: multipart/related" in sample[:2000]:
        raise UnreadableFile("这是网页存档（MHT），只是扩展名写成了表格：" + _SAVE_AS_XLSX)
    if sample.startswith("<"):
        raise UnreadableFile("这是 XML 文本文件，不是表格：" + _SAVE_AS_XLSX)
    if suffix == ".csv" or (suffix == ".xls" and "\t" in text):
        return "text"   # .xls exported by web systems is often tab-separated text
    raise UnreadableFile(f"扩展名是 {suffix or '（无）'}，但内容是纯文本，不是 Excel 表格：" + _SAVE_AS_XLSX)


def _as_text(head: bytes) -> str | None:
    """The decoded start of a text file, None when it looks binary."""
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    from validators.csv_reader import encodings_to_try
    for encoding, body in encodings_to_try(head):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(body) - 4:        # a character cut at the end of the sample
                return body[:exc.start].decode(encoding, errors="ignore")
    return None


_NOT_A_WORKBOOK = "文件不是 Excel 工作簿（旧版 Office 文件中找不到表格数据）：" + _SAVE_AS_XLSX


def _check_ole(path: Path) -> None:
    """An OLE compound file: a real .xls, or an encrypted .xlsx, or a Word/PowerPoint file."""
    data = path.read_bytes()
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        raise UnreadableFile(_ENCRYPTED)
    if "WordDocument".encode("utf-16-le") in data:
        raise UnreadableFile("这是 Word 文档（.doc），不是表格：请把表格复制到 Excel/WPS 表格中，"
                             "保存为 .xlsx 再报送。")
    if "PowerPoint Document".encode("utf-16-le") in data:
        raise UnreadableFile("这是 PowerPoint 演示文稿，不是表格：请报送 Excel 表格文件（.xlsx）。")
    if "Workbook".encode("utf-16-le") not in data and "Book".encode("utf-16-le") not in data:
        raise UnreadableFile(_NOT_A_WORKBOOK)


def _read_with_calamine(path: Path, container: str, limits: Limits) -> list[SheetData]:
    import python_calamine as pc

    extras = {}
    if container == "zip":
        from validators import xlsx_xml
        extras = xlsx_xml.inspect_package(path, limits)
    else:
        from validators import xls_biff
        extras = xls_biff.inspect_xls(path, limits, _ENCRYPTED)
    try:
        with _native_errors_quiet(), path.open("rb") as handle, \
                pc.CalamineWorkbook.from_filelike(handle) as book:
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
        raise UnreadableFile(_ENCRYPTED) from None
    except BaseException as exc:
        if not _is_reader_failure(exc):
            raise
        log.info("calamine could not read %s: %s: %s", path, type(exc).__name__, exc)
        raise UnreadableFile(_DAMAGED) from None
    if not sheets:
        raise UnreadableFile("工作簿中没有工作表：请确认是否选错了文件。")
    return sheets


_DAMAGED = "文件已损坏或格式不对，无法打开：请用 Excel 或 WPS 打开后另存为 .xlsx 再报送。"


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


_ENCRYPTED = ("文件设置了打开密码（已加密），无法读取：请在 Excel/WPS 中取消密码"
              "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后重新保存再报送。")


def _check_cells(sheet, name: str, limits: Limits) -> None:
    cells = sheet.height * sheet.width
    if cells > limits.max_cells:
        raise UnreadableFile(_too_many_cells(name, cells, limits))


def _too_many_cells(name: str, cells: int, limits: Limits) -> str:
    return (f"工作表「{name}」的数据区域过大（约 {cells:,} 个单元格，上限 {limits.max_cells:,}）："
            "请删去表格以外的内容（或整行整列的格式）后重新保存；确需检查可在 fenjie.toml 的 "
            "[limits] 中调高 max_cells。")


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
    validators.xlsx_xml (calamine does not report them there)."""
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
