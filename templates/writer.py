"""Writing canonical templates (blank or filled) as .xlsx with openpyxl.

Everything shown is derived from the kind declaration (templates.kinds) and the county
config; positions come from templates.layout. The guards need no macros, so they work in
Excel, WPS and LibreOffice: data validation, dropdowns from a hidden directory range, sheet
protection with unlocked input cells, conditional formatting and a live 合计−目标 check.
"""
from __future__ import annotations

from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from templates.cells import put
from templates.config import BUILTIN_COLLECTIVES, Config
from templates.identity import DIRECTORY_SHEET, GENERATOR, IDENTITY_SHEET
from templates.kinds import INTEGER, NAMES, Column, TableKind
from templates.labels import ALARM_COLOR, CHECK_COLOR, OK_COLOR, QUIET_TEXT_COLOR, TEXT_IN_NUMBER_COLOR, solid_fill
from templates.layout import (
    ANNEX_ROW,
    CHECK_NOTE,
    DIFF_LABEL,
    DIRECTORY_NAME,
    FOOTER_TEXT,
    TARGET_LABEL,
    TITLE_ROW,
    TOTAL_LABEL,
    Layout,
    sheet_title,
)
from templates.names import normalize_name
from templates.outputs import distinct_names, inside, os_error_zh, replaceable, save_output
from templates.plan import TablePlan, county_plan, township_plan
from templates.xlsx_cache import store_results

FONT_ANNEX = "黑体"
FONT_TITLE = "方正小标宋简体"   # Excel/WPS/LibreOffice fall back to a 宋体 where it is missing
FONT_HEADER = "黑体"
FONT_BODY = "仿宋"
GB2312 = 134                    # font charset: tells the application to fall back to a CJK font
BODY_SIZE = 12

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
CHECK_FILL = solid_fill(CHECK_COLOR)
RED_FILL = solid_fill(ALARM_COLOR)
GREEN_FILL = solid_fill(OK_COLOR)
TEXT_IN_NUMBER_FILL = solid_fill(TEXT_IN_NUMBER_COLOR)
UNLOCKED = Protection(locked=False)


class WriteProblem(Exception):
    """The workbook could not be saved; the message is Chinese."""


class Written(list):
    """The paths written, plus `kept`: existing files left alone instead of being overwritten."""

    def __init__(self, written=(), kept=()):
        super().__init__(written)
        self.kept = list(kept)


def write_template(kind: TableKind, config: Config, out_dir: str | Path,
                   records: list[dict] | None = None, keep: str | Path | None = None) -> Path:
    """The county table of `kind` in `out_dir`: blank, or filled with `records`.

    `keep` is an input file (the --from table) that must never be overwritten. For scripts
    and tests: the file is not marked as fenjie's output (the `template` command's are)."""
    written, = write_plans([county_plan(kind, config, records)], out_dir, keep, force=True, role=None)
    return written


def write_township_templates(kind: TableKind, config: Config, assigned: dict[str, dict[str, float]],
                             out_dir: str | Path, keep: str | Path | None = None) -> list[Path]:
    """One workbook per township that has assigned figures, in config order."""
    return list(write_plans(township_plans(kind, config, assigned), out_dir, keep, force=True, role=None))


def township_plans(kind: TableKind, config: Config, assigned: dict[str, dict[str, float]]) -> list[TablePlan]:
    return [township_plan(kind, config, township, figures)
            for township, figures in assigned_by_township(config, assigned).items()]


def write_plans(plans: list[TablePlan], out_dir: str | Path, keep=None, force: bool = False,
                progress=None, role: str | None = "template") -> Written:
    """Write each plan into `out_dir` under a safe, distinct file name. An existing file is
    replaced only when fenjie wrote it and nobody changed it since, or with `force`; the
    others are kept and listed in the result's `kept`. `role` marks each file as fenjie's
    output (templates.outputs), so that it is recognised later."""
    out = Path(out_dir)
    result = Written()
    for plan, name in zip(plans, distinct_names([plan.file_name for plan in plans])):
        path = _new_file(out, name, keep)
        if replaceable(path, force):
            result.append(write_plan(plan, path, role))
        else:
            result.kept.append(path)
        if progress:
            progress(len(result) + len(result.kept), len(plans))
    return result


def _new_file(out: Path, name: str, keep: str | Path | None) -> Path:
    try:
        path = inside(out, name)
    except ValueError:
        raise WriteProblem(f"文件名「{name}」会写到输出文件夹 {out} 以外，已拒绝。") from None
    if keep is not None and path.exists() and path.resolve() == Path(keep).resolve():
        raise WriteProblem(f"输出文件 {path} 就是 --from 给出的文件，不能覆盖它；请用 -o 换一个输出文件夹。")
    return path


def assigned_by_township(config: Config, assigned: dict[str, dict[str, float]]) -> dict[str, dict]:
    """The config's townships (in config order) that have figures in `assigned`, names compared loosely."""
    by_name = {normalize_name(name): figures for name, figures in assigned.items()}
    return {t: by_name[normalize_name(t)] for t in config.townships if normalize_name(t) in by_name}


def write_plan(plan: TablePlan, path: str | Path, role: str | None = None) -> Path:
    """Write `plan` to `path` (a new .xlsx) and return the path; `role` marks it as fenjie's
    output (the `template` command), None leaves it a plain workbook (scripts and tests)."""
    path = Path(path)
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(plan.kind)
    layout = plan.layout
    write_top(sheet, plan.title, plan.kind.unit_line, layout.last_letter, layout.unit_row)
    _write_header(sheet, layout)
    _write_rows(sheet, plan, layout)
    if layout.has_total:
        _write_total_and_check(sheet, plan, layout)
    _write_footer(sheet, plan, layout)
    _add_number_guards(sheet, layout)
    if any(c.type == NAMES for c in layout.columns):
        _add_directory(book, sheet, plan.config, layout)
    set_print(sheet, layout)
    _protect(sheet, plan.config.password)
    _write_identity(book, plan)

    def finish(written: Path) -> None:
        if layout.has_total:
            store_results(written, formula_results(plan))
    return save_table_book(book, path, plan.title, role, finish)


def save_table_book(book: Workbook, path: Path, title: str, role: str | None, finish=None) -> Path:
    """Save a table fenjie made (a template, the 汇总表) as a new file, opening on its first
    sheet; WriteProblem (Chinese) when it cannot be written."""
    book.properties.title = title
    book.properties.creator = GENERATOR
    book.active = 0
    try:
        return save_output(book, path, role, finish)
    except OSError as exc:
        raise WriteProblem(f"无法写入 {path}：{os_error_zh(exc)}。") from None


def formula_results(plan: TablePlan) -> dict[str, object]:
    """What the 合计 and live-check formulas evaluate to for the plan's values, as Excel would."""
    layout = plan.layout
    results: dict[str, object] = {}
    for column in plan.kind.summed_columns:
        numbers = [r.values.get(column.key) for r in plan.rows]
        total = sum(v for v in numbers if isinstance(v, (int, float)) and not isinstance(v, bool))
        letter = layout.letter(column.key)
        results[f"{letter}{layout.total_row}"] = total
        target = plan.targets.get(column.key)
        results[f"{letter}{layout.diff_row}"] = "" if target is None else round(total - target, 6)
    return results


# -- top, header, rows -------------------------------------------------------
def text_font(name: str, size: float, bold: bool = False, color: str | None = None) -> Font:
    return Font(name=name, size=size, bold=bold, color=color, charset=GB2312)


def write_top(sheet: Worksheet, title: str, unit_line: str | None, last_letter: str, unit_row: int | None) -> None:
    """The head of every table fenjie writes (template and 汇总表): 附件, the title across the
    table, and the unit line (单位：万亩、吨) at the right."""
    put(sheet.cell(ANNEX_ROW, 1), "附件").font = text_font(FONT_ANNEX, 14)
    cell = put(sheet.cell(TITLE_ROW, 1), title)
    cell.font = text_font(FONT_TITLE, 18)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.merge_cells(f"A{TITLE_ROW}:{last_letter}{TITLE_ROW}")
    sheet.row_dimensions[TITLE_ROW].height = 40
    if unit_row and unit_line:
        unit = put(sheet.cell(unit_row, 1), unit_line)
        unit.font = text_font(FONT_BODY, BODY_SIZE)
        unit.alignment = Alignment(horizontal="right", vertical="center")
        sheet.merge_cells(f"A{unit_row}:{last_letter}{unit_row}")


def _write_header(sheet: Worksheet, layout: Layout) -> None:
    top = layout.header_top
    bottom = layout.header_rows[-1]
    parents_done: set[str] = set()
    for index, column in enumerate(layout.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        if column.parent:
            if column.parent not in parents_done:
                parents_done.add(column.parent)
                span = [i for i, c in enumerate(layout.columns, start=1) if c.parent == column.parent]
                header_cell(sheet, top, index, column.parent)
                sheet.merge_cells(start_row=top, start_column=span[0], end_row=top, end_column=span[-1])
            header_cell(sheet, bottom, index, layout.header_text(column))     # 内资⏎(亿元)
        else:
            header_cell(sheet, top, index, layout.header_text(column))
            if bottom != top:
                header_cell(sheet, bottom, index, None)
                sheet.merge_cells(start_row=top, start_column=index, end_row=bottom, end_column=index)
    for row in layout.header_rows:
        sheet.row_dimensions[row].height = 40 if len(layout.header_rows) == 1 else 22


def header_cell(sheet: Worksheet, row: int, col: int, text) -> None:
    cell = put(sheet.cell(row, col), text)
    cell.font = text_font(FONT_HEADER, BODY_SIZE)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cell.border = BORDER


def _alignment(column: Column) -> Alignment:
    horizontal = "left" if column.width >= 20 else "center"
    return Alignment(horizontal=horizontal, vertical="center", wrap_text=True)


def _write_rows(sheet: Worksheet, plan: TablePlan, layout: Layout) -> None:
    body = text_font(FONT_BODY, BODY_SIZE)
    key = plan.kind.key
    # a cell's style set once per column and copied: assigning font/border/… cell by cell hashes
    # the style objects every time (most of the time of a long task list)
    styles: dict[tuple[int, bool], object] = {}
    for planned, row in zip(plan.rows, layout.data_rows):
        lines = 1
        for index, column in enumerate(layout.columns, start=1):
            value = planned.key if column.key == key else planned.values.get(column.key)
            cell = sheet.cell(row, index)
            unlocked = not (column.key == key and planned.key_locked)
            style = styles.get((index, unlocked))
            if style is None:
                cell.font = body
                cell.border = BORDER
                cell.alignment = _alignment(column)
                if unlocked:
                    cell.protection = UNLOCKED
                styles[(index, unlocked)] = copy(cell._style)
            else:
                cell._style = copy(style)
            put(cell, value)                # after the style: its quote prefix is part of the style
            if value is not None:
                lines = max(lines, lines_needed(value, column.width))
        sheet.row_dimensions[row].height = max(20, 16 * lines + 4)


def lines_needed(value, width: float) -> int:
    """Wrapped lines a text needs at the body font: a CJK character is about 2.2 width units."""
    units = sum(2.2 if ord(ch) > 0x2E80 else 1.1 for ch in str(value))
    per_line = max(width - 1.5, 1)
    return max(1, -(-int(units) // int(per_line)))


def _write_total_and_check(sheet: Worksheet, plan: TablePlan, layout: Layout) -> None:
    key_col = layout.col(plan.kind.key)
    bold = text_font(FONT_BODY, BODY_SIZE, bold=True)
    body = text_font(FONT_BODY, BODY_SIZE)
    labels = {layout.total_row: TOTAL_LABEL, layout.diff_row: DIFF_LABEL,
              layout.target_row: TARGET_LABEL["township" if layout.is_township or plan.party else "county"]}
    for row, label in labels.items():
        for index, column in enumerate(layout.columns, start=1):
            cell = sheet.cell(row, index)
            cell.border = BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.font = bold if row == layout.total_row else body
            if row != layout.total_row:
                cell.fill = CHECK_FILL
        put(sheet.cell(row, key_col), label)
        sheet.row_dimensions[row].height = 22
    note = put(sheet.cell(layout.check_note_row, 1), CHECK_NOTE)
    note.font = text_font(FONT_BODY, BODY_SIZE - 2, color=QUIET_TEXT_COLOR)
    note.alignment = Alignment(horizontal="left", vertical="center")
    sheet.merge_cells(f"A{layout.check_note_row}:{layout.last_letter}{layout.check_note_row}")
    for column in plan.kind.summed_columns:
        col = layout.col(column.key)
        sheet.cell(layout.total_row, col, layout.total_formula(column.key))
        put(sheet.cell(layout.target_row, col), plan.targets.get(column.key))
        sheet.cell(layout.diff_row, col, layout.diff_formula(column.key))
    _add_live_check_colours(sheet, layout, plan)


def _add_live_check_colours(sheet: Worksheet, layout: Layout, plan: TablePlan) -> None:
    for column in plan.kind.summed_columns:
        cell = f"{layout.letter(column.key)}{layout.diff_row}"
        sheet.conditional_formatting.add(cell, FormulaRule(
            formula=[f"AND(ISNUMBER({cell}),{cell}<>0)"], fill=RED_FILL,
            font=Font(color="FFFFFF", bold=True), stopIfTrue=True))
        sheet.conditional_formatting.add(cell, FormulaRule(
            formula=[f"AND(ISNUMBER({cell}),{cell}=0)"], fill=GREEN_FILL))


def _write_footer(sheet: Worksheet, plan: TablePlan, layout: Layout) -> None:
    filler = plan.scope if layout.is_township else plan.party or ""
    cell = put(sheet.cell(layout.footer_row, 1), FOOTER_TEXT.format(filler=filler))
    cell.font = text_font(FONT_BODY, BODY_SIZE)
    cell.alignment = Alignment(horizontal="left", vertical="center")
    cell.protection = UNLOCKED          # clerks complete the line
    sheet.merge_cells(f"A{layout.footer_row}:{layout.last_letter}{layout.footer_row}")
    sheet.row_dimensions[layout.footer_row].height = 24


# -- guards ------------------------------------------------------------------
def _number_rule(column: Column) -> tuple[str, str, list[str], str]:
    """(validation type, operator, formulas, Chinese bound text) for a number column."""
    kind = "whole" if column.type == INTEGER else "decimal"
    noun = "整数" if column.type == INTEGER else "数字"
    low, high = column.minimum, column.maximum
    if low is not None and high is not None:
        return kind, "between", [_num(low), _num(high)], f"{_num(low)} 到 {_num(high)} 之间的{noun}"
    if high is not None:
        return kind, "lessThanOrEqual", [_num(high)], f"不大于 {_num(high)} 的{noun}"
    return kind, "greaterThanOrEqual", [_num(low or 0)], f"不小于 {_num(low or 0)} 的{noun}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _add_number_guards(sheet: Worksheet, layout: Layout) -> None:
    for column in layout.columns:
        if not column.is_numeric:
            continue
        kind, operator, formulas, bound = _number_rule(column)
        unit = f"（单位：{column.unit}）" if column.unit else ""
        guard = DataValidation(
            type=kind, operator=operator, formula1=formulas[0],
            formula2=formulas[1] if len(formulas) > 1 else None, allow_blank=True,
            showInputMessage=True, showErrorMessage=True, errorStyle="stop",
            promptTitle=column.header[:32], prompt=f"请填写{bound}{unit}，只填数字，不要带单位或文字。",
            errorTitle="数字有误", error=f"「{column.header}」只能填写{bound}{unit}。")
        guard.add(layout.range_of(column.key))
        sheet.add_data_validation(guard)
        first = f"{layout.letter(column.key)}{layout.first_row}"
        sheet.conditional_formatting.add(layout.range_of(column.key), FormulaRule(
            formula=[f"ISTEXT({first})"], fill=TEXT_IN_NUMBER_FILL))


def directory_names(config: Config) -> list[str]:
    """The unit directory offered in dropdowns: units, townships, collectives, group names."""
    names: dict[str, str] = {}
    for name in [*config.units, *config.townships, *config.collectives, *BUILTIN_COLLECTIVES]:
        names.setdefault(normalize_name(name), name)
    return list(names.values())


def _add_directory(book: Workbook, sheet: Worksheet, config: Config, layout: Layout) -> None:
    names = directory_names(config)
    directory = book.create_sheet(DIRECTORY_SHEET)
    for row, name in enumerate(names, start=1):
        put(directory.cell(row, 1), name)
    directory.column_dimensions["A"].width = 30
    directory.sheet_state = "hidden"
    _protect(directory, config.password)
    reference = f"'{DIRECTORY_SHEET}'!$A$1:$A${len(names)}"
    book.defined_names[DIRECTORY_NAME] = DefinedName(DIRECTORY_NAME, attr_text=reference)
    for column in layout.columns:
        if column.type != NAMES:
            continue
        strict = column.required           # 牵头单位: warn; 相关单位 (often several names): inform
        guard = DataValidation(
            type="list", formula1=DIRECTORY_NAME, allow_blank=True,
            showInputMessage=True, showErrorMessage=True,
            errorStyle="warning" if strict else "information",
            promptTitle=column.header, prompt="可从下拉列表选择本县单位名录中的名称；多个单位用空格分隔。",
            errorTitle="不在单位名录中",
            error="填写的名称不在本县单位名录中。请从下拉列表选择，或核对名称写法；多个单位用空格分隔。")
        guard.add(layout.range_of(column.key))
        sheet.add_data_validation(guard)


def _protect(sheet: Worksheet, password: str | None) -> None:
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False     # False = allowed: clerks may widen columns
    protection.formatRows = False
    protection.formatCells = False       # so the 校验 button can colour a locked 合计 cell
    if password:
        protection.password = password


def set_print(sheet: Worksheet, layout: Layout) -> None:
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.row_dimensions[layout.footer_row - 1].height = 8      # spacer above the footer
    sheet.print_title_rows = f"{layout.header_rows[0]}:{layout.header_rows[-1]}"
    sheet.print_area = layout.print_area
    sheet.freeze_panes = f"A{layout.first_row}"


def _write_identity(book: Workbook, plan: TablePlan) -> None:
    sheet = book.create_sheet(IDENTITY_SHEET)
    for row, (key, value) in enumerate(plan.identity.rows(), start=1):
        put(sheet.cell(row, 1), key)
        put(sheet.cell(row, 2), value)
    sheet.sheet_state = "hidden"
    _protect(sheet, plan.config.password)
