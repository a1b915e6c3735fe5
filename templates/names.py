"""Comparing names and header texts the way a clerk reads them."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

from templates.units import KNOWN_UNITS, split_unit

_SPACE = re.compile(r"\s+")
# separators between names in one 牵头单位 / 相关单位 cell
NAME_SEPARATORS = re.compile(r"[\s、，,；;/／]+")


def normalize_name(text: object) -> str:
    """NFKC, no whitespace: （ ） and ( ) compare equal, 地方金融服务 中心 == 地方金融服务中心."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(text or "")))


def normalize_header(text: object, units: frozenset[str] = KNOWN_UNITS) -> str:
    """A header cell compared loosely: NFKC, no spaces or line breaks, a unit at the end dropped
    (粮食总面积(斤) is the 粮食总面积 column, in a unit F016 then refuses); `units` are the
    units it may be in (templates.units.units_of the kind's)."""
    return split_unit(normalize_name(text), units)[0]


def nfkc(cell: object) -> str:
    return unicodedata.normalize("NFKC", str(cell or ""))


def split_names(cell: object) -> list[str]:
    """The names in one cell: 工信局 农业农村局、商务粮食局 -> three names."""
    return [part for part in NAME_SEPARATORS.split(nfkc(cell).strip()) if part]


# what a clerk writes in a cell to say there is nothing to say: 无, 暂无, 待定, 略, N/A …
PLACEHOLDER_WORDS = frozenset({
    "无", "暂无", "没有", "空", "空白", "缺", "略", "不详", "未知", "未填", "未定", "待定", "待填",
    "待补", "待补充", "待明确", "待确定", "无此项", "不涉及", "不适用", "零", "〇", "0",
    "na", "none", "null", "nil", "nan",
})


def means_nothing(cell: object) -> bool:
    """A text cell that names nothing: empty, only separators and punctuation (/ 、 ； — … ),
    only 一 used as a dash, a placeholder word (无, 待定, N/A) or the number 0."""
    if cell is None or isinstance(cell, bool):
        return cell is None
    if isinstance(cell, (int, float)):
        return cell == 0
    if not isinstance(cell, str):
        return False            # a date, an error value (#N/A): something, reported by its own rule
    core = "".join(ch for ch in nfkc(cell) if not ch.isspace()
                   and unicodedata.category(ch)[0] not in "PSZ")
    return not core or core.lower() in PLACEHOLDER_WORDS or not core.strip("一")


# the second word of a group written with a separator: 各乡镇、街道
_GROUP_TAIL = re.compile(r"街道|社区|场所|园区|管委会")
# how place names end: a township (街道, 办事处, 镇, 乡, a state farm's 场), a village (社区, 村)
TOWNSHIP_SUFFIXES = ("街道", "办事处", "镇", "乡", "场")
VILLAGE_SUFFIXES = ("社区", "村")
_PLACE_SUFFIX = re.compile(f"({'|'.join(TOWNSHIP_SUFFIXES + VILLAGE_SUFFIXES)})$")
CLOSE_ENOUGH = 55           # rapidfuzz ratio (0–100) from which a known name is suggested


def looks_like_township(name: str) -> bool:
    """Named as a township is: 三市镇, 汉昌街道, 城关办事处, 屈原农场."""
    return normalize_name(name).endswith(TOWNSHIP_SUFFIXES)


def is_group_word(name: str) -> bool:
    return name.startswith(("各", "相关")) or name.endswith(("乡镇", "镇"))


def split_unit_names(text: str, known: Container[str] = ()) -> list[str]:
    """The names in a 牵头单位 / 相关单位 text, as `fenjie draft` and `fenjie check` both read them.

    Split at separators; a group's second word written after a separator (各乡镇、街道) stays with
    it, separator and all; two parts whose join (normalized) is in `known` are one name broken by a
    line-wrap space (地方金融服务 中心)."""
    names: list[str] = []
    joined = False                         # the last name is already two parts
    separator = ""
    for token in re.split(f"({NAME_SEPARATORS.pattern})", text.strip()):
        if not token:
            continue
        if NAME_SEPARATORS.fullmatch(token):
            separator = token.strip() or token
            continue
        last = names[-1] if names and not joined else None
        if names and _GROUP_TAIL.fullmatch(token) and is_group_word(names[-1]):
            names[-1], joined = f"{names[-1]}{separator}{token}", True
        elif last is not None and (glued := next((pair for pair in (last + token, f"{last}、{token}")
                                                  if normalize_name(pair) in known), None)):
            names[-1], joined = glued, True
        else:
            names.append(token)
            joined = False
    return names


def closest_name(name: str | None, directory: dict[str, str]) -> str | None:
    """The known name really close to `name` (南州镇 -> 南湖洲镇, 县市监局 -> 市场监管局), or None.

    `directory` maps normalized names to the names shown. Scored on the whole name and on its
    stem without 镇/乡/街道 (六塘镇 is nearest to 六塘乡, not 东塘镇), both without a leading 县:
    县气象局 shares only 县…局 with 县财政局, which is no reason to suggest it."""
    if not name or not directory:
        return None
    from rapidfuzz import fuzz
    query = _bare(normalize_name(name))
    score, best = max((max(fuzz.ratio(query, _bare(known)), fuzz.ratio(_stem(query), _stem(_bare(known)))), known)
                      for known in directory)
    return directory[best] if score >= CLOSE_ENOUGH else None


def _bare(name: str) -> str:
    return name[1:] if name.startswith("县") and len(name) > 2 else name


def _stem(name: str) -> str:
    return _PLACE_SUFFIX.sub("", name) or name


def line_of(name: str | None, lines) -> str | None:
    """The line of `lines` (townships, units) that `name` reports on: the name itself, or a row two
    units share, written 「财政局、发改局」, that names it. None when no line is `name`'s."""
    if name is None:
        return None
    if name in lines:
        return name
    return next((line for line in lines if "、" in line and name in line.split("、")), None)


def closest(word: str, choices: list[str], cutoff: float = 60) -> str | None:
    """The choice that `word` most likely misspells (a key, a kind, a column), or None."""
    from rapidfuzz import fuzz, process
    found = process.extractOne(normalize_name(word).lower(), {c: normalize_name(c).lower() for c in choices},
                               scorer=fuzz.ratio, score_cutoff=cutoff)
    return found[2] if found else None
