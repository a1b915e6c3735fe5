"""Rows for a template from a file: a .tsv/.csv extract (parsed by templates.records) or a
filled table (read and located as the checker does)."""
from __future__ import annotations

from pathlib import Path

from templates.config import Config
from templates.kinds import TableKind
from templates.records import TEXT_SUFFIXES, RecordsProblem, records_from_text, unit_problem
from templates.textfile import UnknownEncoding, decode_text

__all__ = ["RecordsProblem", "read_records"]


def read_records(path: str | Path, kind: TableKind, config: Config | None = None) -> list[dict[str, object]]:
    """The data rows of a .tsv/.csv extract or of a filled table, in file order, without 合计;
    a table is read as the county table is (validators.county.read_table_file, the config's limits)."""
    path = Path(path)
    if not path.is_file():
        raise RecordsProblem(f"找不到文件 {path}。")
    if path.suffix.lower() in TEXT_SUFFIXES:
        return _records_from_text(path, kind)
    return _records_from_workbook(path, kind, config)


def _records_from_text(path: Path, kind: TableKind) -> list[dict[str, object]]:
    from validators.check.locate import total_label
    try:
        text = decode_text(path.read_bytes(), path.name)
    except UnknownEncoding as exc:
        raise RecordsProblem(exc.reason) from None
    delimiter = "\t" if path.suffix.lower() != ".csv" else ","
    return records_from_text(path.name, text, delimiter, kind,
                             is_total=lambda key: total_label(key, kind) is not None)


def _records_from_workbook(path: Path, kind: TableKind, config: Config | None) -> list[dict[str, object]]:
    from validators.county import read_table_file
    from validators.read.errors import UnreadableFile
    try:
        table, _ = read_table_file(path, kind, config)
    except UnreadableFile as exc:
        raise RecordsProblem(f"{path.name}：{exc}") from None
    if table is None or not table.rows:
        raise RecordsProblem(f"在 {path.name} 里没有找到{kind.title}。")
    converted = _converted_columns(table, path)
    return [{key: _in_kind_unit(table, key, value) if key in converted else value
             for key, value in row.cells.items() if value not in (None, "")} for row in table.rows]


def _converted_columns(table, path: Path) -> set[str]:
    """The number columns whose header states another unit than the kind's (亩 for 万亩);
    RecordsProblem for one that does not convert (斤 for an area)."""
    converted = set()
    for key, unit in table.units.items():
        col = table.kind.column(key)
        if col.is_numeric and col.unit and unit != col.unit:
            if table.unit_factor(key) is None:
                raise RecordsProblem(unit_problem(f"{path.name} 的「{col.header}」", table.kind, col, unit))
            converted.add(key)
    return converted


def _in_kind_unit(table, key: str, value):
    """A number written under a header in another unit, in the kind's (LocatedTable.in_kind_unit)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return table.in_kind_unit(key, value)
    return value
