"""The schema's failures (validators.check.schema) as findings: each failure names its rule
code, its table row and its column; each code has the function that words its finding."""
from __future__ import annotations

from collections import defaultdict
from functools import partial

from templates.names import closest_name, normalize_name
from validators.check.context import Context
from validators.check.locate import TableRow
from validators.check.numbers import cell_text, format_number, is_blank
from validators.findings import Finding
from validators.read.sheet import CellError


class _FrameCells:
    """frame.at[index, column] for many single cells: each column turned into a list once
    (pandas' own .at costs tens of microseconds a cell, a thousand findings on a big table)."""

    def __init__(self, frame):
        self.frame, self.columns = frame, {}

    @property
    def at(self):
        return self

    def __contains__(self, column: str) -> bool:
        return column in self.frame

    def __getitem__(self, where):
        index, column = where
        values = self.columns.get(column)
        if values is None:
            values = self.columns[column] = self.frame[column].tolist()
        return values[index]


def failure_findings(ctx: Context, frame, failures, directory: dict[str, str]) -> list[Finding]:
    from validators.check.schema import DUPLICATE

    table = ctx.table
    findings, duplicates = [], defaultdict(list)
    frame = _FrameCells(frame)
    words = _wording(table.kind)
    for failure in failures:
        row = table.rows[failure.index]
        if failure.code == DUPLICATE:
            if row.key is not None:
                duplicates[normalize_name(row.key)].append(row)
            continue
        finding = words[failure.code](ctx, _Failed(frame, failure, row), directory)
        if finding is not None:
            findings.append(finding)
    for rows in duplicates.values():
        numbers = "、".join(str(r.row) for r in rows)
        findings += [ctx.finding("R002", cell=ctx.key_cell(r), name=r.key, value=r.key,
                                 count=len(rows), rows=numbers) for r in rows[1:]]
    return findings


class _Failed:
    """One failure with what its wording needs: the table row, the column and the frame's cells."""

    def __init__(self, frame: _FrameCells, failure, row: TableRow):
        self.frame, self.failure, self.row = frame, failure, row
        self.code, self.column = failure.code, failure.column

    @property
    def raw(self):
        return self.row.cells.get(self.column) if self.column else None

    def at(self, column: str):
        return self.frame.at[self.failure.index, column]


def _wording(kind) -> dict:
    """failure code -> the function that words its finding: the schema's own checks, the
    N/R rules on single cells, and the kind's cross-column and plausibility rules."""
    from validators.check.schema import MALFORMED, REQUIRED

    words = {MALFORMED: _malformed, REQUIRED: _required, "N008": _out_of_bounds, "N010": _out_of_bounds,
             "R003": _unknown_name, "R004": _no_name}
    words.update({rule.code: partial(_cross, rule) for rule in kind.cross_rules})
    words.update({rule.code: partial(_ratio, rule) for rule in kind.ratio_rules})
    return words


def _malformed(ctx: Context, failed: _Failed, directory) -> Finding:
    from validators.check.schema import PROBLEM

    number = failed.at(failed.column)
    return ctx.malformed(failed.at(failed.column + PROBLEM), failed.row, ctx.table.kind.column(failed.column),
                         failed.raw, None if number != number else float(number))


def _required(ctx: Context, failed: _Failed, directory) -> Finding | None:
    """An empty required cell; not when its text was already a finding or it holds an unsaved formula."""
    import pandas as pd

    from validators.check.schema import PROBLEM

    row, column = failed.row, failed.column
    if (column + PROBLEM in failed.frame and not pd.isna(failed.at(column + PROBLEM))) \
            or isinstance(failed.raw, CellError) \
            or (row.row, ctx.table.columns[column]) in ctx.table.sheet.unsaved_formulas:
        return None                     # an error value in a text cell is F007 (text_error_findings)
    col, raw = ctx.table.kind.column(column), failed.raw
    return ctx.finding(col.missing_rule or "N009", cell=ctx.cell(row, column), column=col.header,
                       value=None if is_blank(raw) else cell_text(raw), which=col.header,
                       problem="未填写",
                       **_task_words(ctx, failed))


def _out_of_bounds(ctx: Context, failed: _Failed, directory) -> Finding:
    col = ctx.table.kind.column(failed.column)
    bounds = "≥ " + format_number(col.minimum) if col.minimum is not None else ""
    return ctx.finding(failed.code, cell=ctx.cell(failed.row, failed.column), value=failed.raw,
                       column=col.header, bounds=bounds)


def _unknown_name(ctx: Context, failed: _Failed, directory) -> Finding:
    key = failed.row.key
    return ctx.finding(failed.code, cell=ctx.key_cell(failed.row), value=key, name=key,
                       suggestion=closest_name(key, directory))


def _no_name(ctx: Context, failed: _Failed, directory) -> Finding:
    return ctx.finding(failed.code, cell=ctx.key_cell(failed.row))


def _cross(rule, ctx: Context, failed: _Failed, directory) -> Finding:
    left, right = failed.at(rule.left), failed.at(rule.right)
    shown = {"left": format_number(left), "right": format_number(right)}
    table = ctx.table
    if any(table.unit_factor(key) != 1 for key in (rule.left, rule.right)):   # 90000亩 > 22万亩
        shown = {side: shown[side] + (table.unit_of(key) or "")
                 for side, key in (("left", rule.left), ("right", rule.right))}
    return ctx.finding(failed.code, cell=ctx.cell(failed.row, rule.left), value=format_number(left), **shown)


def _ratio(rule, ctx: Context, failed: _Failed, directory) -> Finding:
    from validators.check.schema import IN_KIND_UNIT

    def in_kind_unit(key: str) -> float:
        converted = key + IN_KIND_UNIT
        return failed.at(converted) if converted in failed.frame else failed.at(key)

    value = in_kind_unit(rule.numerator) / in_kind_unit(rule.denominator)
    return ctx.finding(failed.code, cell=ctx.key_cell(failed.row), ratio=f"{value * rule.factor:.0f}")


def _task_words(ctx: Context, failed: _Failed) -> dict[str, str]:
    """How a task-row message names its row: by 序号 (第 3 项任务) or, when the row has none,
    by its Excel row (第 21 行的任务)."""
    sequence, row = ctx.table.kind.sequence_column, failed.row
    number = failed.at(sequence.key) if sequence is not None and sequence.key in failed.frame else None
    if number is not None and number == number and not number % 1:
        seq = str(int(number))
        return {"seq": seq, "item": f"第 {seq} 项", "task": f"第 {seq} 项任务", "number": f" {seq} "}
    return {"seq": row.key or "", "item": f"第 {row.row} 行", "task": f"第 {row.row} 行的任务", "number": ""}
