"""The units fenjie knows and how they convert: one vocabulary for header cells, unit rows,
number cells, F014/F016 and the 汇总.

Units convert only within a group (what they measure), each by its value in the group's first
unit: 44000 亩 are 4.4 万亩, 4.4万吨 in a 吨 column is 44000; 10% in a 万亩 column is no area.
A unit a kind declares that is not listed here (a county's 万头) makes a group of its own with
its 万/亿 multiples, so the units a column accepts always derive from its declaration.
"""
from __future__ import annotations

from functools import cache

UNIT_GROUPS: tuple[dict[str, float], ...] = (
    {"亩": 1, "万亩": 1e4, "公顷": 15, "万公顷": 15e4, "平方公里": 1500},
    {"公斤": 1, "千克": 1, "斤": 0.5, "吨": 1e3, "万吨": 1e7, "亿斤": 0.5e8, "万斤": 0.5e4,
     "万公斤": 1e4},
    {"元": 1, "千元": 1e3, "万元": 1e4, "百万元": 1e6, "亿元": 1e8},
    {"%": 1, "％": 1},
    {"个": 1}, {"人": 1}, {"户": 1}, {"项": 1}, {"家": 1}, {"座": 1}, {"处": 1}, {"台": 1},
    {"公里": 1, "千米": 1, "米": 1e-3},
)
MAGNITUDES = {"万": 1e4, "亿": 1e8}        # 4.4万 in a 吨 column: 44000 吨
_MULTIPLE_PREFIXES = ("万", "亿", "千", "百")


@cache
def unit_group(unit: str | None) -> dict[str, float]:
    """The units `unit` converts with (itself included), each by its value in the group's first
    unit; a unit fenjie does not list is a group with its 万 and 亿 multiples (万头: 头, 亿头)."""
    if not unit:
        return {}
    for group in UNIT_GROUPS:
        if unit in group:
            return group
    base = unit[1:] if unit.startswith(tuple(MAGNITUDES)) and len(unit) > 1 else unit
    return {base: 1, **{prefix + base: factor for prefix, factor in MAGNITUDES.items()}}


KNOWN_UNITS: frozenset[str] = frozenset(u for group in UNIT_GROUPS for u in group)


def units_of(declared) -> frozenset[str]:
    """Every unit a header may state for columns declaring `declared` units: the listed ones
    and the groups of the declared (a county kind's 万头 brings 头 and 亿头)."""
    return _units_of(frozenset(u for u in declared if u and u not in KNOWN_UNITS))


@cache
def _units_of(extra: frozenset[str]) -> frozenset[str]:
    return KNOWN_UNITS.union(*map(unit_group, extra)) if extra else KNOWN_UNITS


def convert(number: float, written: str | None, unit: str | None) -> float | None:
    """`number` in unit `written` expressed in `unit`; None when the two do not convert."""
    if written is None or written == unit:
        return number
    if written in MAGNITUDES:
        if not unit or unit.startswith(_MULTIPLE_PREFIXES) or unit in ("%", "％"):
            return None
        return round(number * MAGNITUDES[written], 9)
    group = unit_group(unit)
    if written not in group:
        return None
    return round(number * group[written] / group[unit], 9)


def factor(written: str | None, unit: str | None) -> float | None:
    """What one `written` is in `unit` (亩 -> 万亩: 0.0001); 1 when either is not stated, None
    when they do not convert (斤 for an area)."""
    if not written or not unit or written == unit:
        return 1.0
    return convert(1.0, written, unit)


# units a header may end in without parentheses (粮食总面积万亩), longest first: area, weight and
# money units no header word ends in — 人 or 个 would cut 责任人 or 单个, 元 单元
_BARE_SUFFIXES = tuple(sorted({u for group in UNIT_GROUPS[:3] for u in group if len(u) > 1} | {"吨"},
                              key=len, reverse=True))


def split_unit(text: str, units: frozenset[str] = KNOWN_UNITS) -> tuple[str, str | None]:
    """A (normalised) header text and the unit at its end: 粮食总面积(斤) -> (粮食总面积, 斤).
    In parentheses any of `units`; bare only the area, weight and money units (粮食总面积万亩)."""
    if text.endswith((")", "）")):
        opening = max(text.rfind("("), text.rfind("（"))
        inside = text[opening + 1:-1]
        return (text[:opening], inside) if opening > 0 and inside in units else (text, None)
    if text.endswith(_BARE_SUFFIXES):
        unit = next(u for u in _BARE_SUFFIXES if text.endswith(u))
        if len(text) > len(unit):
            return text[:-len(unit)], unit
    return text, None
