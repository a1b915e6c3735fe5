"""Cell addresses in bulk (one address is templates.cells): group cells into few rectangles, join them into few calls.

Colouring cell by cell costs one round trip to Excel per cell. Cells of one colour are first
merged into rectangles (a run of a column's cells is one "C5:C19"), and on Windows the
rectangles are then joined into multi-area addresses ("C7,D9:D12,F3") of at most 255
characters, Excel's limit for Range("…"). Pure functions: no xlwings here.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from templates.cells import a1, parse_a1

MAX_ADDRESS = 255           # Excel's limit on the text passed to Range()

Cell = tuple[int, int]      # (row, column), 1-based
Rect = tuple[int, int, int, int]   # (first row, first column, last row, last column)


def rectangles(cells: Iterable[Cell]) -> list[Rect]:
    """Cover exactly `cells` with few rectangles: runs within a row, stacked over equal runs."""
    by_row: dict[int, list[int]] = defaultdict(list)
    for row, col in set(cells):
        by_row[row].append(col)
    open_rects: dict[tuple[int, int], list[int]] = {}   # (first col, last col) -> [r1, c1, r2, c2]
    done: list[Rect] = []
    for row in sorted(by_row):
        runs = _runs(sorted(by_row[row]))
        for span, rect in list(open_rects.items()):
            if span not in runs or rect[2] != row - 1:
                done.append(tuple(open_rects.pop(span)))
        for first, last in runs:
            rect = open_rects.get((first, last))
            if rect is not None:
                rect[2] = row
            else:
                open_rects[(first, last)] = [row, first, row, last]
    done.extend(tuple(r) for r in open_rects.values())
    return sorted(done)


def _runs(cols: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for col in cols:
        if runs and runs[-1][1] == col - 1:
            runs[-1] = (runs[-1][0], col)
        else:
            runs.append((col, col))
    return runs


def rect_address(rect: Rect) -> str:
    r1, c1, r2, c2 = rect
    first = a1(r1, c1)
    return first if (r1, c1) == (r2, c2) else f"{first}:{a1(r2, c2)}"


def rect_cells(rect: Rect) -> list[Cell]:
    r1, c1, r2, c2 = rect
    return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def chunks(rects: Iterable[Rect], limit: int = MAX_ADDRESS) -> list[list[Rect]]:
    """`rects` in groups whose multi-area address ("C7,D9:D12") is at most `limit` characters."""
    groups: list[list[Rect]] = []
    length = 0
    for rect in rects:
        size = len(rect_address(rect))
        if groups and length + 1 + size <= limit:
            groups[-1].append(rect)
            length += 1 + size
        else:
            groups.append([rect])
            length = size
    return groups


def joined_address(rects: Iterable[Rect]) -> str:
    return ",".join(rect_address(r) for r in rects)


def joined_addresses(rects: Iterable[Rect], limit: int = MAX_ADDRESS) -> list[str]:
    """Multi-area addresses covering `rects`, each at most `limit` characters."""
    return [joined_address(group) for group in chunks(rects, limit)]


def address_rect(address: str) -> Rect:
    """The rectangle of one area's address as Excel gives it: "$A$1:$F$2" -> (1, 1, 2, 6)."""
    ends = [parse_a1(end) for end in address.replace("$", "").split("!")[-1].split(":")]
    if not ends or not all(ends):
        raise ValueError(f"not an address: {address!r}")
    (r1, c1), (r2, c2) = ends[0], ends[-1]
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def rows_in(address: str) -> set[int]:
    """The rows an Excel address covers: "$A$1:$F$3,$A$5:$F$5" -> {1, 2, 3, 5}."""
    rows: set[int] = set()
    for area in address.replace("$", "").split(","):
        ends = [parse_a1(end) for end in area.split(":")]
        if ends and all(ends):
            rows.update(range(min(e[0] for e in ends), max(e[0] for e in ends) + 1))
    return rows
