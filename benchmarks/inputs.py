"""The inputs benchmarks/run.py measures on, written into a scratch folder.

Every file is written by fenjie's own template writer or by openpyxl, the way a return reaches
the county: formulas carry the results a spreadsheet program would have saved with them.
"""
from __future__ import annotations

import functools
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXAMPLE = ROOT / "examples" / "xiangyin-2025"
EXAMPLE_CONFIG = EXAMPLE / "fenjie.toml"
COUNTY_TABLE = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
TYPO_EVERY = 100            # about one number cell in a hundred is typed as text (22万亩, 4,300)


def township_return(folder: Path, township: str = "新泉镇", seed: int = 1) -> Path:
    """`township`'s own template as the township sends it back: its villages filled in, the
    合计 formulas with their results, one cell typed with a unit (the usual N004)."""
    from templates.kinds import GRAIN_PLAN
    from templates.plan import township_plan
    from templates.writer import write_plan

    config, assigned = example_county()
    plan = township_plan(GRAIN_PLAN, config, township, assigned[township])
    rng = random.Random(seed)
    places = [row for row in plan.rows if row.key]
    if not places:                  # no villages in the config: the clerk types them in
        places = plan.rows[:4]
        for number, row in enumerate(places, start=1):
            row.key = f"第{number}分场"
    for col in GRAIN_PLAN.summed_columns:
        for row, share in zip(places, _shares(assigned[township].get(col.key) or 0, len(places), rng)):
            row.values[col.key] = share
    first = GRAIN_PLAN.summed_columns[0].key
    places[0].values[first] = f"{places[0].values[first]}万亩"
    folder.mkdir(parents=True, exist_ok=True)
    return write_plan(plan, folder / f"{township}.xlsx")


@functools.cache
def example_county():
    """The example county's config and the figures its county table assigns to each township."""
    from templates.config import load_config
    from templates.kinds import GRAIN_PLAN
    from validators.county import read_assigned

    config = load_config(EXAMPLE_CONFIG)
    return config, read_assigned(COUNTY_TABLE, GRAIN_PLAN, config)


def _shares(total: float, parts: int, rng: random.Random) -> list[float]:
    """`total` split into `parts` uneven shares that add up to it again."""
    shares = [round(total / parts * rng.uniform(0.8, 1.2), 2) for _ in range(parts - 1)]
    return [*shares, round(total - sum(shares), 2)]


def batch_of_returns(folder: Path, count: int) -> Path:
    """`count` township returns in one folder, the 16 townships' own templates over and over."""
    townships = example_county()[0].townships
    originals = {t: township_return(folder / "originals", t, seed=i) for i, t in enumerate(townships)}
    batch = folder / "batch"
    batch.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        township = townships[index % len(townships)]
        shutil.copyfile(originals[township], batch / f"{index + 1:04d}-{township}.xlsx")
    return batch


def big_sheet(path: Path, rows: int, seed: int = 1) -> Path:
    """A county-layout grain-plan sheet with `rows` rows × 6 columns (key + 5 numbers), a few
    cells typed as text, and a 合计 row of SUM formulas saved with their results."""
    from openpyxl import Workbook

    from templates.cells import column_letter
    from templates.kinds import GRAIN_PLAN
    from templates.xlsx_cache import store_results

    rng = random.Random(seed)
    columns = GRAIN_PLAN.columns
    book = Workbook(write_only=True)
    sheet = book.create_sheet("粮食")
    sheet.append(["附件"])
    sheet.append([GRAIN_PLAN.title_for("某县", 2025)])
    sheet.append([GRAIN_PLAN.unit_line])
    sheet.append([c.label for c in columns])
    header_row = 4
    totals = [0.0] * (len(columns) - 1)
    for index in range(rows):
        area = round(rng.uniform(2, 20), 1)
        early = round(area * rng.uniform(0.1, 0.4), 1)
        numbers = [area, early, round(area * rng.uniform(3800, 5200)), round(early * 0.6, 1), round(early * 0.1, 2)]
        typed = rng.randrange(len(numbers)) if rng.randrange(TYPO_EVERY) == 0 else None
        totals = [t + (0 if i == typed else n) for i, (t, n) in enumerate(zip(totals, numbers))]
        cells: list = [f"第{index + 1}单位", *numbers]
        if typed is not None:                   # SUM skips text: the saved 合计 does too
            cells[typed + 1] = f"{numbers[typed]}万亩"
        sheet.append(cells)
    first, last = header_row + 1, header_row + rows
    letters = [column_letter(i) for i in range(2, len(columns) + 1)]
    sheet.append(["合计", *(f"=SUM({c}{first}:{c}{last})" for c in letters)])
    book.save(path)
    store_results(path, {f"{c}{last + 1}": round(t, 6) for c, t in zip(letters, totals)},
                  member=_first_sheet_part(path))
    return path


def saved_by_libreoffice(path: Path, folder: Path) -> Path:
    """`path` opened and saved again as .xlsx by headless LibreOffice (scripts/libreoffice.py)."""
    from scripts.libreoffice import convert
    return convert([path], "xlsx", folder, timeout=600)[0]


def _first_sheet_part(path: Path) -> str:
    import zipfile
    with zipfile.ZipFile(path) as package:
        return next(n for n in sorted(package.namelist()) if n.startswith("xl/worksheets/sheet"))
