"""Kind files: a table kind written as TOML, read into a templates.kinds.TableKind, and written back.

The built-in kinds (templates/kindfiles/*.toml) and a county's own go through the same loader.
A wrong file is a KindFileError whose Chinese message names the file, the line and the key.
"""
from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from templates.kinds import Column, CrossRule, RatioRule, TableKind

CODE = r"^[A-Z][0-9]{3}$"
KEY = r"^[A-Za-z_][A-Za-z0-9_]*$"


class KindFileError(Exception):
    """A kind file that cannot be used; the message is Chinese and names file, line and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ColumnSpec(_Strict):
    key: str = Field(pattern=KEY)
    header: str = Field(min_length=1)
    type: Literal["number", "integer", "text", "names"] = "number"
    unit: str | None = None
    required: bool = True
    variants: list[str] = []
    min: float | None = None
    max: float | None = None
    parent: str | None = None
    summed: bool = False
    width: float = 12
    role: Literal["sequence"] | None = None
    missing_rule: str | None = Field(default=None, pattern=CODE)
    same_within: str | None = None


class KeyHeaders(_Strict):
    county: str
    township: str | None = None


class CrossSpec(_Strict):
    code: str = Field(pattern=CODE)
    left: str
    right: str


class RatioSpec(_Strict):
    code: str = Field(pattern=CODE)
    numerator: str
    denominator: str
    factor: float = 1.0
    low: float
    high: float
    unit: str = ""
    name: str


class KindSpec(_Strict):
    name: str = Field(pattern=r"^\S+$")
    title: str = Field(min_length=1)
    version: int = 1
    rows: Literal["townships", "units", "tasks"]
    key: str
    key_headers: KeyHeaders | None = None
    total_labels: list[str] = []
    unit_line: str | None = None
    title_words: list[str] = []
    description: str = ""
    main: str | None = None
    columns: list[ColumnSpec] = Field(min_length=1)
    cross_rules: list[CrossSpec] = []
    ratio_rules: list[RatioSpec] = []

    @model_validator(mode="after")
    def _consistent(self):
        keys, headers = set(), set()
        for index, col in enumerate(self.columns):
            if col.key in keys:
                raise _Located(("columns", index, "key"), f"列的 key「{col.key}」重复")
            heading = (col.parent, col.header)
            if heading in headers:
                shown = f"{col.parent}/{col.header}" if col.parent else col.header
                raise _Located(("columns", index, "header"), f"列名「{shown}」重复")
            keys.add(col.key)
            headers.add(heading)
        for index, col in enumerate(self.columns):
            if col.same_within is not None and col.same_within not in keys:
                raise _Located(("columns", index, "same_within"), f"没有 key 为「{col.same_within}」的列")
        if self.key not in keys:
            raise _Located(("key",), f"键列「{self.key}」不是 columns 中的列")
        summed = {c.key for c in self.columns if c.summed}
        if self.main is not None and self.main not in summed:
            raise _Located(("main",), f"「{self.main}」不是有合计的列（summed = true）")
        numeric = {c.key for c in self.columns if c.type in ("number", "integer")}
        for group, fields in (("cross_rules", ("left", "right")),
                              ("ratio_rules", ("numerator", "denominator"))):
            for index, rule in enumerate(getattr(self, group)):
                for name in fields:
                    if getattr(rule, name) not in numeric:
                        raise _Located((group, index, name), f"「{getattr(rule, name)}」不是数字列的 key")
        return self


class _Located(ValueError):
    """A consistency error at a known place in the file (pydantic passes ValueErrors through)."""

    def __init__(self, loc: tuple, message: str):
        super().__init__(message)
        self.loc, self.message = loc, message


_TYPES_ZH = {"string_type": "文字（加引号）", "bool_type": "true 或 false", "int_type": "整数",
             "float_type": "数字", "list_type": "列表 [...]", "dict_type": "表 {...}",
             "model_type": "表 {...}", "model_attributes_type": "表 {...}"}


def load_kind_file(path: str | Path) -> TableKind:
    """The TableKind a kind file declares; KindFileError (Chinese) when the file is wrong."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise KindFileError(f"找不到表格类型文件 {path}。") from None
    except UnicodeDecodeError:
        raise KindFileError(f"表格类型文件 {path.name} 不是 UTF-8 编码，请用 UTF-8 另存。") from None
    except OSError as exc:
        raise KindFileError(f"无法读取表格类型文件 {path}：{exc.strerror}。") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KindFileError(f"表格类型文件 {path.name} 格式有误（TOML）：{exc}。") from None
    return kind_from_data(data, text, path)


def kind_from_data(data: dict, text: str = "", path: Path | None = None) -> TableKind:
    where = f"表格类型文件 {path.name if path else ''}".rstrip()
    try:
        spec = KindSpec.model_validate(data)
    except ValidationError as exc:
        raise KindFileError(_describe(exc, text, where)) from None
    return _to_kind(spec, path)


def _describe(exc: ValidationError, text: str, where: str) -> str:
    error = exc.errors()[0]
    loc = tuple(error["loc"])
    located = (error.get("ctx") or {}).get("error")
    if isinstance(located, _Located):
        loc, message = located.loc, located.message
    else:
        message = _message(error, loc)
    line = _line_of(text, loc)
    at = f"第 {line} 行" if line else ""
    return f"{where} {at}「{_key_path(loc)}」：{message}。".replace("  ", " ")


def _message(error: dict, loc: tuple) -> str:
    kind, key = error["type"], loc[-1] if loc else ""
    if kind == "extra_forbidden":
        return f"没有「{key}」这个键（拼错了吗？见 README 的表格类型文件说明）"
    if kind == "missing":
        return "缺少这个必填的键"
    if kind == "literal_error":
        return f"只能是 {error['ctx']['expected']}，现在是 {error['input']!r}"
    if kind in _TYPES_ZH:
        return f"类型不对：应为{_TYPES_ZH[kind]}，现在是 {error['input']!r}"
    if kind == "string_pattern_mismatch":
        return f"写法不对：{error['input']!r}（代码如 X101，key 用英文字母、数字和下划线）"
    if kind in ("too_short", "string_too_short"):
        return "不能为空"
    return f"值不对：{error['input']!r}"


def _key_path(loc: tuple) -> str:
    parts = []
    for part in loc:
        if isinstance(part, int):
            parts[-1] += f"[{part + 1}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


def _line_of(text: str, loc: tuple) -> int | None:
    """The line a key sits on: after the n-th [[table]] header for keys inside an array of tables."""
    lines = text.splitlines()
    start, rest = 0, list(loc)
    if len(rest) >= 2 and isinstance(rest[1], int):
        headers = [i for i, line in enumerate(lines)
                   if re.match(rf"\s*\[\[\s*{re.escape(str(rest[0]))}\s*\]\]", line)]
        if rest[1] >= len(headers):
            return None
        start, rest = headers[rest[1]], rest[2:]
        end = next((i for i in range(start + 1, len(lines)) if re.match(r"\s*\[", lines[i])), len(lines))
    else:
        end = next((i for i, line in enumerate(lines) if re.match(r"\s*\[", line)), len(lines))
    if not rest or isinstance(rest[0], int):
        return start + 1
    pattern = re.compile(rf'\s*"?{re.escape(str(rest[0]))}"?\s*=')
    found = next((i for i in range(start, end) if pattern.match(lines[i])), None)
    return found + 1 if found is not None else (start + 1 if start else None)


def _to_kind(spec: KindSpec, path: Path | None) -> TableKind:
    columns = tuple(Column(c.key, c.header, c.type, unit=c.unit, required=c.required,
                           variants=tuple(c.variants), minimum=c.min, maximum=c.max, parent=c.parent,
                           summed=c.summed, width=c.width, role=c.role, missing_rule=c.missing_rule,
                           same_within=c.same_within)
                    for c in spec.columns)
    key_header = next(c.header for c in spec.columns if c.key == spec.key)
    headers = spec.key_headers or KeyHeaders(county=key_header)
    return TableKind(
        name=spec.name, title=spec.title, version=spec.version, columns=columns, key=spec.key,
        key_headers={"county": headers.county, "township": headers.township or headers.county},
        rows_from=spec.rows, total_labels=tuple(spec.total_labels), unit_line=spec.unit_line,
        cross_rules=tuple(CrossRule(r.code, r.left, r.right) for r in spec.cross_rules),
        ratio_rules=tuple(RatioRule(r.code, r.numerator, r.denominator, r.factor, r.low, r.high,
                                    r.unit, r.name) for r in spec.ratio_rules),
        title_words=tuple(spec.title_words), description=spec.description, main=spec.main,
        digest=digest_of(spec.model_dump()), source=str(path) if path else None)


def digest_of(declaration: dict) -> str:
    """A short hash of a declaration: the same columns and rules give the same 8 characters.

    Accepted spellings (`variants`, `total_labels`) only widen what is read; a template made
    before one was added is still the same table, so they are left out of the hash."""
    kept = {k: v for k, v in declaration.items() if k != "total_labels"}
    kept["columns"] = [{k: v for k, v in c.items() if k != "variants"} for c in declaration.get("columns", [])]
    canonical = json.dumps(kept, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:8]


# -- writing a kind file ----------------------------------------------------------------------

_KIND_COMMENTS = {
    "name": "类型名：fenjie template / check --kind 用它（写中文标题也可以）",
    "title": "表名，不含县名和年份；模板标题为「县名+年份+表名」",
    "version": "版本号：改了列或规则就加 1（报回的表身份信息里记着版本，不一致会提醒）",
    "rows": "每一行是什么：townships 乡镇（乡镇表里是村）、units 单位、tasks 任务（按序号）",
    "key": "键列（每行的名称或序号）的 key，须是下面 columns 中的一列",
    "key_headers": "键列的表头：county 县表、township 乡镇分到村的表",
    "total_labels": "合计行开头可能写的字样；为空表示表中没有合计行",
    "unit_line": "标题下的单位一行，模板照写",
    "title_words": "标题里出现这些词即可认出这种表",
    "description": "一句话说明这张表",
    "main": "汇总时领头的列（完成率、图表）；不写则取第一个有合计的列",
}
_COLUMN_COMMENTS = {
    "key": "列的代码（英文字母、数字、下划线），JSON 和规则里用它",
    "header": "表头文字，同公报所印（不含单位）",
    "type": "number 数字、integer 整数、text 文字、names 单位或乡镇名称（可多个，须在名录中）",
    "unit": "计量单位，模板表头写作「表头(单位)」",
    "required": "是否必填",
    "variants": "各地常见的其他写法，也认作这一列",
    "min": "最小值",
    "max": "最大值",
    "parent": "两行合并表头的上一行（如 责任人）",
    "summed": "是否有合计：合计须等于各行之和、等于县下达目标",
    "width": "模板中的列宽",
    "role": "特殊用途：sequence 表示序号，须 1、2、3… 依次排列",
    "missing_rule": "这一格空着时报哪条规则（不写则为 N009）",
    "same_within": "在这一列值相同的各行里，本列须一致（如同一牵头单位的责任人）",
}
_CROSS_COMMENTS = {"code": "规则代码（唯一，如 X101）", "left": "这一列的数……",
                   "right": "……不能大于这一列的数"}
_RATIO_COMMENTS = {"code": "规则代码（唯一，如 P101）", "numerator": "分子列",
                   "denominator": "分母列", "factor": "换算系数：分子 ÷ 分母 × 系数",
                   "low": "常见范围下限", "high": "常见范围上限", "unit": "比值的单位",
                   "name": "比值的名称（如 亩产）"}


def kind_file_text(kind: TableKind, notes: list[str] = ()) -> str:
    """The kind as a kind file, every key with a Chinese comment; loading it gives the same kind."""
    out = ["# 表格类型文件（fenjie）：fenjie 据此生成模板、核对报回的表、汇总。",
           "# 放在 fenjie.toml 旁边，在其中写 kinds = [\"本文件的路径\"]。",
           *(f"# {note}" for note in notes), ""]
    top = {"name": kind.name, "title": kind.title, "version": kind.version, "rows": kind.rows_from,
           "key": kind.key, "key_headers": _key_headers(kind), "total_labels": list(kind.total_labels),
           "unit_line": kind.unit_line, "title_words": list(kind.title_words),
           "description": kind.description, "main": kind.main}
    out += _pairs(top, _KIND_COMMENTS)
    for col in kind.columns:
        values = {"key": col.key, "header": col.header, "type": col.type, "unit": col.unit,
                  "required": col.required, "variants": list(col.variants), "min": col.minimum,
                  "max": col.maximum, "parent": col.parent, "summed": col.summed, "width": col.width,
                  "role": col.role, "missing_rule": col.missing_rule, "same_within": col.same_within}
        out += ["", "[[columns]]", *_pairs(values, _COLUMN_COMMENTS)]
    for rule in kind.cross_rules:
        out += ["", "[[cross_rules]]  # 每一行 left 列不能大于 right 列",
                *_pairs({"code": rule.code, "left": rule.left, "right": rule.right}, _CROSS_COMMENTS)]
    for rule in kind.ratio_rules:
        values = {"code": rule.code, "numerator": rule.numerator, "denominator": rule.denominator,
                  "factor": rule.factor, "low": rule.low, "high": rule.high, "unit": rule.unit,
                  "name": rule.name}
        out += ["", "[[ratio_rules]]  # 两列之比不在常见范围内时提醒（不算错误）",
                *_pairs(values, _RATIO_COMMENTS)]
    return "\n".join(out) + "\n"


def _key_headers(kind: TableKind) -> dict | None:
    headers = dict(kind.key_headers)
    if headers.get("township") == headers.get("county"):
        headers.pop("township", None)
    return headers


def _pairs(values: dict, comments: dict) -> list[str]:
    lines = []
    for key, value in values.items():
        if value is None:
            lines.append(f"# {key} = （未设）  # {comments[key]}")
            continue
        lines.append(f"{key} = {_toml_value(value)}  # {comments[key]}")
    return lines


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if not isinstance(value, float) or value != int(value) else f"{value:.1f}"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return "[" + ", ".join(_toml_value(v) for v in value) + "]"
