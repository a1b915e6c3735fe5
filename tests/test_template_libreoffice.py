"""Our templates in a spreadsheet program that is not Excel: headless LibreOffice.

One LibreOffice start for all checks: a Python-UNO script (run by the system python3, which has
python3-uno) opens each template, reports what LibreOffice sees (protection, locks, validation,
the directory range), types numbers into input cells, recalculates and saves a copy; the copies
are then read back with openpyxl and fenjie's own reader.
"""
import json
import os
import subprocess
from pathlib import Path

import openpyxl
import pytest

from templates.config import load_config
from templates.identity import IDENTITY_SHEET, parse_identity
from templates.kinds import KINDS
from templates.layout import DIRECTORY_NAME, DIRECTORY_SHEET, Layout
from templates.plan import county_plan, township_plan
from templates.records import read_records
from templates.writer import directory_names, write_plan

from tests.conftest import EXAMPLE

UNO_PYTHON = "/usr/bin/python3"
GRAIN, TASKS = KINDS["grain-plan"], KINDS["task-breakdown"]

UNO_SCRIPT = r'''
import json, os, subprocess, sys, tempfile, time
import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe, office):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if office.poll() is not None:
                raise SystemExit(f"soffice exited with status {office.returncode}")
            time.sleep(0.2)


def inspect(doc, sheet, job):
    seen = {"protected": sheet.isProtected(), "cells": {},
            "hidden_sheets": [doc.Sheets.getByIndex(i).Name for i in range(doc.Sheets.Count)
                              if not doc.Sheets.getByIndex(i).IsVisible]}
    for address in job.get("inspect", []):
        cell = sheet.getCellRangeByName(address)
        rule = cell.Validation
        seen["cells"][address] = {"locked": cell.CellProtection.IsLocked,
                                  "formula": cell.getFormula(),
                                  "validation": rule.Type.value, "formula1": rule.getFormula1()}
    names = doc.NamedRanges
    seen["named"] = {n: names.getByName(n).getContent() for n in names.ElementNames}
    return seen


def main():
    jobs = json.load(open(sys.argv[1], encoding="utf-8"))
    profile = tempfile.mkdtemp(prefix="fenjie-lo-")
    pipe = f"fenjie{os.getpid()}"
    office = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
         f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report = []
    desktop = None
    try:
        ctx = connect(pipe, office)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        for job in jobs:
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["path"]), "_blank", 0,
                                               (prop("Hidden", True),))
            sheet = doc.Sheets.getByIndex(0)
            seen = inspect(doc, sheet, job)
            for address, value in job.get("type", {}).items():
                cell = sheet.getCellRangeByName(address)
                cell.setString(value) if isinstance(value, str) else cell.setValue(value)
            doc.calculateAll()
            seen["shown"] = {a: sheet.getCellRangeByName(a).getString() for a in job.get("read", [])}
            doc.storeToURL(uno.systemPathToFileUrl(job["save"]),
                           (prop("FilterName", "Calc MS Excel 2007 XML"),))
            doc.close(True)
            report.append(seen)
    finally:
        if desktop is not None:
            try:
                desktop.terminate()
            except Exception:
                pass
        try:
            office.wait(timeout=60)
        except subprocess.TimeoutExpired:
            office.kill()
    json.dump(report, sys.stdout, ensure_ascii=False)


main()
'''


def run_libreoffice(jobs: list[dict], work: Path) -> list[dict]:
    script, job_file = work / "lo_fill.py", work / "jobs.json"
    script.write_text(UNO_SCRIPT, encoding="utf-8")
    job_file.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["HOME"] = str(work)
    result = subprocess.run([UNO_PYTHON, str(script), str(job_file)], capture_output=True, text=True,
                            env=env, timeout=600)
    assert result.returncode == 0, f"LibreOffice (python3-uno) failed:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout)


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
        {"path": str(paths["county"]), "save": str(work / "county-lo.xlsx"), "type": county_typing,
         "inspect": ["A5", "B5", "F20", "B21", "B24"], "read": ["B21", "B24"]},
        {"path": str(paths["township"]), "save": str(work / "township-lo.xlsx"), "type": township_typing,
         "inspect": [f"A{first}", f"A{t_layout.last_row}", f"B{t_layout.target_row}"],
         "read": [f"B{t_layout.diff_row}"]},
        {"path": str(paths["tasks"]), "save": str(work / "tasks-lo.xlsx"),
         "type": {"A5": 1, "B5": "测试任务", "D5": "发改局"}, "inspect": ["A5", "D5", "E5"]},
    ]
    seen = run_libreoffice(jobs, work)
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
    from validators.reader import read_workbook
    saved = libreoffice["work"] / "township-lo.xlsx"
    book = openpyxl.load_workbook(saved)
    identity = parse_identity(book[IDENTITY_SHEET].iter_rows(values_only=True))
    assert identity.scope == "新泉镇" and identity.targets["grain_area"] == 22.0
    assert book[IDENTITY_SHEET].sheet_state == "hidden"
    formulas = {r.formula[0] for cf in book.worksheets[0].conditional_formatting for r in cf.rules}
    assert any(f.startswith("ISTEXT(") for f in formulas)
    assert any(f.endswith("<>0)") for f in formulas)
    assert read_workbook(saved).identity == identity
