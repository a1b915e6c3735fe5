"""The open workbook as the add-in sees it: which Excel, which sheets, and adding a sheet safely.

Every property read through xlwings is a round trip to Excel (about 1 ms on Windows, an Apple
event of about 10 ms on macOS), so what a press needs about the workbook's sheets is read once,
here, and kept. Which engine runs is told by the xlwings implementation behind the book, not by
sys.platform: the remote engine (xlwings Server/Lite, and the tests) runs anywhere.
"""
from __future__ import annotations

from dataclasses import dataclass

WINDOWS, MAC, REMOTE = "windows", "mac", "remote"


def platform_of(book) -> str:
    module = type(book.impl).__module__
    if module.endswith("_xlwindows"):
        return WINDOWS
    if module.endswith("_xlmac"):
        return MAC
    return REMOTE


def is_visible(value) -> bool:
    """xlwings' Sheet.visible: a bool on macOS and the remote engine, Excel's raw -1/0/2 on Windows."""
    if isinstance(value, bool):
        return value
    return value == -1


@dataclass
class SheetInfo:
    name: str
    visible: bool
    handle: object              # the xlwings Sheet


class Workbook:
    """One press's view of the workbook: its worksheets (names and visibility read once)."""

    def __init__(self, book):
        self.book = book
        self.platform = platform_of(book)
        self._sheets: list[SheetInfo] | None = None

    @property
    def windows(self) -> bool:
        return self.platform == WINDOWS

    def sheets(self) -> list[SheetInfo]:
        if self._sheets is None:
            if self.windows:
                import xlwings as xw
                self._sheets = [SheetInfo(ws.Name, is_visible(ws.Visible), xw.Sheet(impl=_win_sheet(ws)))
                                for ws in self.book.api.Worksheets]
            else:
                self._sheets = [SheetInfo(s.name, is_visible(s.visible), s) for s in self.book.sheets]
        return self._sheets

    def names(self) -> list[str]:
        return [s.name for s in self.sheets()]

    def get(self, name: str):
        """The xlwings Sheet called `name`, or None."""
        return next((s.handle for s in self.sheets() if s.name == name), None)

    def active_name(self) -> str | None:
        """The active sheet's name; None when it is not a worksheet (a chart sheet, say)."""
        if self.windows:
            name = self.book.api.ActiveSheet.Name
        else:
            name = self.book.sheets.active.name
        return name if name in self.names() else None

    def structure_protected(self) -> bool:
        if self.windows:
            return bool(self.book.api.ProtectStructure)
        if self.platform == MAC:
            try:
                return bool(self.book.api.protect_structure.get())
            except Exception:       # not readable: adding the sheet will tell
                return False
        return False

    def add(self, name: str):
        """Add a worksheet called `name` after the visible sheets, moving no hidden sheet.

        xlwings' `sheets.add(after=last)` adds before the last sheet and then moves the last one,
        which Excel refuses for a hidden sheet (fenjie_id in a template, fenjie_marks). So the
        new sheet goes before the first of the hidden sheets at the end, or after the last sheet
        when that one is visible.
        """
        sheets = self.sheets()
        trailing_hidden = len(sheets)
        while trailing_hidden and not sheets[trailing_hidden - 1].visible:
            trailing_hidden -= 1
        anchor = sheets[trailing_hidden] if trailing_hidden < len(sheets) else None
        if self.windows:
            import xlwings as xw
            worksheets = self.book.api.Worksheets
            last = sheets[-1].handle.api
            new = worksheets.Add(Before=anchor.handle.api if anchor is not None else last)
            if anchor is None:          # "After" is unreliable through pywin32: move the visible last sheet
                last.Move(Before=new)
            handle = xw.Sheet(impl=_win_sheet(new))
            try:
                new.Name = name
            except Exception:
                new.Delete()
                raise
        else:                   # macOS adds in place; the remote engine's `before` is off by one
            handle = self.book.sheets.add(name, after=sheets[trailing_hidden - 1].handle)
        info = SheetInfo(name, True, handle)
        sheets.insert(trailing_hidden, info)
        return handle

    def delete(self, name: str) -> None:
        """Delete a sheet this press added (undoing a press that could not finish)."""
        info = next(s for s in self.sheets() if s.name == name)
        if self.windows:
            app = self.book.api.Application
            app.DisplayAlerts = False
            try:
                info.handle.api.Delete()
            finally:
                app.DisplayAlerts = True
        else:
            info.handle.delete()
        self.sheets().remove(info)


def _win_sheet(com_sheet):
    from xlwings import _xlwindows
    return _xlwindows.Sheet(xl=com_sheet)
