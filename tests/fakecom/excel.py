"""A counting stand-in for Excel's COM object model, as pywin32's late binding shows it.

Loaded from a real .xlsx (openpyxl): cell values as COM returns them (numbers as float, currency
cells as Decimal, errors as VT_ERROR ints), number formats, merged ranges (MergeCells True/False,
Null when mixed; MergeArea of one cell), fills, notes, hidden rows, sheet visibility (-1/0/2),
sheet protection (locked cells, whether formatting is allowed) and workbook structure protection.
Where Excel refuses something it raises com_error the way Excel does. Every property get, property
put and method call is one round trip and is counted in `Excel.calls` (names in `Excel.log`).
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from templates.cells import column_letter, parse_a1

XL_NONE = -4142                 # xlColorIndexNone
WHITE = 0xFFFFFF
ERROR_CODES = {"#NULL!": 2000, "#DIV/0!": 2007, "#VALUE!": 2015, "#REF!": 2023, "#NAME?": 2029,
               "#NUM!": 2036, "#N/A": 2042, "#GETTING_DATA": 2043, "#SPILL!": 2045,
               "#CONNECT!": 2046, "#BLOCKED!": 2047, "#UNKNOWN!": 2048, "#FIELD!": 2049,
               "#CALC!": 2050}
VT_ERROR_BASE = -2146828288     # 0x800A0000 as a signed 32-bit int
MAX_COLUMN = 16384
_CURRENCY = re.compile(r"[¥$€£]|\[\$|_\(")


class com_error(Exception):       # noqa: N801 - pywintypes' name
    def __init__(self, hresult, strerror, excepinfo, argerror):
        super().__init__(hresult, strerror, excepinfo, argerror)
        self.hresult, self.strerror, self.excepinfo, self.argerror = hresult, strerror, excepinfo, argerror


def refused(text: str) -> com_error:
    """What Excel raises when it will not do something (DISP_E_EXCEPTION, scode 0x800A03EC)."""
    return com_error(-2147352567, "Exception occurred.", (0, "Microsoft Excel", text, None, 0, -2146827284), None)


def vt_error(text: str) -> int:
    return VT_ERROR_BASE + ERROR_CODES[text]


class _OleObj:
    def GetIDsOfNames(self, lcid, name):             # noqa: N802
        raise com_error(-2147352570, "Unknown name.", None, None)


class CDispatch:
    """Base of every fake COM object: each Capitalized get, put and method call is counted."""

    _oleobj_ = _OleObj()

    def __init__(self, excel: "Excel"):
        object.__setattr__(self, "_excel", excel)

    def __getattribute__(self, name):
        if not name[:1].isupper():
            return object.__getattribute__(self, name)
        excel = object.__getattribute__(self, "_excel")
        member = getattr(type(self), name, None)
        label = f"{type(self).__name__}.{name}"
        if callable(member) and not isinstance(member, property):
            method = object.__getattribute__(self, name)

            def counted(*args, **kwargs):
                excel.count(label + "()")
                return method(*args, **kwargs)
            return counted
        excel.count(label)
        if member is None:
            raise AttributeError(f"Excel.{label}")
        return object.__getattribute__(self, name)

    def __setattr__(self, name, value):
        if not name[:1].isupper():
            return object.__setattr__(self, name, value)
        excel = object.__getattribute__(self, "_excel")
        excel.count(f"{type(self).__name__}.{name}=")
        member = getattr(type(self), name, None)
        if not isinstance(member, property) or member.fset is None:
            raise refused(f"Unable to set the {name} property")
        member.fset(self, value)

    def __call__(self, *args, **kwargs):
        self._excel.count(f"{type(self).__name__}()")
        return self.call(*args, **kwargs)

    def __iter__(self):
        self._excel.count(f"{type(self).__name__}._NewEnum")
        for item in self.items():
            self._excel.count(f"{type(self).__name__}.Next")
            yield item

    def __bool__(self):
        return True


class Excel(CDispatch):
    """The Application."""

    def __init__(self):
        super().__init__(self)
        self.calls = 0
        self.log: list[str] = []
        self.books: list[Workbook] = []
        self.screen_updating = True

    def count(self, label: str) -> None:
        self.calls += 1
        self.log.append(label)

    def reset_count(self) -> None:
        self.calls = 0
        self.log.clear()

    @property
    def Application(self):                         # noqa: N802
        return self

    @property
    def Hwnd(self):                                # noqa: N802
        return 4242

    @property
    def Version(self):                             # noqa: N802
        return "16.0"

    @property
    def Workbooks(self):                           # noqa: N802
        return Workbooks(self)

    @property
    def ActiveWorkbook(self):                      # noqa: N802
        return self.books[0] if self.books else None

    @property
    def ScreenUpdating(self):                      # noqa: N802
        return self.screen_updating

    @property
    def DisplayAlerts(self):                       # noqa: N802
        return True

    @DisplayAlerts.setter
    def DisplayAlerts(self, value):                # noqa: N802
        pass

    @ScreenUpdating.setter
    def ScreenUpdating(self, value):               # noqa: N802
        self.screen_updating = bool(value)


class Workbooks(CDispatch):
    def __init__(self, excel):
        super().__init__(excel)

    @property
    def Count(self):                               # noqa: N802
        return len(self._excel.books)

    def items(self):
        return list(self._excel.books)

    def call(self, key):
        for book in self._excel.books:
            if book.name.lower() == str(key).lower():
                return book
        raise refused("Subscript out of range")


class Workbook(CDispatch):
    def __init__(self, excel, name: str, path: str = ""):
        super().__init__(excel)
        self.name, self.path = name, path
        self.sheets: list[Worksheet | ChartSheet] = []
        self.active: Worksheet | ChartSheet | None = None
        self.structure_protected = False
        self.events: list[tuple] = []           # ("add", name, index) / ("move", name) / ...

    @property
    def Name(self):                                # noqa: N802
        return self.name

    @property
    def FullName(self):                            # noqa: N802
        return f"{self.path}\\{self.name}" if self.path else self.name

    @property
    def Path(self):                                # noqa: N802
        return self.path

    @property
    def Application(self):                         # noqa: N802
        return self._excel

    Parent = Application

    @property
    def ProtectStructure(self):                    # noqa: N802
        return self.structure_protected

    @property
    def Worksheets(self):                          # noqa: N802
        return Sheets(self, worksheets_only=True)

    @property
    def Sheets(self):                              # noqa: N802
        return Sheets(self, worksheets_only=False)

    @property
    def ActiveSheet(self):                         # noqa: N802
        return self.active

    def worksheets(self) -> list["Worksheet"]:
        return [s for s in self.sheets if isinstance(s, Worksheet)]

    def sheet(self, name: str) -> "Worksheet":
        return next(s for s in self.sheets if s.name == name)

    def adjust_references(self, sheet_name: str, move, new_name: str | None = None) -> None:
        """Rewrite every formula's references to `sheet_name`, as Excel does when that sheet is
        renamed (to `new_name`) or has rows inserted or deleted: `move(row)` is the row a
        referenced cell is in now, or None when it was deleted (the reference becomes #REF!).
        Only sheet-qualified references ('粮食'!$B$5) are adjusted: all the add-in writes."""
        def adjust(match):
            quoted, bare, dollar_col, col, dollar_row, row = match.groups()
            name = quoted.replace("''", "'") if quoted is not None else bare
            if name.lower() != sheet_name.lower():
                return match.group(0)
            shown = new_name or name
            prefix = "'" + shown.replace("'", "''") + "'!"
            moved = move(int(row))
            return prefix + ("#REF!" if moved is None else f"{dollar_col}{col}{dollar_row}{moved}")
        for sheet in self.worksheets():
            sheet.formulas = {cell: _REFERENCE.sub(adjust, text) for cell, text in sheet.formulas.items()}

    def check_structure(self, what: str) -> None:
        if self.structure_protected:
            raise refused(f"{what}: Workbook is protected and cannot be changed.")


class Sheets(CDispatch):
    def __init__(self, book: Workbook, worksheets_only: bool):
        super().__init__(book._excel)
        self.book, self.worksheets_only = book, worksheets_only

    def items(self):
        return self.book.worksheets() if self.worksheets_only else list(self.book.sheets)

    @property
    def Count(self):                               # noqa: N802
        return len(self.items())

    @property
    def Parent(self):                              # noqa: N802
        return self.book

    def call(self, key):
        items = self.items()
        if isinstance(key, int):
            if 1 <= key <= len(items):
                return items[key - 1]
        else:
            for sheet in items:
                if sheet.name.lower() == str(key).lower():
                    return sheet
        raise refused("Subscript out of range")

    Item = call

    def Add(self, Before=None, After=None, Count=None, Type=None):    # noqa: N802,N803
        self.book.check_structure("Add")
        sheet = Worksheet(self.book, _new_name(self.book))
        if Before is not None:
            index = self.book.sheets.index(Before)
        elif After is not None:
            index = self.book.sheets.index(After) + 1
        else:
            index = self.book.sheets.index(self.book.active) if self.book.active else 0
        self.book.sheets.insert(index, sheet)
        self.book.active = sheet
        self.book.events.append(("add", sheet.name, index + 1))
        return sheet


_REFERENCE = re.compile(r"(?:'((?:[^']|'')+)'|([^\s'!=(),:+\-*/&^<>\"]+))!(\$?)([A-Za-z]{1,3})(\$?)(\d+)")


def _new_name(book: Workbook) -> str:
    number = 1
    names = {s.name.lower() for s in book.sheets}
    while f"sheet{number}" in names:
        number += 1
    return f"Sheet{number}"


class _SheetBase(CDispatch):
    def __init__(self, book: Workbook, name: str):
        super().__init__(book._excel)
        self.book, self._name = book, name
        self.visible = -1

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        """A rename, by COM or by hand: formulas referring to the sheet follow, as in Excel."""
        if self in self.book.sheets:
            self.book.adjust_references(self._name, lambda row: row, new_name=value)
        self._name = value

    @property
    def Name(self):                                # noqa: N802
        return self.name

    @Name.setter
    def Name(self, value):                         # noqa: N802
        self.book.check_structure("Name")
        if len(value) > 31 or any(s.name.lower() == value.lower() for s in self.book.sheets if s is not self):
            raise refused("That name is already taken. Try a different one.")
        self.book.events.append(("rename", self.name, value))
        self.name = value

    @property
    def Visible(self):                             # noqa: N802
        return self.visible

    @Visible.setter
    def Visible(self, value):                      # noqa: N802
        self.book.check_structure("Visible")
        value = {True: -1, False: 0}.get(value, value)
        others = [s for s in self.book.sheets if s is not self and s.visible == -1]
        if value != -1 and not others:
            raise refused("Unable to set the Visible property of the Worksheet class")
        self.visible = value

    @property
    def Index(self):                               # noqa: N802
        return self.book.sheets.index(self) + 1

    @property
    def Parent(self):                              # noqa: N802
        return self.book

    def Activate(self):                            # noqa: N802
        if self.visible != -1:
            raise refused("Activate method of Worksheet class failed")
        self.book.active = self

    def Delete(self):                              # noqa: N802
        self.book.check_structure("Delete")
        self.book.events.append(("delete", self.name))
        self.book.sheets.remove(self)
        if self.book.active is self:
            self.book.active = next(s for s in self.book.sheets if s.visible == -1)

    def Move(self, Before=None, After=None):      # noqa: N802,N803
        self.book.events.append(("move", self.name))
        self.book.check_structure("Move")
        if self.visible != -1:
            raise refused("Move method of Worksheet class failed")
        self.book.sheets.remove(self)
        index = self.book.sheets.index(Before) if Before is not None else self.book.sheets.index(After) + 1
        self.book.sheets.insert(index, self)


class ChartSheet(_SheetBase):
    """A chart sheet: in Sheets, not in Worksheets, no cells."""


class Worksheet(_SheetBase):
    def __init__(self, book: Workbook, name: str):
        super().__init__(book, name)
        self.values: dict[tuple[int, int], object] = {}
        self.fills: dict[tuple[int, int], int] = {}
        self.notes: dict[tuple[int, int], str] = {}
        self.formats: dict[tuple[int, int], str] = {}
        self.formulas: dict[tuple[int, int], str] = {}
        self.merged: list[tuple[int, int, int, int]] = []     # (top, left, bottom, right)
        self.widths: dict[int, float] = {}
        self.hidden_rows: set[int] = set()
        self.protected = False
        self.formatting_allowed = False
        self.unlocked: set[tuple[int, int]] = set()
        self.special_cells_refused = False        # as Excel does on some protected sheets

    # -- what the clerk does by hand between presses
    def rename(self, name: str) -> None:
        """Rename the sheet (formulas in the workbook follow, as in Excel)."""
        self.Name = name

    def insert_rows(self, row: int, count: int = 1) -> None:
        """Insert `count` rows before `row`: cells below move down, references follow."""
        self._move_rows(lambda r: r + count if r >= row else r)

    def delete_rows(self, row: int, count: int = 1) -> None:
        """Delete rows row .. row+count-1: their cells go, cells below move up, references to
        the deleted cells become #REF!."""
        self._move_rows(lambda r: None if row <= r < row + count else r - count if r >= row else r)

    def _move_rows(self, move) -> None:
        for store in ("values", "fills", "notes", "formats", "formulas"):
            cells = getattr(self, store)
            setattr(self, store, {(move(r), c): v for (r, c), v in cells.items() if move(r) is not None})
        self.hidden_rows = {move(r) for r in self.hidden_rows if move(r) is not None}
        self.merged = [(move(t), left, move(b), right) for t, left, b, right in self.merged
                       if move(t) is not None and move(b) is not None]
        self.unlocked = {(move(r), c) for r, c in self.unlocked if move(r) is not None}
        self.book.adjust_references(self.name, move)

    # -- what Excel refuses on a protected sheet
    def check_edit(self, cells, what: str) -> None:
        if self.protected and any(c not in self.unlocked for c in cells):
            raise refused(f"{what}: The cell or chart you're trying to change is on a protected sheet.")

    def check_format(self, cells) -> None:
        if self.protected and not self.formatting_allowed:
            self.check_edit(cells, "Interior")

    def check_objects(self) -> None:
        if self.protected:
            raise refused("You can't edit a comment on a protected sheet.")

    @property
    def ProtectContents(self):                     # noqa: N802
        return self.protected

    @property
    def Type(self):                                # noqa: N802
        return -4167

    @property
    def UsedRange(self):                           # noqa: N802
        cells = set(self.values) | set(self.fills) | set(self.formats) | set(self.formulas)
        if not cells:
            return Range(self, [(1, 1, 1, 1)])
        rows = [r for r, _ in cells]
        cols = [c for _, c in cells]
        return Range(self, [(min(rows), min(cols), max(rows), max(cols))])

    def Range(self, first, second=None):          # noqa: N802
        if second is None:
            return Range(self, parse_address(first) if isinstance(first, str) else first.areas)
        a, b = (parse_address(x)[0] if isinstance(x, str) else x.areas[0] for x in (first, second))
        return Range(self, [(min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))])

    @property
    def Cells(self):                               # noqa: N802
        return Range(self, [(1, 1, 1_048_576, MAX_COLUMN)])

    @property
    def Comments(self):                            # noqa: N802
        return _Plain(self._excel, Count=len(self.notes))


class _Plain(CDispatch):
    """A COM object with plain read-only properties (Rows.Count and the like)."""

    def __init__(self, excel, **values):
        super().__init__(excel)
        self.values = values

    def __getattribute__(self, name):
        if name[:1].isupper():
            excel = object.__getattribute__(self, "_excel")
            excel.count(f"Plain.{name}")
            values = object.__getattribute__(self, "values")
            if name not in values:
                raise AttributeError(name)
            return values[name]
        return object.__getattribute__(self, name)


def parse_address(address: str) -> list[tuple[int, int, int, int]]:
    areas = []
    for part in address.replace("$", "").split(","):
        ends = []
        for end in part.split(":"):
            cell = parse_a1(end)
            if cell is None:
                raise refused(f"Method 'Range' of object '_Worksheet' failed ({address!r})")
            ends.append(cell)
        (r1, c1), (r2, c2) = ends[0], ends[-1]
        areas.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
    if len(address) > 255:
        raise refused("Method 'Range' of object '_Worksheet' failed (longer than 255 characters)")
    return areas


def _abs(row: int, col: int) -> str:
    return f"${column_letter(col)}${row}"


class Range(CDispatch):
    def __init__(self, sheet: Worksheet, areas):
        super().__init__(sheet._excel)
        self.sheet, self.areas = sheet, list(areas)

    def cells(self):
        if self.areas == [(1, 1, 1_048_576, MAX_COLUMN)]:      # ws.Cells: the cells in use
            sheet = self.sheet
            return sorted(set(sheet.values) | set(sheet.fills) | set(sheet.notes) | set(sheet.formats)
                          | set(sheet.formulas))
        return [(r, c) for r1, c1, r2, c2 in self.areas
                for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]

    @property
    def Address(self):                             # noqa: N802
        parts = []
        for r1, c1, r2, c2 in self.areas:
            first = _abs(r1, c1)
            parts.append(first if (r1, c1) == (r2, c2) else f"{first}:{_abs(r2, c2)}")
        return ",".join(parts)[:255]              # Excel cuts a long multi-area address here

    @property
    def Areas(self):                               # noqa: N802
        return Areas(self)

    @property
    def Row(self):                                 # noqa: N802
        return self.areas[0][0]

    @property
    def Column(self):                              # noqa: N802
        return self.areas[0][1]

    @property
    def Rows(self):                                # noqa: N802
        r1, _, r2, _ = self.areas[0]
        return _Plain(self._excel, Count=r2 - r1 + 1)

    @property
    def Columns(self):                             # noqa: N802
        return Columns(self)

    @property
    def Count(self):                               # noqa: N802
        return len(self.cells())

    @property
    def Worksheet(self):                           # noqa: N802
        return self.sheet

    Parent = Worksheet

    @property
    def EntireRow(self):                           # noqa: N802
        return Range(self.sheet, [(r1, 1, r2, MAX_COLUMN) for r1, _, r2, _ in self.areas])

    @property
    def Hidden(self):                              # noqa: N802
        rows = {r for r1, _, r2, _ in self.areas for r in range(r1, r2 + 1)}
        hidden = rows & self.sheet.hidden_rows
        return True if hidden == rows else False if not hidden else None

    @property
    def Value(self):                               # noqa: N802
        return self._block(self._value)

    def _block(self, read):
        r1, c1, r2, c2 = self.areas[0]            # like Excel: the first area only
        if (r1, c1) == (r2, c2):
            return read((r1, c1))
        return tuple(tuple(read((r, c)) for c in range(c1, c2 + 1)) for r in range(r1, r2 + 1))

    def _value(self, cell):
        formula = self.sheet.formulas.get(cell)
        if formula is None:
            return self.sheet.values.get(cell)
        match = _REFERENCE.fullmatch(formula[1:])     # only "='sheet'!$B$5" is evaluated
        if match is None:
            return vt_error("#REF!") if "#REF!" in formula else None
        quoted, bare, _, col, _, row = match.groups()
        name = quoted.replace("''", "'") if quoted is not None else bare
        target = next((s for s in self.sheet.book.worksheets() if s.name.lower() == name.lower()), None)
        return None if target is None else Range(target, parse_address(f"{col}{row}")).Value

    @property
    def Formula(self):                             # noqa: N802
        def read(cell):
            if cell in self.sheet.formulas:
                return self.sheet.formulas[cell]
            value = self.sheet.values.get(cell)
            if value is None:
                return ""
            return value if isinstance(value, str) else str(int(value) if value == int(value) else value)
        return self._block(read)

    @Formula.setter
    def Formula(self, data):                       # noqa: N802
        """Like Value, but a text starting with "=" becomes a formula (unless the cell is text)."""
        r1, c1, r2, c2 = self.areas[0]
        Range.Value.fset(self, data)
        for (row, col), value in list(self.sheet.values.items()):
            if r1 <= row <= r2 and c1 <= col <= c2 and isinstance(value, str) and value.startswith("=") \
                    and self.sheet.formats.get((row, col)) != "@":
                self.sheet.formulas[(row, col)] = self.sheet.values.pop((row, col))

    @Value.setter
    def Value(self, data):                         # noqa: N802
        r1, c1, r2, c2 = self.areas[0]
        self.sheet.check_edit(self.cells(), "Value")
        if not isinstance(data, (list, tuple)):
            data = [[data] * (c2 - c1 + 1)] * (r2 - r1 + 1)
        for i, row in enumerate(data):
            row = row if isinstance(row, (list, tuple)) else [row]
            for j, value in enumerate(row):
                if r1 + i <= r2 and c1 + j <= c2:
                    self.sheet.values.pop((r1 + i, c1 + j), None)
                    self.sheet.formulas.pop((r1 + i, c1 + j), None)
                    if value not in (None, ""):
                        self.sheet.values[(r1 + i, c1 + j)] = value

    @property
    def NumberFormat(self):                        # noqa: N802
        formats = {self.sheet.formats.get(cell, "General") for cell in self.cells()}
        return formats.pop() if len(formats) == 1 else None     # mixed: Excel returns Null

    @property
    def MergeCells(self):                          # noqa: N802
        """True when every cell is in a merged range, False when none is, Null when mixed."""
        size = sum((r2 - r1 + 1) * (c2 - c1 + 1) for r1, c1, r2, c2 in self.areas)
        inside = sum(_overlap(area, merged) for area in self.areas for merged in self.sheet.merged)
        return True if inside == size else False if inside == 0 else None

    @property
    def MergeArea(self):                           # noqa: N802
        """The merged range holding this one cell (the cell itself when not merged)."""
        if len(self.areas) != 1 or self.areas[0][:2] != self.areas[0][2:]:
            raise refused("MergeArea works on a single cell only")
        row, col = self.areas[0][:2]
        for top, left, bottom, right in self.sheet.merged:
            if top <= row <= bottom and left <= col <= right:
                return Range(self.sheet, [(top, left, bottom, right)])
        return Range(self.sheet, self.areas)

    @NumberFormat.setter
    def NumberFormat(self, value):                 # noqa: N802
        self.sheet.check_format(self.cells())
        for cell in self.cells():
            self.sheet.formats[cell] = value

    @property
    def ColumnWidth(self):                         # noqa: N802
        return self.sheet.widths.get(self.areas[0][1], 8.43)

    @ColumnWidth.setter
    def ColumnWidth(self, value):                  # noqa: N802
        self.sheet.check_format(self.cells())
        for _, c1, _, c2 in self.areas:            # every area's columns, as Excel does
            self.sheet.widths.update({col: value for col in range(c1, c2 + 1)})

    @property
    def WrapText(self):                            # noqa: N802
        return False

    @WrapText.setter
    def WrapText(self, value):                     # noqa: N802
        self.sheet.check_format(self.cells())

    @property
    def Interior(self):                            # noqa: N802
        return Interior(self)

    @property
    def Font(self):                                # noqa: N802
        return Font(self)

    @property
    def Comment(self):                             # noqa: N802
        cell = self.cells()[0]
        return Comment(self.sheet, cell) if cell in self.sheet.notes else None

    def AddComment(self, text=None):               # noqa: N802
        cell = self.cells()[0]
        self.sheet.check_objects()
        if cell in self.sheet.notes:
            raise refused("AddComment method of Range class failed")
        self.sheet.notes[cell] = text or ""
        return Comment(self.sheet, cell)

    def ClearComments(self):                       # noqa: N802
        self.sheet.check_objects()
        for cell in self.cells():
            self.sheet.notes.pop(cell, None)

    def ClearContents(self):                       # noqa: N802
        self.sheet.check_edit(self.cells(), "ClearContents")
        for cell in self.cells():
            self.sheet.values.pop(cell, None)
            self.sheet.formulas.pop(cell, None)

    def Clear(self):                               # noqa: N802
        self.sheet.check_edit(self.cells(), "Clear")
        for cell in self.cells():
            for store in (self.sheet.values, self.sheet.fills, self.sheet.notes, self.sheet.formats,
                          self.sheet.formulas):
                store.pop(cell, None)

    def SpecialCells(self, Type, Value=None):     # noqa: N802,N803
        if Type != 12:
            raise refused("only xlCellTypeVisible is faked")
        if self.sheet.protected and self.sheet.special_cells_refused:
            raise refused("SpecialCells method of Range class failed")
        r1, c1, r2, c2 = self.areas[0]
        areas, start = [], None
        for row in range(r1, r2 + 2):
            visible = row <= r2 and row not in self.sheet.hidden_rows
            if visible and start is None:
                start = row
            elif not visible and start is not None:
                areas.append((start, c1, row - 1, c2))
                start = None
        if not areas:
            raise refused("No cells were found.")
        return Range(self.sheet, areas)


def _overlap(a, b) -> int:
    rows = min(a[2], b[2]) - max(a[0], b[0]) + 1
    cols = min(a[3], b[3]) - max(a[1], b[1]) + 1
    return rows * cols if rows > 0 and cols > 0 else 0


def _range_call(self, row, col=1):
    """rng(row, col): the cell at that offset from the range's top left (Range._Default)."""
    r1, c1, _, _ = self.areas[0]
    return Range(self.sheet, [(r1 + row - 1, c1 + col - 1, r1 + row - 1, c1 + col - 1)])


Range.call = _range_call


class Areas(CDispatch):
    def __init__(self, rng: Range):
        super().__init__(rng._excel)
        self.rng = rng

    @property
    def Count(self):                               # noqa: N802
        return len(self.rng.areas)

    def items(self):
        return [Range(self.rng.sheet, [a]) for a in self.rng.areas]

    def call(self, index):
        return self.items()[index - 1]

    Item = call


class Columns(CDispatch):
    def __init__(self, rng: Range):
        super().__init__(rng._excel)
        self.rng = rng

    @property
    def Count(self):                               # noqa: N802
        _, c1, _, c2 = self.rng.areas[0]
        return c2 - c1 + 1

    def AutoFit(self):                             # noqa: N802
        return True


class Interior(CDispatch):
    def __init__(self, rng: Range):
        super().__init__(rng._excel)
        self.rng = rng

    def _fills(self) -> set:
        return {self.rng.sheet.fills.get(cell) for cell in self.rng.cells()}

    @property
    def ColorIndex(self):                          # noqa: N802
        fills = self._fills()
        if len(fills) > 1:
            return None                           # mixed: Excel returns Null
        return XL_NONE if fills == {None} else 1

    @ColorIndex.setter
    def ColorIndex(self, value):                   # noqa: N802
        self.rng.sheet.check_format(self.rng.cells())
        if value != XL_NONE:
            raise NotImplementedError("only xlColorIndexNone is faked")
        for cell in self.rng.cells():
            self.rng.sheet.fills.pop(cell, None)

    @property
    def Color(self):                               # noqa: N802
        fills = self._fills()
        if len(fills) > 1:
            return None
        fill = fills.pop()
        return WHITE if fill is None else fill

    @Color.setter
    def Color(self, value):                        # noqa: N802
        self.rng.sheet.check_format(self.rng.cells())
        for cell in self.rng.cells():
            self.rng.sheet.fills[cell] = int(value)


class Font(CDispatch):
    def __init__(self, rng: Range):
        super().__init__(rng._excel)
        self.rng = rng

    @property
    def Bold(self):                                # noqa: N802
        return False

    @Bold.setter
    def Bold(self, value):                         # noqa: N802
        self.rng.sheet.check_format(self.rng.cells())


class Comment(CDispatch):
    def __init__(self, sheet: Worksheet, cell):
        super().__init__(sheet._excel)
        self.sheet, self.cell = sheet, cell

    def Text(self, Text=None, Start=None, Overwrite=None):    # noqa: N802,N803
        if Text is None:
            return self.sheet.notes[self.cell]
        self.sheet.check_objects()
        self.sheet.notes[self.cell] = Text
        return Text

    def Delete(self):                              # noqa: N802
        self.sheet.check_objects()
        del self.sheet.notes[self.cell]


# -- loading a real .xlsx ------------------------------------------------------------------------

def com_value(value, number_format: str):
    """A cell's cached value as Excel's COM returns it."""
    if isinstance(value, str) and value in ERROR_CODES:
        return vt_error(value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)):
        if _CURRENCY.search(number_format or ""):
            return Decimal(str(value))            # VT_CY
        return float(value)                       # VT_R8
    return value


def rgb_int(color: str) -> int:
    """'FFC7CE' (openpyxl, RRGGBB) -> Excel's BGR int."""
    color = color[-6:]
    red, green, blue = int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)
    return red + green * 256 + blue * 65536


def load(path, active: str | int = 0) -> tuple[Excel, Workbook]:
    """Open the .xlsx at `path` in a fresh fake Excel; (the Application, the Workbook)."""
    from pathlib import Path

    import openpyxl

    path = Path(path)
    values_book = openpyxl.load_workbook(path, data_only=True)
    styles_book = openpyxl.load_workbook(path)
    excel = Excel()
    book = Workbook(excel, path.name, str(path.parent))
    excel.books.append(book)
    book.structure_protected = bool(styles_book.security and styles_book.security.lockStructure)
    visibility = {"visible": -1, "hidden": 0, "veryHidden": 2}
    for ws in styles_book.worksheets:
        sheet = Worksheet(book, ws.title)
        sheet.visible = visibility.get(ws.sheet_state, -1)
        sheet.protected = bool(ws.protection.sheet)
        sheet.formatting_allowed = ws.protection.formatCells is False
        cached = values_book[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                key = (cell.row, cell.column)
                if cell.protection is not None and cell.protection.locked is False:
                    sheet.unlocked.add(key)
                value = cached.cell(cell.row, cell.column).value
                if value not in (None, ""):
                    sheet.values[key] = com_value(value, cell.number_format)
                fill = cell.fill
                if fill is not None and fill.fill_type == "solid" and isinstance(fill.fgColor.rgb, str):
                    sheet.fills[key] = rgb_int(fill.fgColor.rgb)
                if cell.comment is not None:
                    sheet.notes[key] = cell.comment.text
                if cell.number_format and cell.number_format != "General":
                    sheet.formats[key] = cell.number_format
        sheet.merged = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges]
        sheet.hidden_rows = {r for r, d in ws.row_dimensions.items() if d.hidden}
        book.sheets.append(sheet)
    for chart in styles_book.chartsheets:
        sheet = ChartSheet(book, chart.title)
        sheet.visible = visibility.get(chart.sheet_state, -1)
        book.sheets.insert(styles_book.sheetnames.index(chart.title), sheet)
    book.active = (book.sheet(active) if isinstance(active, str) else book.sheets[active])
    return excel, book
