"""Cell addresses and safe cell writing, shared by every writer and reader in fenjie."""
from __future__ import annotations

import re

# Characters that make a spreadsheet treat typed text as a formula (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


# a number written plainly: ASCII digits, a sign, a decimal point — no exponent, spaces, thousands
# separators, units or full-width digits (those are the N-rules' business); leading zeros allowed
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def plain_number(text: str) -> int | float | None:
    """The number `text` is when written plainly (007 -> 7, -0 -> 0, 22.5, .5); None for anything
    else (1,234, １２３, 1e3, " 12 "). The one answer to "is this a plain number" for number cells,
    CSV cells, task lists and --target; an int when there is no decimal point."""
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    return int(text) if "." not in text else float(text) + 0.0      # + 0.0: -0.0 is 0


def column_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """Excel address of a 1-based (row, col)."""
    return f"{column_letter(col)}{row}"


def column_number(letters: str) -> int:
    """"A" -> 1, "AA" -> 27 (letters only, any case)."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def cell_position(address: str) -> tuple[int, int]:
    """"C7" -> (7, 3): an address fenjie wrote itself (a finding's cell)."""
    letters = address.rstrip("0123456789")
    return int(address[len(letters):]), column_number(letters)


_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")


def parse_a1(address: str | None) -> tuple[int, int] | None:
    """"C7" or "$C$7" -> (7, 3); None for anything that is not one cell's address (text read
    from a workbook or from Excel)."""
    if not address:
        return None
    match = _A1.match(address.strip())
    if match is None:
        return None
    return int(match.group(2)), column_number(match.group(1))


# what a number format shows literally: "quoted text", [colour] / [$-locale] brackets, \-escapes
_FORMAT_LITERAL = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def shows_percent(format_code: str) -> bool:
    """A number format that shows a number as a percentage: a "%" outside its literal text
    (0%, 0.0%, [Blue]0.00%; not 0"%"). The file reader applies it to a file's format codes, the
    校验 button to Excel's NumberFormat."""
    return "%" in _FORMAT_LITERAL.sub("", format_code)


def put(cell, value):
    """Write `value`; text is always stored as text, never as a formula. Every cell fenjie
    writes from data (templates, 汇总, report, annotated copies) goes through here.

    openpyxl turns any str starting with "=" into a formula, so the type is forced back to
    string; text starting with a formula trigger also gets Excel's quote prefix, so that
    editing the cell later in Excel or WPS does not turn it into a formula either.
    """
    if value is None:
        return cell
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell
