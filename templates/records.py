"""Rows to put into a template, parsed from a tab-separated extract (the file is read by
validators.records, which also takes rows from a filled table).

A record maps column keys to cell values ({"unit": "新泉镇", "grain_area": 22.0, …}).
Empty cells stay absent, so the gazette's real gaps are kept as gaps. The text format
(first line the header, one row per line) is documented in the README (任务清单 .tsv).
"""
from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable

from templates.cells import plain_number
from templates.kinds import Column, TableKind
from templates.names import normalize_header, normalize_name
from templates.units import convert, split_unit

TEXT_SUFFIXES = (".tsv", ".txt", ".csv")


class RecordsProblem(Exception):
    """A row source that cannot be used; the message is Chinese."""


def column_for_header(kind: TableKind, header: str):
    """The column a header names; 责任人_县政府 / 责任人/牵头单位 name a sub-column."""
    for separator in ("_", "/", "／"):
        if separator in header:
            parent, _, sub = header.partition(separator)
            for col in kind.columns:
                if col.parent and normalize_name(col.parent) == normalize_name(parent) \
                        and normalize_header(col.header, kind.units) == normalize_header(sub, kind.units):
                    return col
    key_headers = {normalize_header(h) for h in kind.key_headers.values()}
    if normalize_header(header) in key_headers:
        return kind.key_column
    return kind.column_by_header(header)


def records_from_text(name: str, text: str, delimiter: str, kind: TableKind,
                      is_total: Callable[[object], bool]) -> list[dict[str, object]]:
    """Rows of tab- or comma-separated `text` (the file `name`) whose first line is the kind's header.

    Refuses what it does not understand (an unknown or ambiguous header, a missing required
    column, a cell outside every column) rather than dropping it, naming the line. Rows whose
    key cell `is_total` (合计, 东片小计 …) are left out."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise RecordsProblem(f"{name} 是空的：第 1 行应为{kind.title}的表头（{_accepted(kind)}）。")
    columns = _header_columns(name, kind, header)
    units = _header_units(name, kind, header, columns)
    records = []
    for line in reader:
        _refuse_cells_outside_columns(name, reader.line_num, line, header, columns)
        record = {col.key: _cell_value(raw.strip(), col, unit)
                  for col, raw, unit in zip(columns, line, units) if col is not None and raw.strip()}
        if record and not is_total(record.get(kind.key)):
            records.append(record)
    return records


def text_header(col: Column) -> str:
    """How a column is written in a .tsv header: 粮食总面积(万亩), 责任人_县政府."""
    return f"{col.parent}_{col.header}" if col.parent else col.label


def _accepted(kind: TableKind) -> str:
    return "、".join(text_header(c) for c in kind.columns)


def _header_columns(name: str, kind: TableKind, header: list[str]) -> list[Column | None]:
    """The column each header cell names (None for a blank cell); RecordsProblem otherwise."""
    columns: list[Column | None] = []
    seen: dict[str, str] = {}
    for position, text in enumerate(header, 1):
        if not text.strip():
            columns.append(None)
            continue
        col = column_for_header(kind, text.strip())
        where = f"{name} 第 1 行第 {position} 栏「{text.strip()}」"
        if col is None:
            raise RecordsProblem(f"{where}：{_unknown_header(kind, text.strip())}")
        if col.key in seen:
            raise RecordsProblem(f"{where}：与「{seen[col.key]}」是同一列（{text_header(col)}），请删去一栏。")
        seen[col.key] = text.strip()
        columns.append(col)
    missing = [text_header(c) for c in required_text_columns(kind) if c.key not in seen]
    if missing:
        raise RecordsProblem(f"{name} 第 1 行（表头）缺少必需的列：{'、'.join(missing)}"
                             f"（没有内容的格可以空着，但这一列要有）。")
    return columns


def _header_units(name: str, kind: TableKind, header: list[str], columns: list[Column | None]) -> list[str | None]:
    """The unit each header cell states (粮食总面积(亩) -> 亩), None where it states none or the
    column's own; RecordsProblem for a unit that does not convert to the column's."""
    units: list[str | None] = []
    for position, (text, col) in enumerate(zip(header, columns), 1):
        unit = split_unit(normalize_name(text), kind.units)[1] if col is not None and col.unit else None
        if unit is not None and convert(1.0, unit, col.unit) is None:
            raise RecordsProblem(unit_problem(f"{name} 第 1 行第 {position} 栏「{text.strip()}」", kind, col, unit))
        units.append(None if unit == (col.unit if col else None) else unit)
    return units


def unit_problem(where: str, kind: TableKind, col: Column, unit: str) -> str:
    return (f"{where}：单位是{unit}，不能换算成{kind.title}「{col.header}」规定的{col.unit}；"
            f"请改用{col.unit}（或能换算的单位）。")


def required_text_columns(kind: TableKind) -> list[Column]:
    """The columns a row source must have: the key and the kind's other required non-number columns.

    Number columns may be left out: their cells stay blank in the template, to be filled there."""
    return [c for c in kind.columns if c.key == kind.key or (c.required and not c.is_numeric)]


def _unknown_header(kind: TableKind, text: str) -> str:
    subs = [c for c in kind.columns if c.parent and normalize_name(c.parent) == normalize_name(text)]
    if subs:
        split = "".join(f"「{text_header(c)}」" for c in subs)
        return (f"{text}分{'、'.join(c.header for c in subs)}共 {len(subs)} 栏，写在一列里分不清，"
                f"请分成{split}{len(subs)} 列。")
    from rapidfuzz import fuzz, process
    choices = {text_header(c): normalize_header(text_header(c)) for c in kind.columns}
    hint = process.extractOne(normalize_header(text), choices, scorer=fuzz.ratio, score_cutoff=60)
    guess = f"是不是「{hint[2]}」？" if hint else ""
    return f"{kind.title}没有这一列。{guess}可用的列：{_accepted(kind)}。"


def _refuse_cells_outside_columns(name: str, line_number: int, line: list[str], header: list[str],
                                  columns: list[Column | None]) -> None:
    for position, raw in enumerate(line, 1):
        if raw.strip() and (position > len(columns) or columns[position - 1] is None):
            heading = "表头这一栏是空的" if position <= len(header) else f"表头只有 {len(header)} 栏"
            raise RecordsProblem(f"{name} 第 {line_number} 行第 {position} 栏「{_clipped(raw.strip())}」"
                                 f"不属于任何一列（{heading}）：请补上表头或删去这一栏。")


def _clipped(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _cell_value(text: str, col: Column, unit: str | None) -> object:
    """A number column's cell as the number it is, in the column's unit when the header states
    another (220000 under 粮食总面积(亩) is 22 万亩; full-width digits folded: the county's own
    list, not a return to check); anything else as the text it is."""
    number = plain_number(unicodedata.normalize("NFKC", text)) if col.is_numeric else None
    if number is None:
        return text
    return number if unit is None else convert(number, unit, col.unit)
