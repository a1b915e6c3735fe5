"""Our templates in a spreadsheet program that is not Excel: headless LibreOffice.

One LibreOffice start for all checks (scripts/libreoffice.py, run by the system python3, which has
python3-uno) opens each template, reports what LibreOffice sees (protection, locks, validation,
the directory range), types numbers into input cells, recalculates and saves a copy; the copies
are then read back with openpyxl and fenjie's own reader.
"""
from pathlib import Path

import openpyxl
import pytest

from scripts.libreoffice import run_jobs
from templates.config import load_config
from templates.identity import DIRECTORY_SHEET, IDENTITY_SHEET, parse_identity
from templates.kinds import KINDS
from templates.layout import DIRECTORY_NAME, Layout
from templates.plan import county_plan, township_plan
from templates.writer import directory_names, write_plan
from tests.conftest import EXAMPLE
from validators.records import read_records

GRAIN, TASKS = KINDS["grain-plan"], KINDS["task-breakdown"]


def fill(path: Path, save: Path, typing: dict, *, inspect: list[str], read: list[str] = ()) -> dict:
    """A LibreOffice job: see the template as it comes, type, recalculate, read what shows, save."""
    ops = [{"op": "inspect", "cells": inspect}, {"op": "type", "cells": typing}, {"op": "recalculate"}]
    if read:
        ops.append({"op": "read", "cells": list(read)})
    return {"path": str(path), "save": str(save), "ops": ops}


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory):
    """Write three templates, let LibreOffice fill, recalculate and save them; one soffice run."""
    work = tmp_path_factory.mktemp("libreoffice")
    config = load_config(EXAMPLE / "fenjie.toml")
    gazette = read_records(EXAMPLE / "gazette" / "xiangyin-2025-grain-plan.tsv", GRAIN)
    county = county_plan(GRAIN, config)
    township = township_plan(GRAIN, config, "新泉镇", {c.key: gazette[0][c.key] for c in GRAIN.summed_columns})
    tasks = county_plan(TASKS, config)
    paths = {name: write_plan(plan, work / f"{name}.xlsx")
             for name, plan in (("county", county), ("township", township), ("tasks", tasks))}

    c_layout, t_layout = county.layout, township.layout
    county_typing = {}
    for row, record in zip(c_layout.data_rows, gazette):
        for col in GRAIN.summed_columns:
            county_typing[f"{c_layout.letter(col.key)}{row}"] = record[col.key]
    first, second = t_layout.first_row, t_layout.first_row + 1
    township_typing = {f"B{first}": 12.5, f"B{second}": 9,        # 21.5 of the 22 assigned
                       f"C{first}": "9",                          # text, not a number
                       f"D{first}": 60000, f"D{second}": 35000,   # exactly 95000
                       f"E{first}": 6, f"F{first}": 0.3, f"F{second}": 0.4}
    jobs = [
        fill(paths["county"], work / "county-lo.xlsx", county_typing,
             inspect=["A5", "B5", "F20", "B21", "B24"], read=["B21", "B24"]),
        fill(paths["township"], work / "township-lo.xlsx", township_typing,
             inspect=[f"A{first}", f"A{t_layout.last_row}", f"B{t_layout.target_row}"],
             read=[f"B{t_layout.diff_row}"]),
        fill(paths["tasks"], work / "tasks-lo.xlsx", {"A5": 1, "B5": "测试任务", "D5": "发改局"},
             inspect=["A5", "D5", "E5"]),
    ]
    seen = run_jobs(jobs, work)
    return {"seen": dict(zip(("county", "township", "tasks"), seen)), "work": work, "config": config,
            "layouts": {"county": c_layout, "township": t_layout}}


def values(path: Path):
    return openpyxl.load_workbook(path, data_only=True).worksheets[0]


@pytest.mark.libreoffice
def test_libreoffice_computes_the_county_total_and_live_check(libreoffice):
    sheet = values(libreoffice["work"] / "county-lo.xlsx")
    layout: Layout = libreoffice["layouts"]["county"]
    totals = [sheet.cell(layout.total_row, c).value for c in range(2, 7)]
    assert totals == pytest.approx([118, 39, 502000, 28.4, 6.0], abs=1e-9)
    assert [sheet.cell(layout.diff_row, c).value for c in range(2, 7)] == [0, 0, 0, 0, 0]
    assert libreoffice["seen"]["county"]["shown"] == {"B21": "118", "B24": "0"}


@pytest.mark.libreoffice
def test_libreoffice_live_check_shows_the_gap_of_a_township(libreoffice):
    sheet = values(libreoffice["work"] / "township-lo.xlsx")
    layout: Layout = libreoffice["layouts"]["township"]
    total = [sheet.cell(layout.total_row, c).value for c in range(2, 7)]
    diff = [sheet.cell(layout.diff_row, c).value for c in range(2, 7)]
    assert total == pytest.approx([21.5, 0, 95000, 6, 0.7], abs=1e-9)   # the text "9" is not summed
    assert diff == pytest.approx([-0.5, -9, 0, 0, 0], abs=1e-9)
    assert sheet.cell(layout.first_row, 3).value == "9"


@pytest.mark.libreoffice
def test_libreoffice_sees_protection_locks_and_validation(libreoffice):
    county = libreoffice["seen"]["county"]
    assert county["protected"]
    cells = county["cells"]
    assert cells["A5"]["locked"] and cells["B21"]["locked"] and cells["B24"]["locked"]
    assert cells["B21"]["formula"] == "=SUM(B5:B20)"
    for address in ("B5", "F20"):
        assert not cells[address]["locked"]
        assert (cells[address]["validation"], cells[address]["formula1"]) == ("DECIMAL", "0")
    assert set(county["hidden_sheets"]) == {IDENTITY_SHEET}

    township = libreoffice["seen"]["township"]
    layout = libreoffice["layouts"]["township"]
    assert township["cells"][f"A{layout.first_row}"]["locked"]
    assert not township["cells"][f"A{layout.last_row}"]["locked"]
    assert township["cells"][f"B{layout.target_row}"]["locked"]

    tasks = libreoffice["seen"]["tasks"]
    assert tasks["cells"]["A5"]["validation"] == "WHOLE"
    for address in ("D5", "E5"):
        assert tasks["cells"][address]["validation"] == "LIST"
        assert tasks["cells"][address]["formula1"] == DIRECTORY_NAME
    count = len(directory_names(libreoffice["config"]))
    assert tasks["named"][DIRECTORY_NAME] == f"${DIRECTORY_SHEET}.$A$1:$A${count}"
    assert set(tasks["hidden_sheets"]) == {IDENTITY_SHEET, DIRECTORY_SHEET}


@pytest.mark.libreoffice
def test_libreoffice_keeps_identity_and_guards_when_saving(libreoffice):
    from validators.read.workbook import read_workbook
    saved = libreoffice["work"] / "township-lo.xlsx"
    book = openpyxl.load_workbook(saved)
    identity = parse_identity(book[IDENTITY_SHEET].iter_rows(values_only=True))
    assert identity.scope == "新泉镇" and identity.targets["grain_area"] == 22.0
    assert book[IDENTITY_SHEET].sheet_state == "hidden"
    formulas = {r.formula[0] for cf in book.worksheets[0].conditional_formatting for r in cf.rules}
    assert any(f.startswith("ISTEXT(") for f in formulas)
    assert any(f.endswith("<>0)") for f in formulas)
    assert read_workbook(saved).identity == identity
