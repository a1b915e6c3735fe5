"""Files fenjie writes: how each is saved, recognised later, named and explained when it fails.

Every workbook fenjie writes (template, report, annotated copy, 汇总) carries two custom document
properties: its role and a fingerprint of its content as written. A file is fenjie's own,
untouched output only when the fingerprint still matches: once a clerk fills a template and saves
it (Excel, WPS and LibreOffice keep custom properties but rewrite the sheets), it is theirs.
Only fenjie's untouched outputs may be replaced without --force, and they are never counted as
returns when a folder is scanned.
"""
from __future__ import annotations

import errno
import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROLE_PROPERTY = "fenjie_output"
FINGERPRINT_PROPERTY = "fenjie_fingerprint"
ROLE_ZH = {"template": "模板", "report": "核对报告", "annotated": "标注副本", "summary": "汇总工作簿"}
_PLACEHOLDER = "0" * 64                  # the fingerprint's place until the content is final
_CUSTOM_PART = "docProps/custom.xml"
_OWN_PARTS = "docProps/"                 # document properties: changed by the seal itself
MAX_NAME_BYTES = 240                     # under the 255-byte limit of common file systems


@dataclass(frozen=True)
class OwnOutput:
    role: str            # a key of ROLE_ZH
    intact: bool         # the content is still exactly what fenjie wrote


# -- marking and recognising -----------------------------------------------------------------

def mark(book, role: str) -> None:
    """Tag an openpyxl workbook as fenjie's output of `role`, before it is saved."""
    from openpyxl.packaging.custom import StringProperty
    props = book.custom_doc_props
    for name in (ROLE_PROPERTY, FINGERPRINT_PROPERTY):
        if name in props.names:
            del props[name]
    props.append(StringProperty(name=ROLE_PROPERTY, value=role))
    props.append(StringProperty(name=FINGERPRINT_PROPERTY, value=_PLACEHOLDER))


def _fingerprint(archive: zipfile.ZipFile) -> str:
    digest = hashlib.sha256()
    for name in sorted(archive.namelist()):
        if not name.startswith(_OWN_PARTS):
            digest.update(name.encode("utf-8") + b"\0" + archive.read(name) + b"\0")
    return digest.hexdigest()


def seal(path: Path) -> None:
    """Write the fingerprint of the finished file at `path` into its custom properties."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
        fingerprint = _fingerprint(source)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename == _CUSTOM_PART:
                data = data.replace(_PLACEHOLDER.encode(), fingerprint.encode(), 1)
            target.writestr(info, data)


def own_output(path: str | Path) -> OwnOutput | None:
    """What fenjie wrote `path` as, and whether it is unchanged since; None if fenjie did not."""
    try:
        with zipfile.ZipFile(path) as archive:
            props = _custom_properties(archive.read(_CUSTOM_PART))
            role = props.get(ROLE_PROPERTY)
            if role not in ROLE_ZH:
                return None
            return OwnOutput(role, props.get(FINGERPRINT_PROPERTY) == _fingerprint(archive))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, EOFError):
        return None


def _custom_properties(xml: bytes) -> dict[str, str]:
    from defusedxml.ElementTree import fromstring
    try:
        root = fromstring(xml)
    except Exception:            # not clean XML: not ours
        return {}
    props = {}
    for prop in root:
        value = next(iter(prop), None)
        if prop.get("name") and value is not None:
            props[prop.get("name")] = value.text or ""
    return props


def replaceable(path: Path, force: bool = False) -> bool:
    """May fenjie write `path`? Yes when nothing is there, when it is fenjie's own untouched
    output, or with --force."""
    if force or not os.path.lexists(path):
        return True
    found = own_output(path) if path.is_file() else None
    return found is not None and found.intact


def kept_message(paths: list[Path]) -> str:
    """The Chinese line naming the existing files fenjie kept instead of overwriting."""
    names = "、".join(str(p) for p in paths[:10]) + (" 等" if len(paths) > 10 else "")
    return (f"已保留 {len(paths)} 个已有文件，没有覆盖（不是 fenjie 生成的，或生成后有人改过）：{names}。"
            f"确要覆盖请加 --force。")


# -- saving ---------------------------------------------------------------------------------

def save_output(book, path: Path, role: str | None, finish=None) -> Path:
    """Save an openpyxl workbook as fenjie's output of `role` at `path`, all or nothing
    (`role` None: a plain workbook, not marked as fenjie's output).

    It is written to a hidden temporary file in the same folder (created like any new file,
    so its mode follows the umask), `finish(tmp)` may rewrite it (formula results, note
    anchors), then it is sealed and renamed over `path`: an interrupted run leaves either the
    old file or the new one, never half a workbook. Raises OSError."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".~{path.stem}.{os.getpid()}{path.suffix}")
    if role:
        mark(book, role)
    try:
        book.save(tmp)
        if finish is not None:
            finish(tmp)
        if role:
            seal(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.remove(tmp)
    return path


# -- names made from data ----------------------------------------------------------------------

def safe_file_name(name: str, fallback: str = "未命名") -> str:
    """`name` made a file name every system can create: no / \\ : * ? " < > | or control
    characters, no leading dots (no hidden files, no ..), no trailing dots or spaces, no
    Windows device names (CON, NUL, COM1 …), not too long; the suffix is kept."""
    from pathvalidate import sanitize_filename
    stem, suffix = os.path.splitext(name)
    if not suffix.isascii() or not suffix[1:].isalnum():
        stem, suffix = name, ""
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    clean = sanitize_filename(stem, replacement_text="_", platform="universal")
    clean = clean.lstrip(". ").rstrip(". ")
    while len(clean.encode("utf-8")) > budget:
        clean = clean[:-1]
    clean = clean.rstrip(". ") or fallback
    return sanitize_filename(clean + suffix, replacement_text="_", platform="universal")


def inside(folder: Path, name: str) -> Path:
    """The path of file `name` in `folder`; ValueError if it would lie anywhere else."""
    path = folder / name
    if path.resolve().parent != folder.resolve():
        raise ValueError(f"{name} 不在 {folder} 中")
    return path


# -- OS errors in Chinese ------------------------------------------------------------------------

_ERRNO_ZH = {
    errno.ENOENT: "文件或文件夹不存在",
    errno.EEXIST: "已有同名的文件",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "磁盘或文件夹是只读的",
    errno.ENOSPC: "磁盘空间不足",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一段是文件，不是文件夹",
    errno.ENAMETOOLONG: "文件名太长",
    errno.EBUSY: "文件正被其他程序占用",
    errno.EINVAL: "文件名不合法",
    errno.EDQUOT: "磁盘配额已满",
    errno.EMFILE: "打开的文件太多",
    errno.EIO: "读写磁盘时出错",
}


def os_error_zh(exc: OSError) -> str:
    """A Chinese description of an OS error (never the system's English text)."""
    if isinstance(exc, PermissionError):
        return "没有权限（文件是否正在 Excel 或 WPS 中打开？）"
    text = _ERRNO_ZH.get(exc.errno)
    return text or (f"系统错误（代码 {exc.errno}）" if exc.errno else "系统错误")


def writable_folder_problem(folder: Path) -> str | None:
    """Why files cannot be written into `folder` (created if missing), in Chinese; None if they can.

    Checked before any work is done, so that a long check does not end in a write error."""
    existing = folder
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} 是一个文件，不是文件夹"
    return _probe(existing)


def _probe(folder: Path) -> str | None:
    """Really create and remove a file: os.access says yes on read-only mounts and to root."""
    probe = folder / f".~fenjie-probe.{os.getpid()}"
    try:
        probe.open("xb").close()
        probe.unlink()
    except OSError as exc:
        return f"无法在 {folder} 中写文件：{os_error_zh(exc)}"
    return None


def distinct_names(names: list[str]) -> list[str]:
    """Safe file names for `names`; two that end up alike become 名称(2).xlsx and so on."""
    taken: set[str] = set()
    result = []
    for raw in names:
        name = safe_file_name(raw)
        stem, suffix = os.path.splitext(name)
        n = 2
        while name.casefold() in taken:
            name = f"{stem}({n}){suffix}"
            n += 1
        taken.add(name.casefold())
        result.append(name)
    return result
