"""Just enough of appscript/aem/osax for `import xlwings._xlmac` on Linux (tests only).

The macOS engine's module-level code only builds keyword tables (`appscript.k.xxx`); nothing
talks to Excel until a method runs. The tests use it to run xlwings' own `_xlmac` reading code
on the shapes AppleScript returns.
"""
from __future__ import annotations

import sys
import types


class Keyword:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"k.{self.name}"

    def __eq__(self, other):
        return isinstance(other, Keyword) and other.name == self.name

    def __hash__(self):
        return hash(self.name)


class _Keywords:
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Keyword(name)


class CommandError(Exception):
    pass


def install():
    """Import xlwings' real macOS engine against the stand-ins; returns xlwings._xlmac."""
    if "xlwings._xlmac" in sys.modules:
        return sys.modules["xlwings._xlmac"]
    appscript = types.ModuleType("appscript")
    appscript.k = _Keywords()
    appscript.its = _Keywords()
    appscript.mactypes = types.ModuleType("mactypes")
    appscript.app = lambda *a, **k: None
    reference = types.ModuleType("appscript.reference")
    reference.CommandError = CommandError
    reference.Reference = type("Reference", (), {})
    appscript.reference = reference
    psutil = types.ModuleType("psutil")
    psutil.process_iter = lambda *args, **kwargs: iter(())
    for name, module in {"appscript": appscript, "appscript.reference": reference,
                         "aem": types.ModuleType("aem"), "osax": types.ModuleType("osax"),
                         "psutil": psutil}.items():
        sys.modules.setdefault(name, module)
    import xlwings._xlmac as engine
    return engine
