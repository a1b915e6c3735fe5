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


# how the names of a county's directory end: a place's suffix, a unit's kind
_PLACE_ENDING = re.compile(f"({'|'.join(TOWNSHIP_SUFFIXES + VILLAGE_SUFFIXES)})$")
_UNIT_ENDING = re.compile("(局|委|办|中心|公司|集团|大队)$")
_COUNTY_PREFIX = re.compile(r"^[\u4e00-\u9fff]{0,4}?县")     # 县财政局, 湘阴县湘滨镇
SHORT_STEM = 3              # a stem this short, one character off, is as often another name as a typo


def closest_listed(word: str, names: list[str], cutoff: float = 60) -> str | None:
    """The name of `names` (townships, units) that `word` most likely misspells, or None.

    Compared as written and without the ending (镇/乡/街道, 村/社区, 局/委/办 …), a leading county
    name left off, a place's stem only with places' and a unit's only with units' (洋沙湖集团 is no
    洋沙湖镇): 六塘镇 is 六塘乡 with the wrong ending, 国有场 is 国有场所 one character short. A
    short stem one character off is another name as often as a typo — 东塘镇, 三塘镇 and 石塘镇 are
    three townships — so it is suggested only when the two characters sound alike, as the typos of
    pinyin input do (东糖镇 -> 东塘镇, 静和镇 -> 静河镇)."""
    written = _forms(word)
    forms = {name: _forms(name) for name in names}

    def matching(alike) -> list[str]:
        return [name for name, theirs in forms.items()
                if any(alike(a, b) for a, sort in written for b, other in theirs
                       if sort is None or other is None or sort == other)]
    for found in (matching(str.__eq__), matching(_one_character_short)):
        if found:
            return found[0] if len(found) == 1 else None     # 六塘: 六塘镇 and 六塘乡 alike
    stem, sort = written[-1]
    stems = {theirs[-1][0]: name for name, theirs in forms.items()
             if sort is None or theirs[-1][1] is None or theirs[-1][1] == sort}
    if len(stem) <= SHORT_STEM:
        found = [name for other, name in stems.items() if _one_sound_alike_change(stem, other)]
        return found[0] if len(found) == 1 else None
    best = closest(stem, list(stems), cutoff)
    return stems[best] if best else None


def _forms(name: str) -> list[tuple[str, str | None]]:
    """The name as written (a leading county left off), then without its ending if it has one,
    both with what the ending says the name is: place, unit, or None without an ending."""
    name = normalize_name(name)
    name = _COUNTY_PREFIX.sub("", name) or name
    for sort, ending in (("place", _PLACE_ENDING), ("unit", _UNIT_ENDING)):
        stem = ending.sub("", name)
        if stem != name and stem:
            return [(name, sort), (stem, sort)]
    return [(name, None)]


def _one_character_short(word: str, name: str) -> bool:
    """One is the other with a character more (国有场 / 国有场所, 新泉真 / 新泉), two at least."""
    return min(len(word), len(name)) >= 2 and abs(len(word) - len(name)) == 1 and (word in name or name in word)


def _one_sound_alike_change(stem: str, other: str) -> bool:
    """Same length, one character different, and the two read alike (tones aside): 糖 for 塘."""
    if len(stem) != len(other):
        return False
    changed = [(a, b) for a, b in zip(stem, other) if a != b]
    if len(changed) != 1:
        return False
    from pypinyin import Style, pinyin

    first, second = pinyin("".join(changed[0]), style=Style.NORMAL, heteronym=True)
    return bool(set(first) & set(second))


def closest(word: str, choices: list[str], cutoff: float = 60) -> str | None:
    """The choice that `word` most likely misspells (a key, a kind, a column), or None."""
    from rapidfuzz import fuzz, process
    found = process.extractOne(normalize_name(word).lower(), {c: normalize_name(c).lower() for c in choices},
                               scorer=fuzz.ratio, score_cutoff=cutoff)
    return found[2] if found else None
