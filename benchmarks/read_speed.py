"""How fast validators.read.workbook reads a big sheet, against python-calamine alone.

    .venv/bin/python benchmarks/read_speed.py [--rows 100000] [--repeat 3]

Writes 100 000-row × 6-column grain-plan-shaped workbooks in a temporary folder (plain values;
a 合计 row with SUM formulas saved without results, as openpyxl writes them; a few hidden rows;
the same file saved by LibreOffice, i.e. with formula results) and measures the CPU time
(user + system of the child, from wait4: steadier than wall time on a shared machine) of each,
in a fresh interpreter so imports count:

  baseline  import pandas + pandera, then read every sheet with python-calamine (to_python)
  reader    import pandas + pandera, then validators.read.workbook.read_workbook

What the reader adds to calamine is measured in benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BASELINE = """
import sys, pandas, pandera.pandas
import python_calamine as pc
with pc.CalamineWorkbook.from_path(sys.argv[1]) as book:
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()
"""

READER = """
import sys, pandas, pandera.pandas
sys.path.insert(0, {root!r})
from validators.read.workbook import read_workbook
read_workbook(sys.argv[1])
"""


def write_big(path: Path, rows: int, *, formulas: bool, hidden: bool) -> Path:
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    ws = book.create_sheet("Sheet1")
    if hidden:
        for row in (10, 20, 30):
            ws.row_dimensions[row].hidden = True
    ws.append(["附件1"])
    ws.append(["某县2025年粮食生产计划任务分解表"])
    ws.append(["单位：万亩、吨"])
    ws.append(["乡镇(单位)", "粮食总面积(万亩)", "早稻面积(万亩)", "粮食总产量(吨)",
               "早稻集中育秧(万亩)", "专业化示范育秧(万亩)"])
    for i in range(rows):
        ws.append([f"第{i + 1}村", 10.5 + i % 7, 3.25, 4000 + i % 100, 1.5, 0.25])
    last = 4 + rows
    if formulas:
        ws.append(["合计"] + [f"=SUM({c}5:{c}{last})" for c in "BCDEF"])
    else:
        ws.append(["合计", 1, 2, 3, 4, 5])
    book.save(path)
    return path


def timed(code: str, path: Path, repeat: int) -> float:
    """CPU seconds, best of `repeat` runs: on a shared machine the minimum is the least disturbed."""
    times = []
    for _ in range(repeat):
        child = subprocess.Popen([sys.executable, "-c", code, str(path)])
        _, status, usage = os.wait4(child.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"the timed reader failed on {path}")
        times.append(usage.ru_utime + usage.ru_stime)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fenjie-bench-") as tmp:
        folder = Path(tmp)
        files = {
            "plain values": write_big(folder / "plain.xlsx", args.rows, formulas=False, hidden=False),
            "SUM without results": write_big(folder / "formulas.xlsx", args.rows, formulas=True,
                                             hidden=False),
            "hidden rows": write_big(folder / "hidden.xlsx", args.rows, formulas=False, hidden=True),
        }
        if shutil.which("soffice"):
            sys.path.insert(0, str(ROOT))
            from scripts.libreoffice import convert
            saved = convert([files["SUM without results"]], "xlsx", folder / "lo")[0]
            files["LibreOffice-saved (results kept)"] = saved
            files["as .ods"] = convert([files["SUM without results"]], "ods", folder / "ods")[0]
            files["as .xls (65536-row cap)"] = convert([files["plain values"]], "xls", folder / "xls")[0]
        print(f"{args.rows:,} rows × 6 columns, CPU seconds, best of {args.repeat} runs, fresh interpreter each")
        print(f"{'file':34} {'size':>9} {'baseline':>9} {'reader':>9} {'ratio':>6}")
        for label, path in files.items():
            base = timed(BASELINE, path, args.repeat)
            ours = timed(READER.format(root=str(ROOT)), path, args.repeat)
            base = min(base, timed(BASELINE, path, args.repeat))     # interleaved: same load
            size = path.stat().st_size / 1024 / 1024
            print(f"{label:34} {size:7.1f}MB {base:8.2f}s {ours:8.2f}s {ours / base:6.2f}")


if __name__ == "__main__":
    main()
