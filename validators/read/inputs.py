"""Which files of the given paths are read: spreadsheets by suffix, and the files in a folder that
are not (backups, lock files, fenjie's own outputs), with the reason for each."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv")
BACKUP_SUFFIXES = (".bak", ".tmp", ".wbk", ".xlk")


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


def untouched_template(path) -> bool:
    """Is `path` a template exactly as fenjie wrote it? In a folder of returns it may be a
    township's or unit's return sent back unfilled (validators.batch, rule S011)."""
    from templates.outputs import own_output
    found = own_output(path)
    return found is not None and found.role == "template" and found.intact


def untouched_templates(skipped: list[Skipped]) -> list[Skipped]:
    return [s for s in skipped if s.reason == "fenjie_output" and untouched_template(s.path)]


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
