"""Storing formula results in a freshly written .xlsx.

openpyxl writes formulas without their results (<v/>). Excel, WPS and LibreOffice recalculate
on opening, but file previewers (phone and chat-app viewers) and readers that do not calculate
(python-calamine, our own checker) would see empty 合计 cells. So the writer computes the
results it knows (the 合计 and the live check) and stores them here, next to the formulas.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

FIRST_SHEET = "xl/worksheets/sheet1.xml"


def store_results(path: Path, results: dict[str, object], member: str = FIRST_SHEET) -> None:
    """Put `results` (A1 address -> number or text) into the formula cells of one sheet."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    rewritten = []
    for info, data in entries:
        if info.filename == member:
            data = _with_results(data.decode("utf-8"), results).encode("utf-8")
        rewritten.append((info, data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in rewritten:
            target.writestr(info, data)


def _with_results(xml: str, results: dict[str, object]) -> str:
    for address, value in results.items():
        # <v/> from openpyxl's own XML writer, <v></v> when it writes with lxml (installed with python-docx)
        pattern = re.compile(rf'<c r="{address}"((?: [a-z]+="[^"]*")*)><f>(.*?)</f>(?:<v ?/>|<v></v>)</c>')
        if isinstance(value, str):
            typed, text = ' t="str"', escape(value)
        else:
            typed, text = "", _number_text(value)
        xml, count = pattern.subn(
            lambda m: f'<c r="{address}"{m.group(1)}{typed}><f>{m.group(2)}</f><v>{text}</v></c>', xml, count=1)
        if count != 1:
            raise ValueError(f"no formula cell {address} to store a result in")
    return xml


def _number_text(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)
