"""Opening a collection round and making a township's template: the engine and the writer reused."""
from __future__ import annotations

from pathlib import Path

from server.store import Round, Store, suffix_of
from templates.config import Config
from templates.kinds import TableKind, get_kind


class RoundProblem(Exception):
    """A round that cannot be opened; the message is Chinese."""


def participants(spec: TableKind, config: Config, assigned: dict | None = None) -> list[str]:
    """Who returns a sheet in a round of `spec`: the townships; for unit-keyed kinds the units
    the county table assigns figures to (each unit of a row two units share, 财政局、发改局,
    included), else every unit of the config."""
    from templates.plan import units_of_lines
    if spec.rows_from == "townships":
        return list(config.townships)
    if spec.rows_from == "units" and assigned:
        return units_of_lines(assigned)
    if spec.rows_from == "units" and config.units:
        return list(config.units)
    raise RoundProblem(f"{spec.title}不按乡镇或单位分别报送，不能用来收表。")


def lines_of(round_: Round, names: list[str]) -> dict[str, list[str]]:
    """The lines of a round as `fenjie merge` counts them, each with the links that return it:
    a township or unit its own; the row 「财政局、发改局」 two units share, both of theirs."""
    from templates.names import line_of
    lines: dict[str, list[str]] = {}
    for name in names:
        lines.setdefault(line_of(name, round_.assigned) or name, []).append(name)
    return lines


def kind_or_problem(name: str, config: Config) -> TableKind:
    try:
        return get_kind(name, config)
    except KeyError as exc:
        raise RoundProblem(exc.args[0]) from None


def open_round(store: Store, config: Config, kind: str, county_table: Path | None = None,
               table_name: str | None = None, deadline: str | None = None) -> Round:
    """A new round of `kind`; with a county table, each township's assigned figures from it.

    A county table with the same figures as the current round of `kind` (re-saved, renamed: its
    bytes may differ) gives that round again; other figures open a new round, which supersedes it."""
    import json

    from validators.county import CountyTableProblem, TableProblem, blanks_assign_nothing, read_assigned
    from validators.output.refusal import county_table_refusal
    from validators.read.errors import UnreadableFile

    spec = kind_or_problem(kind, config)
    participants(spec, config)                       # a kind nobody returns: refused before reading
    assigned, stored = {}, None
    if county_table is not None:
        name = table_name or county_table.name
        try:
            assigned = read_assigned(county_table, spec, config)
        except CountyTableProblem as exc:
            raise RoundProblem(county_table_refusal(exc.result, shown=10, name=name)) from None
        except (UnreadableFile, TableProblem) as exc:
            raise RoundProblem(f"县分解表 {name} 无法使用：{exc}") from None
        current = store.current_round(spec.name)
        # a round opened before blanks assigned 0 (None then) is the same round
        if current and current.county_table and blanks_assign_nothing(current.assigned) == json.loads(json.dumps(assigned)):
            return current
        _, stored, _ = store.keep_bytes(county_table.read_bytes(), suffix_of(name))
    title = f"{config.county}{config.year}年{spec.title}"
    names = participants(spec, config, assigned)
    return store.open_round(spec.name, title, names, assigned, stored,
                            table_name or (county_table.name if county_table else None), deadline)


def township_template(store: Store, config: Config, round_: Round, name: str) -> tuple[Path, str]:
    """The template for `name` in this round (written once into the data folder) and its file name:
    a township's villages with its assigned figures, a unit's own line of the county layout (as
    `fenjie template --per-township` writes it), or (no county table) the blank county table."""
    from templates.plan import county_plan, township_plan, unit_plan
    from templates.writer import write_plan

    spec = get_kind(round_.kind, config)
    if spec.rows_from == "townships" and name in round_.assigned:
        plan = township_plan(spec, config, name, round_.assigned[name])
    elif spec.rows_from == "units":
        plan = unit_plan(spec, config, name, round_.assigned or None)
    else:
        plan = county_plan(spec, config)
    folder = store.folder / "templates" / str(round_.id)
    folder.mkdir(parents=True, exist_ok=True)
    index = [link.name for link in store.links(round_.id)].index(name)
    path = folder / f"{index}.xlsx"
    if not path.exists():
        if spec.rows_from == "units":          # the line's text (资金来源构成): the county table read once
            plan = unit_plan(spec, config, name, round_.assigned or None,
                             _county_records(store, config, round_, spec))
        partial = folder / f"{index}.part.xlsx"
        write_plan(plan, partial, role="template")       # recognised when sent back unfilled (S011)
        partial.replace(path)
    return path, plan.file_name


def _county_records(store: Store, config: Config, round_: Round, spec: TableKind) -> dict[str, dict]:
    """The county table's rows by line (the text a unit's template shows: 资金来源构成); none
    when the round has no county table."""
    from validators.county import TableProblem, records_by_line
    from validators.records import RecordsProblem, read_records
    if not round_.county_table:
        return {}
    try:
        return records_by_line(read_records(store.path(round_.county_table), spec, config), spec, config,
                               round_.county_table_name or "")
    except (RecordsProblem, TableProblem):      # the round was opened from it: the figures stand
        return {}
