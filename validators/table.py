"""Finding the table in a sheet as clerks really send it back.

Skips title, 附件 and 单位 lines, blank rows and notes; finds the header row by the declared
header texts and their variants; handles the two-row 责任人 header; skips headers repeated
mid-table (tables copied from a multi-page PDF); finds the 合计 row above or below the rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter

from templates.kinds import KINDS, TableKind
from templates.names import normalize_header, normalize_name
from validators.sheet import SheetData

NOTE_PREFIXES = ("注", "说明", "备注", "填报", "制表", "审核", "联系", "附件", "单位:", "单位：")
HEADER_SEARCH_ROWS = 60      # a header further down than this is not a header
MIN_HEADER_MATCHES = 3


@dataclass(slots=True)
class TableRow:
    row: int                            # Excel row number
    key: str | None                     # the key cell's text (township, village, 序号)
    cells: dict[str, object]            # column key -> raw value
    hidden: bool = False


@dataclass
class LocatedTable:
    kind: TableKind
    sheet: SheetData
    header_rows: list[int]
    columns: dict[str, int]             # column key -> Excel column
    rows: list[TableRow] = field(default_factory=list)
    total_row: TableRow | None = None
    scope: str = "county"               # county | township (from the key column's header)
    repeated_headers: list[int] = field(default_factory=list)

    @property
    def missing_columns(self) -> list[str]:
        return [c.key for c in self.kind.columns if c.key not in self.columns]


def _header_texts(kind: TableKind) -> dict[str, set[str]]:
    """Column key -> the normalised header texts that name it (top-level columns only)."""
    texts = {}
    for col in kind.columns:
        if col.parent is None:
            texts[col.key] = col.header_names
    return texts


_TEXTS: dict[tuple[str, str], dict[str, set[str]]] = {}


def _texts(kind: TableKind) -> dict[str, set[str]]:
    key = (kind.name, kind.digest)
    if key not in _TEXTS:
        _TEXTS[key] = _header_texts(kind)
    return _TEXTS[key]


def _match_header_row(row: list, kind: TableKind) -> dict[str, int]:
    """Column key -> 0-based index of the cells of `row` that are headers of `kind`."""
    found: dict[str, int] = {}
    texts = _texts(kind)
    for index, value in enumerate(row):
        if not isinstance(value, str):
            continue
        norm = normalize_header(value)
        for key, names in texts.items():
            if key not in found and norm in names:
                found[key] = index
                break
    return found


def _find_header(sheet: SheetData, kind: TableKind) -> tuple[int, dict[str, int]] | None:
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        found = _match_header_row(row, kind)
        if len(found) >= MIN_HEADER_MATCHES and (best is None or len(found) > len(best[1])):
            best = (index, found)
            if len(found) == len(_texts(kind)):
                break
    return best


def _sub_headers(sheet: SheetData, kind: TableKind, header_index: int) -> dict[str, int]:
    """Columns under a merged parent header (责任人 over 县政府 | 牵头单位), from the next row."""
    children = [c for c in kind.columns if c.parent]
    if not children or header_index + 1 >= len(sheet.rows):
        return {}
    header = sheet.rows[header_index]
    parents = {normalize_name(c.parent) for c in children}
    start = next((i for i, v in enumerate(header) if normalize_name(v) in parents), None)
    below = sheet.rows[header_index + 1]
    found: dict[str, int] = {}
    for index, value in enumerate(below):
        if start is not None and index < start:
            continue
        norm = normalize_header(value) if isinstance(value, str) else ""
        for col in children:
            if col.key not in found and norm in col.header_names:     # 内资 or 内资(亿元)
                found[col.key] = index
                break
    return found


def _scope(sheet: SheetData, kind: TableKind, header_index: int, key_index: int | None) -> str:
    if key_index is None:
        return "county"
    text = normalize_header(sheet.rows[header_index][key_index])
    return "township" if text.startswith("村") else "county"


def locate_table(sheet: SheetData, kind: TableKind | None = None,
                 candidates: list[TableKind] | None = None) -> LocatedTable | None:
    """The table of `kind` (or of the best-matching kind among `candidates`, by default the
    built-in kinds) on `sheet`, or None."""
    candidates = [kind] if kind else list(candidates or KINDS.values())
    best = None
    for candidate in candidates:
        header = _find_header(sheet, candidate)
        if header and (best is None or len(header[1]) > len(best[1][1])):
            best = (candidate, header)
    if best is None:
        return None
    kind, (header_index, found) = best
    sub = _sub_headers(sheet, kind, header_index)
    header_indexes = [header_index, header_index + 1] if sub else [header_index]
    found.update(sub)
    table = LocatedTable(
        kind=kind, sheet=sheet,
        header_rows=[sheet.origin_row + i for i in header_indexes],
        columns={key: sheet.origin_col + i for key, i in found.items()},
        scope=_scope(sheet, kind, header_index, found.get(kind.key)))
    _collect_rows(table, found, header_indexes[-1] + 1)
    return table


def _collect_rows(table: LocatedTable, found: dict[str, int], start: int) -> None:
    """Data rows below the header.

    Written for speed: this loop sees every row of the sheet (100 000 on a big county table).
    Counting is left to list methods in C and the rare cases (notes, repeated headers, 合计) are
    only looked at when a row's text could be one.
    """
    sheet, kind = table.sheet, table.kind
    totals = {normalize_name(t) for t in kind.total_labels}
    key_index = found.get(kind.key)
    keys, indexes = list(found), list(found.values())
    width = max(indexes) + 1
    hidden, origin = sheet.hidden_rows, sheet.origin_row
    all_rows = sheet.rows
    rows, keys_of = table.rows, itemgetter(*indexes) if len(indexes) > 1 else None
    plain_rows = key_index == 0 and keys_of is not None
    for index in range(start, len(all_rows)):
        row = all_rows[index]
        if plain_rows and row and type(row[0]) is str and list(map(type, row)).count(str) == 1:
            # the usual row: its name in the key column, numbers (or nothing) elsewhere
            key_text = row[0].strip()
            if key_text and "计" not in key_text and not key_text.startswith(NOTE_PREFIXES):
                if len(row) < width:
                    row = row + [None] * (width - len(row))
                excel_row = origin + index
                rows.append(TableRow(excel_row, key_text, dict(zip(keys, keys_of(row))),
                                     excel_row in hidden))
                continue
        size = len(row)
        nones = row.count(None)
        if nones == size:
            continue
        texts = [v for v in row if isinstance(v, str)]
        first = None
        if texts:
            empties = texts.count("")
            if empties:
                texts = [t for t in texts if t != ""]
            filled = size - nones - empties
            if not filled or (len(texts) == filled and not any(t.strip() for t in texts)):
                continue
            if len(texts) >= 2 and (len(_match_header_row(row, kind)) >= MIN_HEADER_MATCHES
                                    or _is_sub_header(texts, kind)):
                table.repeated_headers.append(origin + index)
                continue
            first = row[0]
            if first is None or first == "":
                first = next(v for v in row if v is not None and v != "")
            if isinstance(first, str) and (first.lstrip().startswith(NOTE_PREFIXES) or filled == 1) \
                    and _is_note(row, first, filled, indexes):
                if rows or table.total_row:
                    break
                continue
        if size < width:
            row = row + [None] * (width - size)
        key_value = row[key_index] if key_index is not None else None
        if key_value is None:
            key_text = None
        elif isinstance(key_value, str):
            key_text = str(key_value).strip() or None
        else:
            key_text = _key_text(key_value)
        excel_row = origin + index
        values = keys_of(row) if keys_of else (row[indexes[0]],)
        entry = TableRow(excel_row, key_text, dict(zip(keys, values)), excel_row in hidden)
        if first is not None and any("计" in t for t in texts) and _is_total(key_value, first, totals):
            if table.total_row is None:
                table.total_row = entry
            if rows:
                break               # the 合计 closes the table; below it are footers and live checks
            continue
        rows.append(entry)


def _key_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_total(key_value, first, totals: set[str]) -> bool:
    """合计 in the key cell, or in the first filled cell when the key column is elsewhere."""
    for value in (key_value, first):
        if isinstance(value, str) and "计" in value and normalize_name(value) in totals:
            return True
    return False


def _is_sub_header(texts: list[str], kind: TableKind) -> bool:
    """The second header row (县政府 | 牵头单位) repeated on its own."""
    children = {name for c in kind.columns if c.parent for name in c.header_names}
    filled = [normalize_header(v) for v in texts if v.strip()]
    return bool(children) and len(filled) >= 2 and set(filled) <= children


def _is_note(row: list, first, filled: int, indexes: list[int]) -> bool:
    """A note line: it starts with 注/说明/填报…, or is a lone long text outside the columns."""
    if not isinstance(first, str):
        return False
    if first.strip().startswith(NOTE_PREFIXES):
        return True
    if filled != 1 or len(first.strip()) <= 8:
        return False
    # a lone long text outside the table's columns is a note, not a row
    return row.index(first) not in indexes
