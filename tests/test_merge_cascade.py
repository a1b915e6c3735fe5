"""The county-to-township cascade of 湘阴县 2025, end to end, through LibreOffice.

county target 118 -> county table (the gazette's figures, written by our writer) -> 16 township
templates (`fenjie template --per-township`) -> 15 of them filled in LibreOffice with village
figures (one soffice run) -> `fenjie merge` -> the 汇总 workbook, recalculated by LibreOffice
(a second soffice run) and read back.

The returns: 12 townships exactly on target, 湘滨镇 0.5 万亩 short, 南湖洲镇 with 「8.4万亩」 typed
as text in a village cell, 国有场所 (no villages in the config) with its two farms typed in,
and 岭北镇 sending nothing.
"""
import hashlib
import math
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from scripts.libreoffice import run_jobs
from templates.config import load_config
from templates.identity import CHART_SHEET, SUMMARY_SHEET
from templates.identity import SUMMARY_FINDINGS_SHEET as FINDINGS_SHEET
from templates.kinds import KINDS
from templates.labels import FINDING_HEADERS
from templates.plan import township_plan
from templates.writer import write_template
from tests.conftest import EXAMPLE
from validators.county import read_assigned
from validators.output.summary import SummaryLayout
from validators.records import read_records

GRAIN = KINDS["grain-plan"]
CONFIG = EXAMPLE / "fenjie.toml"
SHORT, MALFORMED, MISSING, FARMS = "湘滨镇", "南湖洲镇", "岭北镇", "国有场所"
SHORT_BY = 0.5
FARM_NAMES = ("一分场", "二分场")
CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
RECALCULATE = {"op": "recalculate"}


def split(value: float, places: int) -> tuple[float, float]:
    """60 % / 40 % of a figure, the first rounded as a clerk would, the two summing back exactly."""
    first = round(value * 0.6, places)
    return first, round(value - first, 6)


def village_typing(township: str, assigned: dict[str, float], config) -> dict[str, object]:
    """Cells a township clerk types: two villages share the figure, the other villages get 0."""
    plan = township_plan(GRAIN, config, township, assigned)
    layout = plan.layout
    rows = list(layout.data_rows)
    typing: dict[str, object] = {}
    listed = [r for r, planned in zip(rows, plan.rows) if planned.key]
    if not listed:                                    # no villages in the config: type them in
        listed = rows[:len(FARM_NAMES)]
        for row, name in zip(listed, FARM_NAMES):
            typing[f"A{row}"] = name
    for column in GRAIN.summed_columns:
        places = 0 if column.key == "grain_output" else 2
        first, second = split(assigned[column.key], places)
        letter = layout.letter(column.key)
        typing[f"{letter}{listed[0]}"] = first
        typing[f"{letter}{listed[1]}"] = second
        for row in listed[2:]:
            typing[f"{letter}{row}"] = 0
    main = layout.letter("grain_area")
    if township == SHORT:
        typing[f"{main}{listed[1]}"] = round(typing[f"{main}{listed[1]}"] - SHORT_BY, 6)
    if township == MALFORMED:
        typing[f"{main}{listed[0]}"] = f"{typing[f'{main}{listed[0]}']:g}万亩"
    return typing


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.xlsx"))}


@pytest.fixture(scope="module")
def cascade(tmp_path_factory):
    work = tmp_path_factory.mktemp("cascade")
    config = load_config(CONFIG)
    gazette = read_records(EXAMPLE / "gazette" / "xiangyin-2025-grain-plan.tsv", GRAIN)
    county = write_template(GRAIN, config, work / "县分解表", gazette)
    assigned = read_assigned(county, GRAIN, config)

    made = CliRunner().invoke(main, ["template", "grain-plan", "--per-township", "--from", str(county),
                                     "--config", str(CONFIG), "-o", str(work / "乡镇模板")])
    assert made.exit_code == 0, made.output
    templates = sorted((work / "乡镇模板").glob("*.xlsx"))

    returns = work / "报送"
    returns.mkdir()
    jobs = []
    for path in templates:
        township = path.name.split("-")[0]
        if township == MISSING:
            continue
        typing = village_typing(township, assigned[township], config)
        jobs.append({"path": str(path), "save": str(returns / path.name),
                     "ops": [{"op": "type", "cells": typing}, RECALCULATE]})
    run_jobs(jobs, work)

    before = {**digest(returns), **digest(county.parent)}
    out = work / "汇总" / "湘阴县粮食汇总.xlsx"
    merged = CliRunner().invoke(main, ["merge", str(returns), "--config", str(CONFIG),
                                       "--from", str(county), "-o", str(out)])
    after = {**digest(returns), **digest(county.parent)}

    recalculated = work / "recalculated.xlsx"
    run_jobs([{"path": str(out), "save": str(recalculated), "ops": [RECALCULATE]}], work)
    layout = SummaryLayout(GRAIN.summed_columns, len(config.townships), has_target_row=True, note_count=0)
    return {"work": work, "config": config, "assigned": assigned, "templates": templates,
            "returns": returns, "out": out, "result": merged, "before": before, "after": after,
            "recalculated": recalculated, "layout": layout}


def rows_by_township(sheet, layout) -> dict[str, int]:
    return {sheet.cell(row, 1).value: row for row in layout.data_rows}


def cell(sheet, layout, row, key, part):
    return sheet.cell(row, layout.part(key, part)).value


@pytest.mark.libreoffice
def test_the_cascade_starts_from_the_county_table(cascade):
    assigned, config = cascade["assigned"], cascade["config"]
    assert math.fsum(a["grain_area"] for a in assigned.values()) == pytest.approx(118)
    assert len(cascade["templates"]) == len(config.townships) == 16
    assert len(list(cascade["returns"].glob("*.xlsx"))) == 15


@pytest.mark.libreoffice
def test_merge_exit_status_and_printed_summary(cascade):
    result = cascade["result"]
    assert result.exit_code == 1, result.output           # a township missing, two flagged
    assert "汇总 16 个乡镇：通过 13，有错 2，重复报送 0，未报送 1。" in result.output
    assert f"未报送（1）：{MISSING}" in result.output
    assert "粮食总面积：报送合计 74.1，下达 118，差额 -43.9（万亩）" in result.output


@pytest.mark.libreoffice
def test_every_township_row_of_the_summary(cascade):
    sheet = openpyxl.load_workbook(cascade["out"], data_only=True)[SUMMARY_SHEET]
    layout, assigned = cascade["layout"], cascade["assigned"]
    rows = rows_by_township(sheet, layout)
    assert list(rows) == cascade["config"].townships          # config order
    for township, row in rows.items():
        for column in GRAIN.summed_columns:
            key = column.key
            assert cell(sheet, layout, row, key, "下达") == pytest.approx(assigned[township][key])
            reported = cell(sheet, layout, row, key, "报送")
            if township == MISSING:
                assert reported is None and cell(sheet, layout, row, key, "差额") in (None, "")
                continue
            expected = assigned[township][key]
            if key == "grain_area" and township == SHORT:
                expected -= SHORT_BY
            if key == "grain_area" and township == MALFORMED:
                expected = split(expected, 2)[1]              # LibreOffice's SUM skips the text cell
            assert reported == pytest.approx(expected, abs=1e-9), (township, key)
            assert cell(sheet, layout, row, key, "差额") == pytest.approx(round(expected - assigned[township][key], 6))
        status = sheet.cell(row, layout.status_col).value
        counted = sheet.cell(row, layout.counted_col).value
        note = sheet.cell(row, layout.note_col).value
        if township == MISSING:
            assert (status, counted, note) == ("未报送", "否", "尚未报送")
        elif township in (SHORT, MALFORMED):
            assert (status, counted) == ("有错", "否")
            assert "个错误" in note and f"{township}-2025年粮食生产计划任务分解表.xlsx" in note
        else:
            assert (status, counted) == ("通过", "是"), (township, note)
            assert sheet.cell(row, layout.rate_col).value == pytest.approx(1.0)


@pytest.mark.libreoffice
def test_missing_township_is_red_and_listed_flagged_ones_are_marked(cascade):
    sheet = openpyxl.load_workbook(cascade["out"])[SUMMARY_SHEET]
    layout = cascade["layout"]
    rows = rows_by_township(sheet, layout)
    for col in range(1, layout.width + 1):
        assert sheet.cell(rows[MISSING], col).fill.start_color.rgb.endswith("FFC7CE")
    assert sheet.cell(rows["新泉镇"], 1).fill.fill_type is None
    assert sheet.cell(rows[SHORT], 1).fill.start_color.rgb.endswith("FFEB9C")
    texts = [sheet.cell(r, 1).value for r in range(layout.total_row + 1, sheet.max_row + 1)]
    assert f"未报送（1）：{MISSING}" in texts
    flagged = next(t for t in texts if t and t.startswith("有错或重复报送"))
    assert "未计入合计（2）" in flagged and SHORT in flagged and MALFORMED in flagged


@pytest.mark.libreoffice
def test_totals_are_live_formulas_with_the_values_fenjie_stored(cascade):
    layout = cascade["layout"]
    formulas = openpyxl.load_workbook(cascade["out"])[SUMMARY_SHEET]
    values = openpyxl.load_workbook(cascade["out"], data_only=True)[SUMMARY_SHEET]
    total, target = layout.total_row, layout.target_row
    b = layout.letter("grain_area", "报送")
    counted = layout.counted_range()
    assert formulas[f"{b}{total}"].value == f'=SUMIF({counted},"是",{b}{layout.first_row}:{b}{layout.last_row})'
    assert formulas.cell(total, layout.part("grain_area", "下达")).value.startswith("=SUM(")
    assert values[f"{b}{total}"].value == pytest.approx(74.1)
    assert values.cell(total, layout.part("grain_area", "下达")).value == pytest.approx(118)
    assert values.cell(total, layout.part("grain_area", "差额")).value == pytest.approx(-43.9)
    assert values.cell(total, layout.rate_col).value == pytest.approx(74.1 / 118)
    assert values.cell(target, 1).value == "全县目标"
    assert values.cell(target, layout.part("grain_area", "下达")).value == 118
    assert values.cell(total, layout.part("grain_output", "下达")).value == pytest.approx(502000)


@pytest.mark.libreoffice
def test_libreoffice_recalculates_to_the_same_values(cascade):
    formulas = openpyxl.load_workbook(cascade["out"])[SUMMARY_SHEET]
    stored = openpyxl.load_workbook(cascade["out"], data_only=True)[SUMMARY_SHEET]
    recalculated = openpyxl.load_workbook(cascade["recalculated"], data_only=True)[SUMMARY_SHEET]
    checked = 0
    for row in formulas.iter_rows():
        for item in row:
            if item.data_type != "f":
                continue
            ours, theirs = stored[item.coordinate].value, recalculated[item.coordinate].value
            if ours in (None, ""):
                assert theirs in (None, ""), item.coordinate
            else:
                assert theirs == pytest.approx(ours, abs=1e-9), item.coordinate
            checked += 1
    assert checked > 16 * 6                  # 差额 and 完成率 of every row, and the totals
    book = openpyxl.load_workbook(cascade["recalculated"])
    assert book.sheetnames == [SUMMARY_SHEET, CHART_SHEET, FINDINGS_SHEET]


@pytest.mark.libreoffice
def test_chart_refers_to_the_summary_ranges(cascade):
    layout = cascade["layout"]
    with zipfile.ZipFile(cascade["out"]) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        chart = ElementTree.fromstring(archive.read(charts[0]))
    bars = chart.findall(f".//{{{CHART_NS}}}barChart")
    assert len(bars) == 1
    series = bars[0].findall(f"{{{CHART_NS}}}ser")
    values = [s.find(f"{{{CHART_NS}}}val//{{{CHART_NS}}}f").text for s in series]
    categories = {s.find(f"{{{CHART_NS}}}cat//{{{CHART_NS}}}f").text for s in series}
    reported, assigned = (layout.letter("grain_area", p) for p in ("报送", "下达"))
    first, last = layout.first_row, layout.last_row
    assert values == [f"'{SUMMARY_SHEET}'!${reported}${first}:${reported}${last}",
                      f"'{SUMMARY_SHEET}'!${assigned}${first}:${assigned}${last}"]
    assert categories == {f"'{SUMMARY_SHEET}'!$A${first}:$A${last}"}
    titles = [s.find(f"{{{CHART_NS}}}tx//{{{CHART_NS}}}f").text for s in series]
    head = layout.header_rows[-1]
    assert titles == [f"'{SUMMARY_SHEET}'!{reported}{head}", f"'{SUMMARY_SHEET}'!{assigned}{head}"]  # 报送, 下达
    with zipfile.ZipFile(cascade["recalculated"]) as archive:       # LibreOffice kept the chart
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())


@pytest.mark.libreoffice
def test_findings_sheet_has_every_finding_with_the_report_columns(cascade):
    sheet = openpyxl.load_workbook(cascade["out"])[FINDINGS_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == FINDING_HEADERS
    by_code = {}
    for row in rows[1:]:
        by_code.setdefault(row[4], []).append(row)
    assert any(MALFORMED in r[0] and r[7] == "8.4万亩" for r in by_code["N004"])
    assert any(SHORT in r[0] for r in by_code["T003"])
    assert [(r[1], r[6]) for r in by_code["S001"]] == [(MISSING, f"「{MISSING}」尚未报送")]


@pytest.mark.libreoffice
def test_inputs_are_unchanged(cascade):
    assert cascade["before"] == cascade["after"]
    assert cascade["result"].exit_code == 1 and cascade["out"].is_file()
