"""A failing and a passing example for every rule of the catalogue, as data.

Like ruff's rule pages: `fenjie rules CODE` prints both examples as small tables, and
tests/test_rule_examples.py writes each one to a real .xlsx, runs the real engine on it and
checks that the failing example gets the rule's code (at `cell`) and the passing one does not.
A rule without examples fails that test, so the catalogue and its examples cannot drift apart.

An example is what a clerk would have on the desk: the returned file(s) — a table as cell values,
header first, maybe a hidden sheet or row, the template's hidden identity block, or bytes that
are no spreadsheet at all — and what `fenjie check` was given with it: a small county config
(a few keys of fenjie.toml), --target, --from (a county table), or the township link of
`fenjie serve` it was uploaded through. The county is a small one, two townships and their
figures taken from examples/xiangyin-2025 (the gazette), so that every table fits on a screen;
`fenjie rules` needs no config file to show it.

Rules a kind declares (cross rules `a ≤ b`, ratio rules) get their examples GENERATED from the
declaration (`kind_examples`), not written in the kind file: a county that adds a cross rule to
its own kind file gets examples without writing any table, and they cannot go stale when the
kind's columns change, because they are built from the same declaration the check reads. The
generated table has every column of the kind, two rows whose numbers keep every cross rule
(a column that must not exceed another gets half of it) and every ratio (its middle value), and
a 合计 row; the failing example breaks the one rule in the first row.

Pure Python, no pandas: `fenjie rules CODE` imports it.
"""
from __future__ import annotations

from dataclasses import dataclass

from templates.cells import a1, cell_position


@dataclass(frozen=True)
class Formula:
    """A formula saved without its value, as programs that do not calculate save it."""
    text: str


@dataclass(frozen=True)
class ErrorValue:
    """An error value shown in the cell: #REF!, #VALUE! …"""
    text: str


@dataclass(frozen=True)
class Percent:
    """A number in a cell formatted as a percentage (0%): 9 shows as 900%."""
    number: float


@dataclass(frozen=True)
class Timed:
    """A number in a cell formatted as a time of day (hh:mm:ss): 0.5 shows as 12:00:00."""
    number: float

    @property
    def shown(self) -> str:
        seconds = round(self.number % 1 * 86400)
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True)
class Sheet:
    rows: tuple[tuple, ...]                 # cell values, Excel row 1 first, column A first
    name: str = "Sheet1"
    hidden: bool = False
    hidden_rows: tuple[int, ...] = ()       # Excel row numbers
    far: tuple[tuple[str, object], ...] = ()    # a few stray cells far from `rows`, by A1 address


@dataclass(frozen=True)
class File:
    name: str
    sheets: tuple[Sheet, ...] = ()
    identity: dict | None = None            # the template's hidden fenjie_id block (Identity fields)
    content: bytes | None = None            # a file that is no workbook: its bytes
    template: bool = False                  # fenjie's template exactly as written (marked, unchanged)


@dataclass(frozen=True)
class Example:
    files: tuple[File, ...]
    cell: str | None = None                 # where the failing example's finding points
    sheet: str | None = None                # the sheet of `cell` when not the file's first
    kind: str | None = None                 # fenjie check --kind
    config: dict | None = None              # fenjie.toml keys: a small county
    targets: dict | None = None             # fenjie check --target 列名=数值
    county_table: File | None = None        # fenjie check --from
    link: str | None = None                 # uploaded through this township's fenjie serve link
    fault: bool = False                     # fenjie itself fails while checking (tests inject it)
    note: str = ""                          # one line for the clerk, shown above the table

    @property
    def needs(self) -> list[str]:
        """What `fenjie check` is given besides the files, as a clerk would say it."""
        out = []
        if self.config:
            places = "、".join(self.config.get("townships", []))
            out.append(f"配置文件：{self.config['county']} {self.config['year']} 年，乡镇 {places}")
            if self.config.get("units"):
                out.append("单位名录：" + "、".join(self.config["units"]))
        if self.targets:
            out.append("--target " + " ".join(f"{k}={v:g}" for k, v in self.targets.items()))
        if self.link:
            out.append(f"通过「{self.link}」的报送链接上传（fenjie serve）")
        return out


@dataclass(frozen=True)
class RuleExamples:
    failing: Example
    passing: Example


# -- the building blocks ------------------------------------------------------------------------

GRAIN_HEADER = ("乡镇(单位)", "粮食总面积(万亩)", "早稻面积(万亩)", "粮食总产量(吨)",
                "早稻集中育秧(万亩)", "专业化示范育秧(万亩)")
GRAIN = (GRAIN_HEADER,                                   # the gazette's first two townships
         ("新泉镇", 22, 9, 95000, 6, 0.7),
         ("湘滨镇", 15.5, 6.5, 66500, 4, 0.5),
         ("合计", 37.5, 15.5, 161500, 10, 1.2))
VILLAGE_HEADER = ("村(社区)", *GRAIN_HEADER[1:])
VILLAGES = (VILLAGE_HEADER,                             # 新泉镇 to its villages
            ("车马江社区", 12, 5, 50000, 3, 0.4),
            ("郭家湖村", 10, 4, 45000, 3, 0.3),
            ("合计", 22, 9, 95000, 6, 0.7))
VILLAGES_OF = {"新泉镇": VILLAGES,
               "湘滨镇": (VILLAGE_HEADER,
                         ("湘滨村", 8, 3.5, 36000, 2, 0.3),
                         ("白马寺社区", 7.5, 3, 30500, 2, 0.2),
                         ("合计", 15.5, 6.5, 66500, 4, 0.5))}
TASK_HEADER = (("序号", "目标任务", "责任领导", "牵头单位", "相关单位", "责任人", None),
               (None, None, None, None, None, "县政府", "牵头单位"))
TASKS = (*TASK_HEADER,
         (1, "地方一般公共预算收入增长 2%", "姜华", "财政局", "税务局", "黄金魁", "陈峰"),
         (2, "探索群团组织财务委托记账", "姜华", "财政局", None, "黄金魁", "陈峰"),
         (3, "稳慎铺排年度重点项目投资计划", "姜华", "发改局", "工信局", "黄金魁", "范文灿"))

COUNTY = {"county": "湘阴县", "year": 2025, "townships": ["新泉镇", "湘滨镇"]}
TASK_COUNTY = {**COUNTY, "units": ["财政局", "税务局", "发改局", "工信局"]}
CLEAN_NAME = "报回的表.xlsx"                             # names no township


def edit(rows: tuple, *edits: tuple[str, object]) -> tuple:
    """`rows` with cells changed, by A1 address: edit(GRAIN, ("B2", "22"))."""
    table = [list(row) for row in rows]
    for address, value in edits:
        row, col = cell_position(address)
        while len(table) < row:
            table.append([])
        line = table[row - 1]
        line.extend([None] * (col - len(line)))
        line[col - 1] = value
    return tuple(tuple(row) for row in table)


def drop_column(rows: tuple, index: int) -> tuple:
    return tuple(row[:index] + row[index + 1:] for row in rows)


def book(rows: tuple, name: str = CLEAN_NAME, **options) -> File:
    identity = options.pop("identity", None)
    return File(name, (Sheet(rows, **options),), identity=identity)


def table(rows: tuple = GRAIN, cell: str | None = None, **options) -> Example:
    """One returned file holding one sheet of `rows`."""
    name = options.pop("name", CLEAN_NAME)
    sheet_options = {k: options.pop(k) for k in ("hidden_rows", "identity", "far") if k in options}
    return Example((book(rows, name, **sheet_options),), cell=cell, **options)


def number_rule(cell: str, value, total: tuple[str, object] | None = None) -> RuleExamples:
    """A grain table with one wrong cell (and its 合计 cell changed to match, where given)."""
    wrong = edit(GRAIN, (cell, value), *([total] if total else []))
    return RuleExamples(table(wrong, cell), table())


def township_return(township: str, name: str | None = None, **options) -> File:
    """A township's own table, its villages, with the 填报单位 line clerks write under it."""
    villages = VILLAGES_OF.get(township, VILLAGES)
    rows = (*villages, (), (f"填报单位（盖章）：{township}",)) if township else villages
    return book(rows, name or f"{township}.xlsx", **options)


def batch(*files: File, **options) -> Example:
    return Example(tuple(files), config=options.pop("config", COUNTY), **options)


def identity(scope: str = "county", year: int = 2025, **targets) -> dict:
    return {"kind": "grain-plan", "version": 1, "county": "湘阴县", "year": year, "scope": scope,
            "targets": targets}


SUBTOTALS = (GRAIN_HEADER,
             ("新泉镇", 22, 9, 95000, 6, 0.7),
             ("湘滨镇", 15.5, 6.5, 66500, 4, 0.5),
             ("东片小计", 37.5, 15.5, 161500, 10, 1.2),
             ("南湖洲镇", 13, 4.4, 56000, 2.8, 0.4),
             ("西片小计", 13, 4.4, 56000, 2.8, 0.4),
             ("合计", 50.5, 19.9, 217500, 12.8, 1.6))
SECOND_TABLE = (*GRAIN, (), *edit(GRAIN, ("B2", 23), ("B4", 38.5)))
COUNTY_TARGET_ROW = ("全县目标", 37.5, 15.5, 161500, 10, 1.2)


EXAMPLES: dict[str, RuleExamples] = {
    # -- F: the file ------------------------------------------------------------------------------
    "F001": RuleExamples(
        Example((File("新泉镇.xlsx", content=b"PK\x03\x04 not a workbook"),),
                note="扩展名是 .xlsx，内容却不是电子表格（损坏或改了扩展名）"),
        table()),
    "F002": RuleExamples(
        Example((File(CLEAN_NAME, (Sheet(GRAIN), Sheet((("旧数据", 20),), "旧表", hidden=True))),),
                note="工作表「旧表」被隐藏"),
        Example((File(CLEAN_NAME, (Sheet(GRAIN), Sheet((("旧数据", 20),), "旧表"))),),
                note="工作表「旧表」没有隐藏")),
    "F003": RuleExamples(table(GRAIN, "A3", hidden_rows=(3,), note="第 3 行被隐藏"), table()),
    "F004": RuleExamples(
        table(edit(GRAIN, ("B4", Formula("=SUM(B2:B3)"))), "B4",
              note="B4 的公式没有保存计算结果（由不计算公式的程序保存）"),
        table()),
    "F005": RuleExamples(
        table(edit(GRAIN, ("A1", "名称"), ("B1", "面积"), ("C1", "早稻"), ("D1", "产量"),
                   ("E1", "育秧"), ("F1", "示范"))),
        table()),
    "F006": RuleExamples(table(drop_column(GRAIN, 5)), table()),
    "F007": number_rule("B2", ErrorValue("#REF!"), ("B4", 15.5)),
    "F008": RuleExamples(
        table(fault=True, note="表格没有问题，fenjie 自身出了错（测试中人为制造）"), table()),
    "F010": RuleExamples(table(SECOND_TABLE, "A6"), table()),
    "F011": RuleExamples(
        Example((File(CLEAN_NAME, (Sheet(GRAIN), Sheet(GRAIN, "副本"))),),
                note="工作表「副本」是同一张表的副本，内容相同"),
        Example((File(CLEAN_NAME, (Sheet(GRAIN), Sheet((("说明", "按县里下达的数填报"),), "说明"))),))),
    "F018": RuleExamples(
        Example((File(CLEAN_NAME, (Sheet(GRAIN), Sheet(edit(GRAIN, ("B2", 23), ("B4", 38.5)), "修改后"))),),
                cell="B2", sheet="修改后", note="又加了一个工作表「修改后」，B2 改成了 23，合计也跟着改了"),
        table()),
    "F012": RuleExamples(
        table(edit(GRAIN, ("G1", "粮食总面积(万亩)"), ("G2", 23), ("G3", 15.5), ("G4", 38.5)), "G2"),
        table()),
    "F013": RuleExamples(
        table(edit(GRAIN, ("G1", "粮食总面积(万亩)"), ("G2", 22), ("G3", 15.5), ("G4", 37.5)), "G1"),
        table()),
    "F014": RuleExamples(
        table(edit(GRAIN, ("B1", "粮食总面积(亩)"), ("B2", 220000), ("B3", 155000), ("B4", 375000)), "B1"),
        table()),
    "F015": RuleExamples(
        table(edit(GRAIN, ("E2", Formula("=C2*2/3"))), "E2",
              note="E2 的公式没有保存计算结果（由不计算公式的程序保存）"),
        table()),
    "F016": RuleExamples(table(edit(GRAIN, ("B1", "粮食总面积(吨)")), "B1"), table()),
    "F017": RuleExamples(
        table(GRAIN, "B1048576", far=(("B1048576", 100),),
              note="合计下面很远处（第 1048576 行，打开表格时看不到）的 B1048576 填了 100"),
        table()),
    # -- N: numbers -------------------------------------------------------------------------------
    "N001": number_rule("B2", "22"),
    "N002": number_rule("B2", "２２．０"),
    "N003": number_rule("D2", "95,000"),
    "N004": number_rule("B2", "22万亩"),
    "N005": number_rule("B2", "约22"),
    "N006": number_rule("B2", " 22 "),
    "N007": number_rule("B2", "待定", ("B4", 15.5)),
    "N008": number_rule("F2", -0.7, ("F4", -0.2)),
    "N009": number_rule("C2", None, ("C4", 6.5)),
    "N010": RuleExamples(table(edit(TASKS, ("A4", 1.5)), "A4", config=TASK_COUNTY),
                         table(TASKS, config=TASK_COUNTY)),
    "N011": number_rule("B2", "10%", ("B4", 15.5)),
    "N012": RuleExamples(table(edit(GRAIN, ("C2", Percent(9))), "C2",
                               note="C2 设成了百分比格式：输入 9，Excel 存的是 0.09，显示为 900%"),
                         table()),
    "N013": RuleExamples(table(edit(GRAIN, ("F3", Timed(0.5))), "F3",
                               note="F3 设成了时间格式：0.5 显示为 12:00:00"),
                         table()),
    # -- T: totals --------------------------------------------------------------------------------
    "T001": number_rule("B4", 37),
    "T002": RuleExamples(table(GRAIN, "B4", targets={"粮食总面积": 38}),
                         table(GRAIN, targets={"粮食总面积": 37.5})),
    "T003": RuleExamples(
        table(VILLAGES, "B4", identity=identity("新泉镇", grain_area=23),
              note="新泉镇的模板（隐藏的身份信息中，县下达新泉镇粮食总面积 23 万亩）"),
        table(VILLAGES, identity=identity("新泉镇", grain_area=22),
              note="新泉镇的模板（隐藏的身份信息中，县下达新泉镇粮食总面积 22 万亩）")),
    "T004": RuleExamples(table(GRAIN[:-1]), table()),
    "T005": number_rule("B4", None),
    "T006": RuleExamples(
        table((*GRAIN, ("南湖洲镇", 13, 4.4, 56000, 2.8, 0.4)), "A5",
              note="南湖洲镇这一行补在了合计行下面"),
        table((*GRAIN, (), ("填报人：张三",), ("联系电话", None, None, 13807301234), ("2025年2月17日",)),
              note="合计行下面是填报人、联系电话和日期")),
    "T010": RuleExamples(table(edit(SUBTOTALS, ("B6", 14)), "B6"), table(SUBTOTALS)),
    # -- R: rows ----------------------------------------------------------------------------------
    "R001": RuleExamples(table(config={**COUNTY, "townships": ["新泉镇", "湘滨镇", "南湖洲镇"]}),
                         table(config=COUNTY)),
    "R002": RuleExamples(table(edit(GRAIN, ("A3", "新泉镇")), "A3", config=COUNTY), table(config=COUNTY)),
    "R003": RuleExamples(table(edit(GRAIN, ("A3", "湘宾镇")), "A3", config=COUNTY), table(config=COUNTY)),
    "R004": RuleExamples(table(edit(GRAIN, ("A3", None)), "A3"), table()),
    # -- K: task tables ---------------------------------------------------------------------------
    "K001": RuleExamples(table(edit(TASKS, ("D4", None)), "D4", config=TASK_COUNTY),
                         table(TASKS, config=TASK_COUNTY)),
    "K002": RuleExamples(table(edit(TASKS, ("C4", None)), "C4", config=TASK_COUNTY),
                         table(TASKS, config=TASK_COUNTY)),
    "K003": RuleExamples(table(edit(TASKS, ("F4", None)), "F4", config=TASK_COUNTY),
                         table(TASKS, config=TASK_COUNTY)),
    "K004": RuleExamples(table(edit(TASKS, ("E3", "税物局")), "E3", config=TASK_COUNTY),
                         table(TASKS, config=TASK_COUNTY)),
    "K005": RuleExamples(table(edit(TASKS, ("A5", 4)), "A5", config=TASK_COUNTY),
                         table(TASKS, config=TASK_COUNTY)),
    "K006": RuleExamples(table(edit(TASKS, ("G4", "陈锋")), "G4", config=TASK_COUNTY),
                         table(TASKS, config=TASK_COUNTY)),
    "K007": RuleExamples(table(edit(TASKS, ("B4", None)), "B4", config=TASK_COUNTY),
                         table(TASKS, config=TASK_COUNTY)),
    # -- S: the batch of returns --------------------------------------------------------------------
    "S001": RuleExamples(batch(township_return("新泉镇")),
                         batch(township_return("新泉镇"), township_return("湘滨镇"))),
    "S002": RuleExamples(
        batch(township_return("新泉镇"), township_return("新泉镇", "新泉镇(修改).xlsx")),
        batch(township_return("新泉镇"), township_return("湘滨镇"))),
    "S003": RuleExamples(batch(township_return("新泉镇"), township_return("", "报回的表.xlsx")),
                         batch(township_return("新泉镇"), township_return("湘滨镇"))),
    "S004": RuleExamples(
        batch(book(VILLAGES, "城关镇.xlsx", identity=identity("城关镇", grain_area=22)),
              note="城关镇.xlsx 是城关镇的模板（隐藏的身份信息）"),
        batch(township_return("新泉镇"),
              book(VILLAGES_OF["湘滨镇"], "湘滨镇.xlsx", identity=identity("湘滨镇", grain_area=15.5)))),
    "S005": RuleExamples(
        batch(book(GRAIN, identity=identity(year=2024)), note="模板隐藏的身份信息：湘阴县 2024 年"),
        batch(book(GRAIN, identity=identity()), note="模板隐藏的身份信息：湘阴县 2025 年")),
    "S006": RuleExamples(
        batch(book(VILLAGES, "新泉镇.xlsx", identity=identity("新泉镇", grain_area=20)),
              county_table=book(GRAIN, "县分解表.xlsx"),
              note="新泉镇的模板发出时，县下达新泉镇粮食总面积 20 万亩；县分解表后来改成 22 万亩"),
        batch(book(VILLAGES, "新泉镇.xlsx", identity=identity("新泉镇", grain_area=22)),
              township_return("湘滨镇"), county_table=book(GRAIN, "县分解表.xlsx"),
              note="新泉镇的模板中县下达的数与县分解表一致")),
    "S007": RuleExamples(
        batch(township_return("新泉镇"), township_return("", "报回的表.xlsx"),
              county_table=book(GRAIN, "县分解表.xlsx")),
        batch(township_return("新泉镇"), township_return("湘滨镇"),
              county_table=book(GRAIN, "县分解表.xlsx"))),
    "S008": RuleExamples(
        batch(book((("湘阴县2024年粮食生产计划任务分解表",), *GRAIN))),
        batch(book((("湘阴县2025年粮食生产计划任务分解表",), *GRAIN)))),
    "S009": RuleExamples(
        batch(book((*GRAIN, ("全县目标", 38, 15.5, 161500, 10, 1.2)), identity=identity(grain_area=37.5)),
              cell="B5", note="模板隐藏的身份信息中全县目标粮食总面积 37.5 万亩"),
        batch(book((*GRAIN, COUNTY_TARGET_ROW), identity=identity(grain_area=37.5)),
              note="模板隐藏的身份信息中全县目标粮食总面积 37.5 万亩")),
    "S010": RuleExamples(
        table(identity={**identity(), "kind_hash": "0123abcd"},
              note="模板是按改动之前的粮食生产计划任务分解表生成的（身份信息记下的摘要不同）"),
        table(identity=identity(), note="模板是按现在的粮食生产计划任务分解表生成的")),
    # -- W: fenjie serve ----------------------------------------------------------------------------
    "S011": RuleExamples(
        batch(township_return("新泉镇"),
              File("湘滨镇-2025年粮食生产计划任务分解表.xlsx",
                   (Sheet((("湘阴县湘滨镇2025年粮食生产计划任务分解表",), VILLAGE_HEADER, ("湘滨村",),
                           ("白马寺社区",), ("合计", 0, 0, 0, 0, 0))),),
                   identity=identity("湘滨镇", grain_area=15.5), template=True),
              note="湘滨镇报回的是 fenjie 生成的模板，原样未动"),
        batch(township_return("新泉镇"), township_return("湘滨镇"))),
    "W001": RuleExamples(batch(township_return("新泉镇", "湘滨镇.xlsx"), link="湘滨镇"),
                         batch(township_return("湘滨镇"), link="湘滨镇")),
}


# -- examples generated from a kind's declaration ---------------------------------------------------

SAMPLE_KEYS = {"townships": ("新泉镇", "湘滨镇"), "units": ("发改局", "财政局"), "tasks": ("1", "2")}
ROW_BASES = (20, 12)


def kind_examples(kind) -> dict[str, RuleExamples]:
    """code -> examples for the cross and ratio rules `kind` declares (see the module docstring)."""
    if not kind.cross_rules and not kind.ratio_rules:
        return {}
    rows = [_row_values(kind, base, index) for index, base in enumerate(ROW_BASES)]
    passing = _kind_table(kind, rows)
    found = {}
    for rule in kind.cross_rules:
        bad = [dict(rows[0]), rows[1]]
        bad[0][rule.left] = _round(rows[0][rule.right] * 1.5)
        found[rule.code] = RuleExamples(_kind_table(kind, bad, cell=(0, rule.left)), passing)
    for rule in kind.ratio_rules:
        bad = [dict(rows[0]), rows[1]]
        ratio = rule.low / 2 if rule.low > 0 else rule.high * 2
        bad[0][rule.numerator] = _round(rows[0][rule.denominator] * ratio / rule.factor)
        found[rule.code] = RuleExamples(_kind_table(kind, bad, cell=(0, kind.key)), passing)
    return found


def _row_values(kind, base: float, index: int) -> dict:
    """One row's numbers: a column that must not exceed another gets half of it; a ratio's
    numerator the middle of its range."""
    depth: dict[str, int] = {}

    def depth_of(key: str, seen=()) -> int:
        if key not in depth:
            above = [r.right for r in kind.cross_rules if r.left == key and r.right not in seen]
            depth[key] = 1 + max((depth_of(r, (*seen, key)) for r in above), default=-1)
        return depth[key]
    values: dict = {}
    for col in kind.columns:
        if col.role == "sequence":
            values[col.key] = index + 1
        elif col.key == kind.key:
            values[col.key] = SAMPLE_KEYS.get(kind.rows_from, ("甲", "乙"))[index]
        elif col.is_numeric:
            values[col.key] = _round(base / 2 ** depth_of(col.key))
        elif col.required:
            values[col.key] = SAMPLE_KEYS["units"][0] if col.type == "names" else "（略）"
    for rule in kind.ratio_rules:
        middle = (rule.low + rule.high) / 2
        values[rule.numerator] = _round(values[rule.denominator] * middle / rule.factor)
    return values


def _round(number: float):
    number = round(number, 4)
    return int(number) if number == int(number) else number


def _kind_table(kind, rows: list[dict], cell: tuple[int, str] | None = None) -> Example:
    """The kind's header (two rows under a merged parent), `rows` and a 合计 row."""
    columns = kind.columns
    two_rows = any(c.parent for c in columns)
    top = tuple(c.parent or c.label for c in columns)
    header = [tuple(None if c.parent and i and columns[i - 1].parent == c.parent else top[i]
                    for i, c in enumerate(columns))]
    if two_rows:
        header.append(tuple(c.label if c.parent else None for c in columns))
    body = [tuple(row.get(c.key) for c in columns) for row in rows]
    if kind.total_labels:
        label_at = next(i for i, c in enumerate(columns) if c.key == kind.key)
        body.append(tuple(kind.total_labels[0] if i == label_at
                          else (_round(sum(r.get(c.key) or 0 for r in rows)) if c.summed else None)
                          for i, c in enumerate(columns)))
    address = None
    if cell is not None:
        index, key = cell
        address = a1(len(header) + index + 1, 1 + next(i for i, c in enumerate(columns) if c.key == key))
    return Example((book(tuple([*header, *body])),), cell=address, kind=kind.name)


def rule_examples(code: str, config=None) -> RuleExamples | None:
    """The examples of a rule: written above, or generated from the kind that declares it
    (a county's own kinds too, with its config)."""
    code = code.upper()
    if code in EXAMPLES:
        return EXAMPLES[code]
    from templates.kinds import kinds_for
    for kind in kinds_for(config).values():
        found = kind_examples(kind)
        if code in found:
            return found[code]
    return None

