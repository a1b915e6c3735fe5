"""The sample returns shipped in examples/xiangyin-2025/报送/ and what fenjie makes of them.

The folder is the README's main example: 16 files from 15 townships, filled in LibreOffice by
examples/xiangyin-2025/build_returns.py, with a handful of planted defects. These tests pin the
findings to exactly those defects (rule, file, cell), the merge to the expected per-township
figures, the README's pasted output to the real output, and the build script to the shipped
files, so the example cannot drift from the code unnoticed.
"""
import importlib.util
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from templates.config import load_config
from templates.identity import SUMMARY_SHEET
from templates.kinds import KINDS
from tests.conftest import EXAMPLE, ROOT
from validators.batch import check_paths
from validators.county import read_assigned
from validators.output.summary import SummaryLayout

GRAIN = KINDS["grain-plan"]
RETURNS = EXAMPLE / "报送"
CONFIG = EXAMPLE / "fenjie.toml"
COUNTY_TABLE = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
SUFFIX = "-2025年粮食生产计划任务分解表.xlsx"
XINQUAN, XINQUAN_REVISED = f"新泉镇{SUFFIX}", f"新泉镇{SUFFIX[:-5]}(修改).xlsx"

# (file, cell, rule) of every finding: the planted defects and what follows from them
EXPECTED = {
    (f"东塘镇{SUFFIX}", "D10", "N002"),          # 「３４４６」 in full-width digits
    (f"东塘镇{SUFFIX}", "D18", "T001"),          # … so the SUM skips it
    (f"东塘镇{SUFFIX}", "D18", "T003"),
    (f"南湖洲镇{SUFFIX}", "B10", "N004"),        # 「1.87万亩」
    (f"南湖洲镇{SUFFIX}", "B20", "T001"),
    (f"南湖洲镇{SUFFIX}", "B20", "T003"),
    (f"国有场所{SUFFIX}", "B26", "T001"),        # 三分场 in row 25, under SUM(B5:B24)
    (f"国有场所{SUFFIX}", "B26", "T003"),
    (f"国有场所{SUFFIX}", "D26", "T001"),
    (f"国有场所{SUFFIX}", "D26", "T003"),
    (XINQUAN_REVISED, None, "S002"),             # 新泉镇 sent twice …
    (XINQUAN, None, "S002"),
    (XINQUAN, "D29", "T003"),                    # … the first with 6567 typed as 6657
    (f"杨林寨乡{SUFFIX}", None, "R001"),          # 牧羊港村 retyped as 牧羊岗村
    (f"杨林寨乡{SUFFIX}", "A13", "R003"),
    ("湘滨镇粮食生产计划任务分解到村.xlsx", "B21", "T003"),   # 0.5 万亩 short
}
# what each flawed township's return adds up to, where it is not the assigned figure
REPORTED = {("湘滨镇", "grain_area"): 15.0, ("南湖洲镇", "grain_area"): 12.13,
            ("东塘镇", "grain_output"): 17354.0, ("国有场所", "grain_area"): 0.55,
            ("国有场所", "grain_output"): 2179.0}
INVALID = {"湘滨镇", "南湖洲镇", "东塘镇", "国有场所", "杨林寨乡"}
MISSING, TWICE = "岭北镇", "新泉镇"


@pytest.fixture(scope="module")
def config():
    return load_config(CONFIG)


@pytest.fixture(scope="module")
def batch(config):
    return check_paths([RETURNS], config=config)


def test_the_folder_holds_libreoffice_returns_of_fifteen_townships(batch, config):
    files = sorted(RETURNS.glob("*.xlsx"))
    assert len(files) == 16
    for path in files:
        with zipfile.ZipFile(path) as archive:
            assert b"<Application>LibreOffice" in archive.read("docProps/app.xml"), path.name
    assert {r.scope for r in batch.files} == set(config.townships) - {MISSING}


def test_check_finds_exactly_the_planted_defects(batch):
    found = {(Path(r.path).name, f.cell, f.code) for r in batch.files for f in r.findings}
    assert found == EXPECTED
    assert sum(len(r.findings) for r in batch.files) == len(EXPECTED)      # none twice
    by_code = {f.code: f for r in batch.files for f in r.findings}
    assert (by_code["N002"].value, by_code["N002"].suggestion) == ("３４４６", "3446")
    assert (by_code["N004"].value, by_code["N004"].suggestion) == ("1.87万亩", "1.87")
    assert (by_code["R003"].value, by_code["R003"].suggestion) == ("牧羊岗村", "牧羊港村")
    assert batch.missing == [MISSING]
    assert {t: sorted(Path(p).name for p in paths) for t, paths in batch.duplicates.items()} == \
        {TWICE: sorted([XINQUAN, XINQUAN_REVISED])}


def test_every_other_township_adds_up_to_its_assigned_figures(batch, config):
    assigned = read_assigned(COUNTY_TABLE, GRAIN, config)
    for result in batch.files:
        for key, total in result.totals.items():
            expected = REPORTED.get((result.scope, key), assigned[result.scope][key])
            if Path(result.path).name == XINQUAN and key == "grain_output":
                expected = assigned[TWICE][key] + 90                     # 6657 instead of 6567
            assert total == pytest.approx(expected, abs=1e-9), (result.path, key)


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("示例：核对湘阴县的报送表", 1)[1]
    return re.search(r"```\n(.*?)```", section, re.S).group(1)


def test_readme_shows_the_real_check_and_merge_output(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    runner, returns, config = CliRunner(), "examples/xiangyin-2025/报送/", "examples/xiangyin-2025/fenjie.toml"
    county_table = str(COUNTY_TABLE.relative_to(ROOT))
    checked = runner.invoke(main, ["check", returns, "--config", config, "--from", county_table,
                                   "--report", str(tmp_path / "核对报告.xlsx")])
    merged = runner.invoke(main, ["merge", returns, "--config", config, "--from", str(COUNTY_TABLE.relative_to(ROOT)),
                                  "-o", str(tmp_path / "汇总.xlsx")])
    assert (checked.exit_code, merged.exit_code) == (1, 1)
    real = (checked.output + merged.output).replace(f"{tmp_path}/", "输出/").splitlines()
    shown = [line for line in readme_example().splitlines() if line and not line.startswith("$")]
    assert len(shown) >= 20
    missing = [line for line in shown if line not in real]
    assert not missing, "README 中的输出与 fenjie check / merge 的实际输出不符：\n" + "\n".join(missing)


def test_merge_gives_the_expected_figures_per_township(tmp_path, config):
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(main, ["merge", str(RETURNS), "--config", str(CONFIG),
                                       "--from", str(COUNTY_TABLE), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "汇总 16 个乡镇：通过 9，有错 5，重复报送 1，未报送 1。" in result.output
    assigned = read_assigned(COUNTY_TABLE, GRAIN, config)
    layout = SummaryLayout(GRAIN.summed_columns, len(config.townships), has_target_row=True, note_count=0)
    sheet = openpyxl.load_workbook(out, data_only=True)[SUMMARY_SHEET]
    rows = {sheet.cell(row, 1).value: row for row in layout.data_rows}
    assert list(rows) == config.townships
    for township, row in rows.items():
        status = sheet.cell(row, layout.status_col).value
        expected_status = ("未报送" if township == MISSING else "重复报送" if township == TWICE
                           else "有错" if township in INVALID else "通过")
        assert status == expected_status, township
        for column in GRAIN.summed_columns:
            reported = sheet.cell(row, layout.part(column.key, "报送")).value
            if township == MISSING:
                assert reported is None
                continue
            expected = REPORTED.get((township, column.key), assigned[township][column.key])
            assert reported == pytest.approx(expected, abs=1e-9), (township, column.key)


@pytest.mark.libreoffice
def test_build_script_reproduces_the_shipped_returns(tmp_path):
    spec = importlib.util.spec_from_file_location("build_returns", EXAMPLE / "build_returns.py")
    build_returns = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_returns)
    written = build_returns.build(tmp_path / "报送")
    assert sorted(p.name for p in written) == sorted(p.name for p in RETURNS.glob("*.xlsx"))
    for path in written:
        assert cell_contents(path) == cell_contents(RETURNS / path.name), path.name


def cell_contents(path: Path) -> dict:
    """Every sheet's cells: formulas as written and the values LibreOffice computed."""
    contents = {}
    for data_only in (False, True):
        book = openpyxl.load_workbook(path, data_only=data_only)
        for sheet in book.worksheets:
            contents[(sheet.title, data_only)] = {
                c.coordinate: c.value for row in sheet.iter_rows() for c in row if c.value is not None}
    return contents
