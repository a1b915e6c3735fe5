"""A hostile reviewer's silent passes (issue 9 follow-up): each through `fenjie check` on real
.xlsx files written by openpyxl. "v2" is a hand-made 三塘镇 return with a two-row grouped
header, no fenjie template."""
import json

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from templates.config import load_config
from templates.kinds import KINDS
from tests.conftest import EXAMPLE

CONFIG = EXAMPLE / "fenjie.toml"
COUNTY = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
SOURCE = next((EXAMPLE / "报送").glob("三塘镇-*.xlsx"))


def villages() -> list[tuple]:
    ws = openpyxl.load_workbook(SOURCE).active
    return [row for row in ws.iter_rows(min_row=5, max_row=15, values_only=True)]


def v2(path, title="湘阴县三塘镇2025年粮食生产计划任务分解表", header_key="村(社区)",
       area_unit="万亩", rows=None, total_first=False, extra_total=None, edit=None):
    """Title in row 1, grouped header in rows 3–4, villages from row 5, 合计 after them."""
    book = openpyxl.Workbook()
    ws = book.active
    ws["A1"] = title
    ws["A3"], ws["B3"], ws["D3"], ws["E3"] = header_key, f"面积（{area_unit}）", "粮食总产量（吨）", "育秧（万亩）"
    ws["B4"], ws["C4"], ws["E4"], ws["F4"] = "粮食总面积", "早稻面积", "早稻集中育秧", "专业化示范育秧"
    for cells in ("A3:A4", "B3:C3", "D3:D4", "E3:F3"):
        ws.merge_cells(cells)
    data = rows if rows is not None else villages()
    totals = [round(sum(r[i] for r in data), 6) for i in range(1, 6)]
    label, extra_label = (total_first if isinstance(total_first, str) else "合计"), extra_total
    lines = [[label, *totals], *data] if total_first else [*data, ["合计", *totals]]
    for number, line in enumerate(lines, start=5):
        for col, value in enumerate(line, start=1):
            ws.cell(number, col, value)
    if extra_label:
        ws.append([extra_label, *(round(t * 0.9, 6) for t in totals)])
    for cell, value in (edit or {}).items():
        ws[cell] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def check(*args):
    result = CliRunner().invoke(main, ["check", *map(str, args), "--config", str(CONFIG),
                                       "--format", "json"])
    report = json.loads(result.stdout)
    return report["files"][0]["status"] if len(report["files"]) == 1 else result.exit_code, report


def codes(report):
    return [(f["code"], f.get("cell")) for file in report["files"] for f in file["findings"]]


def test_v2_is_clean(tmp_path):
    exit_code, report = check(v2(tmp_path / "三塘镇.xlsx"), "--from", COUNTY)
    assert report["files"][0]["findings"] == [] and exit_code == "ok", report


@pytest.mark.parametrize("top,bottom", [("合计", "合计"), ("总计", "全镇合计")])
def test_two_totals_that_disagree_fail(tmp_path, top, bottom):
    path = v2(tmp_path / "三塘镇.xlsx", total_first=top, extra_total=bottom)
    exit_code, report = check(path, "--from", COUNTY)
    assert exit_code == "invalid"
    assert ("T001", "B17") in codes(report), report


@pytest.mark.parametrize("name", ["南洲镇.xlsx", "三塘.xlsx", "石塘镇三塘镇.xlsx", "新三塘镇.xlsx"])
def test_unmatched_files_never_pass(tmp_path, name):
    folder = tmp_path / "报送"
    v2(folder / name)
    result = CliRunner().invoke(main, ["check", str(folder), "--config", str(CONFIG), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert "三塘镇" in report["missing"] and len(report["missing"]) == len(load_config(CONFIG).townships)
    assert ("S003", None) in codes(report), report


def test_unevaluated_arithmetic_formula_is_not_blank(tmp_path):
    path = v2(tmp_path / "三塘镇.xlsx", edit={"B5": "=0.3+0.31", "B16": "=SUM(B5:B15)"})
    exit_code, report = check(path)
    found = report["files"][0]["findings"]
    assert exit_code == "invalid", found
    assert not any(f["code"] == "T001" and f.get("suggestion") for f in found), found
    assert any(f["cell"] == "B5" and f["severity"] == "error" for f in found), found


def test_duplicated_table_differing_total_is_an_error(tmp_path):
    path = v2(tmp_path / "三塘镇.xlsx")
    book = openpyxl.load_workbook(path)
    ws = book.active
    for row in ws.iter_rows(min_row=3, max_row=16, max_col=6):
        for cell in row:
            ws.cell(cell.row, cell.column + 8, cell.value)
    ws["J16"] = 9.9
    book.save(path)
    exit_code, report = check(path)
    assert exit_code == "invalid"
    assert any(code == "F012" for code, _ in codes(report)), report


def test_identity_target_edited_against_visible_target(tmp_path):
    config = load_config(CONFIG)
    from templates.plan import township_plan
    from templates.writer import write_plan
    figures = {"grain_area": 4.4, "early_rice_area": 1, "grain_output": 18000,
               "early_rice_seedling": 0.7, "demo_seedling": 0.3}
    records = [{"unit": r[0], **dict(zip(figures, r[1:]))} for r in villages()]
    path = write_plan(township_plan(KINDS["grain-plan"], config, "三塘镇", figures, records),
                      tmp_path / "三塘镇.xlsx")
    book = openpyxl.load_workbook(path)
    ident = book["fenjie_id"]
    for row in ident.iter_rows():
        if row[0].value in ("grain_area", "target.grain_area"):
            row[1].value = 4.0
    book.save(path)
    exit_code, report = check(path)
    assert exit_code == "invalid"
    assert any(code == "S009" for code, _ in codes(report)), report


@pytest.mark.parametrize("title", ["南县三塘镇2025年粮食生产计划任务分解表",
                                   "湘阴县三塘镇2024年粮食生产计划任务分解表"])
def test_title_of_another_county_or_year(tmp_path, title):
    exit_code, report = check(v2(tmp_path / "三塘镇.xlsx", title=title))
    assert exit_code == "invalid"
    assert any(code == "S008" for code, _ in codes(report)), report


def test_county_table_of_another_year_is_refused(tmp_path):
    book = openpyxl.load_workbook(COUNTY)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "2025年" in cell.value:
                    cell.value = cell.value.replace("2025年", "2024年")
    if "fenjie_id" in book.sheetnames:
        del book["fenjie_id"]
    county = tmp_path / "湘阴县2024年粮食生产计划任务分解表.xlsx"
    book.save(county)
    result = CliRunner().invoke(main, ["check", str(v2(tmp_path / "r" / "三塘镇.xlsx")), "--config",
                                       str(CONFIG), "--from", str(county)])
    assert result.exit_code == 2, result.output
    assert "2024" in result.output


def test_header_unit_in_mu_is_converted(tmp_path):
    rows = [(r[0], round(r[1] * 10000), round(r[2] * 10000), *r[3:]) for r in villages()]
    exit_code, report = check(v2(tmp_path / "三塘镇.xlsx", area_unit="亩", rows=rows), "--from", COUNTY)
    assert not any(c in ("T003", "T001") for c, _ in codes(report)), report
    assert any(c == "F014" for c, _ in codes(report)), report
    from validators.batch import check_file
    from validators.county import read_assigned
    config = load_config(CONFIG)
    result = check_file(tmp_path / "三塘镇.xlsx", config=config,
                        assigned=read_assigned(COUNTY, None, config))
    assert result.totals["grain_area"] == pytest.approx(4.4), result.totals
    rows = [(r[0], r[1] * 3, r[2] * 3, *r[3:]) for r in villages()]
    exit_code, report = check(v2(tmp_path / "x" / "三塘镇.xlsx", area_unit="斤", rows=rows), "--from", COUNTY)
    assert exit_code == "invalid", report


@pytest.mark.parametrize("key", ["村名", "行政村", "村委会", "社区", "村（居）委会"])
def test_key_header_variants(tmp_path, key):
    exit_code, report = check(v2(tmp_path / "三塘镇.xlsx", header_key=key), "--from", COUNTY)
    assert report["files"][0]["findings"] == [] and exit_code == "ok", report
