"""Python-side time of one press of the 校验 button, on a 100-row and a 5 000-row sheet.

    .venv/bin/python benchmarks/addin_press.py [--rows 100 5000] [--repeat 15] [--cold 5]

Writes grain-plan tables with openpyxl (one row per place, ~1 % of the cells typed as text
with units or commas, a 合计 row that matches), turns each into the JSON xlwings' remote
engine works from, and times xladdin.main() through that engine (XLWINGS_LICENSE_KEY is set
to "noncommercial" when unset). Excel's own time (applying the fills, repainting) is not
included: that is measured only in Excel.

  warm   the module already imported, as with xlwings' "Use UDF Server" (median/min/max of
         --repeat presses, each on a fresh book object)
  cold   a fresh Python process per press: the time from interpreter start until main()
         returns, as without the UDF server (imports of xlwings, pandas and pandera included)
  calls  round trips to Excel on Windows, first press and second press on the same workbook:
         xlwings' real Windows engine (_xlwindows.py) and xladdin.main() against the counting
         stand-in for Excel's COM object model (tests/fakecom). Each is about 1 ms in real Excel
         (an Apple event of ~10 ms on macOS), so these, not the warm times, are what a clerk
         waits for. The budget: 100 calls (100 rows), 500 (5 000 rows), 800 (5 000 marks).

    --text-column adds the 5 000-row table whose 粮食总面积 column is all text (5 000 marks).
    --formatted   lays every table out as fenjie's templates do: title and unit line merged
                  across the columns, the numbers shown with two decimals (the button reads the
                  merged ranges and which numbers show as percentages: these are its calls)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

COLD = """
import time
started = time.perf_counter()
import json, sys
import xlwings as xw
book = xw.Book(json=json.load(open(sys.argv[1], encoding="utf-8")))
book.set_mock_caller()
import xladdin
outcome = xladdin.main()
assert outcome.result is not None, outcome.alert
print(time.perf_counter() - started)
"""


def write_table(path: Path, rows: int, seed: int = 1, text_column: bool = False,
                formatted: bool = False) -> Path:
    """A grain-plan table of `rows` places; `text_column`: every 粮食总面积 typed as text (N001);
    `formatted`: title and unit line merged across the table, numbers shown as 0.00."""
    import openpyxl

    from templates.kinds import GRAIN_PLAN

    rng = random.Random(seed)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "粮食"
    ws.append([GRAIN_PLAN.title_for("湘阴县", 2025)])
    ws.append([GRAIN_PLAN.unit_line])
    ws.append([c.label for c in GRAIN_PLAN.columns])
    totals = [0.0] * 5
    for i in range(rows):
        area = round(rng.uniform(2, 20), 1)
        early = round(area * rng.uniform(0.1, 0.4), 1)
        line = [area, early, round(area * 4300), round(early * 0.6, 1), round(early * 0.1, 2)]
        totals = [t + v for t, v in zip(totals, line)]
        cells = [f"村{i + 1:05d}", *line]
        if rng.random() < 0.06:           # ~1 % of the number cells typed wrong
            col = rng.randint(1, 5)
            cells[col] = f"{cells[col]}万亩" if col != 3 else f"{cells[col]:,}"
        if text_column:
            cells[1] = str(area)
        ws.append(cells)
    ws.append(["合计", *(round(t, 6) for t in totals)])
    if formatted:
        width = len(GRAIN_PLAN.columns)
        for line in (1, 2):
            ws.merge_cells(start_row=line, start_column=1, end_row=line, end_column=width)
        for row in ws.iter_rows(min_row=4, min_col=2):
            for cell in row:
                cell.number_format = "0.00"
    book.save(path)
    return path


def warm(payload: dict, repeat: int) -> tuple[list[float], object, list[dict]]:
    import xlwings as xw

    import xladdin

    times, outcome, actions = [], None, []
    for index in range(repeat + 1):         # the first press imports the engine: not timed
        book = xw.Book(json=json.loads(json.dumps(payload)))
        book.set_mock_caller()
        started = time.perf_counter()
        outcome = xladdin.main()
        if index:
            times.append(time.perf_counter() - started)
        del xw.Book._mock_caller
        actions = book.json()["actions"]
    return times, outcome, actions


def desktop_calls(path: Path) -> tuple[int, int, int]:
    """(marked cells, calls of the first press, calls of a second press) on Windows' engine."""
    from tests import fakecom

    first, excel, book = fakecom.press(path)
    assert first.result is not None, first.alert
    first_calls = excel.calls
    fakecom.press_again(excel, book)
    return len(first.marks), first_calls, excel.calls


def cold(payload_file: Path, repeat: int) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", COLD, str(payload_file)], env=env, check=True,
                             capture_output=True, text=True)
        wall = time.perf_counter() - started
        times.append(wall)
        last = float(out.stdout.strip().splitlines()[-1])
        assert last <= wall
    return times


def line(label: str, times: list[float]) -> str:
    return (f"{label:<34} median {statistics.median(times):7.3f} s   min {min(times):7.3f} s   "
            f"max {max(times):7.3f} s   (n={len(times)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100, 5000])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--text-column", action="store_true",
                        help="also the 5 000-row table with one column all text (5 000 marks)")
    parser.add_argument("--formatted", action="store_true",
                        help="title and unit line merged, numbers shown as 0.00, as in fenjie's templates")
    args = parser.parse_args()

    from tests.support.payload import payload_from_xlsx

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("FENJIE_LOG_DIR", tmp)
        tables = [(rows, False) for rows in args.rows] + ([(5000, True)] if args.text_column else [])
        for rows, text_column in tables:
            path = write_table(Path(tmp) / f"press-{rows}-{text_column}.xlsx", rows, text_column=text_column,
                               formatted=args.formatted)
            payload = payload_from_xlsx(path)
            payload_file = Path(tmp) / f"press-{rows}.json"
            payload_file.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
            times, outcome, actions = warm(payload, args.repeat)
            result = outcome.result
            calls = Counter(a["func"] for a in actions)
            print(f"{rows} rows: {result.errors} errors, {result.warnings} warnings, "
                  f"{len(outcome.marks)} cells marked; {len(actions)} actions "
                  f"({calls['setRangeColor']} fills, {calls['addNote']} notes) on the remote engine")
            print("  " + line("warm (module imported)", times))
            marked, first_calls, second_calls = desktop_calls(path)
            print(f"  {'calls to Excel (Windows engine)':<34} first press {first_calls}, second press "
                  f"{second_calls} ({marked} cells marked)")
            if args.cold:
                print("  " + line("cold (fresh process, wall)", cold(payload_file, args.cold)))


if __name__ == "__main__":
    main()
