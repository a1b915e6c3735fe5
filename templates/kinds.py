"""Table kinds: the single declaration each template, schema, rule and doc derives from.

Pure Python on purpose: `fenjie kinds`, `fenjie rules` and `fenjie --help` import this
module and must stay fast (no pandas, no openpyxl).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from templates.names import normalize_header

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

    @property
    def label(self) -> str:
        """Header text as shown in a template: 粮食总面积(万亩)."""
        return f"{self.header}({self.unit})" if self.unit else self.header

    @property
    def header_names(self) -> set[str]:
        """Every header text that names this column, normalised (see names.normalize_header)."""
        return {normalize_header(h) for h in (self.header, self.label, *self.variants)}

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
    rows_from: str                 # "townships" (rows are places) or "tasks"
    total_labels: tuple[str, ...] = ()
    unit_line: str | None = None
    cross_rules: tuple[CrossRule, ...] = ()
    ratio_rules: tuple[RatioRule, ...] = ()
    title_words: tuple[str, ...] = ()  # words that identify the kind from a title line
    description: str = ""
    rule_codes: tuple[str, ...] = field(default=())  # kind-independent rules that apply
    main: str | None = None        # the headline column (merge's chart, 完成率); default: first summed

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    def title_for(self, county: str, year: int | str, scope: str | None = None) -> str:
        place = scope if scope and scope != county else ""
        return f"{county}{place}{year}年{self.title}"

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
        wanted = normalize_header(header)
        return next((c for c in self.columns if c.parent is None and wanted in c.header_names), None)

    def target_column(self, name: str) -> Column | None:
        """The summed column a target names, by header text (or a variant) or by column key."""
        col = self.column_by_header(name) or next((c for c in self.columns if c.key == name), None)
        return col if col is not None and col.summed else None


def _area(key: str, header: str, *variants: str, width: float = 13) -> Column:
    return Column(key, header, NUMBER, unit="万亩", variants=variants, minimum=0,
                  summed=True, width=width)


GRAIN_PLAN = TableKind(
    name="grain-plan",
    title="粮食生产计划任务分解表",
    version=1,
    columns=(
        Column("unit", "乡镇(单位)", TEXT, variants=("乡镇", "单位", "乡镇（单位）", "乡镇(街道)",
                                                   "乡镇名称", "村(社区)", "村（社区）", "村", "村社区",
                                                   "村(社区)名称", "单位名称", "村名", "村名称", "行政村",
                                                   "村委会", "社区", "村(居)委会", "村（居）委会", "村居",
                                                   "乡镇(街道)名称", "乡镇（街道）", "街道", "乡镇街道"),
               width=14),
        _area("grain_area", "粮食总面积", "粮食播种面积", "粮食面积", "粮食总播种面积"),
        _area("early_rice_area", "早稻面积", "早稻播种面积", "早稻"),
        Column("grain_output", "粮食总产量", NUMBER, unit="吨", variants=("粮食产量", "总产量"),
               minimum=0, summed=True, width=13),
        _area("early_rice_seedling", "早稻集中育秧", "集中育秧", "早稻集中育秧面积"),
        _area("demo_seedling", "专业化示范育秧", "示范育秧", "专业化育秧", width=15),
    ),
    key="unit",
    key_headers={"county": "乡镇(单位)", "township": "村(社区)"},
    rows_from="townships",
    total_labels=("合计", "总计", "全县合计", "合 计", "总 计", "小计"),
    unit_line="单位：万亩、吨",
    cross_rules=(
        CrossRule("X001", "early_rice_area", "grain_area"),
        CrossRule("X002", "early_rice_seedling", "early_rice_area"),
        CrossRule("X003", "demo_seedling", "early_rice_seedling"),
    ),
    ratio_rules=(
        RatioRule("P001", "grain_output", "grain_area", factor=1000 / 10000, low=300, high=800,
                  unit="公斤/亩", name="亩产"),
    ),
    title_words=("粮食生产", "粮食"),
    description="粮食生产计划任务分解表：各乡镇(村)的粮食面积、早稻面积、产量和育秧任务。",
    main="grain_area",
)

TASK_BREAKDOWN = TableKind(
    name="task-breakdown",
    title="目标任务分解表",
    version=1,
    columns=(
        Column("seq", "序号", INTEGER, variants=("编号", "序"), minimum=1, width=6),
        Column("task", "目标任务", TEXT, variants=("任务", "目标任务内容", "工作任务", "重点任务"), width=60),
        Column("leader", "责任领导", TEXT, variants=("县级责任领导", "分管领导"), width=11),
        Column("lead_unit", "牵头单位", NAMES, variants=("责任单位(牵头)",), width=16),
        Column("related_units", "相关单位", NAMES, required=False,
               variants=("配合单位", "责任单位", "协办单位"), width=22),
        Column("owner_county", "县政府", TEXT, parent="责任人", width=10),
        Column("owner_unit", "牵头单位", TEXT, parent="责任人", width=10),
    ),
    key="seq",
    key_headers={"county": "序号", "township": "序号"},
    rows_from="tasks",
    title_words=("目标任务", "任务分解"),
    description="目标任务分解表：每项任务的责任领导、牵头单位、相关单位和责任人。",
)

KINDS: dict[str, TableKind] = {k.name: k for k in (GRAIN_PLAN, TASK_BREAKDOWN)}


def get_kind(name: str) -> TableKind:
    try:
        return KINDS[name]
    except KeyError:
        known = "、".join(KINDS)
        raise KeyError(f"未知的表格类型「{name}」，可用的类型：{known}") from None
