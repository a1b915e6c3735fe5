"""The public entry of the checks: check_workbook (one workbook's data in, its FileResult out)
and check_table (every check on a located table, in the order a clerk reads the findings)."""
from __future__ import annotations

from templates.cells import a1, cell_position
from templates.config import Config
from templates.identity import is_own_hidden_sheet
from templates.kinds import TableKind, find_kind, get_kind, kinds_for
from templates.names import normalize_name
from validators.check.below import rows_below_total
from validators.check.context import (
    Context,
    all_known,
    context_for,
    is_own_row_return,
    match_township,
    match_unit,
    own_row_context,
    row_directory,
)
from validators.check.failures import failure_findings
from validators.check.far import far_cell_findings
from validators.check.layout import hidden_and_unsaved, layout_findings
from validators.check.locate import LocatedTable, TableRow, locate_table
from validators.check.numbers import cell_text, is_blank, parse_number
from validators.check.origin import kind_changed, round_findings, title_year
from validators.check.roles import (
    missing_rows,
    owner_findings,
    sequence_findings,
    text_error_findings,
    unit_name_findings,
)
from validators.check.rules import RULES
from validators.check.totals import total_findings
from validators.findings import FileResult, Finding
from validators.read.sheet import SheetData, WorkbookData


def check_workbook(book: WorkbookData, *, kind: str | None = None, config: Config | None = None,
                   targets: dict[str, float] | None = None,
                   assigned: dict[str, dict[str, float]] | None = None,
                   ignore=()) -> FileResult:
    """Every finding for one workbook: its table found (by --kind, the identity block, or any
    kind's header), whose return it is, and the checks; `ignore` drops rule codes."""
    spec = kind_for(book, kind, config)
    result = FileResult(path=book.path, kind=spec.name if spec else None)
    findings = [RULES["F002"].finding(sheet=s.name, name=s.name)
                for s in book.sheets if s.hidden and not _ours(s, book) and _has_content(s)]
    table = find_table(book, spec, config)
    if table is None:
        what = spec.title if spec else "分解表"
        detail = "请确认表头（如 " + _header_example(spec, config) + "）没有被改写或删除，或用 --kind 指定类型"
        if config is None:              # a county's own kinds are known only through its fenjie.toml
            detail += "；本县自己的表格类型要有 fenjie.toml 才认得（命令行加 --config fenjie.toml）"
        findings.append(RULES["F005"].finding(what=what, detail=detail))
        findings += far_cell_findings(book, None)
        result.findings = _drop_ignored(findings, ignore)
        return result
    result.kind, result.sheet = table.kind.name, table.sheet.name
    township = (match_unit(book, config) if table.kind.rows_from == "units"
                else match_township(book, config))
    result.scope = township
    result.township_table = table.scope == "township" or bool(book.identity and book.identity.is_township)
    findings += round_findings(table, book.identity, config, township, assigned)
    findings += kind_changed(table.kind, book.identity)
    if is_own_row_return(table, book.identity, township):
        ctx = own_row_context(table, config, township, targets, assigned, book.identity)
    else:
        ctx = context_for(table, book.identity, config, township, targets, assigned)
    findings += check_table(ctx, result.totals)
    findings += other_tables(book, table)
    findings += far_cell_findings(book, table)
    result.findings = sorted(_drop_ignored(findings, ignore), key=reading_order)
    return result


def check_table(ctx: Context, totals: dict[str, float] | None = None) -> list[Finding]:
    """All findings for one located table; fills `totals` with each summed column's 合计."""
    from validators.check.schema import build_frame, build_schema, run_schema

    table, kind = ctx.table, ctx.table.kind
    findings = [ctx.finding("F006", column=kind.column(key).label)
                for key in table.missing_columns if kind.column(key).required]
    findings += hidden_and_unsaved(ctx)
    findings += layout_findings(ctx)
    directory = row_directory(ctx)
    frame = build_frame(table, normalize_name if directory is not None else None)
    known = set(directory) if directory is not None else None
    if known is not None and kind.rows_from == "units":     # 财政局、发改局: a row two units share
        known |= {normalize_name(row.key) for row in table.rows
                  if row.key and all_known(row.key, directory)}
    schema = build_schema(kind, set(table.columns), known)
    findings += failure_findings(ctx, frame, run_schema(schema, frame), directory or {})
    if kind.by_place or kind.summed_columns:    # a task table's 合计 adds up its rows too
        findings += total_findings(ctx, frame, totals if totals is not None else {})
    if kind.by_place:                    # a row under the 合计 that names a place (T006)
        findings += rows_below_total(ctx, directory)
    if kind.rows_from == "townships":    # every township has a row; a units table lists some
        findings += missing_rows(ctx, directory)
    if not ctx.own_row:                  # a unit's own row keeps the county table's 序号
        findings += sequence_findings(ctx, frame)
    findings += text_error_findings(ctx)
    if ctx.config is not None:
        findings += unit_name_findings(ctx)
    findings += owner_findings(ctx)
    return findings


def reading_order(finding: Finding):
    """Whole-file findings first, then cell by cell as a clerk reads the sheet."""
    if finding.cell is None:
        return (0, 0, 0)
    row, col = cell_position(finding.cell)
    return (1, row, col)


def kind_for(book: WorkbookData, kind: str | TableKind | None, config=None) -> TableKind | None:
    """The kind asked for (--kind), else the one the template's identity block names, else None."""
    if isinstance(kind, TableKind):
        return kind
    if kind:
        return get_kind(kind, config)
    if book.identity and book.identity.kind:
        return find_kind(book.identity.kind, config)
    return None


def _ours(sheet: SheetData, book: WorkbookData | None = None) -> bool:
    """fenjie's own hidden sheets: the identity block, and a template's unit directory."""
    return is_own_hidden_sheet(sheet.name, templated=book is not None and book.identity is not None)


def _has_content(sheet: SheetData) -> bool:
    return any(not is_blank(v) for row in sheet.rows for v in row)


def find_table(book: WorkbookData, spec: TableKind | None, config=None) -> LocatedTable | None:
    """The table of `spec` (any kind when None) on a sheet not fenjie's own, visible sheets first:
    the first filled one, so that a blank copy of the template before it is not what is checked."""
    sheets = [s for s in book.sheets if not _ours(s, book)]
    candidates = list(kinds_for(config).values())
    blank = None
    for sheet in sorted(sheets, key=lambda s: s.hidden):
        table = locate_table(sheet, spec or (blank.kind if blank else None), candidates)
        if table is None:
            continue
        if _filled(table):
            return table
        blank = blank or table
    return blank


def _filled(table: LocatedTable) -> bool:
    """Anything written in a row beside its name (a template's blank copy has the names only)."""
    keys = [key for key in table.columns if key != table.kind.key]
    return any(not is_blank(row.cells.get(key)) for row in table.rows for key in keys)


def other_tables(book: WorkbookData, table: LocatedTable) -> list[Finding]:
    """Another table of the same kind on another visible sheet: checked is only one. Both filled
    and not the same is F018 (which is meant?), else F011."""
    findings = []
    filled = _filled(table)
    for sheet in book.sheets:
        if sheet is table.sheet or sheet.hidden or _ours(sheet, book):
            continue
        other = locate_table(sheet, table.kind)
        if other is None or not (other.rows or other.total_row):
            continue
        names = dict(sheet=sheet.name, name=sheet.name, title=table.kind.title, checked=table.sheet.name)
        difference = _first_difference(table, other) \
            if filled and _filled(other) and _copies(table, other) else None
        if difference is None:
            findings.append(RULES["F011"].finding(**names))
        else:
            cell, value, detail = difference
            findings.append(RULES["F018"].finding(cell=cell, value=value, detail=detail, **names))
    return findings


def _copies(table: LocatedTable, other: LocatedTable) -> bool:
    """Two versions of one table (a 「修改后」 sheet): same scope, mostly the same rows. A county
    table beside a township's, another township's villages, or last year's table kept beside this
    year's (titles naming two years) is another table (F011)."""
    if table.scope != other.scope:
        return False
    years = title_year(table), title_year(other)
    if None not in years and years[0] != years[1]:
        return False
    mine, theirs = ({normalize_name(row.key) for row in t.rows if row.key} for t in (table, other))
    return bool(mine and theirs) and 2 * len(mine & theirs) >= min(len(mine), len(theirs))


def _first_difference(table: LocatedTable, other: LocatedTable) -> tuple[str | None, str | None, str] | None:
    """Where `other` (a second filled copy) first says something else than `table`: its cell, the
    value there and a line saying both; None when the two say the same (row order aside)."""
    kind, key = table.kind, table.kind.key
    mine = _rows_by_key(table)
    columns = [c for c in kind.columns if c.key != key and c.key in table.columns and c.key in other.columns]
    for name, row in _rows_by_key(other).items():
        match = mine.pop(name, None)
        label = "合计" if row is other.total_row else (row.key or f"第 {row.row} 行")
        if match is None:
            return (a1(row.row, other.columns[key]) if key in other.columns else None, row.key,
                    f"「{label}」一行只在工作表「{other.sheet.name}」中有")
        for col in columns:
            theirs, ours = row.cells.get(col.key), match.cells.get(col.key)
            meant = _meaning(other, col, theirs), _meaning(table, col, ours)
            if row is other.total_row and None in meant:
                continue            # a 合计 without a saved value: the rows say it
            if meant[0] != meant[1]:
                return (a1(row.row, other.columns[col.key]), _shown(theirs),
                        f"「{label}」的「{col.header}」在工作表「{other.sheet.name}」中是 {_shown(theirs)}，"
                        f"在工作表「{table.sheet.name}」中是 {_shown(ours)}")
    if mine:
        name, row = next(iter(mine.items()))
        return None, None, f"「{row.key or name}」一行只在工作表「{table.sheet.name}」中有"
    return None


def _rows_by_key(table: LocatedTable) -> dict[str, TableRow]:
    """The rows by name (a name given twice: by name and how many times before), then the 合计."""
    rows, seen = {}, {}
    for number, row in enumerate(table.rows):
        name = normalize_name(row.key) if row.key else f"\0{number}"
        seen[name] = seen.get(name, 0) + 1
        rows[name if seen[name] == 1 else f"{name}\0{seen[name]}"] = row
    if table.total_row is not None:
        rows["\0合计"] = table.total_row
    return rows


def _meaning(table: LocatedTable, col, value):
    """What a cell says, comparable across two copies: a number in the kind's unit, or the text."""
    if col.is_numeric:
        number = parse_number(value, table.unit_of(col.key)).number
        return None if number is None else table.in_kind_unit(col.key, number)
    return None if is_blank(value) else normalize_name(value)


def _shown(value) -> str:
    return "空" if is_blank(value) else cell_text(value)


def _header_example(spec: TableKind | None, config=None) -> str:
    kinds = [spec] if spec else list(kinds_for(config).values())
    return "；".join("、".join(c.header for c in k.columns[:3]) for k in kinds)


def _drop_ignored(findings: list[Finding], ignore) -> list[Finding]:
    ignored = {code.upper() for code in ignore}
    return [f for f in findings if f.code not in ignored]
