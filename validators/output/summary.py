"""Writing a Consolidation as the county's 汇总 workbook (the Excel edge of `fenjie merge`).

Three sheets: 汇总表 in the county template's own layout and look (附件, title, 单位 line,
two-row header, 合计 with live formulas, print setup), 图表 with a native bar chart of the main
column against the targets, and 校验明细 with every finding (the findings sheet of templates.labels, as in
`fenjie check --report`).
Positions come from SummaryLayout; styling from templates.writer, so the two stay alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from templates.cells import column_letter, put
from templates.identity import CHART_SHEET, SUMMARY_FINDINGS_SHEET, SUMMARY_SHEET
from templates.kinds import Column
from templates.labels import (
    ERROR_COLOR,
    ERROR_TEXT_COLOR,
    FLAGGED_TEXT_COLOR,
    MISSING_TEXT_COLOR,
    QUIET_TEXT_COLOR,
    WARNING_COLOR,
    solid_fill,
    status_label,
)
from templates.layout import TARGET_LABEL, TITLE_ROW, TOTAL_LABEL, DataRows
from templates.writer import (
    BODY_SIZE,
    BORDER,
    CHECK_FILL,
    FONT_BODY,
    FONT_TITLE,
    header_cell,
    lines_needed,
    save_table_book,
    set_print,
    text_font,
    write_top,
)
from templates.xlsx_cache import store_results
from validators.merge import DUPLICATE, INVALID, MISSING, OK, Consolidation, TownshipLine
from validators.output.report import fill_findings_sheet

PARTS = ("报送", "下达", "差额")          # the three sub-columns under each summed column
COUNTED = {True: "是", False: "否"}
NOTE_WIDTH = 44
RATE_FORMAT = "0.0%"
MISSING_FILL = solid_fill(ERROR_COLOR)
FLAGGED_FILL = solid_fill(WARNING_COLOR)
NOTE_COLOR = {"missing": ERROR_TEXT_COLOR, "flagged": FLAGGED_TEXT_COLOR, "stray": FLAGGED_TEXT_COLOR,
              "plain": QUIET_TEXT_COLOR}


@dataclass(frozen=True)
class SummaryLayout(DataRows):
    """Row and column positions of the 汇总表 (Excel 1-based numbers)."""
    columns: tuple[Column, ...]        # the summed columns, in declaration order
    row_count: int                     # townships
    has_target_row: bool               # a 全县目标 row under the 合计
    note_count: int                    # lines under the table

    unit_row = TITLE_ROW + 1
    header_rows = (TITLE_ROW + 2, TITLE_ROW + 3)

    def part(self, key: str, part: str) -> int:
        """The column of 报送 / 下达 / 差额 of summed column `key`."""
        index = next(i for i, c in enumerate(self.columns) if c.key == key)
        return 2 + 3 * index + PARTS.index(part)

    def letter(self, key: str, part: str) -> str:
        return column_letter(self.part(key, part))

    @property
    def rate_col(self) -> int:
        return 2 + 3 * len(self.columns)

    @property
    def status_col(self) -> int:
        return self.rate_col + 1

    @property
    def counted_col(self) -> int:
        return self.rate_col + 2

    @property
    def note_col(self) -> int:
        return self.rate_col + 3

    @property
    def width(self) -> int:
        return self.note_col

    @property
    def last_letter(self) -> str:
        return column_letter(self.width)

    @property
    def total_row(self) -> int:
        return self.last_row + 1

    @property
    def target_row(self) -> int | None:
        return self.total_row + 1 if self.has_target_row else None

    @property
    def first_note_row(self) -> int:
        return (self.target_row or self.total_row) + 2

    @property
    def footer_row(self) -> int:
        return self.first_note_row + self.note_count + 1

    @property
    def print_area(self) -> str:
        return f"A1:{self.last_letter}{self.footer_row}"

    def range_of(self, key: str, part: str) -> str:
        letter = self.letter(key, part)
        return f"{letter}{self.first_row}:{letter}{self.last_row}"

    def counted_range(self) -> str:
        letter = column_letter(self.counted_col)
        return f"${letter}${self.first_row}:${letter}${self.last_row}"


def summary_title(merged: Consolidation) -> str:
    """湘阴县2025年粮食生产计划任务汇总表: the kind's title with 汇总表 for 分解表."""
    title = merged.kind.title
    title = title[:-len("分解表")] if title.endswith("分解表") else title
    return f"{merged.county}{merged.year}年{title}汇总表"


def layout_for(merged: Consolidation) -> SummaryLayout:
    return SummaryLayout(merged.kind.summed_columns, len(merged.lines),
                         has_target_row=merged.has_assigned and bool(merged.county_targets),
                         note_count=len(note_lines(merged)))


# -- the notes under the table ----------------------------------------------------------------

def note_lines(merged: Consolidation, source: str | None = None) -> list[tuple[str, str]]:
    """(style, Chinese text) lines: who is missing, who is flagged, stray files, how to read."""
    lines, party = [], merged.kind.party
    if merged.missing:
        lines.append(("missing", f"未报送（{len(merged.missing)}）：{'、'.join(merged.missing)}"))
    if merged.flagged:
        how = "已计入合计（--include-invalid）" if merged.include_invalid else "未计入合计"
        names = "、".join(f"{line.township}（{status_label(line.status)}，{line.errors} 个错误）"
                          for line in merged.flagged)
        lines.append(("flagged", f"有错或重复报送，{how}（{len(merged.flagged)}）：{names}"))
    if merged.stray:
        names = "、".join(f"{Path(r.path).name}（{_stray_reason(r, party)}）" for r in merged.stray)
        lines.append(("stray", f"未能对应到{party}的文件（{len(merged.stray)}）：{names}"))
    origin = f"县分解表 {source}" if source else ("县分解表" if merged.has_assigned else "")
    assigned = f"下达数来自{origin}；" if merged.has_assigned else "未给出县分解表（--from），合计的下达数为配置文件中的全县目标；"
    lines.append(("plain", f"说明：{assigned}差额 = 报送 − 下达；合计只计入“计入合计”为“是”的{party}，"
                           f"改为“是”或“否”后合计随之更新；每份报表的问题见“{SUMMARY_FINDINGS_SHEET}”工作表。"))
    return lines


def _stray_reason(result, party: str = "乡镇") -> str:
    if result.unreadable:
        return status_label("unreadable")
    if result.scope:
        return f"「{result.scope}」不在本县{party}名单中"
    if result.sheet is None:
        return "未找到分解表"
    return f"无法确定报送{party}"


# -- the workbook -------------------------------------------------------------------------------

def write_summary(merged: Consolidation, batch, path: str | Path, *, source: str | None = None,
                  base: Path | None = None) -> Path:
    """Write the 汇总 workbook to `path` (a new file) and return the path."""

    path = Path(path)
    layout = layout_for(merged)
    book = Workbook()
    sheet = book.active
    sheet.title = SUMMARY_SHEET
    results = _write_summary_sheet(sheet, merged, layout, source)
    _write_chart_sheet(book.create_sheet(CHART_SHEET), merged, layout)
    fill_findings_sheet(book.create_sheet(SUMMARY_FINDINGS_SHEET), batch, path.parent, base)
    return save_table_book(book, path, summary_title(merged), "summary",
                           lambda written: store_results(written, results))


def _write_summary_sheet(sheet: Worksheet, merged: Consolidation, layout: SummaryLayout,
                         source: str | None) -> dict[str, object]:
    """Fill the 汇总表; returns what each formula evaluates to (A1 -> value), for the file cache."""
    write_top(sheet, summary_title(merged), merged.kind.unit_line, layout.last_letter, layout.unit_row)
    _write_header(sheet, merged, layout)
    results: dict[str, object] = {}
    for line, row in zip(merged.lines, layout.data_rows):
        results.update(_write_line(sheet, line, row, layout, merged))
    results.update(_write_total(sheet, merged, layout))
    _add_difference_colours(sheet, layout)
    _write_notes(sheet, merged, layout, source)
    set_print(sheet, layout)
    return results


def _write_header(sheet: Worksheet, merged: Consolidation, layout: SummaryLayout) -> None:
    top, bottom = layout.header_rows
    kind = merged.kind
    main = kind.main_column
    _spanning_header(sheet, layout, 1, kind.key_headers["county"], kind.key_column.width)
    for column in layout.columns:
        first = layout.part(column.key, PARTS[0])
        header_cell(sheet, top, first, column.label)
        for part in PARTS:
            col = layout.part(column.key, part)
            if col != first:
                header_cell(sheet, top, col, None)
            header_cell(sheet, bottom, col, part)
            sheet.column_dimensions[column_letter(col)].width = max(column.width - 2, 10)
        sheet.merge_cells(start_row=top, start_column=first, end_row=top, end_column=first + 2)
    _spanning_header(sheet, layout, layout.rate_col, f"{main.header}\n完成率", 11)
    _spanning_header(sheet, layout, layout.status_col, "状态", 10)
    _spanning_header(sheet, layout, layout.counted_col, "计入合计", 9)
    _spanning_header(sheet, layout, layout.note_col, "说明", NOTE_WIDTH)
    for row in layout.header_rows:
        sheet.row_dimensions[row].height = 24


def _spanning_header(sheet: Worksheet, layout: SummaryLayout, col: int, text: str, width: float) -> None:
    top, bottom = layout.header_rows
    header_cell(sheet, top, col, text)
    header_cell(sheet, bottom, col, None)
    sheet.merge_cells(start_row=top, start_column=col, end_row=bottom, end_column=col)
    sheet.column_dimensions[column_letter(col)].width = width


def _body_cell(sheet: Worksheet, row: int, col: int, value, *, bold=False, color=None, fill=None,
               horizontal="center", formula=False):
    """A bordered body cell; text stays text (never a formula) unless `formula` is set."""
    cell = sheet.cell(row, col)
    if formula:
        cell.value = value
    else:
        put(cell, value)
    cell.font = text_font(FONT_BODY, BODY_SIZE, bold=bold, color=color)
    cell.border = BORDER
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
    if fill is not None:
        cell.fill = fill
    return cell


def _write_line(sheet: Worksheet, line: TownshipLine, row: int, layout: SummaryLayout,
                merged: Consolidation) -> dict[str, object]:
    """One township's row; returns what its formulas evaluate to."""
    fill = MISSING_FILL if line.status == MISSING else (
        FLAGGED_FILL if line.status in (INVALID, DUPLICATE) else None)
    color = MISSING_TEXT_COLOR if line.status == MISSING else None

    def cell(col, value, **options):
        return _body_cell(sheet, row, col, value, fill=fill, color=color, **options)

    cell(1, line.township)
    results = {}
    for column in layout.columns:
        reported, assigned, diff = (f"{layout.letter(column.key, p)}{row}" for p in PARTS)
        cell(layout.part(column.key, "报送"), line.reported.get(column.key))
        cell(layout.part(column.key, "下达"), line.assigned.get(column.key))
        cell(layout.part(column.key, "差额"),
             f'=IF(OR({reported}="",{assigned}=""),"",ROUND({reported}-{assigned},6))', formula=True)
        results[diff] = _blank_if_none(line.difference(column.key))
    main = merged.kind.main_column.key
    reported, assigned = (f"{layout.letter(main, p)}{row}" for p in PARTS[:2])
    rate = cell(layout.rate_col, f'=IF(OR({reported}="",{assigned}="",{assigned}=0),"",{reported}/{assigned})',
                formula=True)
    rate.number_format = RATE_FORMAT
    results[rate.coordinate] = _blank_if_none(line.rate(main))
    cell(layout.status_col, status_label(line.status), bold=line.status != OK)
    cell(layout.counted_col, COUNTED[line.counted])
    cell(layout.note_col, line.note, horizontal="left")
    sheet.row_dimensions[row].height = max(22, 16 * lines_needed(line.note, NOTE_WIDTH) + 4)
    return results


def _blank_if_none(value):
    return "" if value is None else value


def _write_total(sheet: Worksheet, merged: Consolidation, layout: SummaryLayout) -> dict[str, object]:
    row, results = layout.total_row, {}
    for col in range(1, layout.width + 1):
        _body_cell(sheet, row, col, None, bold=True)
    _body_cell(sheet, row, 1, TOTAL_LABEL, bold=True)
    for column in layout.columns:
        key = column.key
        reported, assigned, diff = (f"{layout.letter(key, p)}{row}" for p in PARTS)
        sheet[reported] = f'=SUMIF({layout.counted_range()},"是",{layout.range_of(key, "报送")})'
        results[reported] = merged.reported_total(key)
        if merged.has_assigned:
            sheet[assigned] = f"=SUM({layout.range_of(key, '下达')})"
            results[assigned] = merged.assigned_total(key)
        else:
            sheet[assigned] = merged.assigned_total(key)
        sheet[diff] = f'=IF({assigned}="","",ROUND({reported}-{assigned},6))'
        results[diff] = _blank_if_none(merged.total_difference(key))
    main = merged.kind.main_column.key
    reported, assigned = (f"{layout.letter(main, p)}{row}" for p in PARTS[:2])
    rate = f"{column_letter(layout.rate_col)}{row}"
    sheet[rate] = f'=IF(OR({assigned}="",{assigned}=0),"",{reported}/{assigned})'
    sheet[rate].number_format = RATE_FORMAT
    results[rate] = _blank_if_none(merged.total_rate(main))
    sheet.row_dimensions[row].height = 22
    if layout.target_row:
        results.update(_write_target_row(sheet, merged, layout))
    return results


def _write_target_row(sheet: Worksheet, merged: Consolidation, layout: SummaryLayout) -> dict[str, object]:
    """全县目标 under the 合计: do the county table and the reports add up to the county target?"""
    row, total, results = layout.target_row, layout.total_row, {}
    for col in range(1, layout.width + 1):
        _body_cell(sheet, row, col, None, fill=CHECK_FILL)
    _body_cell(sheet, row, 1, TARGET_LABEL["county"], fill=CHECK_FILL)
    for column in layout.columns:
        target = merged.county_targets.get(column.key)
        if target is None:
            continue
        key = column.key
        sheet[f"{layout.letter(key, '下达')}{row}"] = target
        diff = f"{layout.letter(key, '差额')}{row}"
        sheet[diff] = f"=ROUND({layout.letter(key, '报送')}{total}-{layout.letter(key, '下达')}{row},6)"
        results[diff] = round(merged.reported_total(key) - target, 6)
    return results


def _add_difference_colours(sheet: Worksheet, layout: SummaryLayout) -> None:
    last = layout.target_row or layout.total_row
    for column in layout.columns:
        letter = layout.letter(column.key, "差额")
        cells = f"{letter}{layout.first_row}:{letter}{last}"
        first = f"{letter}{layout.first_row}"
        sheet.conditional_formatting.add(cells, FormulaRule(
            formula=[f"AND(ISNUMBER({first}),{first}<>0)"], font=Font(color=ERROR_TEXT_COLOR, bold=True)))


def _write_notes(sheet: Worksheet, merged: Consolidation, layout: SummaryLayout, source) -> None:
    footer = ("plain", f"汇总单位：{merged.county}        汇总日期：{date.today():%Y年%m月%d日}"
                       "        （由 fenjie merge 生成）")
    rows = [*range(layout.first_note_row, layout.footer_row - 1), layout.footer_row]
    for row, (style, text) in zip(rows, [*note_lines(merged, source), footer]):
        _note(sheet, layout, row, style, text)


def _note(sheet: Worksheet, layout: SummaryLayout, row: int, style: str, text: str) -> None:
    cell = put(sheet.cell(row, 1), text)
    cell.font = text_font(FONT_BODY, BODY_SIZE, bold=style != "plain", color=NOTE_COLOR[style])
    cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    sheet.merge_cells(f"A{row}:{layout.last_letter}{row}")
    width = sum(sheet.column_dimensions[column_letter(c)].width for c in range(1, layout.width + 1))
    sheet.row_dimensions[row].height = max(22, 16 * lines_needed(text, width) + 4)


# -- the chart ------------------------------------------------------------------------------------

def _write_chart_sheet(sheet: Worksheet, merged: Consolidation, layout: SummaryLayout) -> BarChart:
    main = merged.kind.main_column
    summary = sheet.parent[SUMMARY_SHEET]
    title = f"各乡镇{main.header}：报送与下达" if merged.has_assigned else f"各乡镇{main.header}（报送）"
    put(sheet.cell(1, 1), summary_title(merged)).font = text_font(FONT_TITLE, 16)
    put(sheet.cell(2, 1), f"数据来自“{SUMMARY_SHEET}”工作表，改动汇总表后图表随之更新。").font = \
        text_font(FONT_BODY, BODY_SIZE - 1, color=QUIET_TEXT_COLOR)
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = title
    chart.y_axis.title = main.unit or ""
    chart.x_axis.title = merged.kind.key_headers["county"]
    parts = PARTS[:2] if merged.has_assigned else PARTS[:1]
    for part in parts:
        col = layout.part(main.key, part)
        chart.add_data(Reference(summary, min_col=col, min_row=layout.header_rows[-1],
                                 max_row=layout.last_row), titles_from_data=True)
    chart.set_categories(Reference(summary, min_col=1, min_row=layout.first_row, max_row=layout.last_row))
    chart.x_axis.delete = False           # openpyxl hides axes by default; Excel and WPS obey it
    chart.y_axis.delete = False
    chart.width, chart.height = 32, 14
    sheet.add_chart(chart, "A4")
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = sheet.page_setup.fitToHeight = 1
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    return chart
