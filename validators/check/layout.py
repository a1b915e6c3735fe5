"""What the table's layout hides: a second table below, a column given twice, numbers shown as
percentages, a unit other than the kind's, hidden rows and formulas the file did not save."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from itertools import compress
from operator import attrgetter

from templates.cells import a1, column_letter
from templates.names import normalize_name
from validators.check.context import Context
from validators.check.locate import column_values
from validators.check.numbers import DATE_TYPES, cell_text, date_serial, date_text, format_number, parse_number
from validators.findings import Finding


def layout_findings(ctx: Context) -> list[Finding]:
    """What the table's layout hides: a second table below, a column given twice, numbers shown
    as percentages."""
    table, findings = ctx.table, []
    if table.later_header is not None:
        findings.append(ctx.finding("F010", cell=a1(table.later_header, table.sheet.origin_col),
                                    row=table.later_header))
    for key, others in table.duplicate_columns.items():
        for other in others:
            findings.append(_duplicate_column(ctx, key, other))
    findings += _percent_findings(ctx)
    findings += _date_findings(ctx)
    for key, unit in table.units.items():
        declared = table.kind.column(key).unit
        if declared and unit != declared:
            factor = table.unit_factor(key)
            where = table.unit_line_cells.get(key, (table.header_rows[-1], table.columns[key]))
            findings.append(ctx.finding("F014" if factor is not None else "F016", cell=a1(*where),
                                        column=table.kind.column(key).header, unit=unit,
                                        declared=declared, title=table.kind.title,
                                        factor=format_number(factor) if factor is not None else ""))
    return findings


def _duplicate_column(ctx: Context, key: str, other: int) -> Finding:
    table = ctx.table
    col, first = table.kind.column(key), table.columns[key]
    names = dict(column=col.header, first=column_letter(first), second=column_letter(other))
    unit = table.unit_of(key)
    every = [*table.rows, *(s.row for s in table.subtotals),
             *([table.total_row] if table.total_row else []), *table.other_totals]
    for row in sorted(every, key=lambda r: r.row):     # the 合计 row belongs to the column too
        mine, theirs = row.cells.get(key), table.sheet.value(row.row, other)
        if col.is_numeric:
            same = parse_number(mine, unit).number == parse_number(theirs, unit).number
        else:
            same = normalize_name(mine if mine is not None else "") == \
                normalize_name(theirs if theirs is not None else "")
        if not same:
            detail = (f"第 {row.row} 行 {names['first']} 列是「{_shown(mine)}」，"
                      f"{names['second']} 列是「{_shown(theirs)}」")
            return ctx.finding("F012", cell=a1(row.row, other), value=_shown(theirs), detail=detail,
                               **names)
    return ctx.finding("F013", cell=a1(table.header_rows[0], other), **names)


def _shown(value) -> str:
    return "空" if value is None else cell_text(value)


def _percent_findings(ctx: Context) -> list[Finding]:
    table = ctx.table
    percent = table.sheet.percent_cells
    if not percent:
        return []
    findings = []
    rows = [*table.rows, *(s.row for s in table.subtotals),
            *([table.total_row] if table.total_row else [])]
    for col in table.kind.numeric_columns:
        excel_col = table.columns.get(col.key)
        if excel_col is None or table.unit_of(col.key) in ("%", "％"):
            continue
        for row in rows:
            value = row.cells.get(col.key)
            if (row.row, excel_col) in percent and isinstance(value, (int, float)) \
                    and not isinstance(value, bool):
                findings.append(ctx.finding(
                    "N012", cell=a1(row.row, excel_col), value=format_number(value), column=col.header,
                    shown=format_number(value * 100) + "%", number=format_number(value)))
    return findings


def _date_findings(ctx: Context) -> list[Finding]:
    """N013: a number cell whose format shows it as a time or a date (0.61 as 14:38:24); the
    number is what Excel stores and sums, and what the checks use."""
    table, findings = ctx.table, []
    rows = [*table.rows, *(s.row for s in table.subtotals),
            *([table.total_row] if table.total_row else [])]
    present = [col for col in table.kind.numeric_columns if col.key in table.columns]
    columns = column_values(rows, [col.key for col in present])
    for col in present:
        values = columns[col.key]
        if not any(issubclass(kind, DATE_TYPES) for kind in set(map(type, values))):   # in C: the usual column
            continue
        for row, value in zip(rows, values):
            if isinstance(value, DATE_TYPES):
                number = format_number(date_serial(value))
                findings.append(ctx.finding(
                    "N013", cell=ctx.cell(row, col.key), value=number, column=col.header,
                    what="时间" if isinstance(value, (time, timedelta)) or
                    (isinstance(value, datetime) and value.year < 1900) else "日期",
                    shown=date_text(value), number=number))
    return findings


_HIDDEN = attrgetter("hidden")


def hidden_and_unsaved(ctx: Context) -> list[Finding]:
    table, findings = ctx.table, []
    rows = [*table.rows, *([table.total_row] if table.total_row else []),
            *(s.row for s in table.subtotals)]
    for row in sorted(compress(rows, map(_HIDDEN, rows)), key=lambda r: r.row):
        findings.append(ctx.finding("F003", cell=ctx.key_cell(row) or a1(row.row, 1), row=row.row))
    if not table.sheet.unsaved_formulas:
        return findings
    row_numbers, columns = {r.row for r in rows}, set(table.columns.values())
    unknown = ctx.unknown_formulas
    for (row, col), formula in sorted(table.sheet.unsaved_formulas.items()):
        if row in row_numbers and col in columns:
            code = "F015" if (row, col) in unknown else "F004"
            findings.append(ctx.finding(code, cell=a1(row, col), formula=formula, value=formula))
    return findings
