"""Checks by the role a kind declares for a column: the key column lists every place (R001), a
sequence column runs 1, 2, 3 (K005), names columns name the county's units (K004), and a
column declared same_within agrees within its group (K006)."""
from __future__ import annotations

from collections import Counter, defaultdict

from templates.kinds import NAMES
from templates.names import closest_name, nfkc, normalize_name, split_unit_names
from validators.check.context import Context
from validators.check.locate import TableRow, column_values
from validators.check.numbers import says_nothing
from validators.findings import Finding
from validators.read.sheet import CellError


def missing_rows(ctx: Context, directory: dict[str, str] | None) -> list[Finding]:
    """The key column: every place the directory names has a row."""
    if directory is None:
        return []
    present = {normalize_name(r.key) for r in ctx.table.rows if r.key}
    return [ctx.finding("R001", name=name) for norm, name in directory.items() if norm not in present]


def sequence_findings(ctx: Context, frame) -> list[Finding]:
    """序号 must run 1, 2, 3 … One mistyped cell (15, 16, 16, 18) is one finding: when the next
    number goes on as if this one had been the expected one, this cell alone is wrong."""
    sequence = ctx.table.kind.sequence_column
    if sequence is None:
        return []
    numbered = []
    for index, row in enumerate(ctx.table.rows):
        number = frame.at[index, sequence.key] if sequence.key in frame else None
        if number is not None and number == number and not number % 1:
            numbered.append((row, int(number)))
    findings, seen, expected = [], set(), 1
    for position, (row, seq) in enumerate(numbered):
        following = numbered[position + 1][1] if position + 1 < len(numbered) else None
        if seq != expected and following == expected + 1:
            problem = "重复出现" if seq in seen else "与前后不连续"
            findings.append(ctx.finding("K005", cell=ctx.cell(row, sequence.key), value=seq, number=f" {seq} ",
                                        problem=f"{problem}，按前后顺序应为 {expected}",
                                        suggestion=expected))
            seen.add(seq)
            expected += 1
            continue
        if seq in seen:
            problem = "重复出现"
        elif seq > expected:
            missing = str(expected) if seq == expected + 1 else f"{expected}–{seq - 1}"
            problem = f"之前缺少序号 {missing}"
        elif seq < expected:
            problem = "顺序错乱"
        else:
            problem = None
        if problem:
            # no suggestion: the rows around say this number is right and another is missing
            findings.append(ctx.finding("K005", cell=ctx.cell(row, sequence.key), value=seq, number=f" {seq} ",
                                        problem=problem))
        seen.add(seq)
        expected = max(expected, seq + 1)
    return findings


def unit_name_findings(ctx: Context) -> list[Finding]:
    """Names columns (牵头单位, 相关单位): every name one of the county's units or groups."""
    config, findings = ctx.config, []
    canonical = config.canonical_names()
    names_columns = [c.key for c in ctx.table.kind.columns if c.type == NAMES and c.key != ctx.table.kind.key]
    for row in ctx.table.rows:
        for column in names_columns:
            cell = row.cells.get(column)
            if says_nothing(cell) or column not in ctx.table.columns:
                continue            # 「/」「无」 names no one: a required column's missing rule says so
            for name in _names_in(cell, canonical):
                if normalize_name(name) not in canonical:
                    findings.append(ctx.finding("K004", cell=ctx.cell(row, column), value=name, name=name,
                                                suggestion=closest_name(name, canonical)))
    return findings


def text_error_findings(ctx: Context) -> list[Finding]:
    """An error value (#REF!, #N/A) in a text or names cell: F007, as in a number cell."""
    kind, rows = ctx.table.kind, ctx.table.rows
    columns = [c.key for c in kind.columns
               if not c.is_numeric and c.key != kind.key and c.key in ctx.table.columns]
    return [ctx.finding("F007", cell=ctx.cell(row, key), value=cell)
            for key, cells in column_values(rows, columns).items()
            for row, cell in zip(rows, cells) if isinstance(cell, CellError)]


def _names_in(cell, canonical: dict[str, str]) -> list[str]:
    """Names in a cell, split as `fenjie draft` splits them (templates.names.split_unit_names)."""
    return split_unit_names(nfkc(cell), canonical)


def owner_findings(ctx: Context) -> list[Finding]:
    """The same 牵头单位 naming different 责任人 in different rows (columns declared same_within)."""
    findings = []
    for col in ctx.table.kind.columns:
        if col.same_within and {col.same_within, col.key} <= set(ctx.table.columns):
            findings += _agreement_findings(ctx, col.same_within, col.key)
    return findings


def _agreement_findings(ctx: Context, group: str, column: str) -> list[Finding]:
    resolve = ctx.config.resolve if ctx.config else (lambda name: None)
    by_unit: dict[str, list[tuple[TableRow, str]]] = defaultdict(list)
    for row in ctx.table.rows:
        unit, owner = row.cells.get(group), row.cells.get(column)
        if says_nothing(unit) or says_nothing(owner):
            continue
        unit = str(unit).strip()
        by_unit[resolve(unit) or normalize_name(unit)].append((row, normalize_name(owner)))
    findings = []
    for unit, entries in by_unit.items():
        counts = Counter(owner for _, owner in entries)
        if len(counts) < 2:
            continue
        usual = counts.most_common(1)[0][0]
        for row, owner in entries:
            if owner != usual:
                findings.append(ctx.finding("K006", cell=ctx.cell(row, column), value=owner,
                                            unit=unit, other=usual, suggestion=usual))
    return findings
