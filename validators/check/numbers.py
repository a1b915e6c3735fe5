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
from datetime import date, datetime, time, timedelta

from templates.cells import plain_number
from templates.names import means_nothing
from templates.units import KNOWN_UNITS, MAGNITUDES, convert, unit_group
from validators.read.sheet import CellError

_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
# the units a cell may carry (4.4万吨, 22亩): templates.units, the one vocabulary
_UNITS = (*sorted(KNOWN_UNITS), *MAGNITUDES)
_APPROX = ("约", "大约", "左右", "以上", "以下", "多", "余", "近", "超", "不少于", "不低于", "力争")
_SPACES = re.compile(r"[\s\u3000\u00a0]+")


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


def says_nothing(value) -> bool:
    """A text or names cell that names nothing (templates.names.means_nothing: 「/」「无」), or an
    error value (#REF!), which F007 reports on its own."""
    return isinstance(value, CellError) or means_nothing(value)


def parse_number(value, unit: str | None = None) -> ParsedNumber:
    """What a number cell holds; `unit` is the column's unit, to convert a unit written in the
    cell (4.4万吨 in a 吨 column means 44000) — or, when it cannot be converted, to mean none."""
    if isinstance(value, bool):
        return ParsedNumber(None, "N007")
    if isinstance(value, DATE_TYPES):       # a number the cell's format shows as a time (N013)
        return ParsedNumber(date_serial(value), None)
    if isinstance(value, CellError):
        return ParsedNumber(None, "F007")
    if isinstance(value, (int, float)):
        return ParsedNumber(float(value), None)
    if is_blank(value):
        return EMPTY
    return _parse_text(str(value), unit)


# how clerks number rows as text: 1. / 1、 / 1． / (1) / （1） / 1） / 第1项 (NFKC folds the full-width forms)
_SEQUENCE_TEXT = re.compile(r"第?\(?([0-9]{1,6})\)?[.、,:;]?项?")


def sequence_number(value):
    """A 序号 cell as the number it gives its row: text 「1.」「1、」「（1）」 is 1, as Excel would
    show it to the clerk; anything else is returned as it is (for parse_number to judge)."""
    if not isinstance(value, str):
        return value
    matched = _SEQUENCE_TEXT.fullmatch(_SPACES.sub("", unicodedata.normalize("NFKC", value)))
    return int(matched.group(1)) if matched else value


DATE_TYPES = (datetime, date, time, timedelta)
_OLE_EPOCH = datetime(1899, 12, 30)         # serial 0 in Excel and in COM (the add-in)
_EXCEL_1900 = datetime(1899, 12, 31)        # serial 0 for Excel's own 1900-01-01 … 1900-02-28
_LEAP_BUG_END = datetime(1900, 3, 1)


def date_serial(value) -> float:
    """The number Excel stores in a cell its format shows as a date or time (what its SUM adds):
    14:38:24 -> 0.61, 2025-01-06 -> 45663. Readers give a time for a fraction below 1 and the
    date by Excel's 1900 calendar (whose 1900-02-29 makes 1900-01-01 … 02-28 one day earlier
    than from 1899-12-30, as the file reader gives them; COM gives 1899-12-30 plus a time for
    a fraction). Rounded to 7 places: readers keep a time to the millisecond."""
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 86400, 7)
    if isinstance(value, time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return round(seconds / 86400, 7)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    value = value.replace(tzinfo=None)
    epoch = _EXCEL_1900 if datetime(1900, 1, 1) <= value < _LEAP_BUG_END else _OLE_EPOCH
    return round((value - epoch).total_seconds() / 86400, 7)


def date_text(value) -> str:
    """A date or time cell as Excel shows it: 14:38:24, 2025-01-06, 2025-01-09 18:57:36."""
    if isinstance(value, timedelta):
        seconds = round(value.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.time() else "%Y-%m-%d")
    return value.strftime("%Y-%m-%d")


def _parse_text(text: str, unit: str | None = None) -> ParsedNumber:
    """Text in a number cell: the number it means and the first problem a clerk should fix."""
    width_folded = unicodedata.normalize("NFKC", text)
    if width_folded != text and _as_number(_SPACES.sub("", width_folded)) is not None:
        return ParsedNumber(_as_number(_SPACES.sub("", width_folded)), "N002")
    stripped = _SPACES.sub("", width_folded)
    if stripped != width_folded.strip() or stripped != text:
        number = _as_number(stripped)
        if number is not None:
            return ParsedNumber(number, "N006")
    units = _units_for(unit)
    for words, code in ((_APPROX, "N005"), (units, "N004")):
        number, written = _strip_words(stripped, words, units)
        if number is not None:
            number = convert(number, written, unit)
            if number is None:
                return ParsedNumber(None, "N011")
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
    number = plain_number(text)
    if number is not None:
        return float(number)
    if _GROUPED.fullmatch(text):
        return float(text.replace(",", ""))
    return None


@functools.cache
def _longest_first(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(words, key=len, reverse=True))


@functools.cache
def _units_for(unit: str | None) -> tuple[str, ...]:
    """The units a cell of a column in `unit` may carry: every known one and the column's own
    group (a county kind's 万头 column: 22万头, 220000头)."""
    return tuple(dict.fromkeys((*_UNITS, *unit_group(unit))))


def _strip_words(text: str, words: tuple[str, ...], units: tuple[str, ...]) -> tuple[float | None, str | None]:
    """The number left when `words` (prefixes or suffixes, possibly several) are removed, and
    the unit written with it (None when there is none)."""
    core, changed = text, True
    found = False
    found_words = []
    present = [word for word in _longest_first(words) if word in text]   # in C: the rest cannot match
    while changed:
        changed = False
        for word in present:
            if core.startswith(word):
                core, changed, found = core[len(word):], True, True
                found_words.append(word)
            if core.endswith(word):
                core, changed, found = core[:-len(word)], True, True
                found_words.append(word)
    if not found:
        return None, None
    # 22万亩左右: after removing approximations a unit may remain, and the other way round
    for word in [word for word in _longest_first(units + _APPROX) if word in core]:
        if core.endswith(word):
            core = core[:-len(word)]
            found_words.append(word)
        if core.startswith(word):
            core = core[len(word):]
            found_words.append(word)
    written = [u for u in found_words if u not in _APPROX]
    if len(written) > 1:
        return None, None          # 22万亩吨: which one?
    return _as_number(core), (written[0] if written else None)


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


def within_half_unit(a: float, b: float, places: int) -> bool:
    """Equal within half a unit in the last decimal place used (0.05 for one place)."""
    return abs(a - b) <= 0.5 * 10 ** -places + 1e-9


def format_number(value: float | None) -> str:
    """A number as a clerk would write it: 22, 1.05, 502000."""
    if value is None:
        return ""
    rounded = round(value, 10)
    return f"{rounded:.10f}".rstrip("0").rstrip(".") if rounded != int(rounded) else str(int(rounded))


def cell_text(value) -> str:
    """A cell's value as a clerk reads it in a message: numbers as format_number writes them."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value)
    return str(value)
