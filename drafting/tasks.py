"""Numbered items in a document's lines, the headings above them, and their clauses.

An item starts at a line that begins with a number (一、 （一） 1. 1、 （1） (1)) and runs over the
following lines, as text pulled from a PDF does, until its responsibility clause closes it or
the next numbered line begins. Numbered items without a clause that read like a heading (short,
no sentence inside) become the headings of the tasks below them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from drafting.clauses import CLAUSE_REACH, CLOSE, TRAILING, Clause, last_bracket, split_trailing_clause
from drafting.documents import SourceLine

# numbering styles, outermost first: the level is the index
_MARKERS = (
    re.compile(r"^[一二三四五六七八九十百]+\s*、\s*"),
    re.compile(r"^[（(]\s*[一二三四五六七八九十百]+\s*[）)]\s*"),
    re.compile(r"^\d{1,3}\s*[.．、](?![0-9０-９])\s*"),
    re.compile(r"^[（(]\s*\d{1,3}\s*[）)]\s*"),
)
_MARKUP = re.compile(r"\*\*")       # bold marks left by a Markdown conversion
# spaces next to a Chinese character or mark are typesetting (「资金 200 万元」), and PDF text
# layers keep or drop them at random: the task text is the same without them
_SPACE_BY_CJK = re.compile(r"(?<=[^\x00-\x7f])[ \t\u3000]+|[ \t\u3000]+(?=[^\x00-\x7f])")
HEADING_MAX = 40
_CLAUSE_WORDS = re.compile(r"牵头|责任单位|配合单位|相关单位")


@dataclass
class Item:
    line: int
    level: int | None                  # None: a paragraph without a number
    marker: str = ""
    parts: list[str] = field(default_factory=list)
    clause: Clause | None = None
    body: str = ""                     # the text without number and clause
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = join_lines(self.parts)
        return self._text

    def add(self, text: str) -> None:
        """Add a line; look for a clause in the last few lines only, so a long paragraph stays linear."""
        self.parts.append(text)
        self._text = None
        if not text.rstrip(TRAILING).endswith(tuple(CLOSE)):
            return
        tail = join_lines(self._tail())
        found = split_trailing_clause(tail)
        if found:
            full = self.text                        # ends with `tail`
            self.body = (full[:len(full) - len(tail)] + found[0]).rstrip()
            self.clause = found[1]

    def _tail(self) -> list[str]:
        size, start = 0, len(self.parts)
        while start > 0 and size < CLAUSE_REACH:
            start -= 1
            size += len(self.parts[start])
        return self.parts[start:]

    @property
    def reads_like_heading(self) -> bool:
        text = self.text.rstrip("。：:")
        return self.level is not None and self.clause is None and len(text) <= HEADING_MAX and "。" not in text


@dataclass
class FoundTask:
    line: int
    section: str
    text: str
    clause: Clause
    numbered: bool


@dataclass
class Unparsed:
    line: int
    message: str


def join_lines(parts: list[str]) -> str:
    """Lines of one paragraph joined: no space between CJK, one space between ASCII words."""
    text = ""
    for part in parts:
        if text and text[-1].isascii() and text[-1].isalnum() and part[:1].isascii() and part[:1].isalnum():
            text += " "
        text += part
    return text


def numbering(text: str) -> tuple[int, str] | None:
    for level, pattern in enumerate(_MARKERS):
        match = pattern.match(text)
        if match and match.end() < len(text):
            return level, match.group(0)
    return None


def scan_items(lines: list[SourceLine]) -> list[Item]:
    items: list[Item] = []
    current: Item | None = None
    for line in lines:
        text = _SPACE_BY_CJK.sub("", _MARKUP.sub("", line.text)).strip()
        if not text:
            continue
        marker = numbering(text)
        continues = current is not None and (current.clause is None or line.wrapped)
        if marker and (not line.wrapped or (current is not None and current.clause is not None)):
            level, mark = marker
            current = Item(line.number, level, mark)
            items.append(current)
            text = text[len(mark):]
        elif not continues:
            current = Item(line.number, None)
            items.append(current)
        current.add(text)
    return items


def find_tasks(lines: list[SourceLine]) -> tuple[list[FoundTask], list[Unparsed]]:
    items = scan_items(lines)
    headings: dict[int, str] = {}
    tasks, unparsed = [], []
    for index, item in enumerate(items):
        if item.level is not None:
            for level in [lv for lv in headings if lv >= item.level]:
                del headings[level]
        section = " / ".join(headings[lv] for lv in sorted(headings))
        if item.clause is not None:
            tasks.append(FoundTask(item.line, section, item.body, item.clause, item.level is not None))
        elif _is_heading(items, index):
            headings[item.level] = f"{item.marker}{item.text}"
        elif item.level is not None and _among_tasks(items, index):
            unparsed.append(Unparsed(item.line, _why(item)))
    return tasks, unparsed


def _is_heading(items: list[Item], index: int) -> bool:
    """A short numbered line without a clause that has deeper items or paragraphs under it."""
    item = items[index]
    if not item.reads_like_heading or index + 1 == len(items):
        return False
    below = items[index + 1]
    return below.level is None or below.level > item.level


def _among_tasks(items: list[Item], index: int) -> bool:
    """An item without a clause whose nearest siblings (same numbering) carry one."""
    level = items[index].level
    for step in (-1, 1):
        position = index + step
        while 0 <= position < len(items):
            other = items[position]
            if other.level is not None and other.level < level:
                break
            if other.level == level and not _is_heading(items, position):
                if other.clause is not None:
                    return True
                break
            position += step
    return False


def _why(item: Item) -> str:
    start = f"{item.marker}{item.text[:20]}…"
    bracket = last_bracket(item.text)
    if bracket and _CLAUSE_WORDS.search(bracket):
        return f"「{start}」的责任分工「{bracket}」无法识别，请手工填写牵头单位、相关单位"
    return f"「{start}」没有写明牵头单位（未列入分解表）"
