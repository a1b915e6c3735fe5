"""The review's three silent passes on the totals (2026-11-29), each a wrong return that `fenjie
check` passed with exit 0, and the correct tables beside them that must stay clean:

1. a 合计 typed as the assigned figure over rows that add up to less (whole 万亩 adding up to 15
   under 合计 15.5; 0.1 × 3 under 0.35): the tolerance came from the rows' decimals only;
2. a village typed under the 合计 line: the table stops at the 合计, so the row was in no check;
3. an unsaved =SUM(C4:C13) that leaves out a row: recomputed from all rows, not its own range.

The township returns are fenjie's own templates filled in and recalculated by LibreOffice, as a
clerk's Excel or WPS would save them; the hand-made table is written by openpyxl."""
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from scripts.libreoffice import run_jobs
from templates.config import load_config
from tests.conftest import EXAMPLE
from tests.sheets import book, grain_rows
from tests.support.grain_round import township_return
from validators.check.workbook import check_workbook

CONFIG = EXAMPLE / "fenjie.toml"
COUNTY = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
KEYS = ("grain_area", "early_rice_area", "grain_output", "early_rice_seedling", "demo_seedling")
ASSIGNED = {"湘滨镇": (15.5, 6.5, 66500, 4, 0.5), "三塘镇": (4.4, 1, 18000, 0.7, 0.3),
            "石塘镇": (5.5, 1.5, 22000, 1, 0.35)}
RECALCULATE = {"op": "recalculate"}
FARM = ("青草湖渔场", 0.3, 0.1, 1200, 0.05, 0.02)
FOOTER = {"A26": "填报人：李四", "A27": "联系电话", "D27": 13807301234, "A28": "注：面积单位为万亩",
          "A29": "2025年2月17日", "A30": "审核人", "B30": "王五"}


def template(folder: Path, township: str) -> tuple[Path, dict[str, int]]:
    """The township's own template, the assigned figures on its first village; and where its
    villages and 合计 are (name -> Excel row)."""
    figures = dict(zip(KEYS, ASSIGNED[township]))
    path = township_return(folder / "模板", load_config(CONFIG), township, figures)
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, str)}
    return path, rows


def village_typing(rows: dict[str, int], villages: list[str], **columns) -> dict[str, object]:
    """Every village's figures (column letter -> one value per village, 0 past the list's end),
    each row keeping the kind's cross rules (早稻面积 ≤ 粮食总面积 …) and a plausible 亩产."""
    typed = {}
    for col, values in columns.items():
        values = [*values, *[0] * (len(villages) - len(values))]
        typed.update({f"{col}{rows[v]}": value for v, value in zip(villages, values)})
    return typed


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    """Every return of this module, filled in and saved by LibreOffice in one session."""
    work = tmp_path_factory.mktemp("totals")
    config = load_config(CONFIG)
    out, jobs = {}, []

    def job(name, township, typing, inserting=None):
        path, rows = template(work / name, township)
        out[name] = (work / "报送" / f"{township}-{name}.xlsx", rows)
        ops = [{"op": "insert_rows", "at": inserting, "count": 1}] if inserting else []
        typed = {cell: float(v) if isinstance(v, int) else v for cell, v in typing(rows).items()}
        jobs.append({"path": str(path), "save": str(out[name][0]),
                     "ops": [{"op": "unprotect"}, *ops, {"op": "type", "cells": typed}, RECALCULATE]})

    xiangbin, shitang = config.villages["湘滨镇"], config.villages["石塘镇"]
    early, seedling, demo = [2, 1, 2, 1, 0.5], [2, 1, 1], [0.5]                   # 6.5, 4, 0.5
    whole = [2, 1, 2, 1, 1, 2, 0, 1, 1, 0, 1, 2, 1]                              # 15, not 15.5
    output = [4500 * b for b in whole]                                           # 450 公斤/亩
    output[0] -= sum(output) - 66500
    job("whole", "湘滨镇", lambda rows: {**village_typing(rows, xiangbin, B=whole, C=early, D=output, E=seedling,
                                                         F=demo), f"B{rows['合计']}": 15.5})
    halves = [2, 1, 2, 1, 1, 2, 0.5, 1, 1, 0, 1, 2, 1]                           # 15.5, SUM kept
    output = [4300 * b for b in halves]
    output[0] -= sum(output) - 66500
    job("halves", "湘滨镇", lambda rows: village_typing(rows, xiangbin, B=halves, C=early, D=output, E=seedling,
                                                       F=demo))
    job("typed_right", "湘滨镇", lambda rows: {**village_typing(rows, xiangbin, B=halves, C=early, D=output,
                                                               E=seedling, F=demo), f"B{rows['合计']}": 15.5})
    area = [1, 0.5, 1, 0.5, 0.5, 1, 0.5, 0.5]                                   # 5.5
    tenths = dict(B=area, C=[0.5, 0, 0.5, 0, 0, 0.5], D=[4000 * b for b in area], E=[0.4, 0, 0.3, 0, 0, 0.3],
                  F=[0.1, 0, 0.1, 0, 0, 0.1])                                    # 0.3, not 0.35
    assert [shitang[i] for i in (0, 2, 5)] == ["利民新村", "平益村", "湘园新村"]
    job("tenths", "石塘镇", lambda rows: {**village_typing(rows, shitang, **tenths), f"F{rows['合计']}": 0.35})

    def farm_below(rows):
        total = rows["合计"]
        return dict(zip((f"{c}{total + 1}" for c in "ABCDEF"), FARM))
    job("farm_below", "三塘镇", farm_below, inserting=20)       # right under the 合计 (row 19)
    job("footer", "三塘镇", lambda rows: FOOTER)
    run_jobs(jobs, work)
    return out


def check(path: Path, *options) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(main, ["check", str(path), "--config", str(CONFIG), "--from", str(COUNTY),
                                       "--ignore", "S001", "--format", "json", *options])
    report = json.loads(result.stdout)
    return result.exit_code, report["files"][0]["findings"]


def errors(findings) -> list[tuple[str, str, str]]:
    return [(f["code"], f["cell"], f["message"]) for f in findings if f["severity"] == "error"]


# -- 1. the 合计's own decimals count --------------------------------------------------------------

@pytest.mark.libreoffice
def test_total_typed_as_the_assigned_figure_over_whole_numbers_is_caught(returns):
    path, rows = returns["whole"]
    total = f"B{rows['合计']}"
    exit_code, findings = check(path)
    assert exit_code == 1
    assert errors(findings) == [
        ("T001", total, "「粮食总面积」合计为 15.5，各行相加为 15，相差 0.5"),
        ("T003", total, "「粮食总面积」各行相加为 15，县里分配给湘滨镇的任务是 15.5，相差 -0.5")], findings


@pytest.mark.libreoffice
def test_total_typed_as_the_assigned_figure_over_tenths_is_caught(returns):
    path, rows = returns["tenths"]
    total = f"F{rows['合计']}"
    exit_code, findings = check(path)
    assert exit_code == 1
    assert errors(findings) == [
        ("T001", total, "「专业化示范育秧」合计为 0.35，各行相加为 0.3，相差 0.05"),
        ("T003", total, "「专业化示范育秧」各行相加为 0.3，县里分配给石塘镇的任务是 0.35，相差 -0.05")], findings


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ["halves", "typed_right"])
def test_rows_that_hand_out_the_assigned_figure_pass(returns, name):
    path, _ = returns[name]
    exit_code, findings = check(path)
    assert exit_code == 0 and errors(findings) == [], findings


def _grain_total(total, first_area=None) -> set[tuple[str, str]]:
    """The gazette's county table (rows adding up to 118 万亩, 合计 on row 21) with the 合计 typed
    as `total`, 新泉镇's area (B5) as `first_area`."""
    rows = grain_rows()
    assert rows[4][0] == "新泉镇" and rows[20][0] == "合计"
    rows[20][1] = total
    if first_area is not None:
        rows[4][1] = first_area
    return {(f.code, f.cell) for f in check_workbook(book(rows)).findings}


@pytest.mark.parametrize("total, ok", [
    (118, True), (118.0, True),             # the rows' sum, as written
    (118.04, False), (118.5, False),        # more places than the rows, not their sum
    (117, False)])
def test_total_against_rows_of_one_place(total, ok):
    assert (("T001", "B21") not in _grain_total(total)) is ok


def test_total_rounded_to_fewer_places_than_its_rows_is_its_sum():
    # 新泉镇 22.05 + … : the rows add up to 118.05; a 合计 of 118.05, 118.1 (half up, as Excel
    # rounds) or 118 is that sum rounded; 118.04, 118.2 and 117 are not
    for total, ok in ((118.05, True), (118.1, True), (118, True), (118.04, False), (118.2, False),
                      (117, False)):
        assert (("T001", "B21") not in _grain_total(total, 22.05)) is ok, total


def test_merge_total_of_a_rounded_total_is_what_the_rows_hand_out():
    rows = grain_rows()
    rows[4][1], rows[20][1] = 22.05, 118.1
    result = check_workbook(book(rows))
    assert "T001" not in {f.code for f in result.findings}
    assert result.totals["grain_area"] == pytest.approx(118.05)


# -- 2. a row under the 合计 ----------------------------------------------------------------------

@pytest.mark.libreoffice
def test_row_typed_under_the_total_is_an_error_at_its_row(returns, tmp_path):
    path, rows = returns["farm_below"]
    assert rows["合计"] == 19
    below = f"A{rows['合计'] + 1}"
    exit_code, findings = check(path)
    assert exit_code == 1
    assert errors(findings) == [
        ("T006", below, f"「青草湖渔场」这一行在合计行（第 {rows['合计']} 行）下面：它的数不在合计内，也没有核对")]

    text = CliRunner().invoke(main, ["check", str(path), "--config", str(CONFIG), "--from", str(COUNTY),
                                     "--ignore", "S001", "--annotate", str(tmp_path / "标注")])
    assert f"{path}:{below}: T006 「青草湖渔场」" in text.output and text.exit_code == 1
    copy = next((tmp_path / "标注").rglob("*.xlsx"))
    ws = openpyxl.load_workbook(copy).worksheets[0]
    assert "T006" in ws[below].comment.text and ws[below].fill.fill_type == "solid"


@pytest.mark.libreoffice
def test_row_under_the_total_is_marked_by_the_addin(returns, tmp_path, with_config):
    from tests.test_xladdin_press import listed, press_and_apply
    path, rows = returns["farm_below"]
    below = f"A{rows['合计'] + 1}"
    _, _, marked = press_and_apply(path, tmp_path / "pressed.xlsx")
    assert [code for cell, code, *_ in listed(marked) if cell == below] == ["T006"]
    assert marked.worksheets[0][below].fill.fill_type == "solid"


@pytest.mark.libreoffice
def test_footer_lines_under_the_total_are_not_rows(returns):
    path, _ = returns["footer"]
    exit_code, findings = check(path)
    assert exit_code == 0 and findings == [], findings


@pytest.mark.parametrize("line", [
    ("填报人：张三",), ("联系电话", None, None, 13807301234), ("2025年2月17日",), ("注：单位为万亩",),
    ("全县目标", 118, 39, 502000, 28.4, 6), ("差额(合计−目标)", 0, 0, 0, 0, 0), ("审核人", "李四"),
    ("负责人", None, None, 13807301234), ("上年合计", 117, 38, 500000, 28, 6),
    ("2024年实绩", 116, 37, 499000, 27, 5), ("应完成", 118, 39, 502000, 28.4, 6), ("2024年", 116, 37, 499000, 27, 5)])
def test_footer_and_check_lines_are_not_rows(line):
    rows = [*grain_rows(), [], list(line)]
    assert "T006" not in {f.code for f in check_workbook(book(rows)).findings}


def test_a_township_under_the_total_is_a_row():
    rows = [*grain_rows(), ["南湖洲镇", 14, 5, 59000, 3, 0.4]]
    found = {(f.code, f.cell) for f in check_workbook(book(rows)).findings}
    assert ("T006", f"A{len(rows)}") in found


@pytest.mark.parametrize("line", [
    ("张三", 13907301234), ("李四", dt.date(2025, 2, 17)), ("张三", "联系电话：", 13907301234),
    ("张三", 0.3, None, None, None, None, "填报人"), ("王五", "0730-5621234")])
def test_a_person_under_the_total_with_a_phone_a_date_or_a_footer_label_is_no_row(line):
    """The review of 2026-11-29: 填报人 张三 13907301234 under the 合计 was T006 (an error that kept
    the return out of the 汇总)."""
    rows = [*grain_rows(), [], list(line)]
    assert "T006" not in {f.code for f in check_workbook(book(rows)).findings}


def test_a_farm_under_the_total_is_still_a_row():
    rows = [*grain_rows(), ["青草湖渔场", 0.3, 0.1, 1200, 0.05, 0.02]]
    assert ("T006", f"A{len(rows)}") in {(f.code, f.cell) for f in check_workbook(book(rows)).findings}


def test_a_total_differing_only_past_ten_places_is_its_sum():
    """4.40000000001 over rows adding up to 4.4 (Excel shows 4.4): T001 said 合计为 4.4，各行相加为 4.4，相差 0."""
    rows = grain_rows()
    rows[-1] = [*rows[-1][:5], rows[-1][5] + 1e-11]          # 专业化示范育秧: 6.00000000001
    assert "T001" not in {f.code for f in check_workbook(book(rows)).findings}


def test_a_row_of_figures_without_a_name_under_the_total_is_a_row():
    """The review of 2026-11-29: 0.3 / 0.1 / 1200 / 0.05 / 0.02 with the name left out passed."""
    rows = [*grain_rows(), [None, 0.3, 0.1, 1200, 0.05, 0.02]]
    found = [f for f in check_workbook(book(rows)).findings if f.code == "T006"]
    assert [(f.cell, f.value) for f in found] == [(f"A{len(rows)}", None)]
    assert f"「第 {len(rows)} 行」这一行在合计行" in found[0].message
    rows[-1] = [None, 4.4]                          # a lone number: a side note, not a row
    assert "T006" not in {f.code for f in check_workbook(book(rows)).findings}


# -- 3. an unsaved SUM over its own range ---------------------------------------------------------

def hand_made(path: Path, total_formula: str | None) -> Path:
    """三塘镇's villages under a one-row header, a 合计 of formulas saved without results."""
    source = next((EXAMPLE / "报送").glob("三塘镇-*.xlsx"))
    villages = list(openpyxl.load_workbook(source).active.iter_rows(min_row=5, max_row=15, values_only=True))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["湘阴县三塘镇2025年粮食生产计划任务分解表"])
    ws.append(["单位：万亩、吨"])
    ws.append(["村(社区)", "粮食总面积(万亩)", "早稻面积(万亩)", "粮食总产量(吨)", "早稻集中育秧(万亩)",
               "专业化示范育秧(万亩)"])
    for village in villages:
        ws.append(list(village[:6]))
    total = ws.max_row + 1                       # villages on rows 4–14, 合计 on 15
    ws.cell(total, 1, "合计")
    for col in "BCDEF":
        ws[f"{col}{total}"] = total_formula.format(col=col)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


SHORT = "=SUM({col}4:{col}13)"                  # 龙华村 (row 14) left out
WHOLE = "=SUM({col}4:{col}14)"


def test_unsaved_sum_leaving_out_a_row_is_caught_where_excel_will_show_it(tmp_path):
    path = hand_made(tmp_path / "三塘镇.xlsx", SHORT)
    exit_code, findings = check(path)
    assert exit_code == 1
    assert [(c, cell) for c, cell, _ in errors(findings)] == [
        (code, f"{col}15") for col in "BCDEF" for code in ("T001", "T003")]
    assert errors(findings)[0][2] == "「粮食总面积」合计为 4.09，各行相加为 4.4，相差 -0.31"
    assert {f["code"] for f in findings if f["severity"] == "warning"} == {"F004"}


def test_unsaved_sum_over_every_row_passes(tmp_path):
    exit_code, findings = check(hand_made(tmp_path / "三塘镇.xlsx", WHOLE))
    assert exit_code == 0 and {f["code"] for f in findings} == {"F004"}, findings


@pytest.mark.libreoffice
def test_unsaved_sum_gets_the_findings_the_saved_one_gets(tmp_path):
    """The same file once LibreOffice saved the SUM's result: the same errors at the same cells."""
    unsaved = hand_made(tmp_path / "unsaved" / "三塘镇.xlsx", SHORT)
    saved = tmp_path / "saved" / "三塘镇.xlsx"
    run_jobs([{"path": str(unsaved), "save": str(saved), "ops": [RECALCULATE]}], tmp_path)
    assert errors(check(unsaved)[1]) == errors(check(saved)[1]) != []


@pytest.mark.parametrize("formula, code", [
    ("=SUM({col}4:{col}15)", "F015"),           # takes in the 合计 itself: a circular reference
    ("=SUM({col}4:{col}7)+SUM({col}8:{col}14)", "F015"),     # not a plain SUM: not guessed
    ("=SUM(${col}$4:${col}$14)", "F004")])
def test_unsaved_total_formulas_fenjie_cannot_or_can_work_out(tmp_path, formula, code):
    _, findings = check(hand_made(tmp_path / "三塘镇.xlsx", formula))
    assert {f["code"] for f in findings} == {code}, findings


def test_a_row_of_unsaved_formulas_under_the_total_is_a_row():
    rows = [*grain_rows(), ["青草湖渔场", None, None, None]]
    findings = check_workbook(book(rows, unsaved_formulas={(len(rows), 2): "=0.1+0.2"})).findings
    assert ("T006", f"A{len(rows)}") in {(f.code, f.cell) for f in findings}
