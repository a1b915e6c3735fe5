"""The 合计 row against the rows, each 小计 against its group, and the totals against the targets
(the config's [targets], the template's, or the county table's figures for a township)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from validators.check.context import Context, plain_sum
from validators.check.locate import TableRow
from validators.check.numbers import column_decimals, decimals, format_number, parse_number, within_half_unit
from validators.findings import Finding


def total_findings(ctx: Context, frame, totals: dict[str, float]) -> list[Finding]:
    """The 合计 row (T004 when there is none), then each summed column; fills `totals` with each
    column's 合计 in the kind's unit."""
    table, kind = ctx.table, ctx.table.kind
    findings = []
    if table.total_row is None and kind.total_labels and not ctx.own_row:
        findings.append(ctx.finding("T004"))
    for col in kind.summed_columns:
        if col.key in table.columns:
            findings += _column_findings(ctx, frame, col, totals)
    return findings


def _column_findings(ctx: Context, frame, col, totals: dict[str, float]) -> list[Finding]:
    """One summed column: its 合计 (and a second one) against its rows, then the 合计 and what
    the rows hand out, in the kind's unit, against the target, and each 小计 against its group."""
    table, findings = ctx.table, []
    if any(c == table.columns[col.key] for _, c in ctx.unknown_formulas):
        return findings         # F015: a cell whose value is not known; no total, no suggestion
    meant = _column_numbers(frame, col.key)
    rows_sum = round(math.fsum(meant), 9)
    places = column_decimals(meant)
    shown, wrong, cell = None, False, None
    if ctx.own_row and table.rows:     # the township's own row is its 合计
        cell = ctx.cell(table.rows[0], col.key)
    if table.total_row is not None:
        cell = ctx.cell(table.total_row, col.key)
        shown = _total_value(ctx, table.total_row, col, findings)
        if shown is not None:
            mismatch = _not_the_sum(ctx, frame, table.total_row, col, shown, rows_sum)
            findings, wrong = findings + mismatch, bool(mismatch)
    for other in table.other_totals:
        findings += _other_total_findings(ctx, other, col, frame, rows_sum)
    factor = table.unit_factor(col.key)
    if factor is None:
        return findings         # F016: a unit that does not convert; no target, no 汇总
    handed = rows_sum
    if factor != 1:             # the sheet's 亩 against the county's 万亩 (F014 says so)
        handed = table.in_kind_unit(col.key, rows_sum)
        shown = None if shown is None else table.in_kind_unit(col.key, shown)
        places = max(0, places + round(-math.log10(factor)))
    # a 合计 that is its rows' sum (maybe rounded) counts as what the rows hand out
    totals[col.key] = shown if wrong else handed
    target = _target_findings(ctx, col, cell, Stated(shown, wrong), handed, places, _has_unknown(frame, col.key))
    return findings + target + _subtotal_findings(ctx, col)


def _not_the_sum(ctx: Context, frame, row: TableRow, col, shown: float, rows_sum: float) -> list[Finding]:
    """T001 when a 合计 cell is not its rows' sum rounded to the places the 合计 itself shows: a
    合计 rounded to fewer places than its rows (22.6 for 22.55) is its sum, one that shows more
    than its rows (15.5 over whole numbers adding up to 15) is not."""
    if is_rounding_of(shown, rows_sum) or format_number(shown) == format_number(rows_sum):
        return []                   # the second: 4.40000000001 over 4.4, a difference no one is shown
    return [ctx.finding("T001", cell=ctx.cell(row, col.key), value=format_number(shown),
                        suggestion=None if _has_unknown(frame, col.key) else format_number(rows_sum),
                        column=col.header, total=format_number(shown), sum=format_number(rows_sum),
                        diff=format_number(shown - rows_sum))]


def is_rounding_of(shown: float, exact: float) -> bool:
    """`shown` is `exact` rounded (half away from zero, as Excel rounds) to the places `shown`
    has: 22.6 for 22.55, 38 for 37.5, not 37 for 37.5 nor 15.5 for 15."""
    from decimal import ROUND_HALF_UP, Decimal
    rounded = Decimal(repr(exact)).quantize(Decimal(1).scaleb(-shown_places(shown)), rounding=ROUND_HALF_UP)
    return abs(float(rounded) - shown) <= _NOISE * max(1.0, abs(shown))


_NOISE = 1e-12      # relative: what a saved SUM carries past the places it means (4.3999999999999995)


def shown_places(number: float) -> int:
    """The decimal places a 合计 shows (15.5 -> 1), float noise of a saved SUM ignored."""
    for places in range(11):
        if abs(round(number, places) - number) <= _NOISE * max(1.0, abs(number)):
            return places
    return 10


def _other_total_findings(ctx: Context, row: TableRow, col, frame, rows_sum: float) -> list[Finding]:
    """A second 合计 row (one under the header, one at the bottom) is checked like the first:
    two totals that disagree cannot both be right."""
    findings = []
    shown = _total_value(ctx, row, col, findings)
    if shown is None:
        return findings
    return findings + _not_the_sum(ctx, frame, row, col, shown, rows_sum)


def _subtotal_findings(ctx: Context, col) -> list[Finding]:
    """Each 小计 against the rows of its own group (the 合计 is checked against the rows alone,
    so no row is counted twice)."""
    findings = []
    for subtotal in ctx.table.subtotals:
        label = _label_of(subtotal.row)
        unit = ctx.table.unit_of(col.key)
        parsed = [parse_number(m.cells.get(col.key), unit) for m in subtotal.members]
        meant = [p.number for p in parsed if p.number is not None]
        group_sum = round(math.fsum(meant), 9)
        shown = _total_value(ctx, subtotal.row, col, findings)
        if shown is None or is_rounding_of(shown, group_sum):
            continue
        first, last = subtotal.members[0].row if subtotal.members else None, \
            subtotal.members[-1].row if subtotal.members else None
        rows = f"第 {first}–{last} 行" if first is not None else "没有行"
        findings.append(ctx.finding(
            "T010", cell=ctx.cell(subtotal.row, col.key), value=format_number(shown),
            suggestion=format_number(group_sum), column=col.header, label=label, rows=rows,
            total=format_number(shown), sum=format_number(group_sum),
            diff=format_number(shown - group_sum)))
    return findings


def _label_of(row: TableRow) -> str:
    texts = [v.strip() for v in row.cells.values() if isinstance(v, str) and "计" in v]
    return row.key or (texts[0] if texts else "小计")


def _has_unknown(frame, key: str) -> bool:
    """A cell whose meaning is not known (待定, 10% in a 万亩 column): the rows' sum is then not
    a total anyone can be told to write."""
    from validators.check.schema import PROBLEM
    return bool(len(frame)) and bool((frame[key].isna() & frame[key + PROBLEM].notna()).any())


def _column_numbers(frame, key: str) -> list[float]:
    """The numbers meant in a column (text that means a number included: 「1.87万亩」 is 1.87)."""
    if not len(frame):
        return []
    return frame[key].dropna().tolist()


@dataclass(frozen=True)
class Stated:
    """The 合计 cell's number (None when there is no 合计 or its value is not known) and
    whether it is not its rows' sum (T001)."""
    number: float | None
    wrong: bool


def _target_findings(ctx: Context, col, cell, stated: Stated, handed: float, places: int,
                     unknown: bool) -> list[Finding]:
    """The target against the 合计 and against what the rows hand out: a 合计 typed as the
    assigned figure over rows that add up to less hides the shortfall (T001 says so at the 合计,
    the target rule names what the rows hand out); a 合计 rounded to fewer places than its rows
    is judged by its rows."""
    target = ctx.targets.get(col.key)
    if target is None:
        return []
    places = max(places, decimals(target))
    shown = stated.number
    shown_meets = shown is not None and within_half_unit(shown, target, max(places, shown_places(shown)))
    if stated.wrong:
        if not shown_meets:
            return [_target_finding(ctx, col, cell, "合计", shown, target)]
        if unknown:
            return []       # a cell whose number is not known: what the rows hand out is not known
    if within_half_unit(handed, target, places):
        return []
    if shown is not None and not stated.wrong and not shown_meets:
        return [_target_finding(ctx, col, cell, "合计", shown, target)]
    return [_target_finding(ctx, col, cell, "各行相加" if shown is not None else "合计", handed, target)]


def _target_finding(ctx: Context, col, cell, what: str, total: float, target: float) -> Finding:
    return ctx.finding(ctx.target_rule, cell=cell, value=format_number(total), column=col.header, what=what,
                       total=format_number(total), target=format_number(target),
                       diff=format_number(total - target), scope=ctx.township or "本乡镇")


def _total_value(ctx: Context, total_row: TableRow, col, findings):
    """The 合计 cell's number; an unsaved plain SUM worked out over its own range, as Excel will
    when the clerk opens the file (None for a formula whose value is not known: F015)."""
    excel_col = ctx.table.columns[col.key]
    if (total_row.row, excel_col) in ctx.table.sheet.unsaved_formulas:
        if (total_row.row, excel_col) in ctx.unknown_formulas:
            return None
        return plain_sum(ctx.table.sheet, (total_row.row, excel_col))
    raw = total_row.cells.get(col.key)
    parsed = parse_number(raw, ctx.table.unit_of(col.key))
    if parsed.code is not None:
        findings.append(ctx.malformed(parsed.code, total_row, col, raw, parsed.number))
    elif parsed.number is None:
        findings.append(ctx.finding("T005", cell=ctx.cell(total_row, col.key), column=col.header))
    return parsed.number
