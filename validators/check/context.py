"""What a check knows beyond the table itself: the targets, the township (or unit) a return is
from, and the names of the rows the table must have."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from templates.cells import a1, column_number
from templates.config import Config
from templates.identity import Identity
from templates.kinds import TableKind, target_problem
from templates.names import line_of, normalize_name, split_names
from validators.check.locate import LocatedTable, TableRow
from validators.check.numbers import format_number
from validators.check.rules import rule_of
from validators.findings import Finding
from validators.read.sheet import CellError, SheetData, WorkbookData


@dataclass
class Context:
    """What a check knows beyond the table itself."""
    table: LocatedTable
    config: Config | None = None
    township: str | None = None            # the township this sheet is for (township scope)
    targets: dict[str, float] = field(default_factory=dict)   # column key -> expected 合计
    target_rule: str = "T002"
    own_row: bool = False                  # a county-layout sheet a township filled for itself
    _unknown: set | None = None

    @property
    def unknown_formulas(self) -> set[tuple[int, int]]:
        if self._unknown is None:
            self._unknown = unknown_formulas(self.table)
        return self._unknown

    @property
    def sheet(self) -> str:
        return self.table.sheet.name

    def cell(self, row: TableRow | int, column: str) -> str | None:
        col = self.table.columns.get(column)
        number = row.row if isinstance(row, TableRow) else row
        return a1(number, col) if col else None

    def key_cell(self, row: TableRow) -> str | None:
        return self.cell(row, self.table.kind.key)

    def finding(self, code: str, *, cell=None, value=None, suggestion=None, **fields) -> Finding:
        return rule_of(code, self.table.kind).finding(sheet=self.sheet, cell=cell, value=value,
                                                      suggestion=suggestion, **fields)

    def malformed(self, code: str, row: TableRow, col, raw, number: float | None) -> Finding:
        """A cell whose text is not a clean number: the original text and the number meant."""
        return self.finding(code, cell=self.cell(row, col.key), value=raw, column=col.header,
                            number=format_number(number), unit=self.table.unit_of(col.key) or "没有注明",
                            suggestion=format_number(number) if number is not None else None)


_PLAIN_SUM = re.compile(r"=\s*SUM\(\s*\$?([A-Z]{1,3})\$?(\d+)\s*:\s*\$?([A-Z]{1,3})\$?(\d+)\s*\)\s*",
                        re.IGNORECASE)


def unknown_formulas(table: LocatedTable) -> set[tuple[int, int]]:
    """Unsaved formulas in number cells whose value fenjie cannot know: any formula in a data
    row, and in a 合计 row anything but a plain SUM over cells whose values are known (which is
    worked out over its own range, as Excel will when the clerk opens the file)."""
    if not table.sheet.unsaved_formulas:
        return set()
    totals = {r.row for r in [*([table.total_row] if table.total_row else []), *table.other_totals,
                              *(s.row for s in table.subtotals)]}
    data = {r.row for r in table.rows}
    numeric = {table.columns[c.key] for c in table.kind.numeric_columns
               if c.key in table.columns and c.key != table.kind.key}
    # rows below the table (a template's 县下达任务 and 差额 check rows) are not the table's figures
    sheet = table.sheet
    return {(row, col) for (row, col) in sheet.unsaved_formulas
            if col in numeric and (row in data or row in totals and plain_sum(sheet, (row, col)) is None)}


def plain_sum(sheet: SheetData, cell: tuple[int, int]) -> float | None:
    """What Excel shows for the unsaved plain =SUM(C4:C13) at `cell` (row, col): the numbers in
    the range it names, text, blanks and TRUE/FALSE skipped, a plain SUM inside it (a 小计)
    worked out the same way. None when that is not known: another formula, an error value, a
    date, a range that takes in the cell itself (a circular reference), or more work than a
    table's sums take (MAX_SUMMED_CELLS)."""
    # the last row with anything in it: =SUM(B5:B1048576) adds nothing past it
    last = max(sheet.origin_row + len(sheet.rows) - 1, *(r for r, _ in sheet.unsaved_formulas))
    try:
        return _sum_of(sheet, cell, frozenset(), {}, [MAX_SUMMED_CELLS, last])
    except (OverflowError, RecursionError):
        return None


MAX_SUMMED_CELLS = 2_000_000    # a 合计 over 100 000 rows × 6 columns, with its 小计, is far below


def _sum_of(sheet: SheetData, cell: tuple[int, int], outer: frozenset, known: dict, budget: list[int]):
    """plain_sum's work; budget is [cells left to add, the sheet's last row]."""
    if cell in known:
        return known[cell]
    found = _PLAIN_SUM.fullmatch(sheet.unsaved_formulas.get(cell, ""))
    if found is None:
        return None
    top, bottom = sorted((int(found[2]), int(found[4])))
    left, right = sorted((column_number(found[1]), column_number(found[3])))
    bottom = min(bottom, budget[1])
    budget[0] -= max(0, bottom - top + 1) * (right - left + 1)
    if budget[0] < 0:
        return None
    outer = outer | {cell}
    numbers = []
    for row in range(top, bottom + 1):
        for col in range(left, right + 1):
            if (row, col) in outer:
                return None
            if (row, col) in sheet.unsaved_formulas:
                value = _sum_of(sheet, (row, col), outer, known, budget)
                if value is None:
                    return None
            else:
                value = sheet.value(row, col)
            if isinstance(value, (CellError, datetime, date)):
                return None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                numbers.append(value)
    known[cell] = total = round(math.fsum(numbers), 9)
    return total if math.isfinite(total) else None


# -- targets -----------------------------------------------------------------------------------

def resolve_targets(kind: TableKind, targets: dict[str, float] | None,
                    strict: bool = True) -> dict[str, float]:
    """{header text or column key: value} -> {column key: value}.

    A column the kind does not have is a KeyError (Chinese) when strict; otherwise it is left
    out, so that --target 粮食总面积=118 on a mixed batch does not trouble a task table.
    """
    resolved = {}
    for name, value in (targets or {}).items():
        col = kind.target_column(name)
        if col is None:
            if not strict:
                continue
            raise KeyError(target_problem([kind], name, value))
        resolved[col.key] = float(value)
    return resolved


def context_for(table: LocatedTable, identity: Identity | None, config: Config | None,
                township: str | None, targets, assigned) -> Context:
    """The context of a whole table: a township's table (its villages) against the township's
    figures, a county table against the county's targets."""
    kind = table.kind
    explicit = resolve_targets(kind, targets, strict=False)     # an explicit option always wins
    if table.scope == "township" or (identity and identity.is_township):
        scope_targets = figures_of(township, assigned) or (
            identity.targets if identity and identity.is_township else {})
        return Context(table, config, township, {**scope_targets, **explicit}, "T003")
    expected = {}
    if identity and not identity.is_township and identity.kind == kind.name:
        expected.update(identity.targets)
    if config:
        expected.update(config.targets_for(kind.name))
    expected.update(explicit)
    return Context(table, config, None, expected, "T002")


def is_own_row_return(table: LocatedTable, identity: Identity | None, township: str | None) -> bool:
    """A county-layout table (乡镇 rows) that the 填报单位 line or file name says is one township's."""
    return (township is not None and table.scope == "county" and table.kind.by_place
            and not (identity and identity.is_township))


def own_row_context(table: LocatedTable, config: Config | None, township: str, targets, assigned,
                    identity: Identity | None = None) -> Context:
    """Only the township's own row counts: it is checked, and its figures are the return's 合计,
    held to what the county table assigns it, else to the targets of the unit's own template."""
    resolve = config.resolve if config else (lambda name: None)
    if table.kind.rows_from == "units" and config:
        resolve = lambda name, units=unit_directory(config): units.get(normalize_name(name))  # noqa: E731
    shared = (lambda key: shared_row(key, config) or "") if config else (lambda key: "")
    own = [row for row in table.rows if row.key and (resolve(row.key) == township
                                                     or line_of(township, [shared(row.key)]) is not None)]
    explicit = resolve_targets(table.kind, targets, strict=False)
    table = replace(table, rows=own, total_row=None, subtotals=[])
    own_template = identity.targets if identity and identity.party and identity.kind == table.kind.name else {}
    expected = {**(figures_of(township, assigned) or own_template), **explicit}
    return Context(table, config, township, expected, "T003", own_row=True)


# -- whose return ------------------------------------------------------------------------------

def match_township(book: WorkbookData, config: Config | None) -> str | None:
    """Which township a return is from: identity block, then 填报单位 line, then file name.

    A township the identity block names but the config does not list is returned as written
    (the check then says it is not one of the county's townships)."""
    if book.identity and book.identity.is_township:
        scope = book.identity.scope
        canonical = config.resolve(scope) if config is not None else None
        return canonical if config is not None and canonical in config.townships else scope
    if config is None:
        return None
    for text in (book.filler, Path(book.path).stem):
        if not text:
            continue
        hits = _townships_named(normalize_name(text), config.townships)
        if len(hits) == 1:
            return hits[0]
        if hits:
            return None                 # a name naming two townships is neither's
    return None


def match_unit(book: WorkbookData, config: Config | None) -> str | None:
    """Which unit a return of a units table is from: the unit's own template (identity block),
    then 填报单位 line, then file name."""
    if config is None:
        return None
    directory = unit_directory(config)
    if book.identity and book.identity.party:
        return directory.get(normalize_name(book.identity.party), book.identity.party)
    for text in (book.filler, Path(book.path).stem):
        if not text:
            continue
        norm = normalize_name(text)
        hits = {unit for name, unit in directory.items() if name in norm}
        if len(hits) == 1:
            return hits.pop()
    return None


# what may stand right before a township's name: no word at all, the county (湘阴县三塘镇) or
# another place (石塘镇三塘镇, which then names two) — not a word that makes another name (新三塘镇)
_BEFORE_NAME = re.compile(r"(?:^|[^\u3400-\u9fff]|[县市区镇乡道场])$")


def _townships_named(text: str, townships) -> list[str]:
    """The townships `text` names as whole names: 新三塘镇 does not name 三塘镇."""
    hits = []
    for township in townships:
        name = normalize_name(township)
        start = text.find(name)
        while start >= 0:
            if _BEFORE_NAME.search(text[:start]):
                hits.append(township)
                break
            start = text.find(name, start + 1)
    return hits


# -- the rows a table must have ------------------------------------------------------------------

def row_directory(ctx: Context) -> dict[str, str] | None:
    """normalised name -> canonical name of the rows this table must have, when known."""
    config = ctx.config
    if config is None or not ctx.table.kind.by_place:
        return None
    if ctx.table.kind.rows_from == "units":
        return unit_directory(config)
    if ctx.own_row:
        names = [ctx.township]
    elif ctx.table.scope == "township" or ctx.township:
        names = config.villages.get(ctx.township or "")
        if not names:
            return None
    else:
        names = config.townships
    return {normalize_name(n): n for n in names}


def unit_directory(config: Config) -> dict[str, str]:
    """normalised name -> canonical unit, for the config's units and their other spellings."""
    directory = {normalize_name(unit): unit for unit in config.units}
    for unit, variants in config.aliases.items():
        for variant in variants:
            directory.setdefault(normalize_name(variant), unit)
    return directory


def figures_of(township: str | None, assigned: dict[str, dict[str, float]] | None) -> dict[str, float]:
    """What the county table assigns to `township`'s line (a row it shares with another unit
    included); {} when it assigns it nothing."""
    assigned = assigned or {}
    return assigned.get(line_of(township, assigned) or "") or {}


def shared_row(cell: str, config: Config) -> str | None:
    """「财政局、发改局」 as the canonical names joined, when every name is a known unit."""
    units = unit_directory(config)
    names = split_names(cell)
    if len(names) < 2 or not all(normalize_name(n) in units for n in names):
        return None
    return "、".join(units[normalize_name(n)] for n in names)


def all_known(cell: str, directory: dict[str, str]) -> bool:
    """A cell naming two or more rows of the directory (财政局、发改局: a row two units share)."""
    names = split_names(cell)
    return len(names) > 1 and all(normalize_name(name) in directory for name in names)
