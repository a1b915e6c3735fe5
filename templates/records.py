"""Rows to put into a template: from a tab-separated extract or from a filled table.

A record maps column keys to cell values ({"unit": "新泉镇", "grain_area": 22.0, …}).
Empty cells stay absent, so the gazette's real gaps are kept as gaps.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from templates.kinds import TableKind
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
    from validators.csv_reader import decode
    from validators.reader import UnreadableFile
    try:
        text = decode(path.read_bytes())        # UTF-8 or GBK (Excel's 文本文件), BOM or not; UTF-16
    except UnreadableFile:
        raise RecordsProblem(f"{path.name} 的文字编码无法识别（不是 UTF-8、GBK 或 UTF-16），"
                             "请用 UTF-8 另存。") from None
    delimiter = "\t" if path.suffix.lower() != ".csv" else ","
    lines = list(csv.reader(text.splitlines(), delimiter=delimiter))
    if not lines:
        raise RecordsProblem(f"{path.name} 是空的。")
    columns = [column_for_header(kind, h) for h in lines[0]]
    if not any(columns):
        raise RecordsProblem(f"{path.name} 的第一行不是{kind.title}的表头。")
    records = []
    for line in lines[1:]:
        record = {}
        for col, raw in zip(columns, line):
            if col is not None and raw.strip():
                record[col.key] = _cell_value(raw.strip(), col.is_numeric)
        if record and not _is_total(record, kind):
            records.append(record)
    return records


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
