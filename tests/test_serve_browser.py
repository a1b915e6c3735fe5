"""`fenjie serve` in a real browser: Debian's chromium (/usr/bin/chromium) driven by Playwright.

A township opens its link, uploads a return with errors, sees the findings, downloads the
annotated copy, uploads the fixed file and turns 通过; the county page, open all the while, shows
the change without a reload, and its 汇总 download matches `fenjie merge` of the same file.
With FENJIE_SCREENSHOTS=1 the screenshots for the README are written to docs/img/.
"""
from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from tests.conftest import ROOT
from tests.serving import CONFIG, COUNTY_TABLE, Server, clean_return, open_example_round, return_of

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                 reason="chromium 未安装（CI 上由 scripts/setup.sh 安装，不跳过）")]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


def shot(page, tmp_path: Path, name: str, full_page: bool = True) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("FENJIE_SCREENSHOTS"):
        folder = ROOT / "docs" / "img"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.name)


def test_township_fixes_its_return_and_the_county_sees_it_live(browser, tmp_path):
    from playwright.sync_api import expect
    data = tmp_path / "data"
    _, links = open_example_round(data)
    server = Server(data)
    try:
        context = browser.new_context(viewport={"width": 1000, "height": 700}, accept_downloads=True)
        county = context.new_page()
        county.goto(f"{server.base}/c/{links['县里']}")
        row = county.locator("#status tr[data-name='东塘镇']")
        assert row.locator(".state").inner_text() == "未报送"

        township = context.new_page()
        township.goto(f"{server.base}/t/{links['东塘镇']}")
        assert township.locator("#township").inner_text() == "东塘镇"
        assert "20800" in township.locator("table.figures").inner_text()
        with township.expect_download() as template:
            township.click("#template")
        assert template.value.suggested_filename == "东塘镇-2025年粮食生产计划任务分解表.xlsx"
        shot(township, tmp_path, "serve-township")

        township.set_input_files("#file", str(return_of("东塘镇")))      # the page sends it at once
        township.wait_for_selector("#result")
        findings = township.locator("table.findings").inner_text()
        assert "D10" in findings and "N002" in findings and "３４４６\t3446" in findings
        assert township.locator(".verdict strong").inner_text() == "有错"
        shot(township, tmp_path, "serve-township-errors")
        with township.expect_download() as annotated:
            township.click("#annotated")
        marked = openpyxl.load_workbook(io.BytesIO(annotated.value.path().read_bytes()))
        assert "N002" in marked.active["D10"].comment.text

        expect(row.locator(".state")).to_have_text("有错（3）", timeout=15000)     # no reload

        fixed = clean_return("东塘镇", tmp_path)
        township.set_input_files("#file", str(fixed))
        township.wait_for_selector("#result.status-ok")
        assert "通过" in township.locator(".verdict").inner_text()
        assert township.locator("#history tbody tr").count() == 2

        expect(row.locator(".state")).to_have_text("通过", timeout=15000)
        assert county.locator("[data-count='ok']").inner_text() == "1"
        shot(county, tmp_path, "serve-county", full_page=False)
        with county.expect_download() as summary:
            county.click("#summary")
        summary_path = summary.value.path()
    finally:
        server.stop()

    folder = tmp_path / "latest"
    folder.mkdir()
    shutil.copy(fixed, folder / fixed.name)
    merged = tmp_path / "merge.xlsx"
    CliRunner().invoke(main, ["merge", str(folder), "--config", str(CONFIG), "--from", str(COUNTY_TABLE),
                              "-o", str(merged)])
    ours = list(openpyxl.load_workbook(io.BytesIO(summary_path.read_bytes()))["汇总表"].values)
    assert ours == list(openpyxl.load_workbook(merged)["汇总表"].values)
    assert any(row and row[0] == "东塘镇" for row in ours)
