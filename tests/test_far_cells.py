"""F017: a few stray cells far from the table are read (validators/read, sparsely) and named to the
clerk; a number among them neither changes a total nor passes unnoticed. Real .xlsx files written
by openpyxl (and one saved by LibreOffice), checked as `fenjie check` and `fenjie merge` would."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import main
from templates.cells import column_letter
from templates.config import parse_config
from templates.kinds import GRAIN_PLAN
from tests.badinput import GRAIN_TOTAL, grain_table, write_xlsx
from validators.batch import check_paths
from validators.check.examples import COUNTY, VILLAGES
from validators.check.far import FAR_COLUMNS, FAR_ROWS
from validators.merge import consolidate
from validators.read.workbook import read_workbook

LAST_ROW = 1048576
TOTAL_ROW = 21                    # grain_table(): 4 header rows, 16 townships, then 合计


def _with_far(path, cells: dict[str, object], rows=None, sheet_rows=None):
    """A grain table (or `rows`) with `cells` written far from it; `sheet_rows`: a second sheet."""
    def plant(book, ws):
        for address, value in cells.items():
            ws[address] = value
        if sheet_rows is not None:
            other = book.create_sheet("说明")
            for row in sheet_rows:
                other.append(row)
            other["XFD400"] = "旧数"           # 400 rows x 16384 columns: read sparsely
    return write_xlsx(path, rows if rows is not None else grain_table(), edit=plant)


def _check(path, *options) -> dict:
    done = CliRunner().invoke(main, ["check", str(path), "--format", "json", *options])
    assert done.exit_code in (0, 1), done.output
    return json.loads(done.output)["files"][0]


def _codes(file: dict) -> dict[str, list]:
    found: dict[str, list] = {}
    for finding in file["findings"]:
        found.setdefault(finding["code"], []).append(finding)
    return found


def test_the_far_cell_is_really_read_sparsely(tmp_path):
    path = _with_far(tmp_path / "far.xlsx", {f"B{LAST_ROW}": 100})
    sheet = read_workbook(path).sheets[0]
    assert sheet.far_cells == {(LAST_ROW, 2)} and sheet.value(LAST_ROW, 2) == 100


def test_a_number_far_below_the_total_is_named_and_changes_no_total(tmp_path):
    """B1048576 = 100 in 粮食总面积's column, far below 合计: the total stays the table's own
    (118, no T001, the county target still met), and the clerk is told of the cell."""
    path = _with_far(tmp_path / "far.xlsx", {f"B{LAST_ROW}": 100})
    file = _check(path, "--target", f"粮食总面积={GRAIN_TOTAL[1]:g}")
    found = _codes(file)
    assert set(found) == {"F017"}, file["findings"]
    [far] = found["F017"]
    assert far["severity"] == "warning" and far["cell"] == f"B{LAST_ROW}" and far["value"] == "100"
    assert "「100」" in far["message"] and far["sheet"] == "Sheet1"
    assert file["status"] == "ok"
    result = check_paths([path], workers=1).files[0]
    assert result.totals[GRAIN_PLAN.columns[1].key] == GRAIN_TOTAL[1]


def test_a_wrong_target_is_still_caught_with_a_far_number_that_would_make_it_right(tmp_path):
    """100 far below cannot fill the gap to a target of 218: T002 is reported as before."""
    path = _with_far(tmp_path / "far.xlsx", {f"B{LAST_ROW}": 100})
    found = _codes(_check(path, "--target", f"粮食总面积={GRAIN_TOTAL[1] + 100:g}"))
    assert [f["cell"] for f in found["T002"]] == [f"B{TOTAL_ROW}"] and "F017" in found


def test_the_merge_counts_the_table_not_the_far_number(tmp_path):
    returns = tmp_path / "报送"
    returns.mkdir()
    write_xlsx(returns / "湘滨镇.xlsx", [list(row) for row in VILLAGES])
    _with_far(returns / "新泉镇.xlsx", {f"B{LAST_ROW}": 100}, rows=[list(row) for row in VILLAGES])
    config = parse_config(COUNTY)
    batch = check_paths([returns], config=config, workers=1)
    merged = consolidate(batch, GRAIN_PLAN, config)
    area = GRAIN_PLAN.columns[1].key
    assert merged.reported_total(area) == 2 * VILLAGES[-1][1]
    xinquan = next(r for r in batch.files if r.scope == "新泉镇")
    assert [f.code for f in xinquan.findings] == ["F017"] and xinquan.findings[0].cell == f"B{LAST_ROW}"


def test_a_far_row_of_a_table_without_total_joins_the_table_and_is_checked(tmp_path):
    """No 合计 row: the far cell is a row of the table (no name: R004) and no F017 is needed."""
    rows = grain_table()[:-1]
    path = _with_far(tmp_path / "far.xlsx", {f"B{LAST_ROW}": 100}, rows=rows)
    found = _codes(_check(path))
    assert [f["cell"] for f in found["R004"]] == [f"A{LAST_ROW}"] and "T004" in found
    assert "F017" not in found


def test_a_far_formula_and_far_cells_on_another_sheet_are_each_named(tmp_path):
    cells = {f"XFD{LAST_ROW}": 100, f"C{LAST_ROW}": "=SUM(B5:B20)"}     # openpyxl saves no value
    path = _with_far(tmp_path / "far.xlsx", cells, sheet_rows=[["说明", "按县里下达的数填报"]])
    file = _check(path)
    far = sorted((f["sheet"], f["cell"], f["value"]) for f in _codes(file)["F017"])
    assert far == [("Sheet1", f"C{LAST_ROW}", "=SUM(B5:B20)"), ("Sheet1", f"XFD{LAST_ROW}", "100"),
                   ("说明", "XFD400", "旧数")]
    assert set(_codes(file)) == {"F017"} and file["status"] == "ok"


@pytest.mark.parametrize("address", [f"B{TOTAL_ROW + FAR_ROWS + 1}", f"{column_letter(6 + FAR_COLUMNS + 1)}5"])
def test_a_number_far_from_the_table_read_densely_is_named_too(tmp_path, address):
    """Not far enough for the reader to read it apart (the sheet stays small), but a clerk
    does not see it either: more than FAR_ROWS empty rows below, FAR_COLUMNS columns right."""
    path = _with_far(tmp_path / "far.xlsx", {address: 100})
    assert read_workbook(path).sheets[0].far_cells == frozenset()
    file = _check(path)
    assert [(f["cell"], f["value"]) for f in _codes(file)["F017"]] == [(address, "100")]
    assert set(_codes(file)) == {"F017"}


@pytest.mark.parametrize("address", [f"B{TOTAL_ROW + FAR_ROWS}", f"{column_letter(6 + FAR_COLUMNS)}5"])
def test_content_near_the_table_is_not_far(tmp_path, address):
    path = _with_far(tmp_path / "near.xlsx", {address: "填报人：张三"})
    assert _check(path)["findings"] == []


def test_a_second_table_far_below_is_told_once_by_f010(tmp_path):
    rows = grain_table() + [[] for _ in range(FAR_ROWS + 5)] + grain_table()[3:]
    found = _codes(_check(write_xlsx(tmp_path / "two.xlsx", rows)))
    assert set(found) == {"F010"}, found


def test_a_far_block_is_named_by_its_first_cells_and_counted(tmp_path):
    block = {f"{letter}{row}": row for letter in "ABC" for row in range(200, 210)}
    found = _codes(_check(_with_far(tmp_path / "far.xlsx", block)))
    assert [f["cell"] for f in found["F017"]] == [f"{c}{r}" for r, c in
                                                 sorted((r, c) for c in "ABC" for r in range(200, 210))][:10]
    assert all("共 30 个" in f["message"] for f in found["F017"])


def test_a_far_cell_is_named_even_when_no_table_is_found(tmp_path):
    rows = [["名称", "面积"], ["新泉镇", 22]]
    path = _with_far(tmp_path / "far.xlsx", {f"XFD{LAST_ROW}": "备注"}, rows=rows)
    found = _codes(_check(path))
    assert "F005" in found and [f["cell"] for f in found["F017"]] == [f"XFD{LAST_ROW}"]


def test_ignore_drops_the_warning(tmp_path):
    path = _with_far(tmp_path / "far.xlsx", {f"B{LAST_ROW}": 100})
    assert _check(path, "--ignore", "F017")["findings"] == []


@pytest.mark.libreoffice
def test_a_far_cell_in_a_file_libreoffice_saved(tmp_path):
    from scripts.libreoffice import convert
    path = _with_far(tmp_path / "far.xlsx", {f"D{LAST_ROW}": 500})
    saved = convert([path], "xlsx", tmp_path / "lo")[0]
    found = _codes(_check(saved))
    assert [(f["cell"], f["value"]) for f in found["F017"]] == [(f"D{LAST_ROW}", "500")]
    assert "T001" not in found
