"""What a sheet's values do not show: its merged ranges and which numbers are shown as percentages.

The file reader hands the engine both (SheetData.merged, SheetData.percent_cells); the button
has to read them from Excel, where each question is a round trip (~1 ms on Windows, an Apple
event of ~10 ms on macOS). So it asks about areas, not cells, and splits an area only where
Excel answers "mixed" (Null, AppleScript's missing value):

  merged ranges   MergeCells of the used range (one call: False on most sheets). Otherwise only
                  the empty cells are searched — a merged range keeps its value in its first
                  cell, every other cell of it is empty — by halving the box around them, and
                  once a box holds few runs of empty cells down a column (a 牵头单位 merged over
                  three tasks leaves one such run) run by run, until Excel answers True (then
                  MergeArea of one of its cells gives the whole range) or False (none there).
                  The 目标任务分解表 with 69 merged ranges takes about 150 questions
  percentages     NumberFormat of the used range (one call: "General" on a plain sheet). When
                  mixed, NumberFormat of the box around the number cells (headers and titles
                  left out; text and empty cells among the numbers mostly share their format),
                  then of each column's box when mixed, halving a column's rows when that is
                  mixed too

Pure logic behind a small `Probe` (one per engine, in xladdin.reading); a budget of probes keeps a
pathological sheet from costing minutes, and says so instead of guessing.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from templates.cells import shows_percent
from xladdin.cells import Cell, Rect

MAX_PROBES = 400            # questions to Excel per sheet and per search (merged / percent)
FEW_RUNS = 32               # empty cells in at most this many runs down a column: asked run by run

class Probe(Protocol):
    def merge_cells(self, rect: Rect) -> object:
        """True / False, or anything else when the range is partly merged."""

    def merge_area(self, cell: Cell) -> Rect:
        """The merged range holding `cell` (the cell itself when it is not merged)."""

    def number_format(self, rect: Rect) -> object:
        """The range's format code, or anything but a str when its cells differ."""


@dataclass
class Found:
    cells: frozenset | tuple
    complete: bool = True       # False: the budget ran out, what was found is all there is


def merged_ranges(probe: Probe, empty: Iterable[Cell], whole: object, limit: int = MAX_PROBES) -> Found:
    """The merged ranges that cover any of the `empty` cells; `whole` is MergeCells of the used range."""
    if whole is False:
        return Found(())
    found: set[Rect] = set()
    settled: set[Cell] = set()          # in a range found, or known not to be merged
    stack: list[tuple[list[Cell], bool]] = [(sorted(empty), False)]     # (cells, one column's run)
    probes, first = 0, True
    while stack:
        cells, run = stack.pop()
        cells = [c for c in cells if c not in settled]
        if not cells:
            continue
        box = _box(cells)
        if first and whole is True:     # the whole used range is merged: so is this box
            answer = True
        elif len(cells) == 1:           # one cell: its MergeArea tells all
            answer = True
        else:
            if probes >= limit:
                return Found(tuple(sorted(found)), complete=False)
            probes += 1
            answer = probe.merge_cells(box)
        first = False
        if answer is False:
            settled.update(cells)
        elif answer is True:
            if probes >= limit:
                return Found(tuple(sorted(found)), complete=False)
            probes += 1
            area = probe.merge_area(cells[0])
            if area[:2] != area[2:]:
                found.add(area)
            settled.update(c for c in cells if _inside(c, area))
            settled.add(cells[0])
            stack.append((cells, run))
        else:
            runs = [] if run else _runs(cells)
            if 1 < len(runs) <= FEW_RUNS:   # a merged range down a column covers a whole run
                stack.extend((r, True) for r in reversed(runs))
            else:
                stack.extend((half, run) for half in _halves(cells, box))
    return Found(tuple(sorted(found)))


def percent_cells(probe: Probe, numbers: Iterable[Cell], whole: object, limit: int = MAX_PROBES) -> Found:
    """The `numbers` (cells holding a number) shown as a percentage; `whole` is NumberFormat of
    the used range."""
    if isinstance(whole, str) and not shows_percent(whole):
        return Found(frozenset())       # one format for the whole sheet, not a percentage
    numbers = set(numbers)
    if not numbers or isinstance(whole, str):
        return Found(frozenset(numbers))
    shown: set[Cell] = set()
    stack = [sorted(numbers)]
    probes = 0
    while stack:
        cells = stack.pop()
        box = _box(cells)
        if probes >= limit:
            return Found(frozenset(shown), complete=False)
        probes += 1
        code = probe.number_format(box)         # text or empty cells in the box share its format, mostly
        if isinstance(code, str):
            if shows_percent(code):
                shown.update(cells)
        elif box[1] < box[3]:           # formats usually go by column: ask each column
            by_column: dict[int, list[Cell]] = {}
            for cell in cells:
                by_column.setdefault(cell[1], []).append(cell)
            stack.extend(by_column[col] for col in sorted(by_column, reverse=True))
        elif len(cells) > 1:
            stack.extend(_halves(cells, box))
    return Found(frozenset(shown))


def _box(cells: list[Cell]) -> Rect:
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    return min(rows), min(cols), max(rows), max(cols)


def _runs(cells: list[Cell]) -> list[list[Cell]]:
    """`cells` as runs of neighbours down a column."""
    runs: list[list[Cell]] = []
    for cell in sorted(cells, key=lambda c: (c[1], c[0])):
        last = runs[-1][-1] if runs else None
        if last is not None and last[1] == cell[1] and last[0] == cell[0] - 1:
            runs[-1].append(cell)
        else:
            runs.append([cell])
    return runs


def _inside(cell: Cell, rect: Rect) -> bool:
    return rect[0] <= cell[0] <= rect[2] and rect[1] <= cell[1] <= rect[3]


def _halves(cells: list[Cell], box: Rect) -> list[list[Cell]]:
    """`cells` split across the longer side of their box (the first half last: asked first)."""
    top, left, bottom, right = box
    if bottom - top >= right - left:
        middle = (top + bottom) // 2
        first = [c for c in cells if c[0] <= middle]
        second = [c for c in cells if c[0] > middle]
    else:
        middle = (left + right) // 2
        first = [c for c in cells if c[1] <= middle]
        second = [c for c in cells if c[1] > middle]
    return [second, first]
