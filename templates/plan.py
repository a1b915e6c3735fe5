"""What goes into one workbook: its scope, rows, prefilled values and targets.

Pure Python. The writer (templates.writer) turns a TablePlan into an .xlsx; everything it
shows is derived from the kind declaration and the county config.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from templates.config import Config
from templates.identity import Identity
from templates.kinds import TableKind
from templates.layout import Layout
from templates.names import line_of, normalize_name

BLANK_TASK_ROWS = 30        # task-breakdown template without a task list
BLANK_VILLAGE_ROWS = 20     # township template when the config lists no villages
SPARE_VILLAGE_ROWS = 3      # extra rows under listed villages: the lists may be incomplete


@dataclass
class PlannedRow:
    key: object = None                       # township / village / 序号 written in the key cell
    values: dict[str, object] = field(default_factory=dict)  # column key -> value (not the key)
    key_locked: bool = False                 # key cell given by the county: locked


@dataclass
class TablePlan:
    kind: TableKind
    config: Config
    scope: str = "county"                    # "county" or a township's name
    rows: list[PlannedRow] = field(default_factory=list)
    targets: dict[str, float] = field(default_factory=dict)  # column key -> target / assigned
    party: str | None = None                 # the unit whose own row a county-layout copy is

    @property
    def layout(self) -> Layout:
        return Layout(self.kind, self.scope, len(self.rows))

    @property
    def title(self) -> str:
        scope = None if self.scope == "county" else self.scope
        return self.kind.title_for(self.config.county, self.config.year, scope)

    @property
    def identity(self) -> Identity:
        return Identity(kind=self.kind.name, version=self.kind.version, county=self.config.county,
                        year=self.config.year, scope=self.scope, targets=dict(self.targets),
                        kind_hash=self.kind.digest, party=self.party)

    @property
    def file_name(self) -> str:
        if self.scope == "county" and self.party is None:
            return f"{self.title}.xlsx"
        return f"{self.party or self.scope}-{self.config.year}年{self.kind.title}.xlsx"


def county_plan(kind: TableKind, config: Config, records: list[dict] | None = None) -> TablePlan:
    """The county-wide table: township rows in config order (or the task list), blank or filled."""
    targets = config.targets_for(kind.name)
    if kind.rows_from == "townships":
        by_name = _records_by_key(kind, records or [])
        rows = [PlannedRow(name, _values(kind, by_name.pop(normalize_name(name), {})), key_locked=True)
                for name in config.townships]
        rows += [PlannedRow(r.get(kind.key), _values(kind, r)) for r in by_name.values()]
        return TablePlan(kind, config, "county", rows, targets)
    if records:
        rows = [PlannedRow(r.get(kind.key), _values(kind, r)) for r in records]
    else:
        rows = [PlannedRow() for _ in range(BLANK_TASK_ROWS)]
    return TablePlan(kind, config, "county", rows, targets)


def township_plan(kind: TableKind, config: Config, township: str, assigned: dict[str, float],
                  records: list[dict] | None = None) -> TablePlan:
    """One township's table: its villages (or blank rows), its assigned figures as targets."""
    villages = _villages_of(config, township)
    by_name = _records_by_key(kind, records or [])
    rows = [PlannedRow(v, _values(kind, by_name.pop(normalize_name(v), {})), key_locked=True)
            for v in villages]
    rows += [PlannedRow(r.get(kind.key), _values(kind, r)) for r in by_name.values()]
    blank = SPARE_VILLAGE_ROWS if villages else max(BLANK_VILLAGE_ROWS - len(rows), 0)
    rows += [PlannedRow() for _ in range(blank)]
    targets = {col.key: assigned[col.key] for col in kind.summed_columns
               if assigned.get(col.key) is not None}
    return TablePlan(kind, config, township, rows, targets)


def unit_plan(kind: TableKind, config: Config, unit: str, assigned: dict[str, dict] | None = None,
              records: dict[str, dict] | None = None) -> TablePlan:
    """One unit's return of a unit-keyed table (争资争项): the county layout with the unit's own
    row, named in the 填报单位 line, the file name and the identity block (party).

    With the county's figures (`assigned`: line -> column key -> figure) the row is the unit's
    line — a row it shares with another unit, 「财政局、发改局」, included (templates.names.line_of)
    —, its figures are the unit's targets (the locked 县下达任务 under the 合计 and the identity
    block, which `fenjie check` holds the row to, T003), and its text cells (资金来源构成) come
    from the county's record of the line (`records`: line -> column key -> value). The unit
    fills in the figures."""
    line = line_of(unit, assigned or {}) or unit
    figures = (assigned or {}).get(line) or {}
    values = {c.key: 1 for c in kind.columns if c.role == "sequence" and c.key != kind.key}
    record = (records or {}).get(line) or {}
    values.update({c.key: record[c.key] for c in kind.columns
                   if not c.is_numeric and c.key != kind.key and record.get(c.key) not in (None, "")})
    targets = {c.key: figures[c.key] for c in kind.summed_columns if figures.get(c.key) is not None}
    return TablePlan(kind, config, "county", [PlannedRow(line, values, key_locked=True)], targets, party=unit)


def units_of_lines(lines) -> list[str]:
    """The units that return the county table's `lines`, in its order: each unit of a row two
    units share (财政局、发改局) gets its own template and link."""
    units: dict[str, None] = {}
    for line in lines:
        units.update(dict.fromkeys(line.split("、")))
    return list(units)


def unit_plans(kind: TableKind, config: Config, assigned: dict[str, dict],
               records: dict[str, dict] | None = None) -> list[TablePlan]:
    """One plan per unit the county table assigns figures to (units_of_lines)."""
    return [unit_plan(kind, config, unit, assigned, records) for unit in units_of_lines(assigned)]


def _villages_of(config: Config, township: str) -> list[str]:
    wanted = normalize_name(township)
    for name, villages in config.villages.items():
        if normalize_name(name) == wanted:
            return list(villages)
    return []


def _records_by_key(kind: TableKind, records: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for index, record in enumerate(records):
        key = record.get(kind.key)
        out[normalize_name(key) if key not in (None, "") else f"#{index}"] = record
    return out


def _values(kind: TableKind, record: dict) -> dict[str, object]:
    return {k: v for k, v in record.items() if k != kind.key}
