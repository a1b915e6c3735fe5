"""Rendering a BatchResult for people and machines: findings in, lines (or a JSON document) out.

Pure: no printing, no terminal detection. A text line is a tuple of spans (text, style); the
command joins them to plain text, or hands them to rich when stdout is a terminal.
"""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from templates.labels import level_label, status_label
from validators.findings import BatchResult, FileResult, Finding

Span = tuple[str, str | None]
Line = tuple[Span, ...]

_QUOTE_SHEET = set(" !:'()-+,;&=@#")
CLIP_AT = 60            # characters of a value shown on the terminal; JSON and Excel keep it whole
MESSAGE_CLIP_AT = 400   # a whole message, whatever long text it still holds
_QUOTED = re.compile(r"「([^「」]*)」")


@functools.lru_cache(maxsize=1024)      # asked once per finding: a file may have thousands
def display_path(path: str, base: Path | None = None) -> str:
    """`path` as the user gave it; an absolute path under `base` (the cwd) shown relative."""
    if base is None or not os.path.isabs(path):
        return path
    try:
        return str(Path(path).relative_to(base))
    except ValueError:
        return path


def sheet_ref(sheet: str) -> str:
    """A sheet name as Excel writes it before `!`: quoted when it holds spaces or punctuation."""
    if any(ch in _QUOTE_SHEET for ch in sheet):
        return "'" + sheet.replace("'", "''") + "'"
    return sheet


def location(result: FileResult, finding: Finding) -> str:
    """`C7`, `Sheet2!C7`, `Sheet2` or '' — the sheet only when it is not the table's own sheet."""
    other_sheet = finding.sheet if finding.sheet and finding.sheet != result.sheet else None
    if finding.cell and other_sheet:
        return f"{sheet_ref(other_sheet)}!{finding.cell}"
    return finding.cell or (sheet_ref(other_sheet) if other_sheet else "")


def clip(text: str, limit: int = CLIP_AT) -> str:
    """Long text cut for a terminal line: its start and how long it is (a cell holds 32 767)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共 {len(text)} 字）"


def clipped_message(finding: Finding) -> str:
    """The message with every 「quoted」 text and the cell's value clipped."""
    message = _QUOTED.sub(lambda quoted: f"「{clip(quoted.group(1))}」", finding.message)
    for shown in (finding.value, finding.suggestion):
        if shown and len(shown) > CLIP_AT:
            message = message.replace(shown, clip(shown))
    return clip(message, MESSAGE_CLIP_AT)


def value_note(finding: Finding) -> str:
    """` [原值 22万亩 → 建议 22]`, ` [建议 南洲镇]`, or '' when neither is known; long values clipped."""
    parts = []
    if finding.value not in (None, ""):
        parts.append(f"原值 {clip(finding.value)}")
    if finding.suggestion not in (None, ""):
        parts.append(f"建议 {clip(finding.suggestion)}")
    return f" [{' → '.join(parts)}]" if parts else ""


def one_line(text: str) -> str:
    """Line breaks typed into a cell shown as ↵, so that one finding stays one line."""
    return text.replace("\r\n", "↵").replace("\n", "↵").replace("\r", "↵")


def finding_line(result: FileResult, finding: Finding, base: Path | None = None) -> Line:
    where = location(result, finding)
    head = f"{display_path(result.path, base)}:{where + ':' if where else ''} "
    code_style = "bold red" if finding.is_error else "bold yellow"
    code = finding.code if finding.is_error else f"{finding.code}（{level_label(finding.severity)}）"
    spans: list[Span] = [(one_line(head), "bold"), (code, code_style),
                         (" " + one_line(clipped_message(finding)), None)]
    note = value_note(finding)
    if note:
        spans.append((one_line(note), "dim"))
    return tuple(spans)


def batch_lines(batch: BatchResult, base: Path | None = None) -> list[Line]:
    """What the batch as a whole lacks: townships with no file, townships with several."""
    lines: list[Line] = []
    if batch.missing:
        lines.append(((f"{status_label('missing')}（{len(batch.missing)}）：", "bold red"),
                      ("、".join(batch.missing), None)))
    for township, paths in batch.duplicates.items():
        files = "、".join(display_path(p, base) for p in paths)
        counted = batch.counted.get(township)
        which = f"计入无错的最新一份 {Path(counted).name}" if counted else "没有一份无错"
        lines.append(((f"{status_label('duplicate')}：", "bold yellow"), (f"{township}（{len(paths)} 份：{files}；{which}）", None)))
    return lines


def summary_line(batch: BatchResult) -> Line:
    s = batch.summary()
    statuses = "，".join(f"{status_label(status)} {s[status]}" for status in ("ok", "invalid", "unreadable"))
    text = (f"共 {s['files']} 个文件：{statuses}；"
            f"{level_label('error')} {s['errors']} 个，{level_label('warning')} {s['warnings']} 个")
    if batch.missing:
        text += f"；{status_label('missing')} {len(batch.missing)} 个"
    style = "bold red" if batch.has_errors else "bold green"
    return ((text + "。", style),)


def text_lines(batch: BatchResult, base: Path | None = None) -> list[Line]:
    """The whole text report: findings grouped by file (a blank line between files), then the
    batch part, then the summary."""
    lines: list[Line] = []
    for result in batch.files:
        if not result.findings:
            continue
        lines.extend(finding_line(result, f, base) for f in result.findings)
        lines.append(())
    tail = batch_lines(batch, base)
    if tail:
        lines.extend(tail)
        lines.append(())
    lines.append(summary_line(batch))
    return lines


def plain(line: Line) -> str:
    return "".join(text for text, _ in line)


def json_document(batch: BatchResult) -> dict:
    """The contract's JSON document, extended with each file's township and the duplicates."""
    document = batch.to_dict()
    for entry, result in zip(document["files"], batch.files):
        entry["township"] = result.scope
    document["duplicates"] = {k: list(v) for k, v in batch.duplicates.items()}
    document["skipped"] = [{"path": str(s.path), "reason": s.reason} for s in batch.skipped]
    return document
