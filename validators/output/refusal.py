"""Why a county table with errors is not used, said the same way by `fenjie`, the add-in and the
web page: a head line, then each error as `fenjie check` prints a finding."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from validators.findings import FileResult
from validators.output.render import finding_line, plain


def county_table_refusal(result: FileResult, shown: int | None = None, name: str | None = None) -> str:
    """The head and one line per error finding; with `shown`, only the first that many. `name`
    is the file's name as its sender knows it (an upload is kept under another)."""
    errors = [f for f in result.findings if f.is_error]
    named = replace(result, path=name or Path(result.path).name)   # the head names the file; a line, its cell
    lines = [f"县分解表 {named.path} 有 {len(errors)} 个错误，没有使用：各乡镇的下达数都从它来，请先改正。",
             *(plain(finding_line(named, f)) for f in errors[:shown])]
    if shown is not None and len(errors) > shown:
        lines.append(f"……共 {len(errors)} 个错误，运行 fenjie check 可列出全部问题。")
    return "\n".join(lines)
