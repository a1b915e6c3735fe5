"""The county table given with --from: checked with the rules every table gets, then each
township's (or unit's) figures read from it. A county table with errors is refused; how the
refusal is shown is validators.output.refusal.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from templates.cells import cell_position
from templates.config import Config, Limits
from templates.kinds import TableKind, get_kind
from validators.check.context import context_for, shared_row
from validators.check.locate import LocatedTable
from validators.check.numbers import is_blank, parse_number
from validators.check.origin import round_findings
from validators.check.workbook import check_table, find_table, kind_for, other_tables, reading_order
from validators.findings import FileResult, Finding
from validators.read.sheet import WorkbookData


class TableProblem(Exception):
    """A table that cannot be used for what was asked; the message is Chinese."""


class CountyTableProblem(TableProblem):
    """A county table with error findings: `result` holds them (validators.output.refusal says
    them, one line each)."""

    def __init__(self, result: FileResult):
        super().__init__(f"县分解表有 {result.errors} 个错误")
        self.result = result


@dataclass
class CountyTable:
    result: FileResult                                  # its own findings (errors and 提醒)
    assigned: dict[str, dict[str, float]]               # township -> column key -> figure


def check_county_table(path, kind: str | TableKind | None, config: Config) -> CountyTable:
    """Check a filled county table with the rules every table gets (numbers, rows, 合计 against
    its rows and against the config's [targets]) and read each township's figures from it.

    Raises UnreadableFile or TableProblem (Chinese) when it is not a usable county table."""
    table, book = _county_layout(path, kind, config)
    identity = book.identity
    result = FileResult(path=str(path), kind=table.kind.name, sheet=table.sheet.name)
    findings = round_findings(table, identity, config, None, None) + other_tables(book, table)
    findings += check_table(context_for(table, identity, config, None, None, None), result.totals)
    result.findings = sorted(_unassigned_columns_allowed(table, findings), key=reading_order)
    return CountyTable(result, _assigned_figures(table, config))


def read_table_file(path, kind: TableKind | None, config: Config | None) -> tuple[LocatedTable | None, WorkbookData]:
    """A filled table the county gives fenjie (--from): read with the county's limits, its table
    found as in a return (`kind`, else the identity block's, else any kind's). The one way such
    a file is read: the county table of check / merge / serve / --per-township, and the rows of
    `fenjie template --from`."""
    from validators.read.workbook import read_workbook

    book = read_workbook(path, limits=config.limits if config is not None else Limits())
    return find_table(book, kind or kind_for(book, None, config), config), book


def _county_layout(path, kind: str | TableKind | None, config: Config) -> tuple[LocatedTable, WorkbookData]:
    """The county table's located table and workbook; TableProblem when it is no county table."""
    spec = get_kind(kind, config) if isinstance(kind, str) else kind
    table, book = read_table_file(path, spec, config)
    name = Path(path).name
    if table is None:
        raise TableProblem(f"在 {name} 中找不到{spec.title if spec else '分解表'}的表头。")
    spec = table.kind
    if not spec.by_place or not spec.summed_columns:
        raise TableProblem(f"{name} 是{spec.title}，不按乡镇分解，没有各乡镇的下达数。")
    identity = book.identity
    if table.scope == "township" or (identity and identity.is_township):
        raise TableProblem(f"{name} 是乡镇分到村的表，不是县分解表（乡镇(单位) 各占一行）。")
    return table, book


def _assigned_figures(table: LocatedTable, config: Config) -> dict[str, dict[str, float]]:
    """township (or unit) -> column key -> the figure the county table assigns it."""
    spec, assigned = table.kind, {}
    places = config.townships if spec.rows_from == "townships" else config.units
    for row in table.rows:
        township = config.resolve(row.key) if row.key else None
        if spec.rows_from == "units" and row.key and township is None:
            township = shared_row(row.key, config)     # 财政局、发改局: one line of the merge
        if township in places or township and "、" in township:
            assigned[township] = {col.key: _in_kind_unit(table, col.key, row.cells.get(col.key))
                                  for col in spec.summed_columns if col.key in table.columns}
    return blanks_assign_nothing(assigned)


def blanks_assign_nothing(assigned: dict[str, dict[str, float | None]]) -> dict[str, dict[str, float | None]]:
    """A blank cell in a column the county decomposes assigns 0 (its 合计 counts it so): a unit
    with no 专项债券 in the county table must not return some. A column blank in every row is
    not decomposed and stays None (no target)."""
    decomposed = {key for figures in assigned.values() for key, value in figures.items() if value is not None}
    return {line: {key: (0.0 if value is None and key in decomposed else value) for key, value in figures.items()}
            for line, figures in assigned.items()}


def _in_kind_unit(table: LocatedTable, key: str, value) -> float | None:
    """A county table's figure in the kind's unit (a county table in 亩 assigns 万亩 targets)."""
    number = parse_number(value, table.unit_of(key)).number
    return None if number is None else table.in_kind_unit(key, number)


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


def records_by_line(records: list[dict], spec: TableKind, config: Config, name: str) -> dict[str, dict]:
    """The records of a units table (a task list or a filled table, validators.records) by the
    line each is: the unit's name in the config, or 「财政局、发改局」, a row two units share.
    TableProblem (Chinese, naming them) for records of units the config does not know."""
    by_line: dict[str, dict] = {}
    unknown = []
    for record in records:
        key = record.get(spec.key)
        line = (config.resolve(str(key)) or shared_row(str(key), config)) if key not in (None, "") else None
        if line is None or line not in config.units and "、" not in line:
            unknown.append(str(key or "（空）"))
        elif line in by_line:
            raise TableProblem(f"{name} 里「{line}」有两行：请合并成一行，或核对单位名称。")
        else:
            by_line[line] = record
    if unknown:
        raise TableProblem(f"{name} 里有 {len(unknown)} 个单位不在 fenjie.toml 的 units（或 [aliases]）中："
                           f"{'、'.join(unknown[:10])}{' 等' if len(unknown) > 10 else ''}。"
                           "请核对名称，或先把单位加进 fenjie.toml。")
    return by_line


def assigned_from_records(by_line: dict[str, dict], spec: TableKind, name: str) -> dict[str, dict[str, float]]:
    """line -> column key -> figure, from a task list's records (records_by_line); TableProblem
    for a figure that is not a plain number (1,234 or 12万元 is not guessed)."""
    assigned: dict[str, dict[str, float]] = {}
    for line, record in by_line.items():
        figures = {}
        for col in spec.summed_columns:
            value = record.get(col.key)
            if isinstance(value, str):
                raise TableProblem(f"{name} 里「{line}」的「{col.header}」写的是「{value}」，不是数字：请只填数字。")
            figures[col.key] = None if value is None else float(value)
        assigned[line] = figures
    return blanks_assign_nothing(assigned)
