"""Running the real `fenjie` command of this venv, as a clerk does, and what it must never print."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FENJIE = Path(sys.executable).parent / "fenjie"
# what a clerk must never see: a traceback or click's English
ENGLISH = ("Traceback", "Error", "Usage:", "Options:", "Commands:", "default:", "Show this message", "No such",
           "Got unexpected", "Aborted", "File exists", "Try '", "Is a directory")


def fenjie(*args, cwd=None, **options) -> subprocess.CompletedProcess:
    return subprocess.run([str(FENJIE), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300, **options)
