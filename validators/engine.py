"""The validation engine: one table in, findings out. The CLI, the add-in and merge all call it.

check_workbook works on plain data (WorkbookData); check_file and check_paths add reading
files. Nothing here writes a file or talks to Excel.
"""
from __future__ import annotations

import gc
import importlib
import logging
import math
import os
import re
import sys
import threading
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from templates.config import Config, Limits
from templates.identity import IDENTITY_SHEET, Identity
from templates.kinds import NAMES, TableKind, find_kind, get_kind, kinds_for
from templates.layout import DIRECTORY_SHEET
from templates.names import closest_name, nfkc, normalize_name, split_names, split_unit_names
from validators.findings import OK, BatchResult, FileResult, Finding
from validators.numbers import column_decimals, decimals, format_number, is_blank, parse_number
from templates.cells import a1, cell_position, column_letter
from validators.read.sheet import SheetData, WorkbookData
from validators.rules import RULES, rule_of
from validators.table import LocatedTable, TableRow, locate_table

log = logging.getLogger("fenjie")
log.addHandler(logging.NullHandler())   # without a handler set up (a spawned worker), stay quiet

PARALLEL_FROM = 8            # files; below this a process pool costs more than it saves
CHUNK_FILES = 8              # files handed to a worker at a time
OUR_SHEETS_PREFIX = "fenjie_"


class TableProblem(Exception):
    """A table that cannot be used for what was asked; the message is Chinese."""


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
            self._unknown = _unknown_formulas(self.table)
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
        return rule_of(code, self.table.kind).finding(sheet=self.sheet, cell=cell, value=value, suggestion=suggestion,
                                   **fields)


# -- kinds and targets ---------------------------------------------------------------------

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
            known = "、".join(c.header for c in kind.summed_columns)
            raise KeyError(f"{kind.title}中没有可设目标的列「{name}」；可用：{known}")
        resolved[col.key] = float(value)
    return resolved


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
    """Which unit a return of a units table is from: 填报单位 line, then file name."""
    if config is None:
        return None
    directory = _unit_directory(config)
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


# -- one workbook ----------------------------------------------------------------------------

def check_workbook(book: WorkbookData, *, kind: str | None = None, config: Config | None = None,
                   targets: dict[str, float] | None = None,
                   assigned: dict[str, dict[str, float]] | None = None,
                   ignore=()) -> FileResult:
    spec = _kind_for(book, kind, config)
    result = FileResult(path=book.path, kind=spec.name if spec else None)
    findings = [RULES["F002"].finding(sheet=s.name, name=s.name)
                for s in book.sheets if s.hidden and not _ours(s, book) and _has_content(s)]
    table = _find_table(book, spec, config)
    if table is None:
        what = spec.title if spec else "分解表"
        detail = "请确认表头（如 " + _header_example(spec, config) + "）没有被改写或删除，或用 --kind 指定类型"
        if config is None:              # a county's own kinds are known only through its fenjie.toml
            detail += "；本县自己的表格类型要有 fenjie.toml 才认得（命令行加 --config fenjie.toml）"
        findings.append(RULES["F005"].finding(what=what, detail=detail))
        result.findings = _drop_ignored(findings, ignore)
        return result
    result.kind, result.sheet = table.kind.name, table.sheet.name
    township = (match_unit(book, config) if table.kind.rows_from == "units"
                else match_township(book, config))
    result.scope = township
    result.township_table = table.scope == "township" or bool(book.identity and book.identity.is_township)
    findings += _round_findings(table, book.identity, config, township, assigned)
    findings += _kind_changed(table.kind, book.identity)
    if _is_own_row_return(table, book.identity, township):
        ctx = _own_row_context(table, config, township, targets, assigned)
    else:
        ctx = _context(table, book.identity, config, township, targets, assigned)
    findings += check_table(ctx, result.totals)
    findings += _other_tables(book, table)
    result.findings = sorted(_drop_ignored(findings, ignore), key=_reading_order)
    return result


def _reading_order(finding: Finding):
    """Whole-file findings first, then cell by cell as a clerk reads the sheet."""
    if finding.cell is None:
        return (0, 0, 0)
    row, col = cell_position(finding.cell)
    return (1, row, col)


def _kind_for(book: WorkbookData, kind: str | TableKind | None, config=None) -> TableKind | None:
    if isinstance(kind, TableKind):
        return kind
    if kind:
        return get_kind(kind, config)
    if book.identity and book.identity.kind:
        return find_kind(book.identity.kind, config)
    return None


def _ours(sheet: SheetData, book: WorkbookData | None = None) -> bool:
    """fenjie's own hidden sheets: the identity block, and a template's unit directory."""
    if sheet.name == IDENTITY_SHEET or sheet.name.startswith(OUR_SHEETS_PREFIX):
        return True
    return book is not None and book.identity is not None and sheet.name == DIRECTORY_SHEET


def _has_content(sheet: SheetData) -> bool:
    return any(not is_blank(v) for row in sheet.rows for v in row)


def _find_table(book: WorkbookData, spec: TableKind | None, config=None) -> LocatedTable | None:
    sheets = [s for s in book.sheets if not _ours(s, book)]
    candidates = list(kinds_for(config).values())
    for sheet in sorted(sheets, key=lambda s: s.hidden):
        table = locate_table(sheet, spec, candidates)
        if table is not None:
            return table
    return None


def _other_tables(book: WorkbookData, table: LocatedTable) -> list[Finding]:
    """Another table of the same kind on another visible sheet: checked is only the first."""
    findings = []
    for sheet in book.sheets:
        if sheet is table.sheet or sheet.hidden or _ours(sheet, book):
            continue
        other = locate_table(sheet, table.kind)
        if other is not None and (other.rows or other.total_row):
            findings.append(RULES["F011"].finding(sheet=sheet.name, name=sheet.name,
                                                  title=table.kind.title, checked=table.sheet.name))
    return findings


def _header_example(spec: TableKind | None, config=None) -> str:
    kinds = [spec] if spec else list(kinds_for(config).values())
    return "；".join("、".join(c.header for c in k.columns[:3]) for k in kinds)


def _round_findings(table: LocatedTable, identity: Identity | None, config: Config | None,
                    township: str | None, assigned) -> list[Finding]:
    """Is this return one of this round's: the county and year of its template, a township
    of the config, and (with a county table) a township the county table can check."""
    findings = []
    if config is None:
        return findings
    if identity and (normalize_name(identity.county) != normalize_name(config.county)
                     or identity.year != config.year):
        findings.append(RULES["S005"].finding(found=f"{identity.county}{identity.year}年",
                                              wanted=f"{config.county}{config.year}年"))
    if identity is None:
        findings += _title_findings(table, config)
    else:
        findings += _visible_target_findings(table, identity)
    if township is not None and township not in config.townships and table.kind.rows_from != "units":
        findings.append(RULES["S004"].finding(name=township, county=config.county))
    if assigned is not None and township is None and table.scope == "township":
        findings.append(RULES["S007"].finding())
    if identity and identity.is_township and township in (assigned or {}):
        findings += _reallocations(table.kind, identity.targets, assigned[township])
    return findings


def _kind_changed(kind: TableKind, identity: Identity | None) -> list[Finding]:
    """A 提醒 when the template was made from another version of the kind's declaration."""
    if identity is None or identity.kind != kind.name:
        return []
    changed_hash = identity.kind_hash and kind.digest and identity.kind_hash != kind.digest
    if identity.version == kind.version and not changed_hash:
        return []
    made = f"第 {identity.version} 版" + (f" {identity.kind_hash}" if identity.kind_hash else "")
    now = f"第 {kind.version} 版 {kind.digest}"
    return [RULES["S010"].finding(name=kind.title, made=made, now=now)]


def _visible_target_findings(table: LocatedTable, identity: Identity) -> list[Finding]:
    """The template's locked 县下达任务 (全县目标) row against the hidden identity's targets:
    one of the two was edited when they differ."""
    from templates.layout import TARGET_LABEL

    label = TARGET_LABEL["township" if identity.is_township else "county"]
    sheet, key_col = table.sheet, table.columns.get(table.kind.key)
    if key_col is None:
        return []
    last = max([r.row for r in table.rows] + [table.header_rows[-1]]
               + ([table.total_row.row] if table.total_row else []))
    for number in range(last + 1, sheet.origin_row + len(sheet.rows)):
        if normalize_name(sheet.value(number, key_col) or "") != normalize_name(label):
            continue
        findings = []
        for col in table.kind.summed_columns:
            hidden, excel_col = identity.targets.get(col.key), table.columns.get(col.key)
            if hidden is None or excel_col is None:
                continue
            shown = parse_number(sheet.value(number, excel_col)).number
            if shown is None or not _within_half_unit(shown, hidden, max(decimals(shown), decimals(hidden))):
                findings.append(RULES["S009"].finding(
                    sheet=sheet.name, cell=a1(number, excel_col), column=col.header, label=label,
                    shown="空" if shown is None else format_number(shown), hidden=format_number(hidden),
                    value=sheet.value(number, excel_col)))
        return findings
    return []


_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})年")
_TITLE_COUNTY = re.compile(r"[\u4e00-\u9fff]{1,6}?[县市区]")


def _title_findings(table: LocatedTable, config: Config) -> list[Finding]:
    """A hand-made table's title (南县三塘镇2024年…) names its county and year: another
    county's or year's table is not this round's, whatever its numbers."""
    sheet = table.sheet
    for index in range(min(table.header_rows[0] - sheet.origin_row, len(sheet.rows))):
        for value in sheet.rows[index]:
            if not isinstance(value, str):
                continue
            text = normalize_name(value)
            year = _TITLE_YEAR.search(text)
            if year is None:
                continue
            county = normalize_name(config.county)
            named = None if county in text else _TITLE_COUNTY.match(text)
            if named is not None and not _names_a_county(named.group(0), county, config):
                named = None
            wrong_year = int(year.group(1)) != config.year
            if wrong_year or (named is not None and named.group(0) != county):
                found = f"{named.group(0) if named else config.county}{year.group(1)}年"
                return [RULES["S008"].finding(title=value.strip()[:60], found=found,
                                              wanted=f"{config.county}{config.year}年")]
            return []
    return []


def _names_a_county(name: str, county: str, config: Config) -> bool:
    """南县 in 南县三塘镇…, not a township (高新区) nor a place inside one (三塘镇社区)."""
    if not (name.endswith("县") or name[-1] == county[-1]):
        return False
    return not any(normalize_name(t) in name for t in config.townships) \
        and config.resolve(name) not in config.townships


def _reallocations(kind: TableKind, carried: dict[str, float], county: dict[str, float]) -> list[Finding]:
    """A 提醒 for each column whose figure in the template differs from the county table's."""
    findings = []
    for col in kind.summed_columns:
        old, new = carried.get(col.key), county.get(col.key)
        if old is None or new is None:
            continue
        if not _within_half_unit(old, new, max(decimals(old), decimals(new))):
            findings.append(RULES["S006"].finding(column=col.header, old=format_number(old),
                                                  new=format_number(new)))
    return findings


def _context(table, identity: Identity | None, config, township, targets, assigned) -> Context:
    kind = table.kind
    explicit = resolve_targets(kind, targets, strict=False)     # an explicit option always wins
    if table.scope == "township" or (identity and identity.is_township):
        scope_targets = (assigned or {}).get(township or "") or (
            identity.targets if identity and identity.is_township else {})
        return Context(table, config, township, {**scope_targets, **explicit}, "T003")
    expected = {}
    if identity and not identity.is_township and identity.kind == kind.name:
        expected.update(identity.targets)
    if config:
        expected.update(config.targets_for(kind.name))
    expected.update(explicit)
    return Context(table, config, None, expected, "T002")


def _is_own_row_return(table: LocatedTable, identity: Identity | None, township: str | None) -> bool:
    """A county-layout table (乡镇 rows) that the 填报单位 line or file name says is one township's."""
    return (township is not None and table.scope == "county" and table.kind.by_place
            and not (identity and identity.is_township))


def _own_row_context(table: LocatedTable, config, township: str, targets, assigned) -> Context:
    """Only the township's own row counts: it is checked, and its figures are the return's 合计."""
    resolve = config.resolve if config else (lambda name: None)
    if table.kind.rows_from == "units" and config:
        resolve = lambda name, units=_unit_directory(config): units.get(normalize_name(name))  # noqa: E731
    own = [row for row in table.rows if row.key and resolve(row.key) == township]
    explicit = resolve_targets(table.kind, targets, strict=False)
    table = replace(table, rows=own, total_row=None, subtotals=[])
    expected = {**((assigned or {}).get(township) or {}), **explicit}
    return Context(table, config, township, expected, "T003", own_row=True)


def _drop_ignored(findings: list[Finding], ignore) -> list[Finding]:
    ignored = {code.upper() for code in ignore}
    return [f for f in findings if f.code not in ignored]


# -- the checks on a located table -------------------------------------------------------------

def check_table(ctx: Context, totals: dict[str, float] | None = None) -> list[Finding]:
    """All findings for one located table; fills `totals` with each summed column's 合计."""
    from validators.schema import build_frame, build_schema, run_schema

    table, kind = ctx.table, ctx.table.kind
    findings = [ctx.finding("F006", column=kind.column(key).label)
                for key in table.missing_columns if kind.column(key).required]
    findings += _hidden_and_unsaved(ctx)
    findings += _layout_findings(ctx)
    directory = _directory(ctx)
    frame = build_frame(table, normalize_name if directory is not None else None)
    known = set(directory) if directory is not None else None
    if known is not None and kind.rows_from == "units":     # 财政局、发改局: a row two units share
        known |= {normalize_name(row.key) for row in table.rows
                  if row.key and _all_known(row.key, directory)}
    schema = build_schema(kind, set(table.columns), known)
    findings += _failure_findings(ctx, frame, run_schema(schema, frame), directory or {})
    if kind.by_place:
        findings += _total_findings(ctx, frame, totals if totals is not None else {})
        if kind.rows_from == "townships":    # every township has a row; a units table lists some
            findings += _missing_rows(ctx, directory)
    findings += _sequence_findings(ctx, frame)
    if ctx.config is not None:
        findings += _unit_findings(ctx)
    findings += _owner_findings(ctx)
    return findings


def _layout_findings(ctx: Context) -> list[Finding]:
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
    for key, unit in table.units.items():
        declared = table.kind.column(key).unit
        if declared and unit != declared:
            factor = _unit_factor(table, key)
            findings.append(ctx.finding("F014" if factor is not None else "F016",
                                        cell=a1(table.header_rows[-1], table.columns[key]),
                                        column=table.kind.column(key).header, unit=unit,
                                        declared=declared, title=table.kind.title,
                                        factor=format_number(factor) if factor is not None else ""))
    return findings


def _unit_factor(table: LocatedTable, key: str) -> float | None:
    """What one unit of the sheet's header is in the kind's unit (亩 -> 万亩: 0.0001); 1 when
    they agree or either is not stated, None when they cannot be converted (斤 for an area)."""
    from validators.numbers import convert
    declared, shown = table.kind.column(key).unit, table.units.get(key)
    if not declared or not shown or shown == declared:
        return 1.0
    return convert(1.0, shown, declared)


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
    if value is None:
        return "空"
    return format_number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else str(value)


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


def _hidden_and_unsaved(ctx: Context) -> list[Finding]:
    table, findings = ctx.table, []
    rows = [*table.rows, *([table.total_row] if table.total_row else []),
            *(s.row for s in table.subtotals)]
    for row in sorted(rows, key=lambda r: r.row):
        if row.hidden:
            findings.append(ctx.finding("F003", cell=ctx.key_cell(row) or a1(row.row, 1), row=row.row))
    row_numbers, columns = {r.row for r in rows}, set(table.columns.values())
    unknown = ctx.unknown_formulas
    for (row, col), formula in sorted(table.sheet.unsaved_formulas.items()):
        if row in row_numbers and col in columns:
            code = "F015" if (row, col) in unknown else "F004"
            findings.append(ctx.finding(code, cell=a1(row, col), formula=formula, value=formula))
    return findings


_PLAIN_SUM = re.compile(r"=\s*SUM\(\s*\$?[A-Z]{1,3}\$?\d+\s*:\s*\$?[A-Z]{1,3}\$?\d+\s*\)\s*", re.IGNORECASE)


def _unknown_formulas(table: LocatedTable) -> set[tuple[int, int]]:
    """Unsaved formulas in number cells whose value fenjie cannot know: any formula in a data
    row, and in a 合计 row anything but a plain SUM (which is recomputed from the rows)."""
    totals = {r.row for r in [*([table.total_row] if table.total_row else []), *table.other_totals,
                              *(s.row for s in table.subtotals)]}
    data = {r.row for r in table.rows}
    numeric = {table.columns[c.key] for c in table.kind.numeric_columns
               if c.key in table.columns and c.key != table.kind.key}
    # rows below the table (a template's 县下达任务 and 差额 check rows) are not the table's figures
    return {(row, col) for (row, col), formula in table.sheet.unsaved_formulas.items()
            if col in numeric and (row in data or row in totals and not _PLAIN_SUM.fullmatch(formula))}


def _directory(ctx: Context) -> dict[str, str] | None:
    """normalised name -> canonical name of the rows this table must have, when known."""
    config = ctx.config
    if config is None or not ctx.table.kind.by_place:
        return None
    if ctx.table.kind.rows_from == "units":
        return _unit_directory(config)
    if ctx.own_row:
        names = [ctx.township]
    elif ctx.table.scope == "township" or ctx.township:
        names = config.villages.get(ctx.township or "")
        if not names:
            return None
    else:
        names = config.townships
    return {normalize_name(n): n for n in names}


def _unit_directory(config: Config) -> dict[str, str]:
    """normalised name -> canonical unit, for the config's units and their other spellings."""
    directory = {normalize_name(unit): unit for unit in config.units}
    for unit, variants in config.aliases.items():
        for variant in variants:
            directory.setdefault(normalize_name(variant), unit)
    return directory


def _shared_row(cell: str, config: Config) -> str | None:
    """「财政局、发改局」 as the canonical names joined, when every name is a known unit."""
    units = _unit_directory(config)
    names = split_names(cell)
    if len(names) < 2 or not all(normalize_name(n) in units for n in names):
        return None
    return "、".join(units[normalize_name(n)] for n in names)


def _all_known(cell: str, directory: dict[str, str]) -> bool:
    names = split_names(cell)
    return len(names) > 1 and all(normalize_name(name) in directory for name in names)


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


def _failure_findings(ctx: Context, frame, failures, directory: dict[str, str]) -> list[Finding]:
    from validators.schema import DUPLICATE

    table = ctx.table
    findings, duplicates = [], defaultdict(list)
    frame = _FrameCells(frame)
    for failure in failures:
        row = table.rows[failure.index]
        if failure.code == DUPLICATE:
            if row.key is not None:
                duplicates[normalize_name(row.key)].append(row)
            continue
        finding = _one_failure(ctx, frame, failure, row, directory)
        if finding is not None:
            findings.append(finding)
    for rows in duplicates.values():
        numbers = "、".join(str(r.row) for r in rows)
        findings += [ctx.finding("R002", cell=ctx.key_cell(r), name=r.key, value=r.key,
                                 count=len(rows), rows=numbers) for r in rows[1:]]
    return findings


def _one_failure(ctx: Context, frame, failure, row: TableRow, directory) -> Finding | None:
    import pandas as pd

    from validators.schema import MALFORMED, PROBLEM, REQUIRED

    kind, code, column = ctx.table.kind, failure.code, failure.column
    raw = row.cells.get(column) if column else None
    if code == MALFORMED:
        number = frame.at[failure.index, column]
        return _malformed(ctx, frame.at[failure.index, column + PROBLEM], row, kind.column(column),
                          raw, None if number != number else float(number))
    if code == REQUIRED:
        if (column + PROBLEM in frame and not pd.isna(frame.at[failure.index, column + PROBLEM])) \
                or (row.row, ctx.table.columns[column]) in ctx.table.sheet.unsaved_formulas:
            return None
        rule = kind.column(column).missing_rule or "N009"
        return ctx.finding(rule, cell=ctx.cell(row, column), column=kind.column(column).header,
                           seq=_seq(row), which=kind.column(column).header, problem="未填写")
    if code in ("N008", "N010"):
        col = kind.column(column)
        bounds = "≥ " + format_number(col.minimum) if col.minimum is not None else ""
        return ctx.finding(code, cell=ctx.cell(row, column), value=raw, column=col.header,
                           bounds=bounds)
    if code == "R003":
        suggestion = _closest(row.key, directory)
        return ctx.finding(code, cell=ctx.key_cell(row), value=row.key, name=row.key,
                           suggestion=suggestion)
    if code == "R004":
        return ctx.finding(code, cell=ctx.key_cell(row))
    rule = next((r for r in kind.cross_rules if r.code == code), None)
    if rule is not None:
        left, right = frame.at[failure.index, rule.left], frame.at[failure.index, rule.right]
        return ctx.finding(code, cell=ctx.cell(row, rule.left), value=format_number(left),
                           left=format_number(left), right=format_number(right))
    ratio = next((r for r in kind.ratio_rules if r.code == code), None)
    if ratio is not None:
        value = frame.at[failure.index, ratio.numerator] / frame.at[failure.index, ratio.denominator]
        return ctx.finding(code, cell=ctx.key_cell(row), ratio=f"{value * ratio.factor:.0f}")
    raise AssertionError(f"unmapped check {code}")


def _seq(row: TableRow) -> str:
    return row.key if row.key else f"（第 {row.row} 行）"


def _closest(name: str | None, directory: dict[str, str]) -> str | None:
    return closest_name(name, directory)


def _total_findings(ctx: Context, frame, totals: dict[str, float]) -> list[Finding]:
    table, kind = ctx.table, ctx.table.kind
    total_row, findings = table.total_row, []
    if total_row is None and kind.total_labels and not ctx.own_row:
        findings.append(ctx.finding("T004"))
    for col in kind.summed_columns:
        if col.key not in table.columns:
            continue
        excel_col = table.columns[col.key]
        if any(c == excel_col for _, c in ctx.unknown_formulas):
            continue            # F015: a cell whose value is not known; no total, no suggestion
        meant = _column_numbers(frame, col.key, clean_only=False)
        rows_sum = round(math.fsum(meant), 9)
        places = column_decimals(meant)
        total, cell = rows_sum, None
        if ctx.own_row and table.rows:     # the township's own row is its 合计
            cell = ctx.cell(table.rows[0], col.key)
        if total_row is not None:
            cell = ctx.cell(total_row, col.key)
            shown = _total_value(ctx, total_row, col, findings)
            if shown is _UNSAVED:        # recompute the SUM as Excel will: text cells skipped
                shown = round(math.fsum(_column_numbers(frame, col.key, clean_only=True)), 9)
            if shown is not None:
                total = shown
                if not _within_half_unit(total, rows_sum, places):
                    findings.append(ctx.finding(
                        "T001", cell=cell, value=format_number(total),
                        suggestion=None if _has_unknown(frame, col.key) else format_number(rows_sum),
                        column=col.header, total=format_number(total), sum=format_number(rows_sum),
                        diff=format_number(total - rows_sum)))
        for other in table.other_totals:
            findings += _other_total_findings(ctx, other, col, frame, rows_sum, places)
        factor = _unit_factor(table, col.key)
        if factor is None:
            continue            # F016: a unit that does not convert; no target, no 汇总
        if factor != 1:         # the sheet's 亩 against the county's 万亩 (F014 says so)
            total = round(total * factor, 9)
            places = max(0, places + round(-math.log10(factor)))
        totals[col.key] = total
        findings += _target_findings(ctx, col, cell, total, places)
        findings += _subtotal_findings(ctx, col, places)
    return findings


def _other_total_findings(ctx: Context, row: TableRow, col, frame, rows_sum: float,
                          places: int) -> list[Finding]:
    """A second 合计 row (one under the header, one at the bottom) is checked like the first:
    two totals that disagree cannot both be right."""
    findings = []
    shown = _total_value(ctx, row, col, findings)
    if shown is _UNSAVED or shown is None or _within_half_unit(shown, rows_sum, places):
        return findings
    return findings + [ctx.finding(
        "T001", cell=ctx.cell(row, col.key), value=format_number(shown),
        suggestion=None if _has_unknown(frame, col.key) else format_number(rows_sum),
        column=col.header, total=format_number(shown), sum=format_number(rows_sum),
        diff=format_number(shown - rows_sum))]


def _subtotal_findings(ctx: Context, col, places: int) -> list[Finding]:
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
        if shown is _UNSAVED:
            shown = round(math.fsum(p.number for p in parsed if p.is_clean), 9)
        if shown is None or _within_half_unit(shown, group_sum, places):
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
    from validators.schema import PROBLEM
    return bool(len(frame)) and bool((frame[key].isna() & frame[key + PROBLEM].notna()).any())


def _column_numbers(frame, key: str, clean_only: bool) -> list[float]:
    """The numbers meant in a column; with clean_only, only cells that hold a real number."""
    from validators.schema import PROBLEM
    if not len(frame):
        return []
    numbers = frame[key]
    if clean_only:
        numbers = numbers[frame[key + PROBLEM].isna()]
    return [v for v in numbers.tolist() if v == v]


def _target_findings(ctx: Context, col, cell, total: float, places: int) -> list[Finding]:
    target = ctx.targets.get(col.key)
    if target is None or _within_half_unit(total, target, max(places, decimals(target))):
        return []
    return [ctx.finding(ctx.target_rule, cell=cell, value=format_number(total), column=col.header,
                        total=format_number(total), target=format_number(target),
                        diff=format_number(total - target), scope=ctx.township or "本乡镇")]


def _within_half_unit(a: float, b: float, places: int) -> bool:
    """Equal within half a unit in the last decimal place used (0.05 for one place)."""
    return abs(a - b) <= 0.5 * 10 ** -places + 1e-9


_UNSAVED = object()


def _total_value(ctx: Context, total_row: TableRow, col, findings):
    """The 合计 cell's number; _UNSAVED for a formula whose result the file did not save."""
    excel_col = ctx.table.columns[col.key]
    if (total_row.row, excel_col) in ctx.table.sheet.unsaved_formulas:
        return None if (total_row.row, excel_col) in ctx.unknown_formulas else _UNSAVED
    raw = total_row.cells.get(col.key)
    parsed = parse_number(raw, ctx.table.unit_of(col.key))
    if parsed.code is not None:
        findings.append(_malformed(ctx, parsed.code, total_row, col, raw, parsed.number))
    elif parsed.number is None:
        findings.append(ctx.finding("T005", cell=ctx.cell(total_row, col.key), column=col.header))
    return parsed.number


def _malformed(ctx: Context, code: str, row: TableRow, col, raw, number: float | None) -> Finding:
    """A cell whose text is not a clean number: the original text and the number meant."""
    return ctx.finding(code, cell=ctx.cell(row, col.key), value=raw, column=col.header,
                       number=format_number(number), unit=ctx.table.unit_of(col.key) or "没有注明",
                       suggestion=format_number(number) if number is not None else None)


def _missing_rows(ctx: Context, directory: dict[str, str] | None) -> list[Finding]:
    if directory is None:
        return []
    present = {normalize_name(r.key) for r in ctx.table.rows if r.key}
    return [ctx.finding("R001", name=name) for norm, name in directory.items() if norm not in present]


def _sequence_findings(ctx: Context, frame) -> list[Finding]:
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
            findings.append(ctx.finding("K005", cell=ctx.cell(row, sequence.key), value=seq,
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
            findings.append(ctx.finding("K005", cell=ctx.cell(row, sequence.key), value=seq, problem=problem))
        seen.add(seq)
        expected = max(expected, seq + 1)
    return findings


def _unit_findings(ctx: Context) -> list[Finding]:
    config, findings = ctx.config, []
    canonical = config.canonical_names()
    names_columns = [c.key for c in ctx.table.kind.columns if c.type == NAMES and c.key != ctx.table.kind.key]
    for row in ctx.table.rows:
        for column in names_columns:
            cell = row.cells.get(column)
            if is_blank(cell) or column not in ctx.table.columns:
                continue
            for name in _names_in(cell, canonical):
                if normalize_name(name) not in canonical:
                    findings.append(ctx.finding("K004", cell=ctx.cell(row, column), value=name, name=name,
                                                suggestion=_closest(name, canonical)))
    return findings


def _names_in(cell, canonical: dict[str, str]) -> list[str]:
    """Names in a cell, split as `fenjie draft` splits them (templates.names.split_unit_names)."""
    return split_unit_names(nfkc(cell), canonical)


def _owner_findings(ctx: Context) -> list[Finding]:
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
        if is_blank(unit) or is_blank(owner):
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


# -- files and batches ------------------------------------------------------------------------

def check_file(path, *, kind=None, config: Config | None = None, targets=None, assigned=None,
               ignore=()) -> FileResult:
    """Check one file; never raises: an unreadable file is a result with an F001 finding."""
    with _collector_paused():
        return _check_file(path, kind=kind, config=config, targets=targets, assigned=assigned,
                           ignore=ignore)


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while one file is read and checked.

    A check makes a few objects per cell and drops them all at the end; meanwhile the collector
    walked the whole sheet over and over (a third of the time of a 100 000-row check). Reference
    counting still frees everything as usual; only cycles wait until the file is done."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _check_file(path, *, kind, config, targets, assigned, ignore) -> FileResult:
    from validators.read.errors import UnreadableFile
    from validators.read.workbook import read_workbook

    limits = config.limits if config else Limits()
    try:
        book = read_workbook(path, limits=limits)
    except UnreadableFile as exc:
        return _unreadable(path, str(exc), config)
    except Exception as exc:                      # a reader bug must not stop the batch
        log.exception("reading %s", path)
        reason = f"读取时出现意外错误（{type(exc).__name__}），请用 Excel 或 WPS 另存为 .xlsx 后重试"
        return _unreadable(path, reason, config)
    try:
        return check_workbook(book, kind=kind, config=config, targets=targets, assigned=assigned,
                              ignore=ignore)
    except Exception as exc:
        log.exception("checking %s", path)
        result = FileResult(path=str(path))
        result.findings = [RULES["F008"].finding(detail=type(exc).__name__)]
        return result


def _unreadable(path, reason: str, config: Config | None) -> FileResult:
    """An unreadable return still counts as sent by the township its file name names."""
    township = match_township(WorkbookData(str(path), []), config)
    return FileResult(path=str(path), unreadable=True, scope=township,
                      findings=[RULES["F001"].finding(reason=reason)])


_worker_options: dict = {}
_loader: threading.Thread | None = None


def _start_worker(options: dict) -> None:
    _quit_quietly_on_interrupt()
    _worker_options.update(options)
    _load_checks_meanwhile()


def _quit_quietly_on_interrupt() -> None:
    """Ctrl-C reaches the workers too: they stop at once, without a traceback each; the main
    process says which outputs are incomplete."""
    import signal
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))


def _load_checks_meanwhile() -> None:
    """Import pandas and pandera (validators.schema: about a second) in a background thread.

    Reading the first file overlaps it: python-calamine parses without holding the GIL. An
    import that fails here fails again, with its message, where the check needs the module."""
    global _loader
    if "validators.schema" in sys.modules or (_loader is not None and _loader.is_alive()):
        return

    def load() -> None:
        try:
            importlib.import_module("validators.schema")
        except BaseException:          # noqa: BLE001  (reported by the import in check_table)
            pass
    _loader = threading.Thread(target=load, name="fenjie-load-checks")
    _loader.start()


def _loader_done() -> None:
    """No process may be forked while another thread is half-way through an import."""
    if _loader is not None:
        _loader.join()


def _check_in_worker(path: str) -> FileResult:
    return check_file(path, **_worker_options)


def _pool_context():
    """fork where there is one: workers start at once and inherit the log handler the CLI set
    up. In the CLI the parent has not imported numpy (no BLAS threads yet), and the import
    thread is joined first (_loader_done), so no thread is half-way through anything."""
    import multiprocessing
    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def check_paths(paths, *, kind=None, config: Config | None = None, targets=None, assigned=None,
                ignore=(), progress=None, workers: int | None = None) -> BatchResult:
    """Check every file under `paths` in input order; both cores for many files."""
    from validators.read.inputs import collect_inputs

    inputs = collect_inputs(paths)
    files = [str(f) for f in inputs.files]
    options = dict(kind=kind, config=config, targets=targets, assigned=assigned, ignore=ignore)
    workers = workers or min(2, os.cpu_count() or 1)
    results: list[FileResult] = []
    if workers > 1 and len(files) >= PARALLEL_FROM:
        _loader_done()
        _check_in_pool(files, options, workers, results, progress)
    else:
        _load_checks_meanwhile()
        for path in files:
            results.append(check_file(path, **options))
            if progress:
                progress(len(results), len(files))
    batch = _batch(results, config, ignore, assigned)
    batch.skipped = list(inputs.skipped)
    return batch


def _check_in_pool(files: list[str], options: dict, workers: int, results: list[FileResult],
                   progress) -> None:
    """Check `files` on `workers` processes, appending results in input order.

    A file that kills its worker (a native crash no Python code can catch) must not end the
    batch: the files the broken pool did not return are checked one at a time, each in a pool
    of its own, until the one that kills its worker is found and becomes an unreadable result;
    then the rest go on in a full pool again.
    """
    from concurrent.futures.process import BrokenProcessPool

    total, pending = len(files) + len(results), list(files)

    def done(result: FileResult) -> None:
        results.append(result)
        pending.pop(0)
        if progress:
            progress(len(results), total)

    suspects = 0                 # files to check alone after a pool broke
    while pending:
        size, chunk = (1, 1) if suspects else (workers, _chunk(len(pending), workers))
        batch = pending[:1] if suspects else list(pending)
        try:
            with ProcessPoolExecutor(max_workers=size, mp_context=_pool_context(),
                                     initializer=_start_worker, initargs=(options,)) as pool:
                for result in pool.map(_check_in_worker, batch, chunksize=chunk):
                    done(result)
            suspects = max(0, suspects - 1)
        except BrokenProcessPool:
            if suspects:                          # this file alone killed its worker
                log.error("checking %s killed its worker process", pending[0])
                done(_unreadable(pending[0], _CRASHED, options.get("config")))
                suspects = 0
            else:
                suspects = min(len(pending), 2 * workers * CHUNK_FILES)


_CRASHED = "读取这个文件时程序异常退出（文件可能已损坏）：请用 Excel 或 WPS 打开后另存为 .xlsx 再报送。"


def _chunk(files: int, workers: int) -> int:
    """Small chunks keep both workers busy to the end; options go to each worker only once."""
    return max(1, min(CHUNK_FILES, files // (workers * 4)))


def _batch(results: list[FileResult], config: Config | None, ignore, assigned=None) -> BatchResult:
    """What the batch as a whole lacks or has twice; an ignored rule is left out everywhere."""
    batch = BatchResult(files=results)
    if config is None:
        return batch
    by_township: dict[str, list[FileResult]] = defaultdict(list)
    for result in results:
        if result.scope:
            by_township[result.scope].append(result)
    ignored = {c.upper() for c in ignore}
    # returns are expected from every township and each must be someone's, whatever the other
    # files are: a batch none of whose returns can be matched is not a clean batch (a county
    # table checked on its own is no township's return)
    returns = bool(by_township) or any(r.township_table or r.unreadable for r in results)
    by_unit = by_township and not set(by_township) & set(config.townships)
    if returns and "S001" not in ignored:
        expected = list(assigned or []) if by_unit else config.townships   # units: those assigned
        batch.missing = [t for t in expected if t not in by_township]
    if returns and "S003" not in ignored:
        for result in results:
            if result.scope is None and not result.unreadable and not _has(result, "S007") \
                    and (by_township or result.township_table):
                result.findings.append(RULES["S003"].finding())
    for township, returns in by_township.items():
        if len(returns) < 2 or "S002" in ignored:
            continue
        batch.duplicates[township] = [r.path for r in returns]
        counted = latest_clean(returns)
        if counted is not None:
            batch.counted[township] = counted.path
            note = f"汇总时计入无错的最新一份 {Path(counted.path).name}"
        else:
            note = "份份有错，汇总时一份也不计入"
        names = "、".join(Path(r.path).name for r in returns)
        for r in returns:
            r.findings.append(RULES["S002"].finding(name=township, count=len(returns), files=names,
                                                    counted=note))
    return batch


def _has(result: FileResult, code: str) -> bool:
    return any(f.code == code for f in result.findings)


def latest_clean(returns: list[FileResult]) -> FileResult | None:
    """Of one township's returns, the one to count: the latest without errors, by the time the
    workbook says it was saved (docProps/core.xml), then by the file's own time; None when
    every one has errors."""
    clean = [r for r in returns if r.status == OK]
    if len(clean) < 2:
        return clean[0] if clean else None

    def when(result: FileResult) -> tuple[float, float]:
        try:
            mtime = os.stat(result.path).st_mtime
        except OSError:
            mtime = 0.0
        saved = saved_time(result.path)
        return (mtime if saved is None else saved, mtime)
    return max(clean, key=when)


CORE_PROPERTIES = "docProps/core.xml"
MODIFIED = "{http://purl.org/dc/terms/}modified"


def saved_time(path) -> float | None:
    """When Excel, WPS or LibreOffice last saved an .xlsx/.xlsm (core.xml `modified`), as a
    timestamp; None for other formats or when the workbook does not say."""
    import zipfile
    from datetime import datetime

    from defusedxml import ElementTree
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(CORE_PROPERTIES)
            if info.file_size > 1_000_000:
                return None
            root = ElementTree.fromstring(archive.read(info))
        text = root.findtext(MODIFIED)
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).timestamp() if text else None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, ElementTree.ParseError):
        return None


# -- the county table (--from) ---------------------------------------------------------------

class CountyTableProblem(TableProblem):
    """A county table with error findings: `result` holds them, and `errors` says each in one
    line (cell, code, message), to be shown before refusing."""

    def __init__(self, result: FileResult):
        self.errors = [f"{f.cell + ' ' if f.cell else ''}{f.code} {f.message}"
                       for f in result.findings if f.is_error]
        more = "……" if len(self.errors) > 10 else ""
        super().__init__(f"县分解表有 {len(self.errors)} 个错误：{'；'.join(self.errors[:10])}{more}")
        self.result = result


@dataclass
class CountyTable:
    result: FileResult                                  # its own findings (errors and 提醒)
    assigned: dict[str, dict[str, float]]               # township -> column key -> figure


def check_county_table(path, kind: str | TableKind | None, config: Config) -> CountyTable:
    """Check a filled county table with the rules every table gets (numbers, rows, 合计 against
    its rows and against the config's [targets]) and read each township's figures from it.

    Raises UnreadableFile or TableProblem (Chinese) when it is not a usable county table."""
    from validators.read.workbook import read_workbook

    book = read_workbook(path, limits=config.limits)
    spec = get_kind(kind, config) if isinstance(kind, str) else kind
    table = _find_table(book, spec or _kind_for(book, None, config), config)
    name = Path(path).name
    if table is None:
        raise TableProblem(f"在 {name} 中找不到{spec.title if spec else '分解表'}的表头。")
    spec = table.kind
    if not spec.by_place or not spec.summed_columns:
        raise TableProblem(f"{name} 是{spec.title}，不按乡镇分解，没有各乡镇的下达数。")
    identity = book.identity
    if table.scope == "township" or (identity and identity.is_township):
        raise TableProblem(f"{name} 是乡镇分到村的表，不是县分解表（乡镇(单位) 各占一行）。")
    result = FileResult(path=str(path), kind=spec.name, sheet=table.sheet.name)
    findings = _round_findings(table, identity, config, None, None)
    findings += check_table(_context(table, identity, config, None, None, None), result.totals)
    result.findings = sorted(_unassigned_columns_allowed(table, findings), key=_reading_order)
    assigned: dict[str, dict[str, float]] = {}
    places = config.townships if spec.rows_from == "townships" else config.units
    for row in table.rows:
        township = config.resolve(row.key) if row.key else None
        if spec.rows_from == "units" and row.key and township is None:
            township = _shared_row(row.key, config)     # 财政局、发改局: one line of the merge
        if township in places or township and "、" in township:
            assigned[township] = {col.key: parse_number(row.cells.get(col.key), table.unit_of(col.key)).number
                                  for col in spec.summed_columns if col.key in table.columns}
    return CountyTable(result, assigned)


def _unassigned_columns_allowed(table: LocatedTable, findings: list[Finding]) -> list[Finding]:
    """A column the county left blank in every row assigns nothing (a county without seedling
    targets); a blank among filled cells is still an error (a township's target dropped)."""
    blank = {table.columns[col.key] for col in table.kind.summed_columns if col.key in table.columns
             and all(is_blank(row.cells.get(col.key)) for row in table.rows)}
    return [f for f in findings
            if not (f.code in ("N009", "T005") and f.cell and cell_position(f.cell)[1] in blank)]


def read_assigned(path, kind: str | TableKind | None, config: Config) -> dict[str, dict[str, float]]:
    """township -> column key -> figure, from a filled county table that checks clean
    (CountyTableProblem, carrying the findings, when it has errors)."""
    county = check_county_table(path, kind, config)
    if county.result.errors:
        raise CountyTableProblem(county.result)
    return county.assigned
