"""Finding the table in a sheet as clerks really send it back.

Skips title, 附件 and 单位 lines, blank rows and notes; finds the header row by the declared
header texts and their variants; handles the two-row 责任人 header; skips headers repeated
mid-table (tables copied from a multi-page PDF); finds the 合计 row above or below the rows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import attrgetter, is_not, itemgetter

from templates.kinds import KINDS, TableKind
from templates.names import normalize_header, normalize_name
from templates.units import KNOWN_UNITS, factor, split_unit, unit_group
from validators.read.sheet import SheetData

NOTE_PREFIXES = ("注", "说明", "备注", "填报", "制表", "审核", "联系", "附件", "单位:", "单位：")
HEADER_SEARCH_ROWS = 60      # a header further down than this is not a header
MIN_HEADER_MATCHES = 3


class RowLayout:
    """Where a table's columns sit in a sheet row: column key -> 0-based index, and one getter
    for all of them, shared by every row of the table."""
    __slots__ = ("keys", "indexes", "_getter")

    def __init__(self, columns: dict[str, int]):
        self.keys, self.indexes = tuple(columns), tuple(columns.values())
        self._getter = itemgetter(*self.indexes) if len(self.indexes) > 1 else None

    def values(self, source: list) -> tuple:
        """The row's value in each column, in `keys` order (`source` is at least as wide)."""
        if self._getter is None:
            return (source[self.indexes[0]],) if self.indexes else ()
        return self._getter(source)


class TableRow:
    """One row of the table: its Excel row number, key text and cells (column key -> raw value).

    A located row keeps the sheet row it came from and makes `cells` a dict only when asked:
    a 100 000-row table would otherwise build 100 000 dicts that only a few findings read, and
    the checks take the columns straight from the sheet rows (column_values)."""
    __slots__ = ("row", "key", "hidden", "_cells", "_source", "_layout")

    def __init__(self, row: int, key: str | None, cells: dict[str, object] | None = None,
                 hidden: bool = False, source: list | None = None, layout: RowLayout | None = None):
        self.row, self.key, self.hidden = row, key, hidden
        self._cells, self._source, self._layout = cells, source, layout
        if cells is None and (source is None or layout is None):
            self._cells = {}

    @property
    def cells(self) -> dict[str, object]:
        if self._cells is None:
            self._cells = dict(zip(self._layout.keys, self._layout.values(self._source)))
        return self._cells

    @cells.setter
    def cells(self, cells: dict[str, object]) -> None:
        self._cells = cells

    def __repr__(self) -> str:
        return f"TableRow(row={self.row!r}, key={self.key!r}, cells={self.cells!r}, hidden={self.hidden!r})"


_CELLS, _SOURCE, _LAYOUT = attrgetter("_cells"), attrgetter("_source"), attrgetter("_layout")


def column_values(rows: list[TableRow], keys) -> dict[str, list]:
    """Column key -> the rows' values in that column (None where a row has no such cell), taken
    column by column from the sheet rows in C instead of a dict looked up per cell."""
    if not keys:
        return {}
    layout = rows[0]._layout if rows else None
    if layout is None or list(map(_LAYOUT, rows)).count(layout) != len(rows):
        cells = [r.cells for r in rows]
        return {key: [c.get(key) for c in cells] for key in keys}
    cells, sources = list(map(_CELLS, rows)), list(map(_SOURCE, rows))
    # the few rows whose cells were asked for (and may have been changed: a merged value filled in)
    touched = list(compress(range(len(cells)), map(is_not, cells, repeat(None))))
    where = dict(zip(layout.keys, layout.indexes))
    columns = {}
    for key in keys:
        index = where.get(key)
        if index is None:
            columns[key] = [None if c is None else c.get(key) for c in cells]
            continue
        column = list(map(itemgetter(index), sources))
        for position in touched:
            column[position] = cells[position].get(key)
        columns[key] = column
    return columns


@dataclass(slots=True)
class Subtotal:
    row: TableRow                       # the 小计 row itself
    members: list[TableRow]             # the data rows it adds up


@dataclass
class LocatedTable:
    kind: TableKind
    sheet: SheetData
    header_rows: list[int]
    columns: dict[str, int]             # column key -> Excel column
    rows: list[TableRow] = field(default_factory=list)
    total_row: TableRow | None = None
    other_totals: list[TableRow] = field(default_factory=list)   # a second 合计 (top and bottom)
    scope: str = "county"               # county | township (from the key column's header)
    repeated_headers: list[int] = field(default_factory=list)
    subtotals: list[Subtotal] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)     # column key -> unit the sheet prints
    # column key -> Excel (row, col) of the 单位：亩、吨 line above the table that gave its unit
    unit_line_cells: dict[str, tuple[int, int]] = field(default_factory=dict)
    duplicate_columns: dict[str, list[int]] = field(default_factory=dict)  # key -> other Excel cols
    later_header: int | None = None     # Excel row of another table's header below this one

    def unit_of(self, key: str) -> str | None:
        """The column's unit as this sheet states it (粮食总产量(万吨)), else as the kind declares."""
        return self.units.get(key) or self.kind.column(key).unit

    def unit_factor(self, key: str) -> float | None:
        """What one unit of the sheet's header is in the kind's unit (亩 -> 万亩: 0.0001); 1 when
        they agree or either is not stated, None when they cannot be converted (斤 for an area)."""
        return factor(self.units.get(key), self.kind.column(key).unit)

    def in_kind_unit(self, key: str, number: float) -> float | None:
        """`number`, written under column `key`'s header, in the kind's unit (220000 亩 -> 22 万亩);
        None when the units cannot be converted."""
        factor = self.unit_factor(key)
        return None if factor is None else round(number * factor, 9)

    @property
    def missing_columns(self) -> list[str]:
        return [c.key for c in self.kind.columns if c.key not in self.columns]


# 合计 labels as clerks write them: 合计 / 合计： / 合计(全县) / 全县合计 / 全县总计 / 总计 / 共计 …
# The whole label must be the word (with a place prefix or a parenthesis at most), so a name
# that merely contains 计 (计家村) is never taken for one.
_LABEL_NOISE = re.compile(r"[(\[【（][^)\]】）]*[)\]】）]|[:：,，.。、;；*＊#_-]")
_TOTAL_LABEL = re.compile(r"(?:.{0,12}?(?:县|市|区|镇|乡|街道|场|所|村|省)|全部|总)?"
                          r"(?:合计|总计|共计|总合计|累计|汇总|合计数|总计数)"
                          r"|全(?:县|市|区|镇|乡)")
# 东片小计, 新泉镇小计, 东片合计 (a group's 合计 is its 小计)
_SUBTOTAL_LABEL = re.compile(r".{0,16}?(?:小计|小合计|分计)|.{0,12}?(?:片|片区|组|区域|板块)(?:合计|总计)")
TOTAL, SUBTOTAL = "total", "subtotal"
_LABEL_CHARS = ("计", "总", "全")


def total_label(text: object, kind: TableKind | None = None) -> str | None:
    """TOTAL for a 合计 label, SUBTOTAL for a 小计 label, None for anything else."""
    if not isinstance(text, str) or not any(ch in text for ch in _LABEL_CHARS):
        return None
    label = _LABEL_NOISE.sub("", normalize_name(text))
    if _SUBTOTAL_LABEL.fullmatch(label):
        return SUBTOTAL
    if _TOTAL_LABEL.fullmatch(label):
        return TOTAL
    if kind is not None and normalize_name(text) in {normalize_name(t) for t in kind.total_labels}:
        return TOTAL
    return None


def _header_texts(kind: TableKind) -> dict[str, set[str]]:
    """Column key -> the normalised header texts that name it (top-level columns only)."""
    texts = {}
    for col in kind.columns:
        if col.parent is None:
            texts[col.key] = col.header_names
    return texts


_TEXTS: dict[tuple[str, str], tuple[TableKind, dict[str, set[str]]]] = {}


def _texts(kind: TableKind) -> dict[str, set[str]]:
    # kept for this very kind: one not read from a file (kind new's, before it is written) has no
    # digest, and another of the same name may come next
    key = (kind.name, kind.digest)
    cached = _TEXTS.get(key)
    if cached is None or cached[0] is not kind:
        cached = _TEXTS[key] = (kind, _header_texts(kind))
    return cached[1]


def _match_header_row(row: list, kind: TableKind, above: list | None = None) -> dict[str, int]:
    """Column key -> 0-based index of the cells of `row` that are headers of `kind`; a cell under
    a declared parent in `above` (牵头单位 under 责任人) is a sub-column, never a top-level one."""
    found: dict[str, int] = {}
    texts = _texts(kind)
    under = _under_parent(above, kind, len(row)) if above else ()
    for index, value in enumerate(row):
        if not isinstance(value, str) or index in under:
            continue
        norm = normalize_header(value, kind.units)
        for key, names in texts.items():
            if key not in found and norm in names:
                found[key] = index
                break
    return found


def header_matches_needed(kind: TableKind) -> int:
    """How many of the kind's headers a row must name to be taken for its header: three, or every
    column of a kind that has fewer (乡镇 | 任务数), but never a single cell."""
    return max(2, min(MIN_HEADER_MATCHES, len(kind.columns)))


def _under_parent(above: list, kind: TableKind, width: int) -> set[int]:
    """Indexes (below `width`) under a parent header the kind declares (责任人) in the row `above`:
    its own cell and, when it was not merged across its sub-columns, the empty cells right of it."""
    parents = {normalize_name(c.parent) for c in kind.columns if c.parent}
    under: set[int] = set()
    spanning = False
    for index in range(max(len(above), width) if parents else 0):
        value = above[index] if index < len(above) else None
        if isinstance(value, str) and normalize_name(value) in parents:
            spanning = True
        elif value is not None and value != "":
            spanning = False
        if spanning:
            under.add(index)
    return under


def _find_header(rows: list[list], kind: TableKind) -> tuple[int, dict[str, int]] | None:
    best: tuple[int, dict[str, int]] | None = None
    needed, texts = header_matches_needed(kind), _texts(kind)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = _match_header_row(row, kind, rows[index - 1] if index else None)
        if len(texts) < needed and len(found) == len(texts):
            # too few top-level headers to tell the table by (乡镇 | 引进资金 › 内资 | 外资): the
            # sub-headers of the row below count too
            found.update(_sub_headers(rows, kind, index))
        if len(found) >= needed and (best is None or len(found) > len(best[1])):
            best = (index, found)
            if len(found) == len(texts):
                break
    return best


def _header_view(sheet: SheetData) -> list[list]:
    """The top rows with every merged range's value in each cell it covers: a header cell merged
    over two rows (乡镇 beside 面积 › 粮食总面积 | 早稻面积) names its column in both."""
    rows = [list(row) for row in sheet.rows[:HEADER_SEARCH_ROWS + 2]]
    for top, left, bottom, right in sheet.merged:
        value = sheet.value(top, left)
        if value is None:
            continue
        for row in range(max(top, sheet.origin_row), bottom + 1):
            r = row - sheet.origin_row
            if r >= len(rows):
                break
            cells = rows[r]
            for col in range(max(left, sheet.origin_col), right + 1):
                c = col - sheet.origin_col
                if len(cells) <= c:
                    cells.extend([None] * (c + 1 - len(cells)))
                if cells[c] is None:
                    cells[c] = value
    return rows


def header_unit(text: object, units: frozenset[str] = KNOWN_UNITS) -> str | None:
    """The unit a header cell states: 粮食总产量(万吨) -> 万吨, 面积（万亩） -> 万亩, 吨 -> 吨;
    `units` are the units the kind's headers may state (TableKind.units)."""
    if not isinstance(text, str):
        return None
    norm = normalize_name(text).removeprefix("单位").lstrip(":：")
    if norm.strip("()（）") in units:
        return norm.strip("()（）")
    return split_unit(norm, units)[1]


def _unit_only(text: str, units: frozenset[str]) -> bool:
    """万亩, (万亩), 单位：吨 — a cell that states a unit and nothing else."""
    core = normalize_name(text).removeprefix("单位").lstrip(":：").strip("()（）")
    return core in units


def _is_unit_row(row: list, found: dict[str, int], kind: TableKind) -> bool:
    """A row under the header that only gives units (万亩 | 万亩 | 吨 …), not data."""
    numeric = {i for key, i in found.items() if kind.column(key).is_numeric and key != kind.key}
    units = 0
    for index, value in enumerate(row):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str):
            return False
        if _unit_only(value, kind.units):
            units += index in numeric
        elif normalize_name(value) not in ("单位", "计量单位", "单位名称") or index in numeric:
            return False
    return units > 0


def _header_block(sheet: SheetData, view: list[list], kind: TableKind, header: int,
                  found: dict[str, int]) -> list[int]:
    """The rows (0-based) of the whole header: the row that names most columns, a parent row
    above it or a sub-row below it that names the rest (面积(万亩) over 粮食总面积 | 早稻面积,
    责任人 over 县政府 | 牵头单位), and a row of units under it (粮食总面积 over 万亩)."""
    indexes = [header]
    for neighbour in (header - 1, header + 1):
        if not 0 <= neighbour < len(view):
            continue
        row = view[neighbour]
        if any(isinstance(v, (int, float)) for v in row):
            continue
        used = set(found.values())
        above = view[neighbour - 1] if neighbour else None
        extra = {k: i for k, i in _match_header_row(row, kind, above).items() if k not in found and i not in used}
        if extra:
            found.update(extra)
            indexes.append(neighbour)
        elif neighbour == header - 1 and _merged_across(sheet, neighbour, header):
            indexes.append(neighbour)
    sub = _sub_headers(view, kind, header)
    if sub:
        found.update(sub)
        indexes.append(header + 1)
    indexes = sorted(set(indexes))
    below = indexes[-1] + 1
    if below < len(view) and _is_unit_row(view[below], found, kind):
        indexes.append(below)
    return indexes


def _merged_across(sheet: SheetData, upper: int, lower: int) -> bool:
    """A merged range covers both rows (0-based): the two belong to one header."""
    top, bottom = sheet.origin_row + upper, sheet.origin_row + lower
    return any(first <= top and last >= bottom for first, _, last, _ in sheet.merged)


def _units(view: list[list], indexes: list[int], found: dict[str, int], kind: TableKind) -> dict[str, str]:
    """Column key -> the unit its header cell, a unit row or a parent header states."""
    units = {}
    for key, index in found.items():
        for row in reversed(indexes):               # own cell and unit row first, parent last
            cells = view[row]
            unit = header_unit(cells[index], kind.units) if index < len(cells) else None
            if unit:
                units[key] = unit
                break
    return units


# 单位：亩、吨 / 计量单位:万亩 / 金额单位：万元 — the units a line above the table states
_UNIT_LINE = re.compile(r"单位\s*[:：]\s*(.+?)(?:\s{2,}|\u3000|$)")
_UNIT_LINE_SPLIT = re.compile(r"[、，,/;；\s]+")


def _unit_line(view: list[list], header: int, kind: TableKind) -> tuple[int, int, list[str]] | None:
    """(row, col) 0-based of the 单位：… line above the header, and the units it lists (only the
    words that are units: 填报单位：三塘镇 lists none and is no unit line)."""
    for r in range(header):
        for c, value in enumerate(view[r]):
            if not isinstance(value, str) or "单位" not in value:
                continue
            for match in _UNIT_LINE.finditer(value):
                words = [w.strip("()（）") for w in _UNIT_LINE_SPLIT.split(normalize_name(match.group(1)))]
                units = [w for w in words if w in kind.units]
                if units:
                    return r, c, units
    return None


def _line_units(view: list[list], header: int, found: dict[str, int], kind: TableKind,
                units: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Give each number column whose header states no unit the unit the 单位：亩、吨 line lists
    for what it measures (亩 for an area in 万亩, 吨 for an output in 吨); adds to `units` and
    returns column key -> the line's 0-based (row, col). Two units of one measure: none taken."""
    line = _unit_line(view, header, kind)
    if line is None:
        return {}
    row, col, listed = line
    cells = {}
    for key in found:
        declared = kind.column(key).unit
        if key in units or not declared or not kind.column(key).is_numeric:
            continue
        same = {u for u in listed if u in unit_group(declared)}
        if len(same) == 1:
            units[key] = same.pop()
            cells[key] = (row, col)
    return cells


def _duplicate_columns(sheet: SheetData, indexes: list[int], found: dict[str, int],
                       kind: TableKind) -> dict[str, list[int]]:
    """Column key -> other Excel columns whose header names the same column (a second 粮食总面积)."""
    used = set(found.values())
    duplicates: dict[str, list[int]] = {}
    for r in indexes:
        row = sheet.rows[r] if r < len(sheet.rows) else []
        for index, value in enumerate(row):
            if index in used or not isinstance(value, str):
                continue
            norm = normalize_header(value, kind.units)
            for key, names in _texts(kind).items():
                # the key column is left out: 序号 beside a task's own 编号 is a usual layout
                if key in found and key != kind.key and norm in names:
                    duplicates.setdefault(key, []).append(sheet.origin_col + index)
                    used.add(index)
                    break
    return duplicates


def _sub_headers(rows: list[list], kind: TableKind, header_index: int) -> dict[str, int]:
    """Columns under a merged parent header (责任人 over 县政府 | 牵头单位), from the next row."""
    children = [c for c in kind.columns if c.parent]
    if not children or header_index + 1 >= len(rows):
        return {}
    header = rows[header_index]
    parents = {normalize_name(c.parent) for c in children}
    start = next((i for i, v in enumerate(header) if normalize_name(v) in parents), None)
    below = rows[header_index + 1]
    found: dict[str, int] = {}
    for index, value in enumerate(below):
        if start is not None and index < start:
            continue
        norm = normalize_header(value, kind.units) if isinstance(value, str) else ""
        for col in children:
            if col.key not in found and norm in col.header_names:     # 内资 or 内资(亿元)
                found[col.key] = index
                break
    return found


def _scope(view: list[list], kind: TableKind, indexes: list[int], key_index: int | None) -> str:
    if key_index is None or kind.rows_from == "tasks":     # a task table has no township's version
        return "county"
    texts = [normalize_header(view[i][key_index]) for i in indexes if key_index < len(view[i])]
    # 村(社区), 村名, 行政村, 社区, 村（居）委会: rows are villages, the sheet is one township's
    return "township" if any("村" in t or "社区" in t for t in texts) else "county"


def locate_table(sheet: SheetData, kind: TableKind | None = None,
                 candidates: list[TableKind] | None = None) -> LocatedTable | None:
    """The table of `kind` (or of the best-matching kind among `candidates`, by default the
    built-in kinds) on `sheet`, or None."""
    view = _header_view(sheet) if sheet.merged else sheet.rows
    candidates = [kind] if kind else list(candidates or KINDS.values())
    best = None
    for candidate in candidates:
        header = _find_header(view, candidate)
        if header and (best is None or len(header[1]) > len(best[1][1])):
            best = (candidate, header)
    if best is None:
        return None
    kind, (header_index, found) = best
    header_indexes = _header_block(sheet, view, kind, header_index, found)
    table = LocatedTable(
        kind=kind, sheet=sheet,
        header_rows=[sheet.origin_row + i for i in header_indexes],
        columns={key: sheet.origin_col + i for key, i in found.items()},
        scope=_scope(view, kind, header_indexes, found.get(kind.key)),
        units=_units(view, header_indexes, found, kind),
        duplicate_columns=_duplicate_columns(sheet, header_indexes, found, kind))
    line = _line_units(view, header_indexes[0], found, kind, table.units)
    table.unit_line_cells = {key: (sheet.origin_row + r, sheet.origin_col + c) for key, (r, c) in line.items()}
    end = _collect_rows(table, found, header_indexes[-1] + 1)
    if sheet.merged:
        _fill_merged(table)
    table.later_header = _later_header(sheet, end)
    return table


def _fill_merged(table: LocatedTable) -> None:
    """A value merged down over several rows (责任领导 / 牵头单位 / 责任人 over a group of tasks,
    the usual print layout) belongs to every row it covers. Numbers are left as Excel sums
    them: in the first cell only."""
    kind, sheet = table.kind, table.sheet
    columns = [(key, col) for key, col in table.columns.items()
               if key != kind.key and not kind.column(key).is_numeric]
    by_row = {row.row: row for row in table.rows}
    for top, left, bottom, right in sheet.merged:
        if bottom == top or top not in by_row:
            continue
        value = sheet.value(top, left)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        for key, col in columns:
            if not left <= col <= right:
                continue
            for number in range(top, bottom + 1):
                row = by_row.get(number)
                if row is not None and row.cells.get(key) is None:
                    row.cells[key] = value


def _later_header(sheet: SheetData, start: int) -> int | None:
    """Excel row of a table header below the end of this table (a second table), if any."""
    for index in range(start, len(sheet.rows)):
        row = sheet.rows[index]
        if sum(isinstance(v, str) for v in row) < MIN_HEADER_MATCHES:
            continue
        if any(len(_match_header_row(row, k)) >= MIN_HEADER_MATCHES for k in KINDS.values()):
            return sheet.origin_row + index
    return None


def _collect_rows(table: LocatedTable, found: dict[str, int], start: int) -> int:
    """Data rows below the header; returns the index of the first row after the table.

    Written for speed: this sees every row of the sheet (100 000 on a big county table). The
    usual rows (a name in the key column, numbers or nothing elsewhere) are told apart and made
    TableRows in bulk (_usual_keys, _usual_rows); only the others (blank rows, notes, repeated
    headers, 合计 and 小计, text in a number column) are looked at one by one.
    """
    sheet, kind = table.sheet, table.kind
    subtotals: list[tuple[TableRow, int]] = []     # each 小计 row and how many rows came before it
    key_index = found.get(kind.key)
    indexes = list(found.values())
    layout = RowLayout(found)
    width = max(indexes) + 1
    hidden, origin = sheet.hidden_rows, sheet.origin_row
    body = sheet.rows[start:]
    usual = _usual_keys(body) if key_index == 0 and len(indexes) > 1 else [None] * len(body)
    rows = table.rows
    stop = len(sheet.rows)
    done = 0                    # rows of `body` taken so far
    for position in [i for i, text in enumerate(usual) if text is None]:
        if position > done:
            rows += _usual_rows(body, usual, done, position, origin + start, width, hidden, layout)
        done = position + 1
        index = start + position
        row = body[position]
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
                if (rows or table.total_row) and not (
                        filled == 1 and rows and table.total_row is None
                        and _rows_then_total(body, position + 1, found, kind)):
                    stop = index + 1
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
        entry = TableRow(excel_row, key_text, None, excel_row in hidden, row, layout)
        label = _row_label(key_value, first, kind) if first is not None else None
        if label == SUBTOTAL:
            subtotals.append((entry, len(rows)))
            continue
        if label == TOTAL:
            if table.total_row is None:
                table.total_row = entry
            else:
                table.other_totals.append(entry)
            if rows:
                stop = index + 1
                break               # the 合计 closes the table; below it are footers and live checks
            continue
        rows.append(entry)
    else:
        if len(body) > done:
            rows += _usual_rows(body, usual, done, len(body), origin + start, width, hidden, layout)
    subtotals = _drop_group_headings(table, subtotals)
    _group_subtotals(table, subtotals)
    return stop


def _rows_then_total(body: list[list], begin: int, found: dict[str, int], kind: TableKind) -> bool:
    """Below a note line between the rows (注：以下为新划入的村): rows with numbers, then the
    table's 合计 — the note is inside the table and does not end it. A header on the way (a
    second table) or no 合计 below: the note ends the table, as a note under it does."""
    numeric = [i for key, i in found.items() if key != kind.key and kind.column(key).is_numeric]
    key_index = found.get(kind.key)
    numbers = False
    for row in body[begin:]:
        filled = [v for v in row if v is not None and not (isinstance(v, str) and not v.strip())]
        if not filled:
            continue
        key_value = row[key_index] if key_index is not None and key_index < len(row) else None
        label = _row_label(key_value, filled[0], kind)
        if label == TOTAL:
            return numbers
        if sum(isinstance(v, str) for v in filled) >= MIN_HEADER_MATCHES \
                and len(_match_header_row(row, kind)) >= MIN_HEADER_MATCHES:
            return False
        numbers = numbers or any(i < len(row) and isinstance(row[i], (int, float))
                                 and not isinstance(row[i], bool) for i in numeric)
    return False


def _usual_keys(body: list[list]) -> list[str | None]:
    """For each row, its key text when it is the usual row, else None: text in the first cell
    only (a name that is not a 合计/小计 label nor a note), numbers or nothing elsewhere."""
    return [key if row and type(row[0]) is str and list(map(type, row)).count(str) == 1
            and (key := row[0].strip()) and "计" not in key and "总" not in key and "全" not in key
            and not key.startswith(NOTE_PREFIXES) else None for row in body]


def _usual_rows(body: list[list], keys: list, begin: int, end: int, first_row: int, width: int,
                hidden: frozenset[int], layout: RowLayout) -> list[TableRow]:
    """TableRows for body[begin:end], all usual rows, made in one go."""
    chunk = body[begin:end]
    if min(map(len, chunk)) < width:
        chunk = [row if len(row) >= width else row + [None] * (width - len(row)) for row in chunk]
    numbers = range(first_row + begin, first_row + end)
    flags = map(hidden.__contains__, numbers) if hidden else repeat(False)
    return list(map(TableRow, numbers, keys[begin:end], repeat(None), flags, chunk, repeat(layout)))


# a group's heading above its rows: 一、东片 / （二）西片 / 东片区, with nothing else in the row
_HEADING = re.compile(r"(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]).*"
                      r"|.{1,12}(?:片|片区|组|区域|板块)")


_HEADING_MARKS = ("、", ".", "．", "(", "（", "片", "组", "域", "块")     # one of them is in every heading
_KEY = attrgetter("key")
_HEADING_ANYWHERE = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[(（]\s*[一二三四五六七八九十\d])"
                               r"|(?:片|片区|组|区域|板块)\s*$", re.MULTILINE)


def _drop_group_headings(table: LocatedTable, subtotals: list[tuple[TableRow, int]],
                         ) -> list[tuple[TableRow, int]]:
    """Group headings are not rows (they would be unknown names with every number missing);
    the 小计 positions are counted again without them."""
    key = table.kind.key

    def heading(row: TableRow) -> bool:
        return (row.key is not None and _HEADING.fullmatch(normalize_name(row.key)) is not None
                and all(v is None or (isinstance(v, str) and not v.strip())
                        for k, v in row.cells.items() if k != key))
    keys = "\n".join(filter(None, map(_KEY, table.rows)))
    if not any(mark in keys for mark in _HEADING_MARKS) or _HEADING_ANYWHERE.search(keys) is None:
        return subtotals                            # in C over a 100 000-row table
    flags = [heading(row) for row in table.rows]
    if not any(flags):
        return subtotals
    before = [0]
    for flag in flags:
        before.append(before[-1] + flag)
    table.rows[:] = [row for row, flag in zip(table.rows, flags) if not flag]
    return [(entry, count - before[count]) for entry, count in subtotals]


def _group_subtotals(table: LocatedTable, subtotals: list[tuple[TableRow, int]]) -> None:
    """Each 小计 adds up its group: the rows since the previous 小计 (小计 below its group), or,
    when the table starts with a 小计, the rows up to the next one (小计 above its group)."""
    if not subtotals:
        return
    rows = table.rows
    above = subtotals[0][1] == 0 and len(rows) > 0
    bounds = [count for _, count in subtotals]
    for number, (entry, count) in enumerate(subtotals):
        if above:
            end = bounds[number + 1] if number + 1 < len(bounds) else len(rows)
            members = rows[count:end]
        else:
            members = rows[bounds[number - 1] if number else 0:count]
        table.subtotals.append(Subtotal(entry, members))
    only = table.subtotals[0]
    if table.total_row is None and len(table.subtotals) == 1 and len(only.members) == len(rows):
        table.total_row, table.subtotals = only.row, []     # a lone 小计 under all rows is the 合计


def _key_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _row_label(key_value, first, kind: TableKind) -> str | None:
    """合计 / 小计 in the key cell, or in the first filled cell when the key column is elsewhere."""
    for value in (key_value, first):
        label = total_label(value, kind)
        if label is not None:
            return label
    return None


def _is_sub_header(texts: list[str], kind: TableKind) -> bool:
    """The second header row (县政府 | 牵头单位) repeated on its own; or, for a kind of fewer
    than MIN_HEADER_MATCHES columns (乡镇 | 任务数), its whole header repeated."""
    children = {name for c in kind.columns if c.parent for name in c.header_names}
    filled = [normalize_header(v, kind.units) for v in texts if v.strip()]
    if len(kind.columns) < MIN_HEADER_MATCHES and len(filled) >= 2:
        return len({key for key, names in _texts(kind).items() for f in filled if f in names}) == len(filled)
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
