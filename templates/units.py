"""The units fenjie knows and how they convert: one vocabulary for header cells, unit rows,
number cells, F014/F016 and the 汇总.

Units convert only within a group (what they measure), each by its value in the group's first
unit: 44000 亩 are 4.4 万亩, 4.4万吨 in a 吨 column is 44000; 10% in a 万亩 column is no area.
A unit a kind declares that is not listed here (a county's 万头) makes a group of its own with
its 万/亿 multiples, so the units a column accepts always derive from its declaration.
"""
from __future__ import annotations

import re
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
# a unit written straight after a header's text, without parentheses (粮食总面积万亩): only
# units no header word ends in — 人 or 个 would cut 责任人 or 单个
_BARE_SUFFIX_GROUPS = 3                    # area, weight, money


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
    return KNOWN_UNITS.union(*(unit_group(u) for u in declared if u))


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


@cache
def unit_suffix(units: frozenset[str] = KNOWN_UNITS) -> re.Pattern:
    """A unit at the end of a header text: in parentheses any of `units`, bare the area, weight
    and money units (粮食总面积万亩)."""
    inside = "|".join(map(re.escape, sorted(units, key=len, reverse=True)))
    bare = {u for group in UNIT_GROUPS[:_BARE_SUFFIX_GROUPS] for u in group if len(u) > 1} | {"吨"}
    outside = "|".join(map(re.escape, sorted(bare, key=len, reverse=True)))
    return re.compile(rf"(?<=.)(?:[(（](?P<inside>{inside})[)）]|(?P<bare>{outside}))$")


def split_unit(text: str, units: frozenset[str] = KNOWN_UNITS) -> tuple[str, str | None]:
    """A (normalised) header text and the unit at its end: 粮食总面积(斤) -> (粮食总面积, 斤)."""
    match = unit_suffix(units).search(text)
    if match is None:
        return text, None
    return text[:match.start()], match.group("inside") or match.group("bare")
