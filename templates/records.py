"""Rows to put into a template: from a tab-separated extract or from a filled table.

A record maps column keys to cell values ({"unit": "新泉镇", "grain_area": 22.0, …}).
Empty cells stay absent, so the gazette's real gaps are kept as gaps. The text format
(first line the header, one row per line) is documented in the README (任务清单 .tsv).
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from templates.kinds import Column, TableKind
from templates.names import normalize_header, normalize_name

TEXT_SUFFIXES = (".tsv", ".txt", ".csv")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


class RecordsProblem(Exception):
    """A row source that cannot be used; the message is Chinese."""


def read_records(path: str | Path, kind: TableKind) -> list[dict[str, object]]:
    """The data rows of a .tsv/.csv extract or of a filled table, in file order, without 合计."""
    path = Path(path)
    if not path.is_file():
        raise RecordsProblem(f"找不到文件 {path}。")
    if path.suffix.lower() in TEXT_SUFFIXES:
        return _records_from_text(path, kind)
    return _records_from_workbook(path, kind)


def column_for_header(kind: TableKind, header: str):
    """The column a header names; 责任人_县政府 / 责任人/牵头单位 name a sub-column."""
    for separator in ("_", "/", "／"):
        if separator in header:
            parent, _, sub = header.partition(separator)
            for col in kind.columns:
                if col.parent and normalize_name(col.parent) == normalize_name(parent) \
                        and normalize_header(col.header) == normalize_header(sub):
                    return col
    key_headers = {normalize_header(h) for h in kind.key_headers.values()}
    if normalize_header(header) in key_headers:
        return kind.key_column
    return kind.column_by_header(header)


def _records_from_text(path: Path, kind: TableKind) -> list[dict[str, object]]:
    """Rows of a .tsv/.txt (tab) or .csv (comma) file whose first line is the kind's header.

    Refuses what it does not understand (an unknown or ambiguous header, a missing required
    column, a cell outside every column) rather than dropping it, naming the line."""
    from validators.csv_reader import decode
    from validators.reader import UnreadableFile
    try:
        text = decode(path.read_bytes())        # UTF-8 or GBK (Excel's 文本文件), BOM or not; UTF-16
    except UnreadableFile:
        raise RecordsProblem(f"{path.name} 的文字编码无法识别（不是 UTF-8、GBK 或 UTF-16），"
                             "请用 UTF-8 另存。") from None
    delimiter = "\t" if path.suffix.lower() != ".csv" else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise RecordsProblem(f"{path.name} 是空的：第 1 行应为{kind.title}的表头（{_accepted(kind)}）。")
    columns = _header_columns(path.name, kind, header)
    records = []
    for line in reader:
        _refuse_cells_outside_columns(path.name, reader.line_num, line, header, columns)
        record = {col.key: _cell_value(raw.strip(), col.is_numeric)
                  for col, raw in zip(columns, line) if col is not None and raw.strip()}
        if record and not _is_total(record, kind):
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


def _cell_value(text: str, numeric: bool) -> object:
    if numeric and _PLAIN_NUMBER.fullmatch(text):
        return int(text) if "." not in text else float(text)
    return text


def _is_total(record: dict, kind: TableKind) -> bool:
    """A 合计 or 小计 line (合计：, 全县总计, 东片小计 …), recognised as the checker does."""
    from validators.table import total_label
    return total_label(record.get(kind.key), kind) is not None


def _records_from_workbook(path: Path, kind: TableKind) -> list[dict[str, object]]:
    from validators.reader import UnreadableFile, read_workbook
    from validators.table import locate_table
    try:
        book = read_workbook(path)
    except UnreadableFile as exc:
        raise RecordsProblem(f"{path.name}：{exc}") from None
    for sheet in book.sheets:
        if sheet.hidden:
            continue
        table = locate_table(sheet, kind)
        if table is not None and table.rows:
            return [{key: value for key, value in row.cells.items() if value not in (None, "")}
                    for row in table.rows]
    raise RecordsProblem(f"在 {path.name} 里没有找到{kind.title}。")
