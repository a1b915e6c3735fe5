"""A test stand-in for pywin32 and Excel's COM object model, for driving xlwings' real Windows engine.

pywin32 and Excel cannot run on Linux, so xlwings' `_xlwindows.py` is imported here against fake
`pywintypes`, `pythoncom`, `win32api`, `win32con`, `win32gui`, `win32process`, `win32timezone` and
`win32com.client` modules (installed into sys.modules for the tests only). The Excel behind them
(tests/fakecom/excel.py) is loaded from a real .xlsx file and behaves the way Excel does where the
add-in depends on it: sheet and workbook-structure protection, Visible as -1/0/2, currency cells
as Decimal, error cells as VT_ERROR ints, Address cut at 255 characters — and it counts every call.
"""
from __future__ import annotations

import ctypes
import sys
import types

from tests.fakecom import excel

_MODULES = ("pywintypes", "pythoncom", "win32api", "win32con", "win32gui", "win32process",
            "win32timezone", "win32com", "win32com.client")


def _module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    return module


class _FakeDll:
    """ctypes.windll / oledll / PyDLL(...) on Linux: every function is a no-op returning 0."""

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _FakeFunction(name)


class _FakeFunction(_FakeDll):
    def __init__(self, name):
        self.name = name
        self.restype = None
        self.argtypes = None

    def __call__(self, *args):
        if self.name == "PyCom_PyObjectFromIUnknown":
            raise excel.com_error(-2147467259, "no Excel window in the fake", None, None)
        return 0


def _modules() -> dict[str, types.ModuleType]:
    messages: list[tuple] = []

    def message_box(hwnd, text, title, style):
        messages.append((text, title, style))
        return 1

    class TimeZoneInfo:
        @staticmethod
        def utc():
            import datetime
            return datetime.timezone.utc

    import datetime
    client = _module("win32com.client", CDispatch=excel.CDispatch, CoClassBaseClass=excel.CDispatch,
                     DispatchBaseClass=excel.CDispatch, Dispatch=lambda obj: obj,
                     DispatchEx=lambda name: (_ for _ in ()).throw(excel.com_error(-1, "no Excel", None, None)))
    com = _module("win32com", client=client)
    return {
        "pywintypes": _module("pywintypes", com_error=excel.com_error, error=excel.com_error,
                              TimeType=datetime.datetime, IID=lambda text: text),
        "pythoncom": _module("pythoncom", __file__="pythoncom-fake.dll", CoInitialize=lambda: None,
                             ole_error=excel.com_error, com_error=excel.com_error,
                             DISPATCH_PROPERTYGET=2, DISPATCH_PROPERTYPUT=4, new=lambda clsid: None),
        "win32api": _module("win32api", MessageBox=message_box, messages=messages),
        "win32con": _module("win32con", MB_OK=0, MB_OKCANCEL=1, MB_YESNO=4, MB_YESNOCANCEL=3,
                            MB_ICONINFORMATION=64, MB_ICONWARNING=48),
        "win32gui": _module("win32gui", FindWindowEx=lambda *a: 0),
        "win32process": _module("win32process", GetWindowThreadProcessId=lambda hwnd: (1, 4242)),
        "win32timezone": _module("win32timezone", TimeZoneInfo=TimeZoneInfo),
        "win32com": com,
        "win32com.client": client,
    }


def install():
    """Import xlwings' real Windows engine against the fakes; returns the xlwings._xlwindows module.

    The fake modules stay in sys.modules (nothing else in the tests imports pywin32); ctypes gets
    Windows-only names it lacks on Linux. Idempotent.
    """
    if "xlwings._xlwindows" in sys.modules:
        return sys.modules["xlwings._xlwindows"]
    for name, module in _modules().items():
        sys.modules.setdefault(name, module)
    for name in ("windll", "oledll"):
        if not hasattr(ctypes, name):
            setattr(ctypes, name, _FakeDll())
    real_pydll = ctypes.PyDLL
    ctypes.PyDLL = _FakeDll
    try:
        import xlwings._xlwindows as engine
    finally:
        ctypes.PyDLL = real_pydll
    return engine


def messages() -> list[tuple]:
    """The (text, title, style) of every win32api.MessageBox shown so far."""
    return sys.modules["win32api"].messages


def press(path, active: str | int = 0, *, prepare=None):
    """Press 校验 on the .xlsx at `path` in a fresh fake Excel, through xlwings' Windows engine
    and the unmodified xladdin.main(), the way the add-in's VBA starts it with "Use UDF Server"
    (it hands Python the active workbook as xlwings._xlwindows.BOOK_CALLER).

    `prepare(excel, book)` may change the fake before the press. Returns (the Press, the fake
    Application, the fake Workbook); excel.calls counts the round trips of this press.
    """
    install()
    excel_app, book = excel.load(path, active)
    if prepare:
        prepare(excel_app, book)
    return press_again(excel_app, book)


def press_again(excel_app, book):
    """Another press on a workbook already open in the fake Excel (counts reset first)."""
    import xladdin

    engine = install()
    excel_app.reset_count()
    engine.BOOK_CALLER = book
    try:
        outcome = xladdin.main()
    finally:
        engine.BOOK_CALLER = None
    return outcome, excel_app, book
