"""benchmarks/run.py --smoke: the benchmark script still runs and prints its whole table.

No time is asserted here: the figures of a smoke run mean nothing.
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEASURES = ("fenjie --help", "check: one township return", "floor: pandas+pandera+calamine read",
            "rows × 6", "check: folder of", "template --per-township", "校验 press:")


def table_rows(output: str) -> list[list[str]]:
    lines = [line for line in output.splitlines() if line.startswith("| ")]
    assert lines and lines[0].startswith("| what |"), output
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:]]


def test_smoke_run_prints_a_number_on_every_row(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "machine:" in run.stdout and "cores" in run.stdout
    rows = table_rows(run.stdout)
    for measure in MEASURES:
        assert any(measure in row[0] for row in rows), (measure, run.stdout)
    for row in rows:
        median, low, high, runs = float(row[1]), float(row[2]), float(row[3]), int(row[4])
        assert 0 < low <= median <= high and runs >= 1, row
    big = next(row for row in rows if "rows × 6" in row[0])
    assert "× floor" in big[5] and "MiB" in big[5]
    batch = next(row for row in rows if row[0].startswith("check: folder of"))
    assert "files/s" in batch[5]
