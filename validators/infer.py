"""`fenjie kind new`: a table kind inferred from a filled table the county already has.

Reads the sheet as `fenjie check` does (validators.read), finds the title, the header (one or
two rows; a merged parent header over its sub-headers), the 单位 line, the data rows and the 合计
row, and decides what each column is. Every decision, and what could not be decided, is kept
as a Chinese sentence for the clerk.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from templates.config import Config
from templates.identity import OWN_SHEET_PREFIX
from templates.kinds import INTEGER, KINDS, NAMES, NUMBER, TEXT, Column, TableKind
from templates.names import VILLAGE_SUFFIXES, looks_like_township, normalize_name, split_names
from validators.check.locate import TOTAL, total_label

HEADER_SEARCH_ROWS = 30
TOTAL_WORDS = ("合计", "总计", "全县合计", "合 计", "总 计")
NOTE_PREFIXES = ("注", "说明", "备注", "填报", "制表", "审核", "联系")
UNIT_IN_HEADER = re.compile(r"^(.*?)\s*[（(]\s*([^()（）]{1,8}?)\s*[)）]\s*$")
UNIT_LINE = re.compile(r"^\s*(计量)?单位\s*[:：]\s*(.+?)\s*$")
YEAR = re.compile(r"(19|20)\d{2}\s*年(度)?")
PLACE_PREFIX = re.compile(r"^[\u4e00-\u9fff]{1,6}?[县市区旗]")
UNIT_END = re.compile(r"(局|委|办|中心|公司|集团|院|所|队|部|会|站|室|处|馆|团)$")
UNIT_KEY_HEADERS = ("单位", "单位名称", "责任单位")     # no built-in kind has unit rows to learn from


class InferProblem(Exception):
    """A sheet fenjie cannot make a kind from; the message is Chinese."""


@dataclass
class Inferred:
    kind: TableKind
    decided: list[str] = field(default_factory=list)     # what was decided, in Chinese
    undecided: list[str] = field(default_factory=list)   # what could not be, in Chinese


@dataclass
class _Header:
    index: int                  # position in the sheet's row
    header: str
    parent: str | None = None
    numbering: bool = False     # a 序号 column: 1…N down the rows (_numbering)


def infer_kind(path, config: Config | None = None) -> Inferred:
    """The kind of the first sheet of `path` that holds a table; InferProblem when none does."""
    from validators.read.workbook import read_workbook
    book = read_workbook(path, limits=config.limits if config else None)
    for sheet in [s for s in book.sheets if not s.hidden and not s.name.startswith(OWN_SHEET_PREFIX)]:
        rows = [[_clean(v) for v in row] for row in sheet.rows]
        found = _header_row(rows)
        if found is not None:
            return _infer(rows, found, config)
    raise InferProblem("在这个文件里没有找到表格：需要一行表头（至少两列文字）和其下的数据行。")


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _header_row(rows: list[list]) -> int | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        filled = [v for v in row if v is not None]
        if len(filled) < 2 or not all(isinstance(v, str) for v in filled):
            continue
        if UNIT_LINE.match(filled[0]) or filled[0].startswith(NOTE_PREFIXES):
            continue
        if any(any(v is not None for v in below) for below in rows[index + 1:index + 4]):
            return index
    return None


def _infer(rows: list[list], top: int, config: Config | None) -> Inferred:
    out = Inferred(kind=None)  # type: ignore[arg-type]
    headers, data_start = _headers(rows, top, out)
    data, total = _data_rows(rows, data_start)
    if not data:
        raise InferProblem("找到了表头，但表头下面没有数据行：请给一张已经填好的表。")
    title = _title(rows[:top], config, out)
    unit_line, line_unit = _unit_line(rows[:top], out)
    columns_values = {h.index: [r[h.index] if h.index < len(r) else None for r in data] for h in headers}
    for header in headers:
        header.numbering = _numbering(header, columns_values[header.index], first=header is headers[0])
    key, rows_from = _key_column(headers, columns_values, config, out)
    total_label = next((v for v in (total or []) if isinstance(v, str)), None)
    columns = [_column(h, columns_values[h.index], key, rows_from, total, config, line_unit, out)
               for h in headers]
    key_col = columns[headers.index(key)]
    key_headers = {"county": key_col.header, "township": "村(社区)" if rows_from == "townships"
                   else key_col.header}
    if rows_from == "townships" and re.search("村|社区", key_col.header):  # a township's table of villages
        key_headers = {"county": _county_place_header(), "township": key_col.header}
    labels = tuple(dict.fromkeys([*([total_label] if total_label else []), *TOTAL_WORDS])) if total else ()
    if not total:
        out.decided.append("表中没有合计行：各列都不设合计（summed = false）。")
    name = re.sub(r"\s+", "", title)
    kind = TableKind(name=name, title=title, version=1, columns=tuple(columns), key=key_col.key,
                     key_headers=key_headers, rows_from=rows_from, total_labels=labels,
                     unit_line=unit_line, title_words=(title,),
                     description=f"{title}（由 fenjie kind new 从已填好的表推断）")
    out.kind = kind
    return out


def _headers(rows: list[list], top: int, out: Inferred) -> tuple[list[_Header], int]:
    """The columns' header texts; a second header row when texts stand under a merged parent."""
    first = rows[top]
    below = rows[top + 1] if top + 1 < len(rows) else []
    width = max(len(first), len(below))
    cell = lambda row, i: row[i] if i < len(row) else None  # noqa: E731
    two_rows = (all(v is None or isinstance(v, str) for v in below)
                and any(isinstance(cell(below, i), str) and cell(first, i) is None
                        and any(cell(first, j) is not None for j in range(i)) for i in range(width)))
    headers, parent = [], None
    for i in range(width):
        upper, lower = cell(first, i), cell(below, i) if two_rows else None
        if upper is not None:
            parent = upper
        if lower is not None:
            headers.append(_Header(i, str(lower), parent))
        elif upper is not None:
            headers.append(_Header(i, str(upper)))
    if two_rows:
        groups = sorted({h.parent for h in headers if h.parent})
        out.decided.append(f"表头占两行：「{'、'.join(groups)}」是合并的上一行表头。")
    else:
        out.decided.append(f"表头在第 {top + 1} 行（一行）。")
    return headers, top + (2 if two_rows else 1)


def _data_rows(rows: list[list], start: int) -> tuple[list[list], list | None]:
    data, total, gap = [], None, False
    for row in rows[start:]:
        filled = [v for v in row if v is not None]
        if not filled:
            gap = bool(data)  # a template's spare rows: the 合计 may still follow
            continue
        first = filled[0]
        if isinstance(first, str) and any(total_label(v) == TOTAL for v in filled[:2]):
            total = row
            if data:
                break
            continue
        if gap:
            break
        if isinstance(first, str) and first.startswith(NOTE_PREFIXES) and len(filled) == 1:
            break
        data.append(row)
    return data, total


def _title(above: list[list], config: Config | None, out: Inferred) -> str:
    texts = [v for row in above for v in row if isinstance(v, str)
             and not UNIT_LINE.match(v) and not v.startswith("附件")]
    if not texts:
        out.undecided.append("表头上方没有标题：表名暂定为「分解表」，请在 title 中改正。")
        return "分解表"
    title = max(texts, key=len)
    short = YEAR.sub("", title)
    if config is not None and config.county in short:
        short = short.replace(config.county, "", 1)
        township = next((t for t in config.townships if short.startswith(t)), None)
        if township and len(short) - len(township) >= 4:  # a township's own table of villages
            short = short[len(township):]
    else:
        match = PLACE_PREFIX.match(short)
        if match and len(short) - match.end() >= 4:
            short = short[match.end():]
    short = short.strip() or title
    out.decided.append(f"标题「{title}」，去掉县名和年份后表名为「{short}」。")
    return short


def _unit_line(above: list[list], out: Inferred) -> tuple[str | None, str | None]:
    for row in above:
        for value in row:
            match = UNIT_LINE.match(value) if isinstance(value, str) else None
            if match:
                units = [u for u in re.split(r"[、，,/\s]+", match.group(2)) if u]
                single = units[0] if len(units) == 1 else None
                out.decided.append(f"单位一行「{value}」" + (f"：没有注明单位的数字列用「{single}」。"
                                                          if single else "。"))
                return value, single
    return None, None


def _county_place_header() -> str:
    """The county table's key header of the built-in kinds whose rows are places (乡镇(单位))."""
    return next(k.key_headers["county"] for k in KINDS.values() if k.rows_from == "townships")


def _key_name(rows_from: str) -> str:
    """The key column's key: a place's or unit's name, or a task's name when no 序号 numbers the
    tasks (a numbered task table is keyed by its 序号 column, "seq")."""
    return {"townships": "place", "units": "unit", "tasks": "task"}[rows_from]


def _texts(values: list) -> list[str]:
    return [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in values if v is not None]


def _sequence(values: list) -> bool:
    numbers = [v for v in values if v is not None]
    return bool(numbers) and all(_is_number(v) and float(v).is_integer() for v in numbers) and \
        [int(v) for v in numbers] == list(range(1, len(numbers) + 1))


def _numbering(header: _Header, values: list, first: bool) -> bool:
    """Numbers 1…N down the rows in the table's first column or under a 序号 header: a count that
    happens to run 1, 2, 3 (任务数 of a three-row table) is a number column, not a 序号."""
    return header.parent is None and _sequence(values) and (
        first or normalize_name(header.header) in {normalize_name(h) for h in _key_headers("tasks")})


def _key_column(headers: list[_Header], values: dict, config: Config | None,
                out: Inferred) -> tuple[_Header, str]:
    """The key column and what the rows are: townships, units (by the config, else by how the
    names end), or tasks numbered 1..N."""
    text_columns = [h for h in headers if h.parent is None and values[h.index]
                    and all(isinstance(v, str) for v in values[h.index] if v is not None)]
    sequence = next((h for h in headers if h.numbering), None)
    for header in text_columns:
        names = _texts(values[header.index])
        if sequence is not None and len({normalize_name(n) for n in names}) < len(names):
            continue  # numbered rows whose names repeat (one lead unit over several tasks) are tasks
        for rows_from, share, word in _name_shares(names, config):
            if share >= 0.8:
                out.decided.append(f"键列「{header.header}」：{share:.0%} 的值是{word}，每行是一个{word}"
                                   f"（rows = \"{rows_from}\"）。")
                return header, rows_from
    if sequence is not None:
        out.decided.append(f"键列「{sequence.header}」：依次为 1…N，每行是一项任务（rows = \"tasks\"）。")
        return sequence, "tasks"
    first = text_columns[0] if text_columns else headers[0]
    texts = _texts(values[first.index])
    names = "".join(f"「{n}」" for n in texts[:3]) + ("…" if len(texts) > 3 else "")
    where = "不是 fenjie.toml 名录中的乡镇、村或单位" if config is not None else "看不出是乡镇、村还是单位"
    out.undecided.append(f"无法确定每行是什么：「{first.header}」一列的名称（{names}）{where}；把这一列当作"
                         "键列（文字），每行当作一项任务。如果是乡镇或单位，请改 rows，并在 fenjie.toml 的名录中"
                         "列出这些名称。")
    return first, "tasks"


def _key_headers(rows_from: str) -> tuple[str, ...]:
    """What a key column of such rows may be headed: every spelling the built-in kinds with the
    same rows accept (grain-plan's 乡镇(单位), 村(社区) …; task-breakdown's 序号 …)."""
    spellings = [text for kind in KINDS.values() if kind.rows_from == rows_from
                 for text in (*kind.key_headers.values(), kind.column(kind.key).header,
                              *kind.column(kind.key).variants)]
    return tuple(dict.fromkeys(spellings)) or (UNIT_KEY_HEADERS if rows_from == "units" else ())


def _name_shares(names: list[str], config: Config | None):
    if not names:
        return []
    if config is not None:
        towns = {normalize_name(t) for t in config.townships}
        units = {normalize_name(u) for u in config.units}
        for unit, variants in config.aliases.items():
            units |= {normalize_name(v) for v in variants}
        in_towns = sum(normalize_name(n) in towns for n in names) / len(names)
        in_units = sum(all(normalize_name(p) in units for p in split_names(n) or [n]) for n in names) / len(names)
        villages = {normalize_name(v) for listed in config.villages.values() for v in listed}
        in_villages = sum(normalize_name(n) in villages for n in names) / len(names)
        return [("townships", in_towns, "乡镇"), ("units", in_units, "单位"), ("townships", in_villages, "村")]
    towns = sum(looks_like_township(n) for n in names) / len(names)
    units = sum(bool(UNIT_END.search(n)) for n in names) / len(names)
    villages = sum(normalize_name(n).endswith(VILLAGE_SUFFIXES) for n in names) / len(names)
    return [("townships", towns, "乡镇"), ("units", units, "单位"), ("townships", villages, "村")]


def _column(header: _Header, values: list, key: _Header, rows_from: str, total: list | None,
            config: Config | None, line_unit: str | None, out: Inferred) -> Column:
    filled = [v for v in values if v is not None]
    required = len(filled) == len(values)
    if header is key:
        if rows_from == "tasks" and not header.numbering:
            # the tasks are told apart by their names (工作事项, 项目名称): a text column, whatever
            # fenjie could not place them as; the 序号 spellings are no other name for it
            return Column(_key_name(rows_from), header.header, TEXT, required=required,
                          width=_width(header.header, filled))
        variants = tuple(v for v in _key_headers(rows_from) if v != header.header)
        if rows_from == "tasks":
            return Column("seq", header.header, INTEGER, required=True, variants=variants, minimum=1,
                          role="sequence", missing_rule="K005", width=6)
        return Column(_key_name(rows_from), header.header, TEXT, required=False, variants=variants,
                      width=_width(header.header, filled))
    key_name = f"c{header.index + 1}"
    if header.numbering:
        out.decided.append(f"「{header.header}」：序号 1…N，须依次排列。")
        return Column("seq", header.header, INTEGER, required=required, minimum=1, role="sequence",
                      width=6)
    if filled and all(_is_number(v) for v in filled):
        return _number_column(key_name, header, filled, required, total, line_unit, out)
    kind = TEXT
    if config is not None and filled and all(
            all(config.resolve(p) for p in split_names(str(v))) for v in filled):
        kind = NAMES
        out.decided.append(f"「{header.header}」：单位或乡镇名称，须在名录中（type = \"names\"）。")
    elif any(_is_number(v) for v in filled):
        out.undecided.append(f"「{header.header}」：数字和文字混在一起，按文字列处理。")
    if not filled:
        out.undecided.append(f"「{header.header}」：没有填任何值，按可不填的文字列处理。")
    return Column(key_name, header.header, kind, required=required and bool(filled),
                  parent=header.parent, width=_width(header.header, filled))


def _number_column(key: str, header: _Header, numbers: list, required: bool, total: list | None,
                   line_unit: str | None, out: Inferred) -> Column:
    text, unit = header.header, None
    match = UNIT_IN_HEADER.match(text)
    if match:
        text, unit = match.group(1), match.group(2)
    unit = unit or line_unit
    integer = all(float(v).is_integer() for v in numbers)
    minimum = 0 if all(v >= 0 for v in numbers) else None
    summed, shown = False, None
    if total is not None and header.index < len(total):
        shown = total[header.index]
        places = max((_decimals(v) for v in numbers), default=0)
        summed = _is_number(shown) and abs(shown - math.fsum(numbers)) <= 0.5 * 10 ** -places + 1e-9
    words = [f"「{text}」：{'整数' if integer else '数字（有小数）'}",
             f"单位「{unit}」" if unit else "没有单位", "不小于 0" if minimum == 0 else "有负数"]
    if summed:
        words.append("合计等于各行之和，设为合计列")
    elif shown is not None and total_label(shown) != TOTAL:   # not the 合计 label itself
        out.undecided.append(f"「{text}」：合计行的值 {shown} 与各行之和 {math.fsum(numbers):g} 不符，"
                             "没有设为合计列。")
    if not required:
        words.append("有空格，可不填")
    out.decided.append("，".join(words) + "。")
    return Column(key, text, INTEGER if integer else NUMBER, unit=unit, required=required,
                  minimum=minimum, parent=header.parent, summed=summed,
                  width=_width(header.header, numbers))


def _decimals(value) -> int:
    text = repr(float(value))
    return 0 if text.endswith(".0") else len(text.split(".")[1])


def _width(header: str, values: list) -> float:
    longest = max([len(header), *(len(str(v)) for v in values[:200])])
    return float(min(max(longest * 2 + 2, 8), 60))
