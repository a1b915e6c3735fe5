"""Driving the add-in without Excel: xlwings' remote engine, fed from a real .xlsx file.

xlwings' remote engine (the one behind xlwings Server and Lite) runs the same xlwings API as
desktop Excel, from a JSON description of the workbook, and returns what the code did as a list
of actions. This module builds that JSON from a real workbook on disk, and plays a press's
actions back onto a copy of the file, the way the Excel client would, so a second press can be
run on the result. Used by the tests, benchmarks/run.py and benchmarks/addin_press.py (needs XLWINGS_LICENSE_KEY,
e.g. "noncommercial").
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

VISIBILITY = {"visible": "Visible", "hidden": "Hidden", "veryHidden": "VeryHidden"}
# Actions that only change how the book looks, not its cells' contents or fills.
COSMETIC = {"setFontProperty", "setAutofit", "setSheetAutofit", "alert"}


def payload_from_xlsx(path, active_sheet: str | int = 0) -> dict:
    """The remote engine's book JSON for the workbook at `path` (cached values, notes, visibility)."""
    import openpyxl
    import xlwings as xw

    book = openpyxl.load_workbook(path, data_only=True)
    sheets = [_sheet_json(ws) for ws in book.worksheets]
    names = [ws.title for ws in book.worksheets]
    active = names.index(active_sheet) if isinstance(active_sheet, str) else active_sheet
    return {"client": "Office.js", "version": xw.__version__,
            "book": {"name": Path(path).name, "active_sheet_index": active, "selection": "A1"},
            "names": [], "sheets": sheets}


def _sheet_json(ws) -> dict:
    cells = [(c.row, c.column) for row in ws.iter_rows() for c in row if c.value not in (None, "")]
    last_row = max((r for r, _ in cells), default=1)
    last_col = max((c for _, c in cells), default=1)
    values = [["" for _ in range(last_col)] for _ in range(last_row)]
    for row, col in cells:
        values[row - 1][col - 1] = _json_value(ws.cell(row, col).value)
    used = None
    if cells:
        from templates.cells import a1
        first_row, first_col = min(r for r, _ in cells), min(c for _, c in cells)
        used = f"{a1(first_row, first_col)}:{a1(last_row, last_col)}"
    notes = [{"address": c.coordinate} for row in ws.iter_rows() for c in row if c.comment]
    return {"name": ws.title, "values": values, "used_range_address": used,
            "visibility": VISIBILITY.get(ws.sheet_state, "Visible"), "pictures": [], "shapes": [],
            "charts": [], "notes": notes, "tables": [], "print_area": None,
            "show_gridlines": True, "pivot_tables": []}


def _json_value(value):
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%dT00:00:00.000Z")
    if isinstance(value, dt.time):
        return value.isoformat()
    return value


def run_press(path, active_sheet: str | int = 0):
    """Press 校验 on the workbook at `path`: (xladdin's Press, the actions it returned)."""
    import xlwings as xw

    import xladdin

    book = xw.Book(json=payload_from_xlsx(path, active_sheet))
    book.set_mock_caller()
    try:
        outcome = xladdin.main()
    finally:
        del xw.Book._mock_caller
    return outcome, book.json()["actions"]


def apply_actions(path, actions: list[dict], output) -> Path:
    """Play `actions` onto a copy of the workbook at `path`, saved as `output`."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    for action in actions:
        _apply(book, action)
    book.save(output)
    return Path(output)


def _apply(book, action: dict) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    func, args = action["func"], action["args"]
    ws = book.worksheets[action["sheet_position"]] if action["sheet_position"] is not None else None
    if func == "addSheet":
        book.create_sheet(args[1], args[0])
    elif func == "activateSheet":
        book.active = args[0]
    elif func == "setSheetVisibility":
        ws.sheet_state = {v: k for k, v in VISIBILITY.items()}[args[0]]
    elif func in ("sheetClear", "sheetClearContents"):
        for row in ws.iter_rows():
            for cell in row:
                cell.value = None
                if func == "sheetClear":
                    cell.style, cell.hyperlink, cell.comment = "Normal", None, None
    elif func == "setValues":
        for r, row in enumerate(action["values"]):
            for c, value in enumerate(row):
                ws.cell(action["start_row"] + r + 1, action["start_column"] + c + 1).value = \
                    None if value == "" else value
    elif func == "setRangeColor":
        fill = PatternFill("solid", fgColor=args[0].lstrip("#")) if args[0] else PatternFill()
        for cell in _cells(ws, action):
            cell.fill = fill
    elif func == "setNumberFormat":
        for cell in _cells(ws, action):
            cell.number_format = args[0]
    elif func == "addNote":
        ws[args[0]].comment = Comment(args[1], "fenjie")
    elif func == "deleteNote":
        ws[args[0]].comment = None
    elif func not in COSMETIC:
        raise ValueError(f"apply_actions does not know the action {func!r}")


def _cells(ws, action: dict):
    for r in range(action["row_count"]):
        for c in range(action["column_count"]):
            yield ws.cell(action["start_row"] + r + 1, action["start_column"] + c + 1)
