"""What a file really is, by its content and not its name: a zipped workbook, an OLE file (.xls)
or text (CSV); anything else (PDF, pictures, HTML saved as .xls …) is explained in Chinese."""
from __future__ import annotations

from pathlib import Path

from templates.config import Limits
from templates.textfile import decode_start
from validators.read.errors import ENCRYPTED, NOT_A_WORKBOOK, SAVE_AS_XLSX, WPS_ET, UnreadableFile


def stat_and_head(path: Path, limits: Limits) -> bytes:
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

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NOT_A_SPREADSHEET = {
    b"%PDF": "这是 PDF 文件，不是表格：请报送 Excel 表格文件（.xlsx），不要报送打印件或扫描件。",
    b"\x89PNG": "这是图片（PNG），不是表格：请报送 Excel 表格文件（.xlsx），不要报送截图或照片。",
    b"\xff\xd8\xff": "这是图片（JPEG），不是表格：请报送 Excel 表格文件（.xlsx），不要报送截图或照片。",
    b"GIF8": "这是图片（GIF），不是表格：请报送 Excel 表格文件（.xlsx）。",
    b"BM": "这是图片（BMP），不是表格：请报送 Excel 表格文件（.xlsx）。",
    b"Rar!": "这是 RAR 压缩包，不是表格：请解压后报送其中的 Excel 表格。",
    b"7z\xbc\xaf\x27\x1c": "这是 7z 压缩包，不是表格：请解压后报送其中的 Excel 表格。",
    b"{\\rtf": "这是 RTF 文档，不是表格：" + SAVE_AS_XLSX,
}


def sniff(path: Path, head: bytes) -> str:
    """"zip" (xlsx/xlsm/ods), "ole" (xls) or "text" (csv); UnreadableFile for anything else."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(OLE_MAGIC):
        check_ole(path)
        return "ole"
    for magic, reason in _NOT_A_SPREADSHEET.items():
        if head.startswith(magic):
            raise UnreadableFile(reason)
    text = decode_start(head)
    suffix = path.suffix.lower()
    if text is None:
        if suffix == ".csv" and b"\x00" not in head:
            return "text"       # let the CSV decoder say which encodings it tried
        raise UnreadableFile(f"文件内容不是表格（无法识别的格式，扩展名为 {suffix or '无'}）：" + SAVE_AS_XLSX)
    sample = text.lstrip("\ufeff \t\r\n").lower()
    if sample.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in sample:
        raise UnreadableFile("这是 Excel 2003 XML 表格（旧格式）：" + SAVE_AS_XLSX)
    if sample.startswith(("<!doctype html", "<html", "<table", "<head", "<meta", "<body", "<style")) \
            or "<html" in sample[:2000] or "<table" in sample[:2000]:
        raise UnreadableFile("这是网页文件（HTML），只是扩展名写成了表格：多见于从网上系统导出的"
                             "“Excel”。" + SAVE_AS_XLSX)
    if sample.startswith("mime-version:") or "content-type: multipart/related" in sample[:2000]:
        raise UnreadableFile("这是网页存档（MHT），只是扩展名写成了表格：" + SAVE_AS_XLSX)
    if sample.startswith("<"):
        raise UnreadableFile("这是 XML 文本文件，不是表格：" + SAVE_AS_XLSX)
    if suffix == ".csv" or (suffix == ".xls" and "\t" in text):
        return "text"   # .xls exported by web systems is often tab-separated text
    raise UnreadableFile(f"扩展名是 {suffix or '（无）'}，但内容是纯文本，不是 Excel 表格：" + SAVE_AS_XLSX)


def check_ole(path: Path) -> None:
    """An OLE compound file, told by its streams: a real .xls (a Workbook or Book stream; WPS's
    .et saves one too), an encrypted .xlsx (EncryptionInfo + EncryptedPackage), a Word or
    PowerPoint file, an Outlook message, WPS's own older .et, or another OLE file."""
    streams = ole_streams(path)
    if streams is None:             # a directory olefile cannot read: calamine decides (DAMAGED)
        return
    if {"encryptioninfo", "encryptedpackage"} & streams:
        raise UnreadableFile(ENCRYPTED)
    if {"workbook", "book"} & streams:
        return
    if "worddocument" in streams:
        raise UnreadableFile("这是 Word 文档（.doc），不是表格：请把表格复制到 Excel/WPS 表格中，"
                             "保存为 .xlsx 再报送。")
    if "powerpoint document" in streams:
        raise UnreadableFile("这是 PowerPoint 演示文稿，不是表格：请报送 Excel 表格文件（.xlsx）。")
    if any(name.startswith("__substg1.0_") for name in streams):
        raise UnreadableFile("这是 Outlook 邮件（.msg），不是表格：请把邮件附件里的 Excel 表格另存出来再报送。")
    if path.suffix.lower() == ".et":
        raise UnreadableFile(WPS_ET)
    raise UnreadableFile(NOT_A_WORKBOOK)


def ole_streams(path: Path) -> set[str] | None:
    """The lower-case names of the streams at the top of an OLE file (Excel, Word and WPS write
    their content there); None when olefile cannot read its directory."""
    import olefile
    try:
        with olefile.OleFileIO(str(path)) as ole:
            return {entry[0].lower() for entry in ole.listdir(streams=True, storages=False) if len(entry) == 1}
    except Exception:               # olefile raises many kinds on a damaged directory
        return None
