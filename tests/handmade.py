"""Workbooks a clerk makes without fenjie's templates: no identity block, plain values (no
formulas), written by openpyxl — the tables townships copy from last year's file."""
from __future__ import annotations

import math
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl

from templates.kinds import KINDS

GRAIN = KINDS["grain-plan"]
HEADERS = [c.header for c in GRAIN.columns[1:]]
KEYS = [c.key for c in GRAIN.columns[1:]]


def _total(rows: list[list]) -> list:
    return [round(math.fsum(r[i] for r in rows if isinstance(r[i], (int, float))), 6)
            for i in range(1, len(KEYS) + 1)]


def village_return(path: Path, township: str, villages: list[str], figures: dict[str, float],
                   filler: str | None = None) -> Path:
    """A township's villages (村(社区) rows): all of `figures` on the first village, 0 on the
    rest, a 合计 row equal to the rows (internally consistent), a 填报单位 line."""
    rows = [[villages[0], *(figures[k] for k in KEYS)],
            *([v, *(0 for _ in KEYS)] for v in villages[1:])]
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "分解到村"
    for line in ([f"{township}2025年粮食生产计划任务分解到村"], ["单位：万亩、吨"],
                 ["村(社区)", *HEADERS], *rows, ["合计", *_total(rows)],
                 [f"填报单位：{filler or township}人民政府"]):
        ws.append(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def county_table(path: Path, config, assigned: dict[str, dict[str, float]],
                 edits: dict[tuple[str, str], object] | None = None,
                 total: dict[str, object] | None = None) -> Path:
    """The county table (乡镇(单位) rows in config order) with plain values; `edits` puts a
    clerk's text into a cell ((township, column key) -> value), `total` overrides 合计 cells.
    The 合计 row sums the numbers as Excel's SUM would (text skipped)."""
    rows = []
    for township in config.townships:
        row = [township]
        for key in KEYS:
            row.append((edits or {}).get((township, key), assigned[township][key]))
        rows.append(row)
    sums = _total(rows)
    for key, value in (total or {}).items():
        sums[KEYS.index(key)] = value
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "县分解表"
    for line in ([f"{config.county}{config.year}年粮食生产计划任务分解表"], ["单位：万亩、吨"],
                 ["乡镇(单位)", *HEADERS], *rows, ["合计", *sums]):
        ws.append(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def set_saved_time(path: Path, when: str) -> Path:
    """Rewrite docProps/core.xml's dcterms:modified (what Excel records at each save)."""
    temp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "docProps/core.xml":
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rf"\g<1>{when}\g<2>", data.decode("utf-8"))
                assert when in text
                data = text.encode("utf-8")
            target.writestr(item, data)
    shutil.move(temp, path)
    return path
