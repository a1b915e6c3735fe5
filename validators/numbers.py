"""What a number cell really holds, and which N-rule a malformed one breaks.

A number cell (int/float) is clean. Text is never clean, even "22": Excel's SUM skips text,
so the 合计 comes out wrong. For text we still work out the number the clerk meant, so the
finding can carry it as the suggestion and the totals can be checked as intended.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from validators.sheet import CellError

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_UNITS = ("万亩", "亩", "万吨", "吨", "公斤", "万元", "元", "个", "%", "％")
_APPROX = ("约", "大约", "左右", "以上", "以下", "多", "余", "近", "超", "不少于", "不低于", "力争")
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_ALL_WORDS = _UNITS + _APPROX


@dataclass(frozen=True)
class ParsedNumber:
    number: float | None   # the number meant, or None when there is none
    code: str | None       # the N-rule the cell breaks; None for a clean number or an empty cell

    @property
    def is_clean(self) -> bool:
        return self.code is None and self.number is not None


EMPTY = ParsedNumber(None, None)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not _SPACES.sub("", value))


def parse_number(value) -> ParsedNumber:
    if isinstance(value, bool) or isinstance(value, (datetime, date)):
        return ParsedNumber(None, "N007")
    if isinstance(value, CellError):
        return ParsedNumber(None, "F007")
    if isinstance(value, (int, float)):
        return ParsedNumber(float(value), None)
    if is_blank(value):
        return EMPTY
    return _parse_text(str(value))


def _parse_text(text: str) -> ParsedNumber:
    """Text in a number cell: the number it means and the first problem a clerk should fix."""
    width_folded = unicodedata.normalize("NFKC", text)
    if width_folded != text and _as_number(_SPACES.sub("", width_folded)) is not None:
        return ParsedNumber(_as_number(_SPACES.sub("", width_folded)), "N002")
    stripped = _SPACES.sub("", width_folded)
    if stripped != width_folded.strip() or stripped != text:
        number = _as_number(stripped)
        if number is not None:
            return ParsedNumber(number, "N006")
    for words, code in ((_APPROX, "N005"), (_UNITS, "N004")):
        number = _strip_words(stripped, words)
        if number is not None:
            if code == "N005" or width_folded == text:
                return ParsedNumber(number, code)
            return ParsedNumber(number, "N002")
    if _GROUPED.fullmatch(stripped):
        return ParsedNumber(float(stripped.replace(",", "")), "N003")
    number = _as_number(stripped)
    if number is not None:
        return ParsedNumber(number, "N001")
    return ParsedNumber(None, "N007")


def _as_number(text: str) -> float | None:
    if _NUMBER.fullmatch(text):
        return float(text)
    if _GROUPED.fullmatch(text):
        return float(text.replace(",", ""))
    return None


@functools.cache
def _longest_first(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(words, key=len, reverse=True))


def _strip_words(text: str, words: tuple[str, ...]) -> float | None:
    """The number left when `words` (prefixes or suffixes, possibly several) are removed."""
    core, changed = text, True
    found = False
    while changed:
        changed = False
        for word in _longest_first(words):
            if core.startswith(word):
                core, changed, found = core[len(word):], True, True
            if core.endswith(word):
                core, changed, found = core[:-len(word)], True, True
    if not found:
        return None
    # 22万亩左右: after removing approximations a unit may remain, and the other way round
    for word in _longest_first(_ALL_WORDS):
        if core.endswith(word):
            core = core[:-len(word)]
        if core.startswith(word):
            core = core[len(word):]
    return _as_number(core)


def decimals(value: float) -> int:
    """Decimal places a typed number uses: 22.0 -> 0, 1.05 -> 2, 28.4 -> 1."""
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = f"{value:.10f}".rstrip("0")
    frac = text.split(".")[1] if "." in text else ""
    return len(frac.rstrip("0"))


def column_decimals(values) -> int:
    """Decimal places a column of numbers uses (the most any value needs, up to 10)."""
    import numpy as np
    array = np.asarray(values, dtype=float)
    array = array[np.isfinite(array)]
    for places in range(11):
        if np.all(np.abs(np.round(array, places) - array) <= 1e-9 * np.maximum(1, np.abs(array))):
            return places
    return 10


def format_number(value: float | None) -> str:
    """A number as a clerk would write it: 22, 1.05, 502000."""
    if value is None:
        return ""
    rounded = round(value, 10)
    return f"{rounded:.10f}".rstrip("0").rstrip(".") if rounded != int(rounded) else str(int(rounded))
