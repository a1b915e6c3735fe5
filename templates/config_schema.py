"""The declared schema of fenjie.toml and the Chinese message for every way it can be wrong.

pydantic checks the shape (keys, types, ranges); the checks that need the whole file (a village
list for a township that is not listed, a target column written twice, a column the kind does
not have) follow. Every problem names the key and, when the file is known, its line. pydantic's
own (English) messages never reach a clerk: each error type is translated here.

Imported only when a config is loaded, so `fenjie --help` does not pay for pydantic.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from templates.config import BUILTIN_COLLECTIVES, DEFAULT_MAX_BYTES, DEFAULT_MAX_CELLS, Config, ConfigError, Limits
from templates.kinds import KINDS, TableKind, target_problem
from templates.names import closest, closest_listed, normalize_name
from templates.toml_lines import KeyLines

FIRST_YEAR, LAST_YEAR = 1949, 2100

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Target = Annotated[float, Field(allow_inf_nan=False)]


class _Table(BaseModel):
    """A TOML table: every key declared, no conversion between types (123 is not "123")."""
    model_config = ConfigDict(extra="forbid", strict=True)


class LimitsTable(_Table):
    max_bytes: int = Field(DEFAULT_MAX_BYTES, gt=0, description="单个文件最大字节数")
    max_cells: int = Field(DEFAULT_MAX_CELLS, gt=0, description="单个工作表数据区域最多单元格数")


class ConfigFile(_Table):
    county: Text = Field(description="县名，写进模板标题")
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="年度，写进模板标题")
    townships: list[Text] = Field(min_length=1, description="乡镇（街道），顺序即模板的行序")
    units: list[Text] = Field([], description="县直单位，牵头单位、相关单位中可用的名称")
    collectives: list[Text] = Field([], description="内置统称之外的统称")
    kinds: list[Text] = Field([], description="本县自定义的表格类型文件，相对于配置文件")
    aliases: dict[str, list[Text]] = Field({}, description="单位 → 其他写法")
    villages: dict[str, list[Text]] = Field({}, description="乡镇 → 村（社区）")
    leaders: dict[str, Text] = Field({}, description="单位 → 分管领导")
    targets: dict[str, dict[str, Target]] = Field({}, description="表格类型 → 列名 → 全县目标")
    password: Text | None = Field(None, description="模板工作表保护密码")
    limits: LimitsTable = Field(LimitsTable(), description="读表的大小上限")


# -- problems ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    key: tuple[str | int, ...]
    message: str


def key_text(key: tuple[str | int, ...]) -> str:
    """("limits", "max_bytes") -> limits.max_bytes; ("townships", 2) -> townships 第 3 项."""
    text = ""
    for part in key:
        text += f" 第 {part + 1} 项" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def shown(value: object) -> str:
    """A value as it is written in TOML, clipped: "50MB", 123456, nan, [..]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(str(value), repr(value))
    if isinstance(value, dict):
        return "一张表"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _described(value: object) -> str:
    """现在是文字 "50MB" / 现在是整数 123456 …: what the clerk wrote, in words."""
    if isinstance(value, bool):
        return f"现在是真假值 {shown(value)}"
    if isinstance(value, str):
        return f"现在是文字 {shown(value)}"
    if isinstance(value, int):
        return f"现在是整数 {shown(value)}"
    if isinstance(value, float):
        return f"现在是 {shown(value)}"
    if isinstance(value, list):
        return f"现在是列表 {shown(value)}"
    if isinstance(value, dict):
        return "现在是一张表"
    return f"现在是 {shown(value)}"


EXAMPLES = {
    "county": 'county = "湘阴县"',
    "year": "year = 2025",
    "townships": 'townships = ["新泉镇", "湘滨镇"]',
    "units": 'units = ["发改局", "财政局"]',
    "collectives": 'collectives = ["生环委各成员单位"]',
    "kinds": 'kinds = ["kinds/生猪生产.toml"]',
    "aliases": '[aliases] 下一行写 "发改局" = ["县发改局", "县发展和改革局"]',
    "villages": '[villages] 下一行写 "新泉镇" = ["车马江社区", "郭家湖村"]',
    "leaders": '[leaders] 下一行写 "发改局" = "姜华"',
    "targets": '[targets.grain-plan] 下一行写 "粮食总面积" = 118',
    "password": 'password = "123456"',
    "limits": "[limits] 下一行写 max_bytes = 52428800",
    "max_bytes": "max_bytes = 52428800（字节数，不带单位）",
    "max_cells": "max_cells = 5000000",
}


def _example(key: tuple) -> str:
    names = [part for part in key if isinstance(part, str)]
    if len(names) >= 2 and names[0] in ("aliases", "villages"):
        return f'"{names[1]}" = ["……"]'
    if len(names) >= 2 and names[0] == "leaders":
        return f'"{names[1]}" = "……"'
    if len(names) >= 3 and names[0] == "targets":
        return f'"{names[2]}" = 118'
    for name in reversed(names):
        if name in EXAMPLES:
            return EXAMPLES[name]
    return ""


def _with_example(message: str, key: tuple) -> str:
    example = _example(key)
    return f"{message}，例如 {example}" if example else message


TABLE = "应为一张表（另起一行写 [表名]，下面逐行写「名称 = 值」）"
WRONG_TYPE = {                 # pydantic error type -> what the value should be
    "string_type": "应为文字（用英文双引号括起来）",
    "int_type": "应为整数（不加引号、不带单位）",
    "float_type": "应为数字（不加引号、不带单位）",
    "list_type": "应为列表（方括号里逐项列出）",
    "dict_type": TABLE,
    "model_type": TABLE,
}
OUT_OF_RANGE = {               # pydantic error type -> the rule, with pydantic's ctx filled in
    "string_too_short": "不能为空",
    "too_short": "不能为空列表，至少写一项",
    "finite_number": "应为具体的数，不能是 nan 或 inf",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}",
}


def _translated(error: dict) -> Problem:
    """One pydantic error as a Chinese problem (its message in English is never used)."""
    key, kind, value = tuple(error["loc"]), error["type"], error.get("input")
    if kind == "extra_forbidden":
        return Problem(key, _unknown_key(key))
    if kind == "missing":
        return Problem(key, _with_example("缺少这一项（必填）", key) + "。")
    if key == ("year",) and kind in ("greater_than_equal", "less_than_equal"):
        return Problem(key, f"年度应为公历年份（{FIRST_YEAR}–{LAST_YEAR}）；{_described(value)}。")
    if key == ("password",) and kind == "string_too_short":
        return Problem(key, "不能为空；不设密码就删去这一行。")
    if kind in WRONG_TYPE:
        return Problem(key, f"{_with_example(WRONG_TYPE[kind], key)}；{_described(value)}。")
    if kind in OUT_OF_RANGE:
        rule = OUT_OF_RANGE[kind].format(**(error.get("ctx") or {}))
        return Problem(key, f"{rule}；{_described(value)}。")
    return Problem(key, f"写法不对；{_described(value)}。")


def _fields_at(key: tuple) -> dict:
    """The declared keys of the table that holds `key` (for "did you mean")."""
    return (LimitsTable if key[:1] == ("limits",) else ConfigFile).model_fields


def _unknown_key(key: tuple) -> str:
    fields = _fields_at(key[:-1])
    name = key[-1]
    hint = closest(str(name), list(fields))
    if hint:
        return f"没有「{name}」这一项，是不是「{hint}」？"
    return f"没有「{name}」这一项；这里可用的项：{'、'.join(fields)}。"


def _suggest(word: str, choices: list[str]) -> str:
    hint = closest(word, choices)
    return f"，是不是「{hint}」" if hint else ""


def _not_listed(township: str, townships: list[str]) -> str:
    hint = closest_listed(township, townships)
    return f"「{township}」不在 townships 列表里" + (f"，是不是「{hint}」？" if hint else "。")


# -- checks that need the whole file ----------------------------------------------------------

def _duplicates(names: list[str], key: tuple) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for index, name in enumerate(names):
        norm = normalize_name(name)
        if norm in seen:
            same = "" if seen[norm] == name else f"（与「{seen[norm]}」是同一个名称）"
            problems.append(Problem(key + (index,), f"「{name}」重复出现{same}，请删去一处。"))
        seen.setdefault(norm, name)
    return problems


def _directory_problems(model: ConfigFile) -> list[Problem]:
    problems = []
    for field in ("townships", "units", "collectives", "kinds"):
        problems += _duplicates(getattr(model, field), (field,))
    townships = {normalize_name(t) for t in model.townships}
    for field in ("villages", "aliases", "leaders"):
        problems += _duplicate_keys(getattr(model, field), field)
    for township, villages in model.villages.items():
        if normalize_name(township) not in townships:
            problems.append(Problem(("villages", township),
                                    _not_listed(township, model.townships)))
        problems += _duplicates(villages, ("villages", township))
    return problems + _alias_problems(model)


def _duplicate_keys(table: dict, field: str) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for name in table:
        norm = normalize_name(name)
        if norm in seen:
            problems.append(Problem((field, name), f"「{name}」与「{seen[norm]}」是同一个名称，请合成一处。"))
        seen.setdefault(norm, name)
    return problems


def _alias_problems(model: ConfigFile) -> list[Problem]:
    """An alias belongs to a listed name and means one thing only."""
    listed = [*model.units, *model.townships, *model.collectives, *BUILTIN_COLLECTIVES]
    canonical = {}
    for name in listed:
        canonical.setdefault(normalize_name(name), name)
    problems = []
    owner_of: dict[str, str] = {}
    for unit, variants in model.aliases.items():
        owner = canonical.get(normalize_name(unit))
        if owner is None:
            hint = closest_listed(unit, listed)
            problems.append(Problem(("aliases", unit), f"「{unit}」不在 units、townships、collectives 中"
                                    f"{f'，是不是「{hint}」' if hint else ''}；别名要登记在名单里的名称下。"))
            continue
        for index, variant in enumerate(variants):
            norm = normalize_name(variant)
            if canonical.get(norm, owner) != owner:
                problems.append(Problem(("aliases", unit, index),
                                        f"「{variant}」本身是名单里的「{canonical[norm]}」，不能再作「{unit}」的别名。"))
            elif owner_of.get(norm, owner) != owner:
                problems.append(Problem(("aliases", unit, index),
                                        f"「{variant}」已登记为「{owner_of[norm]}」的别名，不能又是「{unit}」的别名。"))
            owner_of.setdefault(norm, owner)
    return problems


def _target_problems(targets: dict[str, dict[str, float]], known: dict[str, TableKind]) -> list[Problem]:
    problems = []
    for kind_name, columns in targets.items():
        kind = known.get(kind_name)
        if kind is None:
            problems.append(Problem(("targets", kind_name),
                                    f"没有这种表格类型「{kind_name}」{_suggest(kind_name, list(known))}；"
                                    f"可用：{'、'.join(known)}。"))
            continue
        problems += _column_problems(kind, columns)
    return problems


def _column_problems(kind: TableKind, columns: dict[str, float]) -> list[Problem]:
    problems = []
    spellings: dict[str, list[str]] = {}
    for header, value in columns.items():
        problem = target_problem([kind], header, value)
        if problem is not None:
            problems.append(Problem(("targets", kind.name, header), problem))
        column = kind.target_column(header)
        if column is not None:
            spellings.setdefault(column.key, []).append(header)
    for key, headers in spellings.items():
        if len(headers) > 1:
            written = "、".join(f"「{h}」" for h in headers)
            problems.append(Problem(("targets", kind.name, headers[1]),
                                    f"{written}是同一列「{kind.column(key).label}」，请只写一处。"))
    return problems


def _county_kinds(kinds: list[str], base: Path | None) -> tuple[dict[str, TableKind], list[Problem]]:
    """The county's own kinds read from its kind files, and what is wrong with them."""
    from templates.kindfile import KindFileError, load_kind_file
    from templates.kinds import remember

    found: dict[str, TableKind] = {}
    problems = []
    for index, name in enumerate(kinds):
        path = (base or Path.cwd()) / name
        if not path.is_file():
            problems.append(Problem(("kinds", index), f"找不到表格类型文件「{name}」（路径相对于配置文件所在的文件夹 "
                                                      f"{base or Path.cwd()}）。"))
            continue
        try:
            kind = load_kind_file(path)
        except KindFileError as exc:
            problems.append(Problem(("kinds", index), str(exc)))
            continue
        if kind.name in found:
            problems.append(Problem(("kinds", index), f"表格类型「{kind.name}」重名了（{name}），请在类型文件里改名。"))
            continue
        found[kind.name] = kind
        remember(kind)
    return found, problems


FILE_TOP_KEYS = ("county", "year", "townships", "units", "collectives", "kinds", "password")


def _misplaced_keys(table: dict, path: tuple = ()):
    """`password = "…"` written below a [table] line belongs to that table in TOML: say so."""
    for name, value in table.items():
        if path and name in FILE_TOP_KEYS:
            yield Problem(path + (name,), f"「{name}」写在了 [{'.'.join(path)}] 这张表里；它要写在文件开头，"
                                          f"第一个 [表名] 行之前。")
        elif isinstance(value, dict):
            yield from _misplaced_keys(value, path + (name,))


# -- the entry point --------------------------------------------------------------------------

def validated_config(data: dict, *, where: str, text: str | None = None,
                     base: Path | None = None) -> Config:
    """The Config for `data` (parsed TOML), or ConfigError listing every problem in Chinese.

    `text` is the file's source (for line numbers), `where` how to name it (fenjie.toml),
    `base` its folder (kind files are relative to it).
    """
    misplaced = list(_misplaced_keys(data))
    if misplaced:
        raise _error(misplaced, where, text)
    try:
        model = ConfigFile.model_validate(data)
    except ValidationError as exc:
        problems = [_translated(e) for e in exc.errors()]
        wrong = {e["loc"][0] for e in exc.errors() if e["loc"]}
        raise _error(problems + _problems_in_the_rest(data, wrong, base), where, text) from None
    county_kinds, problems = _whole_file_problems(model, base)
    if problems:
        raise _error(problems, where, text)
    return _as_config(model, county_kinds)


def _whole_file_problems(model: ConfigFile, base: Path | None,
                         skip: frozenset = frozenset()) -> tuple[dict[str, TableKind], list[Problem]]:
    """The county's own kinds, and the problems that need the whole file (names, kind files, targets)."""
    problems = []
    county_kinds: dict[str, TableKind] = {}
    if not skip & {"townships", "units", "collectives", "kinds", "villages", "aliases", "leaders"}:
        problems += _directory_problems(model)
    if "kinds" not in skip:
        county_kinds, kind_problems = _county_kinds(model.kinds, base)
        problems += kind_problems
    if "targets" not in skip:
        problems += _target_problems(model.targets, {**KINDS, **county_kinds})
    return county_kinds, problems


PLACEHOLDERS = {"county": "县", "year": 2000, "townships": ["乡镇"]}


def _problems_in_the_rest(data: dict, wrong: set, base: Path | None) -> list[Problem]:
    """The whole-file problems of the keys that are not wrong themselves, so that one run lists
    every problem (a wrong year must not hide a target column the kind does not have)."""
    rest = {key: value for key, value in data.items() if key not in wrong}
    for key, placeholder in PLACEHOLDERS.items():
        if key in wrong or key not in rest:
            rest[key] = placeholder
    try:
        model = ConfigFile.model_validate(rest)
    except ValidationError:
        return []
    return _whole_file_problems(model, base, frozenset(wrong | (PLACEHOLDERS.keys() - data.keys())))[1]


def _as_config(model: ConfigFile, county_kinds: dict[str, TableKind]) -> Config:
    return Config(
        county=model.county, year=model.year, townships=model.townships, units=model.units,
        collectives=model.collectives, aliases=model.aliases, villages=model.villages,
        targets={kind: dict(columns) for kind, columns in model.targets.items()},
        password=model.password, limits=Limits(model.limits.max_bytes, model.limits.max_cells),
        kinds=model.kinds, leaders=model.leaders, county_kinds=county_kinds)


def _error(problems: list[Problem], where: str, text: str | None) -> ConfigError:
    lines = KeyLines(text) if text is not None else None
    located = sorted(((lines.line(p.key) if lines else None) or 0, index, p)
                     for index, p in enumerate(problems))
    rendered = []
    for line, _, problem in located:
        at = f"{where} 第 {line} 行" if line else where
        rendered.append(f"{at}「{key_text(problem.key)}」：{problem.message}")
    if len(rendered) == 1:
        return ConfigError(rendered[0])
    return ConfigError(f"{where} 有 {len(rendered)} 处错误：\n" + "\n".join(f"  {r}" for r in rendered))
