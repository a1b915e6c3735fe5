"""Unit rounds: a kind whose rows are units (the example county's 争资争项) sent to each unit as its
own template (`fenjie template --per-township`), returned, checked, merged and collected by
`fenjie serve` — a row two units share (「财政局、发改局」) included, and a template sent back
unfilled (S011) seen as that unit's return, not dropped."""
from __future__ import annotations

import shutil

import httpx
import openpyxl
import pytest

from templates.config import load_config
from templates.outputs import own_output
from tests.conftest import EXAMPLE, GAZETTE
from tests.serving import Server, open_round_of
from tests.support.cli import ENGLISH, fenjie
from validators.batch import check_file

CONFIG = EXAMPLE / "fenjie.toml"
TASK_LIST = GAZETTE / "xiangyin-2025-funding-targets.tsv"
KIND = "funding-targets"
JOINT_ROW = "财政局、发改局"
JSON = {"accept": "application/json"}


def gazette_figures() -> dict[str, tuple]:
    """line -> (财政性资金, 专项债券) as the gazette's task list gives them."""
    import csv
    with open(TASK_LIST, encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))[1:]
    config = load_config(CONFIG)
    return {config.resolve(r[1]) or r[1]: (float(r[2]) if r[2] else None, float(r[3]) if r[3] else None)
            for r in rows}


@pytest.fixture(scope="module")
def unit_templates(tmp_path_factory):
    """`fenjie template funding-targets --per-township --from` the task list: folder, process."""
    out = tmp_path_factory.mktemp("units") / "单位模板"
    made = fenjie("template", KIND, "--per-township", "--config", CONFIG, "--from", TASK_LIST, "-o", out)
    return out, made


@pytest.fixture(scope="module")
def county_table(tmp_path_factory):
    """The county's filled table, `fenjie template funding-targets --from` the task list."""
    out = tmp_path_factory.mktemp("county")
    made = fenjie("template", KIND, "--config", CONFIG, "--from", TASK_LIST, "-o", out)
    assert made.returncode == 0, made.stderr
    return next(out.glob("*.xlsx"))


def template_of(folder, unit: str):
    return folder / f"{unit}-2025年争资争项目标任务明细表.xlsx"


def fill(template, out, fiscal=None, bonds=None):
    """The unit's return: its template with its figures typed into its row (openpyxl)."""
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == 1)
    sheet.cell(row, 3).value, sheet.cell(row, 4).value = fiscal, bonds
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def cells(path) -> list[tuple]:
    return list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))


# -- 2. one template per unit ------------------------------------------------------------------

def test_one_template_per_unit_each_with_its_own_line_and_figures(unit_templates):
    out, made = unit_templates
    assert made.returncode == 0, made.stderr
    names = sorted(p.name for p in out.iterdir())
    figures = gazette_figures()
    units = [u for line in figures for u in line.split("、")]
    assert names == sorted(f"{u}-2025年争资争项目标任务明细表.xlsx" for u in units)     # 24 lines, 25 units
    assert len(names) == 25
    education = cells(template_of(out, "教育局"))
    assert (1, "教育局", None, None) == education[4][:4]                      # the unit fills its figures in
    assert "薄改能力提升补助" in education[4][4]                                 # the line's text from the list
    assert ("县下达任务", 5800) == education[7][1:3]
    assert any("填报单位（盖章）：教育局" in str(c) for row in education for c in row)
    for unit in ("财政局", "发改局"):                                          # both get the row they share
        rows = cells(template_of(out, unit))
        assert rows[4][1] == JOINT_ROW and rows[7][2] == 125000
        assert any(f"填报单位（盖章）：{unit}" in str(c) for row in rows for c in row)
    assert own_output(template_of(out, "教育局")).role == "template"


def test_each_template_filled_in_correctly_checks_clean_and_a_wrong_number_is_caught(unit_templates, tmp_path):
    out, _ = unit_templates
    config = load_config(CONFIG)
    for line, (fiscal, bonds) in gazette_figures().items():
        for unit in line.split("、"):
            filled = fill(template_of(out, unit), tmp_path / "报送" / f"{unit}.xlsx", fiscal, bonds)
            result = check_file(filled, config=config)
            assert (result.scope, result.findings) == (unit, []), (unit, result.findings)
    wrong = fill(template_of(out, "教育局"), tmp_path / "错" / "教育局.xlsx", 5900)
    result = check_file(wrong, config=config)                  # held to the template's own 县下达任务
    assert [(f.code, f.cell) for f in result.findings] == [("T003", "C5")]
    assert "5800" in result.findings[0].message
    railway = "虞公港铁路建设有限公司"                    # assigned bonds only: fiscal funds are 0, not "any"
    extra = check_file(fill(template_of(out, railway), tmp_path / "错" / "铁路.xlsx", 100, 108200), config=config)
    assert [(f.code, f.cell) for f in extra.findings] == [("T003", "C5")]


def test_per_unit_from_the_county_table_and_the_folder_check_and_merge_agree(county_table, tmp_path):
    out = tmp_path / "单位模板"
    made = fenjie("template", KIND, "--per-township", "--config", CONFIG, "--from", county_table, "-o", out)
    assert made.returncode == 0, made.stderr
    returns = tmp_path / "报送"
    for line, (fiscal, bonds) in gazette_figures().items():
        unit = line.split("、")[0]                       # 财政局 returns the row it shares with 发改局
        fill(template_of(out, unit), returns / f"{unit}.xlsx", fiscal, bonds + 100 if unit == "自然资源局" else bonds)
    checked = fenjie("check", returns, "--config", CONFIG, "--from", county_table)
    assert checked.returncode == 1
    assert [line for line in checked.stdout.splitlines() if ": " in line] == [
        f"{returns / '自然资源局.xlsx'}:D5: T003 「专项债券」合计为 30100，县里分配给自然资源局的任务是 30000，相差 100 [原值 30100]"]
    assert "未报送" not in checked.stdout                    # 发改局's line was returned by 财政局
    merged = fenjie("merge", returns, "--config", CONFIG, "--from", county_table, "-o", tmp_path / "汇总.xlsx")
    assert merged.returncode == 1 and "汇总 24 个单位：通过 23，有错 1，重复报送 0，未报送 0。" in merged.stdout


def test_per_township_of_a_unit_kind_explains_itself_in_chinese(tmp_path):
    no_source = fenjie("template", KIND, "--per-township", "--config", CONFIG, "-o", tmp_path)
    assert no_source.returncode == 2 and "每个单位的模板" in no_source.stderr
    wrong = tmp_path / "任务清单.tsv"
    wrong.write_text(TASK_LIST.read_text(encoding="utf-8").replace("教育局", "教育厅").replace("\t1600\t", "\t1,600\t", 1),
                     encoding="utf-8")
    refused = fenjie("template", KIND, "--per-township", "--config", CONFIG, "--from", wrong, "-o", tmp_path / "o")
    assert refused.returncode == 2 and "教育厅" in refused.stderr and not (tmp_path / "o").exists()
    twice = tmp_path / "重复.tsv"
    twice.write_text(TASK_LIST.read_text(encoding="utf-8") + "25\t城管局\t100\t\t\n", encoding="utf-8")
    repeated = fenjie("template", KIND, "--per-township", "--config", CONFIG, "--from", twice, "-o", tmp_path / "p")
    assert repeated.returncode == 2 and "「城管执法局」有两行" in repeated.stderr
    tasks = fenjie("template", "task-breakdown", "--per-township", "--config", CONFIG, "-o", tmp_path)
    assert tasks.returncode == 2 and "不按乡镇或单位分解" in tasks.stderr
    for answer in (no_source, refused, repeated, tasks):
        assert not any(word in answer.stdout + answer.stderr for word in ENGLISH)


# -- 1. a template sent back unfilled ---------------------------------------------------------

def test_a_template_sent_back_unchanged_is_that_units_return_with_s011(unit_templates, county_table, tmp_path):
    out, _ = unit_templates
    returns = tmp_path / "报送"
    fill(template_of(out, "应急管理局"), returns / "应急管理局.xlsx", 1600)
    returns.mkdir(exist_ok=True)
    shutil.copy(template_of(out, "教育局"), returns)                     # sent back as it came
    shutil.copy(county_table, returns / "民政局-争资争项.xlsx")          # the county table, renamed, unchanged
    shutil.copy(template_of(out, "应急管理局"), returns / "模板-应急管理局.xlsx")   # the county's own copy
    shutil.copy(county_table, returns)                                   # the blank county table: nobody's
    checked = fenjie("check", returns, "--config", CONFIG, "--from", county_table, "--format", "json")
    assert checked.returncode == 1
    import json
    document = json.loads(checked.stdout)
    by_file = {f["path"].rsplit("/", 1)[-1]: f for f in document["files"]}
    assert set(by_file) == {"应急管理局.xlsx", template_of(out, "教育局").name, "民政局-争资争项.xlsx"}
    for name, unit in ((template_of(out, "教育局").name, "教育局"), ("民政局-争资争项.xlsx", "民政局")):
        assert [(f["code"], f["severity"]) for f in by_file[name]["findings"]] == [("S011", "error")]
        assert by_file[name]["township"] == unit and unit in by_file[name]["findings"][0]["message"]
        assert unit not in document["missing"]
    assert by_file["应急管理局.xlsx"]["status"] == "ok"
    assert sorted(s["path"].rsplit("/", 1)[-1] for s in document["skipped"]) == sorted(
        ["模板-应急管理局.xlsx", county_table.name])
    merged = fenjie("merge", returns, "--config", CONFIG, "--from", county_table, "-o", tmp_path / "汇总.xlsx")
    assert "有错：教育局（1 个错误" in merged.stdout and "有错：民政局（1 个错误" in merged.stdout
    assert "教育局" not in merged.stdout.split("未报送")[1].split("\n")[0]
    ignored = fenjie("check", returns, "--config", CONFIG, "--from", county_table, "--ignore", "S011")
    assert "教育局" in ignored.stdout.split("未报送")[1].split("\n")[0]     # without S011: skipped, not sent


def test_a_folder_of_only_the_county_template_is_still_nothing_to_check(county_table, tmp_path):
    returns = tmp_path / "报送"
    returns.mkdir()
    shutil.copy(county_table, returns)
    for command in (("check", returns, "--config", CONFIG),
                    ("merge", returns, "--config", CONFIG, "--kind", KIND, "-o", tmp_path / "汇总.xlsx")):
        answer = fenjie(*command)
        assert answer.returncode == 2 and "没有找到" in answer.stderr, answer


# -- 3. fenjie serve: each unit its link, the shared row one line ----------------------------------

def test_serve_gives_each_unit_of_a_shared_row_its_link_and_counts_the_row_once(county_table, tmp_path):
    data = tmp_path / "data"
    _, links, round_ = open_round_of(data, KIND, county_table)
    assert set(links) - {"县里"} == {u for line in gazette_figures() for u in line.split("、")}    # 25, not 64
    server = Server(data, county_table=county_table)
    try:
        template = httpx.get(f"{server.base}/t/{links['发改局']}/template.xlsx", timeout=60)
        assert template.status_code == 200
        (tmp_path / "发改局模板.xlsx").write_bytes(template.content)
        rows = cells(tmp_path / "发改局模板.xlsx")
        assert rows[4][1] == JOINT_ROW and rows[7][1:3] == ("县下达任务", 125000)
        assert "125000" in httpx.get(f"{server.base}/t/{links['发改局']}", timeout=60).text

        def upload(unit, path):
            with open(path, "rb") as f:
                return httpx.post(f"{server.base}/t/{links[unit]}/upload", files={"file": (path.name, f)},
                                  headers=JSON, timeout=120).json()
        unchanged = upload("教育局", tmp_path / "发改局模板.xlsx")         # W001 and S011: not its, not filled
        assert {f["code"] for f in unchanged["findings"]} >= {"S011"}
        education = tmp_path / "教育局模板.xlsx"
        education.write_bytes(httpx.get(f"{server.base}/t/{links['教育局']}/template.xlsx", timeout=60).content)
        assert [f["code"] for f in upload("教育局", education)["findings"]] == ["S011"]
        answer = upload("发改局", fill(tmp_path / "发改局模板.xlsx", tmp_path / "发改局.xlsx", 125000))
        assert (answer["status"], answer["findings"]) == ("ok", [])
        partner = upload("财政局", tmp_path / "发改局.xlsx")              # the row they share: no W001
        assert (partner["status"], partner["findings"]) == ("ok", [])
        other = upload("林业局", tmp_path / "发改局.xlsx")                # another unit's: W001
        assert [f["code"] for f in other["findings"]] == ["W001"]
        status = httpx.get(f"{server.base}/c/{links['县里']}/status.json", timeout=60).json()
        by_name = {t["name"]: t for t in status["townships"]}
        assert set(by_name) == set(gazette_figures())                      # one line per row, as merge
        assert by_name[JOINT_ROW]["status"] == "ok" and by_name[JOINT_ROW]["latest"]["file"] == "发改局.xlsx"
        assert by_name["教育局"]["status"] == "invalid" and by_name["民政局"]["status"] == "missing"
        assert status["summary"]["townships"] == 24 and status["summary"]["ok"] == 1
        assert by_name[JOINT_ROW]["uploads"] == 2 and by_name["林业局"]["status"] == "invalid"
        summary = httpx.get(f"{server.base}/c/{links['县里']}/summary.xlsx", timeout=120)
        assert summary.status_code == 200
        (tmp_path / "汇总.xlsx").write_bytes(summary.content)
        sheet = openpyxl.load_workbook(tmp_path / "汇总.xlsx").worksheets[0]
        shared = next(row for row in sheet.iter_rows(values_only=True) if row[0] == JOINT_ROW or JOINT_ROW in row)
        assert 125000 in shared and "尚未报送" not in [str(c) for c in shared]
    finally:
        server.stop()


@pytest.mark.libreoffice
def test_unit_templates_filled_and_saved_in_libreoffice(unit_templates, county_table, tmp_path):
    """LibreOffice types the figures, recalculates and saves: a right one is clean, a wrong one is
    T003, and one only opened and saved (nothing typed) is no longer fenjie's untouched template but
    still has nothing filled in: T003 against its 县下达任务."""
    from scripts.libreoffice import run_jobs
    out, _ = unit_templates
    returns = tmp_path / "报送"
    returns.mkdir()

    def job(unit, typing):
        return {"path": str(template_of(out, unit)), "save": str(returns / f"{unit}.xlsx"),
                "ops": [{"op": "type", "cells": typing}, {"op": "recalculate"},
                        {"op": "read", "cells": ["C6", "C9"]}]}
    seen = run_jobs([job("教育局", {"C5": 5800}), job("发改局", {"C5": 125001}), job("民政局", {})], tmp_path)
    assert [s["shown"]["C9"] for s in seen] == ["0", "1", "-1600"]         # the live 差额 check
    config = load_config(CONFIG)
    results = {unit: check_file(returns / f"{unit}.xlsx", config=config) for unit in ("教育局", "发改局", "民政局")}
    assert results["教育局"].findings == []
    assert [(f.code, f.cell) for f in results["发改局"].findings] == [("T003", "C5")]
    assert [(f.code, f.cell) for f in results["民政局"].findings] == [("T003", "C5")]
    checked = fenjie("check", returns, "--config", CONFIG, "--from", county_table)
    assert "S011" not in checked.stdout and checked.stdout.count("T003") == 2
