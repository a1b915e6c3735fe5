"""CSV (and tab-separated text saved as .xls by web systems) -> one SheetData.

A CSV file stores no types: "22" in a CSV is what Excel would show as the number 22 after
opening it. So a value that is a clean ASCII number (optional minus, digits, optional
decimals; no spaces, separators, units or full-width digits) becomes a number, and every
other value stays text exactly as written — " 22 ", "22万亩", "９５", "95,000" still reach the
number rules as the text the clerk typed. What a clean number is, is templates.cells.plain_number;
but a number with a leading zero ("007") or a + ("+5") stays text: it is a code, and Excel would
lose the zero.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from templates.cells import plain_number
from templates.config import Limits
from templates.textfile import UnknownEncoding, decode_text
from validators.read.errors import SAVE_AS_XLSX, UnreadableFile, too_many_cells
from validators.read.sheet import SheetData

_CODE = re.compile(r"[+-]?0[0-9]|\+")
_DELIMITERS = (",", "\t", ";", "|")
_SEP_LINE = re.compile(r"sep=(.)\r?\n")


def read_csv(path: Path, limits: Limits) -> SheetData:
    try:
        text = decode_text(path.read_bytes(), f"CSV 文件 {path.name}", SAVE_AS_XLSX)
    except UnknownEncoding as exc:
        raise UnreadableFile(exc.reason) from None
    declared = _SEP_LINE.match(text)           # Excel's "sep=;" first line names the delimiter
    if declared:
        delimiter, text = declared.group(1), text[declared.end():]
    else:
        delimiter = guess_delimiter(text)
    rows: list[list[object]] = []
    cells = 0
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            cells += len(record)
            if cells > limits.max_cells:
                raise UnreadableFile(too_many_cells(path.stem, cells, limits))
            rows.append([csv_value(v) for v in record])
    except csv.Error:
        raise UnreadableFile("CSV 文件格式有误（某个单元格过长，或引号不成对）：请用 Excel 或 WPS 打开后"
                             "另存为 .xlsx 再报送。") from None
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    return SheetData(name=path.stem, rows=rows)


def guess_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (> 1) of fields."""
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        if modal < 2:
            continue
        score = (counts.count(modal), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def csv_value(text: str):
    if text == "":
        return None
    number = plain_number(text)
    if number is None or _CODE.match(text):
        return text
    return number if isinstance(number, float) or abs(number) < 2 ** 53 else float(number)
