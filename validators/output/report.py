"""`fenjie check --report FILE.xlsx`: the batch's findings as one workbook (the Excel edge).

Sheet 汇总 has one row per file (and one per township that sent nothing); sheet 问题清单 one row
per finding, linked to the file and cell it is about. Every text cell is written as text:
a township name or cell value beginning with = + - @ stays text and never becomes a formula.
"""
from __future__ import annotations

import os
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from templates.cells import put
from templates.kinds import find_kind
from validators.output.render import LEVEL_ZH, STATUS_ZH, display_path, sheet_ref
from validators.findings import BatchResult, FileResult, Finding
from validators.check.rules import RULES

SUMMARY_SHEET = "汇总"
FINDINGS_SHEET = "问题清单"
SUMMARY_HEADERS = ("文件", "乡镇", "类型", "状态", "错误数", "提醒数", "备注")
FINDINGS_HEADERS = ("文件", "工作表", "单元格", "规则", "级别", "说明", "原值", "建议")
SUMMARY_WIDTHS = (40, 12, 24, 10, 8, 8, 36)
FINDINGS_WIDTHS = (36, 14, 8, 7, 6, 60, 16, 16)

NOT_SUBMITTED = "未报送"

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
STATUS_FILLS = {"通过": PatternFill("solid", fgColor="C6EFCE"),
                "有错": PatternFill("solid", fgColor="FFC7CE"),
                "无法读取": PatternFill("solid", fgColor="FFC7CE"),
                NOT_SUBMITTED: PatternFill("solid", fgColor="FFC7CE")}
LINK_FONT = Font(color="0563C1", underline="single")


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
        status = STATUS_ZH[result.status]
        row = [display_path(result.path, base), result.scope, _kind_title(result.kind), status,
               result.errors, result.warnings, notes.get(result.path)]
        ws.append([None] * len(row))
        r = ws.max_row
        for col, value in enumerate(row, start=1):
            put(ws.cell(row=r, column=col), value)
        link(ws.cell(row=r, column=1), link_target(result.path, report_dir))
        ws.cell(row=r, column=4).fill = STATUS_FILLS[status]
    for township in batch.missing:
        ws.append([None] * len(SUMMARY_HEADERS))
        r = ws.max_row
        put(ws.cell(row=r, column=2), township)
        put(ws.cell(row=r, column=4), NOT_SUBMITTED).fill = STATUS_FILLS[NOT_SUBMITTED]
    _finish(ws, len(SUMMARY_HEADERS))


def _finding_row(ws, result: FileResult | None, finding: Finding, report_dir: Path,
                 base: Path | None):
    sheet = finding.sheet or (result.sheet if result else None)
    row = [display_path(result.path, base) if result else None, sheet, finding.cell,
           finding.code, LEVEL_ZH.get(finding.severity, finding.severity), finding.message,
           finding.value, finding.suggestion]
    ws.append([None] * len(row))
    r = ws.max_row
    for col, value in enumerate(row, start=1):
        put(ws.cell(row=r, column=col), value)
    ws.cell(row=r, column=6).alignment = Alignment(wrap_text=True, vertical="top")
    if result is None:
        return
    target = link_target(result.path, report_dir)
    link(ws.cell(row=r, column=1), target)
    if finding.cell and sheet:
        link(ws.cell(row=r, column=3), target, f"{sheet_ref(sheet)}!{finding.cell}")
    if finding.is_error:
        ws.cell(row=r, column=5).font = Font(color="C00000", bold=True)


def fill_findings_sheet(ws, batch: BatchResult, report_dir: Path, base: Path | None = None):
    """Fill `ws` with one row per finding (FINDINGS_HEADERS), linked to file and cell."""
    _header(ws, FINDINGS_HEADERS, FINDINGS_WIDTHS)
    for result in batch.files:
        for finding in result.findings:
            _finding_row(ws, result, finding, report_dir, base)
    for township in batch.missing:
        _finding_row(ws, None, RULES["S001"].finding(name=township), report_dir, base)
    _finish(ws, len(FINDINGS_HEADERS))




def build_report(batch: BatchResult, report_dir: Path, base: Path | None = None) -> Workbook:
    """The report workbook; hyperlinks are relative to `report_dir`."""
    wb = Workbook()
    summary = wb.active
    summary.title = SUMMARY_SHEET
    _summary_sheet(summary, batch, report_dir, base)
    fill_findings_sheet(wb.create_sheet(FINDINGS_SHEET), batch, report_dir, base)
    return wb


def write_report(batch: BatchResult, out: Path, base: Path | None = None) -> Path:
    """Write the report to `out` (a new file; its folder is created when missing)."""
    from templates.outputs import save_output
    return save_output(build_report(batch, Path(out).parent, base), Path(out), "report")
