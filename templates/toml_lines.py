"""Where a key of a TOML file is written: tomllib gives values, not positions.

`KeyLines(text).line(("limits", "max_bytes"))` is the line that sets that key (or the nearest
enclosing table that is written in the file); `line(("townships", 3))` is the line of the array's
fourth item. Good enough to point a clerk at a line; the values themselves come from tomllib.
"""
from __future__ import annotations

import re
import tomllib

_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEYS = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"\s*\[\[?\s*({_KEYS})\s*\]\]?")
_ASSIGNMENT = re.compile(rf"\s*({_KEYS})\s*=")
_PART = re.compile(_KEY_PART)

KeyPath = tuple[str | int, ...]


def _key_parts(text: str) -> tuple[str, ...]:
    parts = []
    for part in _PART.findall(text):
        parts.append(tomllib.loads(f"k = {part}")["k"] if part[0] in "\"'" else part)
    return tuple(parts)


class KeyLines:
    """Line numbers (1-based) of the tables, keys and array items of one TOML text."""

    def __init__(self, text: str):
        self.text = text
        self._lines: dict[tuple[str, ...], int] = {}
        self._values: dict[tuple[str, ...], int] = {}   # key -> offset just after its "="
        self._scan()

    def _scan(self) -> None:
        table: tuple[str, ...] = ()
        offset = 0
        skip_until = -1                          # inside a multi-line string or array
        for number, line in enumerate(self.text.splitlines(keepends=True), 1):
            start, offset = offset, offset + len(line)
            if start < skip_until:
                continue
            header = _HEADER.match(line)
            if header:
                table = _key_parts(header.group(1))
                for depth in range(1, len(table) + 1):
                    self._lines.setdefault(table[:depth], number)
                continue
            assignment = _ASSIGNMENT.match(line)
            if assignment:
                path = table + _key_parts(assignment.group(1))
                for depth in range(len(table) + 1, len(path) + 1):
                    self._lines.setdefault(path[:depth], number)
                value_at = start + assignment.end()
                self._values.setdefault(path, value_at)
                skip_until = _value_end(self.text, value_at)

    def line(self, path: KeyPath) -> int | None:
        """The line of `path`, of its nearest written ancestor, or None (e.g. a missing key)."""
        keys: list[str] = []
        for part in path:
            if isinstance(part, int):
                item = self._item_line(tuple(keys), part)
                if item is not None:
                    return item
                break
            keys.append(part)
        for depth in range(len(keys), 0, -1):
            found = self._lines.get(tuple(keys[:depth]))
            if found is not None:
                return found
        return None

    def _item_line(self, key: tuple[str, ...], index: int) -> int | None:
        """The line where item `index` of the array written at `key` starts."""
        at = self._values.get(key)
        if at is None:
            return None
        for position, count in _array_items(self.text, at):
            if count == index:
                return self.text.count("\n", 0, position) + 1
        return None


def _value_end(text: str, at: int) -> int:
    """Offset just after the value that starts at `at` (skipping strings, arrays, comments)."""
    end = at
    for end, _ in _tokens(text, at, stop_at_line_end=True):
        pass
    return end


def _tokens(text: str, at: int, stop_at_line_end: bool = False):
    """(offset, char) of each structural character of the value at `at`, up to where it ends."""
    depth = 0
    i = at
    while i < len(text):
        char = text[i]
        if char in "\"'":
            triple = text.startswith(char * 3, i)
            quote = char * 3 if triple else char
            j = i + len(quote)
            while j < len(text) and not text.startswith(quote, j):
                j += 2 if char == '"' and text[j] == "\\" else 1
            yield i, "s"
            i = j + len(quote)
            continue
        if char == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "\n" and depth == 0 and stop_at_line_end:
            yield i, char
            return
        yield i, char
        if depth == 0 and char in "]}":
            return
        i += 1


def _array_items(text: str, at: int):
    """(offset, index) of each top-level item of the array starting at or after `at`."""
    depth = 0
    index = 0
    expecting = False
    for position, char in _tokens(text, at):
        if char in "[{":
            depth += 1
            if depth == 1:
                expecting = True
                continue
        elif char in "]}":
            depth -= 1
        if depth == 1 and char == ",":
            index += 1
            expecting = True
            continue
        if expecting and depth >= 1 and not char.isspace():
            yield position, index
            expecting = False
