"""Table kinds: the single declaration each template, schema, rule and doc derives from.

A kind is data: a TOML kind file (templates/kindfiles/*.toml for the built-ins, a county's own
files named by `kinds = [...]` in fenjie.toml), read by templates.kindfile. This module keeps the
data classes and the registry. Nothing is read at import: `fenjie --help` stays fast.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from templates.names import closest, normalize_header
from templates.units import unit_group, units_of

NUMBER = "number"
INTEGER = "integer"
TEXT = "text"
NAMES = "names"  # a cell holding one or more unit / township names


@dataclass(frozen=True)
class Column:
    key: str                       # ASCII identifier (JSON, code)
    header: str                    # header text as the gazette prints it, without the unit
    type: str = NUMBER
    unit: str | None = None        # 万亩, 吨 …
    required: bool = True
    variants: tuple[str, ...] = ()  # other header texts clerks use for this column
    minimum: float | None = None
    maximum: float | None = None
    parent: str | None = None      # upper header of a two-row merged header (责任人)
    summed: bool = False           # has a 合计 cell
    width: float = 12
    role: str | None = None        # "sequence": 1..N in order (K005)
    missing_rule: str | None = None  # the rule an empty required cell breaks (default N009)
    same_within: str | None = None  # a column key: this column must agree in rows sharing that value (K006)

    @property
    def label(self) -> str:
        """Header text as shown in a template: 粮食总面积(万亩)."""
        return f"{self.header}({self.unit})" if self.unit else self.header

    @property
    def header_names(self) -> set[str]:
        """Every header text that names this column, normalised (see names.normalize_header)."""
        units = units_of((self.unit,))
        return {normalize_header(h, units) for h in (self.header, self.label, *self.variants)}

    @property
    def units(self) -> dict[str, float]:
        """The units this column may be written in, each by what it is worth (templates.units):
        亩, 万亩, 公顷 … for a 万亩 column; none for a column without a unit."""
        return unit_group(self.unit)

    @property
    def is_numeric(self) -> bool:
        return self.type in (NUMBER, INTEGER)


@dataclass(frozen=True)
class CrossRule:
    """`left` must not exceed `right` (both column keys) in every row."""
    code: str
    left: str
    right: str


@dataclass(frozen=True)
class RatioRule:
    """Plausibility warning: numerator / denominator × factor must lie in [low, high]."""
    code: str
    numerator: str
    denominator: str
    factor: float
    low: float
    high: float
    unit: str
    name: str


@dataclass(frozen=True)
class TableKind:
    name: str                      # grain-plan
    title: str                     # 粮食生产计划任务分解表
    version: int
    columns: tuple[Column, ...]
    key: str                       # key column's key
    key_headers: dict[str, str]    # scope -> key column header: county / township
    rows_from: str                 # "townships" (rows are places), "units" or "tasks"
    total_labels: tuple[str, ...] = ()
    unit_line: str | None = None
    cross_rules: tuple[CrossRule, ...] = ()
    ratio_rules: tuple[RatioRule, ...] = ()
    title_words: tuple[str, ...] = ()  # words that identify the kind from a title line
    description: str = ""
    rule_codes: tuple[str, ...] = field(default=())  # kind-independent rules that apply
    main: str | None = None        # the headline column (merge's chart, 完成率); default: first summed
    digest: str = ""               # short hash of the declaration (identity block: a changed kind)
    source: str | None = None      # the kind file it was read from

    @cached_property
    def units(self) -> frozenset[str]:
        """Every unit a header of this kind may state: the known ones and its columns' own."""
        return units_of(c.unit for c in self.columns)

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    def title_for(self, county: str, year: int | str, scope: str | None = None) -> str:
        place = scope if scope and scope != county else ""
        return f"{county}{place}{year}年{self.title}"

    @property
    def by_place(self) -> bool:
        """Rows are names from the config's directory (townships or units), with a 合计."""
        return self.rows_from in ("townships", "units")

    @property
    def party(self) -> str:
        """What a line of the merge is called in Chinese: 单位 when rows are units, else 乡镇."""
        return "单位" if self.rows_from == "units" else "乡镇"

    @property
    def sequence_column(self) -> Column | None:
        return next((c for c in self.columns if c.role == "sequence"), None)

    @property
    def key_column(self) -> Column:
        return self.column(self.key)

    @property
    def numeric_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_numeric and c.key != self.key)

    @property
    def summed_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.summed)

    @property
    def main_column(self) -> Column | None:
        """The column a consolidation leads with: `main`, else the first summed column."""
        if self.main:
            return self.column(self.main)
        return self.summed_columns[0] if self.summed_columns else None

    def column_by_header(self, header: str) -> Column | None:
        """The top-level column whose header (label or a variant) is `header`, compared loosely.

        Sub-columns under a merged header (责任人 › 牵头单位) are not named by their text alone.
        """
        wanted = normalize_header(header, self.units)
        return next((c for c in self.columns if c.parent is None and wanted in c.header_names), None)

    def target_column(self, name: str) -> Column | None:
        """The summed column a target names, by header text (or a variant) or by column key."""
        col = self.column_by_header(name) or next((c for c in self.columns if c.key == name), None)
        return col if col is not None and col.summed else None


def target_problem(kinds: list[TableKind], name: str, value: float) -> str | None:
    """Why `name = value` cannot be a county target for `kinds` (fenjie.toml [targets], --target),
    in Chinese, or None: only a summed column takes a target, and not below its minimum."""
    columns = [c for c in (k.target_column(name) for k in kinds) if c is not None]
    if not columns:
        where = kinds[0].title if len(kinds) == 1 else "任何表格类型"
        choices = list(dict.fromkeys(c.header for k in kinds for c in k.summed_columns))
        if not choices:
            return f"{where}中没有可设目标的列。"
        hint = closest(normalize_header(name), choices)
        return (f"{where}中没有可设目标的列「{name}」" + (f"，是不是「{hint}」" if hint else "")
                + f"；可设目标的列：{'、'.join(choices)}。")
    minimums = [c.minimum for c in columns if c.minimum is not None]
    if minimums and value < min(minimums):
        return f"「{columns[0].header}」的目标不能小于 {min(minimums):g}；现在是 {value:g}。"
    return None


BUILTIN_DIR = Path(__file__).with_name("kindfiles")
BUILTIN_NAMES = ("grain-plan", "task-breakdown")


@cache
def builtin_kinds() -> dict[str, TableKind]:
    """The kinds fenjie ships, read from its own kind files through the county's loader."""
    from templates.kindfile import load_kind_file
    return {name: load_kind_file(BUILTIN_DIR / f"{name}.toml") for name in BUILTIN_NAMES}


class _Builtins(Mapping):
    """name -> built-in TableKind, read on first use."""

    def __getitem__(self, name: str) -> TableKind:
        return builtin_kinds()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(builtin_kinds())

    def __len__(self) -> int:
        return len(builtin_kinds())


KINDS: Mapping[str, TableKind] = _Builtins()


def __getattr__(name: str):
    """GRAIN_PLAN and TASK_BREAKDOWN, as the built-in declarations were once called."""
    legacy = {"GRAIN_PLAN": "grain-plan", "TASK_BREAKDOWN": "task-breakdown"}
    if name in legacy:
        return builtin_kinds()[legacy[name]]
    raise AttributeError(name)


def kinds_for(config=None) -> dict[str, TableKind]:
    """The built-in kinds and the county's own (a county kind with a built-in's name replaces it)."""
    county = getattr(config, "county_kinds", None) or {}
    return {**builtin_kinds(), **county}


_county_kinds_seen: dict[str, TableKind] = {}   # name -> a county kind read in this process


def remember(kind: TableKind) -> None:
    """Keep a county kind findable by name where no config is at hand (a report's title, a
    round of fenjie serve); detecting a table's kind still uses only the config's kinds."""
    _county_kinds_seen[kind.name] = kind


def find_kind(name: str, config=None, remembered: bool = True) -> TableKind | None:
    """The kind called `name` (its name or its Chinese title), or None."""
    kinds = kinds_for(config)
    if config is None and remembered:
        kinds = {**_county_kinds_seen, **kinds}
    if name in kinds:
        return kinds[name]
    return next((k for k in kinds.values() if name == k.title or name.lower() == k.name.lower()), None)


def get_kind(name: str, config=None, remembered: bool = True) -> TableKind:
    kind = find_kind(name, config, remembered)
    if kind is None:
        known = "、".join(kinds_for(config))
        raise KeyError(f"未知的表格类型「{name}」，可用的类型：{known}")
    return kind
