"""`fenjie check --report FILE.xlsx`: the batch's findings as one workbook (the Excel edge).

Sheet 汇总 has one row per file (and one per township that sent nothing); sheet 问题清单 one row
per finding, linked to the file and cell it is about. Every text cell is written as text:
a township name or cell value beginning with = + - @ stays text and never becomes a formula.
"""
from __future__ import annotations

import os
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from templates.cells import put
from templates.identity import REPORT_FINDINGS_SHEET, REPORT_SUMMARY_SHEET
from templates.kinds import find_kind
from templates.labels import (
    FINDING_HEADERS,
    FINDING_WIDTHS,
    HEADER_COLOR,
    LINK_COLOR,
    STATUS_COLORS,
    finding_column,
    finding_row,
    level_color,
    solid_fill,
    status_label,
)
from validators.check.rules import RULES
from validators.findings import BatchResult, Finding
from validators.output.render import display_path, sheet_ref

SUMMARY_HEADERS = ("文件", "乡镇", "类型", "状态", "错误数", "提醒数", "备注")
SUMMARY_WIDTHS = (40, 12, 24, 10, 8, 8, 36)

HEADER_FILL = solid_fill(HEADER_COLOR)
LINK_FONT = Font(color=LINK_COLOR, underline="single")
_CELL, _FILE, _LEVEL, _MESSAGE = (finding_column(key) for key in ("cell", "file", "level", "message"))


def link_target(file_path: str, report_dir: Path) -> str:
    """The file as a hyperlink target: relative to the report's folder when possible."""
    path = Path(file_path).absolute()
    try:
        target = Path(os.path.relpath(path, report_dir.absolute())).as_posix()
    except ValueError:          # another drive on Windows
        target = path.as_posix()
    return target.replace("#", "%23")    # a bare # would start the in-file location


def link(cell, target: str | None, location: str | None = None):
    cell.hyperlink = Hyperlink(ref=cell.coordinate, target=target, location=location)
    cell.font = LINK_FONT


def _header(ws, headers, widths):
    for col, (text, width) in enumerate(zip(headers, widths), start=1):
        cell = put(ws.cell(row=1, column=col), text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"


def _finish(ws, ncols):
    ws.auto_filter.ref = f"A1:{get_column_letter(ncols)}{max(ws.max_row, 2)}"
    # printed: landscape, one page wide, the header repeated on every page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"


def _kind_title(kind: str | None) -> str:
    spec = find_kind(kind) if kind else None
    return spec.title if spec else (kind or "")


def _duplicate_notes(batch: BatchResult) -> dict[str, str]:
    notes = {}
    for township, paths in batch.duplicates.items():
        for path in paths:
            counted = "；汇总时计入这一份" if batch.counted.get(township) == path else ""
            notes[path] = f"{township}报送了 {len(paths)} 份{counted}"
    return notes


def _summary_sheet(ws, batch: BatchResult, report_dir: Path, base: Path | None):
    _header(ws, SUMMARY_HEADERS, SUMMARY_WIDTHS)
    notes = _duplicate_notes(batch)
    for result in batch.files:
        row = [display_path(result.path, base), result.scope, _kind_title(result.kind),
               status_label(result.status), result.errors, result.warnings, notes.get(result.path)]
        ws.append([None] * len(row))
        r = ws.max_row
        for col, value in enumerate(row, start=1):
            put(ws.cell(row=r, column=col), value)
        link(ws.cell(row=r, column=1), link_target(result.path, report_dir))
        ws.cell(row=r, column=4).fill = solid_fill(STATUS_COLORS[result.status])
    for township in batch.missing:
        ws.append([None] * len(SUMMARY_HEADERS))
        r = ws.max_row
        put(ws.cell(row=r, column=2), township)
        put(ws.cell(row=r, column=4), status_label("missing")).fill = solid_fill(STATUS_COLORS["missing"])
    _finish(ws, len(SUMMARY_HEADERS))


# -- the findings sheet: the one layout of templates.labels, in every output -------------------

def start_findings_sheet(ws) -> None:
    """The header row of FINDING_COLUMNS, frozen, with the columns' widths."""
    _header(ws, FINDING_HEADERS, FINDING_WIDTHS)


def add_finding_row(ws, finding: Finding, *, file: str | None = None, township: str | None = None,
                    sheet: str | None = None, file_target: str | None = None,
                    cell_target: str | None = None, link_cell: bool = True) -> int:
    """Append `finding` as a row (templates.labels.finding_row). The file is linked to
    `file_target`; the cell to its place in `cell_target` (None: in this workbook) unless
    `link_cell` is false. Returns the row number."""
    values = finding_row(finding, file, township, sheet)
    ws.append([None] * len(values))
    r = ws.max_row
    for col, value in enumerate(values, start=1):
        put(ws.cell(row=r, column=col), value)
    ws.cell(row=r, column=_MESSAGE).alignment = Alignment(wrap_text=True, vertical="top")
    ws.cell(row=r, column=_LEVEL).fill = solid_fill(level_color(finding.severity))
    if file_target:
        link(ws.cell(row=r, column=_FILE), file_target)
    where = finding.sheet or sheet
    if link_cell and finding.cell and where:
        link(ws.cell(row=r, column=_CELL), cell_target, f"{sheet_ref(where)}!{finding.cell}")
    return r


def finish_findings_sheet(ws) -> None:
    _finish(ws, len(FINDING_HEADERS))


def fill_findings_sheet(ws, batch: BatchResult, report_dir: Path, base: Path | None = None):
    """Fill `ws` with one row per finding (templates.labels.FINDING_COLUMNS), linked to file and cell."""
    start_findings_sheet(ws)
    for result in batch.files:
        target = link_target(result.path, report_dir)
        for finding in result.findings:
            add_finding_row(ws, finding, file=display_path(result.path, base), township=result.scope,
                            sheet=result.sheet, file_target=target, cell_target=target)
    for township in batch.missing:
        add_finding_row(ws, RULES["S001"].finding(name=township), township=township)
    finish_findings_sheet(ws)


def build_report(batch: BatchResult, report_dir: Path, base: Path | None = None) -> Workbook:
    """The report workbook; hyperlinks are relative to `report_dir`."""
    wb = Workbook()
    summary = wb.active
    summary.title = REPORT_SUMMARY_SHEET
    _summary_sheet(summary, batch, report_dir, base)
    fill_findings_sheet(wb.create_sheet(REPORT_FINDINGS_SHEET), batch, report_dir, base)
    return wb


def write_report(batch: BatchResult, out: Path, base: Path | None = None) -> Path:
    """Write the report to `out` (a new file; its folder is created when missing)."""
    from templates.outputs import save_output
    return save_output(build_report(batch, Path(out).parent, base), Path(out), "report")
