"""Sample township returns of the 湘阴县 2025 grain plan, as clerks send them back.

    .venv/bin/python examples/xiangyin-2025/build_returns.py [OUT_DIR]

Writes 报送/ (or OUT_DIR): the per-township templates fenjie's writer makes from the county
table in 县分解表/ (what `fenjie template grain-plan --per-township` writes), each filled in
headless LibreOffice with village figures and saved, so every return carries LibreOffice's
computed formula results as a return saved by Excel or WPS does. Needs `soffice` and the
system python3 with python3-uno (scripts/setup.sh installs both).

The village figures are not random: each township's assigned figures are shared among its
villages ([villages] in fenjie.toml) in proportion to fixed weights (WEIGHT_CYCLE, a 社区
counting for little and growing no early rice; YIELD_CYCLE), rounded to 0.01 万亩 and whole 吨 so that
they add up exactly to the assigned figure. The planted defects:

    湘滨镇    one village 0.5 万亩 short of the assigned 粮食总面积
    南湖洲镇  a village's 粮食总面积 typed as text with its unit, e.g. 「2.24万亩」
    东塘镇    a village's 粮食总产量 typed in full-width digits, e.g. 「４８５０」
    国有场所  two farms typed at the top, a row for the third inserted right above 合计:
              outside the SUM range
    杨林寨乡  the village name 牧羊港村 retyped as 牧羊岗村
    新泉镇    sent twice: the first file has two digits of a village's 粮食总产量 swapped (6567 typed as 6657),
              the second, 「(修改)」, is right
    岭北镇    sent nothing (未报送)

The other nine townships return clean sheets. tests/test_example_returns.py checks that
`fenjie check` finds exactly these defects and that this script reproduces the folder.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from scripts.libreoffice import LibreOfficeError, run_jobs  # noqa: E402
from templates.config import Config, load_config  # noqa: E402
from templates.kinds import KINDS  # noqa: E402
from templates.layout import FOOTER_TEXT, Layout  # noqa: E402
from templates.plan import township_plan  # noqa: E402
from templates.writer import write_township_templates  # noqa: E402
from validators.county import read_assigned  # noqa: E402

GRAIN = KINDS["grain-plan"]
COUNTY_TABLE = HERE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
RETURNS = HERE / "报送"

# Relative farmland of a township's villages, in list order (repeated); a 社区 counts for little.
WEIGHT_CYCLE = (6, 4, 7, 3, 5, 8, 2, 5, 4, 6, 3, 7)
COMMUNITY_WEIGHT = 1
YIELD_CYCLE = (1.00, 0.97, 1.03, 0.99, 1.04, 0.98, 1.01)   # yield per 亩 varies a little by village
AREA_PLACES, OUTPUT_PLACES = 2, 0      # 0.01 万亩, whole 吨
# 国有场所 has no villages in fenjie.toml: the clerk types its farms (the third has no early rice)
FARMS = (("一分场", 6, True), ("二分场", 5, True), ("三分场", 3, False))

MISSING = "岭北镇"
SHORT, SHORT_BY = "湘滨镇", 0.5
UNIT_TEXT = "南湖洲镇"
FULL_WIDTH = "东塘镇"
OUTSIDE_SUM = "国有场所"
MISSPELT, MISSPELT_FROM, MISSPELT_TO = "杨林寨乡", "牧羊港村", "牧羊岗村"
TWICE = "新泉镇"
REVISED_SUFFIX = "(修改)"
# Clerks rename files; the identity block of the template still says whose return it is.
RENAMED = {"湘滨镇": "湘滨镇粮食生产计划任务分解到村.xlsx", "静河镇": "静河镇2025年粮食生产计划（定稿）.xlsx"}

FULL_WIDTH_DIGITS = str.maketrans("0123456789.", "０１２３４５６７８９．")


# -- the figures -----------------------------------------------------------------------------

def share(total: float, weights: list[float], places: int) -> list[float]:
    """`total` split in proportion to `weights`, rounded to `places` decimals, adding up exactly
    (largest remainder; ties go to the earlier row)."""
    scale = 10 ** places
    units = round(total * scale)
    whole = sum(weights)
    if not whole:
        return [0.0] * len(weights)
    quotas = [units * w / whole for w in weights]
    floors = [int(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for i in order[:units - sum(floors)]:
        floors[i] += 1
    return [f / scale if places else float(f) for f in floors]


def village_figures(places: list[tuple[str, float, bool]], assigned: dict[str, float]) -> list[dict]:
    """One dict per place (column key -> figure): area by weight, output with the area (yields a
    little apart), early rice only where it is grown, seedlings within the early rice."""
    area = share(assigned["grain_area"], [w for _, w, _ in places], AREA_PLACES)
    output = share(assigned["grain_output"], [a * YIELD_CYCLE[i % len(YIELD_CYCLE)] for i, a in enumerate(area)],
                   OUTPUT_PLACES)
    early = share(assigned["early_rice_area"], [a if grows else 0 for a, (_, _, grows) in zip(area, places)],
                  AREA_PLACES)
    seedling = share(assigned["early_rice_seedling"], early, AREA_PLACES)
    demo = share(assigned["demo_seedling"], seedling, AREA_PLACES)
    rows = [{"grain_area": a, "early_rice_area": e, "grain_output": o, "early_rice_seedling": s,
             "demo_seedling": d} for a, e, o, s, d in zip(area, early, output, seedling, demo)]
    for (name, _, _), row in zip(places, rows):
        assert row["early_rice_area"] <= row["grain_area"] and row["demo_seedling"] <= \
            row["early_rice_seedling"] <= row["early_rice_area"], (name, row)
    return rows


def places_of(township: str, config: Config) -> list[tuple[str, float, bool]]:
    """(name, weight, grows early rice) for each village of the township, or its farms."""
    villages = config.villages.get(township)
    if not villages:
        return list(FARMS)
    return [(v, COMMUNITY_WEIGHT, False) if v.endswith("社区") else (v, WEIGHT_CYCLE[i % len(WEIGHT_CYCLE)], True)
            for i, v in enumerate(villages)]


def largest(rows: list[dict], key: str) -> int:
    return max(range(len(rows)), key=lambda i: (rows[i][key], -i))


# -- what the clerk does, as LibreOffice operations ------------------------------------------

def clerk_edits(township: str, config: Config, assigned: dict[str, float], layout: Layout,
                date: str) -> list[list[dict]]:
    """The operations of each file a township sends (two files for TWICE), in order."""
    places = places_of(township, config)
    rows = village_figures(places, assigned)
    typed = clean_typing(township, config, places, rows, layout, date)
    first, ops = layout.first_row, []
    area, output = layout.letter("grain_area"), layout.letter("grain_output")
    if township == SHORT:
        i = largest(rows, "grain_area")
        typed[f"{area}{first + i}"] = round(rows[i]["grain_area"] - SHORT_BY, AREA_PLACES)
    if township == UNIT_TEXT:
        i = largest(rows, "grain_area")
        typed[f"{area}{first + i}"] = f"{rows[i]['grain_area']:g}万亩"
    if township == FULL_WIDTH:
        i = largest(rows, "grain_output")
        typed[f"{output}{first + i}"] = f"{rows[i]['grain_output']:g}".translate(FULL_WIDTH_DIGITS)
    if township == MISSPELT:
        ops.append({"op": "unprotect"})       # the village names are locked; no password is set
        typed[f"A{first + [p[0] for p in places].index(MISSPELT_FROM)}"] = MISSPELT_TO
    ops.append({"op": "type", "cells": typed})
    if township == OUTSIDE_SUM:
        ops += outside_sum_edits(layout, rows[-1])
    if township != TWICE:
        return [ops]
    i = next(i for i, r in enumerate(rows) if len(set(f"{r['grain_output']:g}"[1:3])) == 2)
    digits = f"{rows[i]['grain_output']:g}"
    swapped = float(digits[0] + digits[2] + digits[1] + digits[3:])      # 6567 typed as 6657
    return [[{"op": "type", "cells": {**typed, f"{output}{first + i}": swapped}}], ops]


def clean_typing(township: str, config: Config, places, rows: list[dict], layout: Layout,
                 date: str) -> dict[str, object]:
    """Cell -> value of a correct return: every village's figures (farm names too, where the
    config lists no villages; OUTSIDE_SUM's last farm comes later) and the footer's date."""
    typed: dict[str, object] = {}
    count = len(places) - 1 if township == OUTSIDE_SUM else len(places)
    for row, (name, _, _), figures in zip(range(layout.first_row, layout.first_row + count), places, rows):
        if not config.villages.get(township):
            typed[f"A{row}"] = name
        typed.update({f"{layout.letter(key)}{row}": value for key, value in figures.items()})
    footer = FOOTER_TEXT.format(filler=f"{township}人民政府").replace("填报日期：", f"填报日期：{date}")
    typed[f"A{layout.footer_row}"] = footer
    return typed


def outside_sum_edits(layout: Layout, last: dict) -> list[dict]:
    """With all farms but the last typed at the top: insert a row right above 合计 for the last
    farm, as clerks add a row at the end. SUM(B5:B24) does not reach the new row."""
    new_row = layout.total_row
    cells = {f"A{new_row}": FARMS[-1][0]}
    cells.update({f"{layout.letter(key)}{new_row}": value for key, value in last.items()})
    return [{"op": "unprotect"},                 # inserting rows needs it; no password is set
            {"op": "insert_rows", "at": new_row, "count": 1},
            {"op": "type", "cells": cells}]


def file_names(township: str, template: Path) -> list[str]:
    if township == TWICE:
        return [template.name, f"{template.stem}{REVISED_SUFFIX}{template.suffix}"]
    return [RENAMED.get(township, template.name)]


def return_jobs(config: Config, assigned: dict[str, dict[str, float]], templates: list[Path],
                out: Path) -> list[dict]:
    jobs = []
    for index, (township, path) in enumerate(zip(config.townships, templates)):
        assert path.name.startswith(f"{township}-"), path
        if township == MISSING:
            continue
        layout = township_plan(GRAIN, config, township, assigned[township]).layout
        date = f"2025年2月{10 + index}日"
        for name, ops in zip(file_names(township, path), clerk_edits(township, config, assigned[township],
                                                                    layout, date)):
            jobs.append({"path": str(path), "save": str(out / name), "ops": [*ops, {"op": "recalculate"}]})
    return jobs


def build(out: Path = RETURNS) -> list[Path]:
    """Write the returns into `out` (its old .xlsx files are removed first); the paths written."""
    config = load_config(HERE / "fenjie.toml")
    assigned = read_assigned(COUNTY_TABLE, GRAIN, config)
    with tempfile.TemporaryDirectory(prefix="fenjie-returns-") as tmp:
        work = Path(tmp)
        templates = write_township_templates(GRAIN, config, assigned, work / "乡镇模板")
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.xlsx"):
            old.unlink()
        jobs = return_jobs(config, assigned, templates, out.resolve())
        run_jobs(jobs, work)
    return [Path(job["save"]) for job in jobs]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else RETURNS
    try:
        written = build(target)
    except LibreOfficeError as exc:
        sys.exit(str(exc))
    for path in written:
        print(path.relative_to(target.resolve()) if path.is_relative_to(target.resolve()) else path)
