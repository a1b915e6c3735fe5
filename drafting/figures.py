"""The quantified targets of a task: 「新增城镇就业4500人」 -> {text, value 4500, unit 人}.

A figure is a number with a unit (and 以上/左右/以内 after it); its text runs back to the
previous punctuation mark, so the clerk sees what is counted. Years, dates, ranges
(每亩补贴50-80元) and rates (15元/亩) are not targets and are left out.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

UNITS = ("万平方米", "平方米", "万平米", "平米", "万亩", "亩", "万吨", "吨", "亿斤", "万斤", "斤", "亿元", "万元", "元",
         "万人次", "人次", "万人", "人", "名", "个百分点", "个", "家", "项", "套", "户", "所", "座", "条", "公里",
         "千瓦", "兆瓦", "%", "％", "倍")
_NUMBER = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
_FIGURE = re.compile(
    rf"(?<![0-9０-９.．\-—–~～])(?P<number>{_NUMBER})\s*(?P<unit>{'|'.join(map(re.escape, UNITS))})"
    r"(?P<qualifier>\s*(?:以上|左右|以内|以下|及以上))?")
_RANGE_AFTER = re.compile(r"\s*[-—–~～至到]")
_RATE_AFTER = re.compile(r"\s*[/／]")          # 15元/亩 is a rate, not a target
_BOUNDARY = "，。；：、,;:！？（(“”《》\n"


@dataclass(frozen=True)
class Figure:
    text: str
    value: float | int
    unit: str

    def to_json(self) -> dict:
        return asdict(self)


def extract_figures(text: str) -> list[Figure]:
    figures = []
    for match in _FIGURE.finditer(text):
        before = text[:match.start()]
        if re.search(rf"{_NUMBER}\s*[-—–~～至到]\s*$", before) or _RANGE_AFTER.match(text, match.end("number")) \
                or _RATE_AFTER.match(text, match.end("unit")):
            continue
        start = _phrase_start(text, match.start())
        number = unicodedata.normalize("NFKC", match["number"])
        value = float(number) if "." in number else int(number)
        unit = unicodedata.normalize("NFKC", match["unit"])
        figures.append(Figure(text[start:match.end()].strip(), value, unit))
    return figures


def _phrase_start(text: str, end: int) -> int:
    """Where the phrase ending at `end` starts: after the previous punctuation mark, a bracketed
    aside inside the phrase (新（改）建16万平米) included."""
    index, depth = end - 1, 0
    while index >= 0:
        char = text[index]
        if char in "）)":
            depth += 1
        elif depth and char in "（(":
            depth -= 1
        elif not depth and char in _BOUNDARY:
            break
        index -= 1
    return index + 1
