"""`fenjie serve` for a kind whose rows are units (the example county's 争资争项, declared in its
own kind file): each unit's link gives a template with the unit's own row, a return filled from it
is checked against the county table's row, and the summary needs no kind remembered elsewhere."""
from __future__ import annotations

import io

import openpyxl
import pytest
from starlette.testclient import TestClient

import templates.kinds
from server.app import create_app
from templates.config import load_config
from templates.writer import write_template
from tests.conftest import EXAMPLE, GAZETTE
from tests.serving import open_round_of
from validators.records import read_records

CONFIG = EXAMPLE / "fenjie.toml"
JSON = {"accept": "application/json"}


@pytest.fixture
def funding_round(tmp_path):
    """Round 1 of funding-targets from the gazette's table; (config, links by unit, assigned)."""
    config = load_config(CONFIG)
    spec = config.county_kinds["funding-targets"]
    records = read_records(GAZETTE / "xiangyin-2025-funding-targets.tsv", spec)
    county_table = write_template(spec, config, tmp_path / "县表", records)
    config, links, round_ = open_round_of(tmp_path / "data", "funding-targets", county_table)
    return config, links, round_.assigned


def own_row(book: openpyxl.Workbook, unit: str) -> int:
    sheet = book.worksheets[0]
    return next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 2).value == unit)


def test_a_units_template_is_its_own_row_and_a_return_from_it_is_held_to_its_assignment(
        funding_round, tmp_path):
    config, links, assigned = funding_round
    with TestClient(create_app(config, tmp_path / "data")) as client:
        page = client.get(f"/t/{links['教育局']}").text
        assert "下载本单位的模板" in page
        template = client.get(f"/t/{links['教育局']}/template.xlsx")
        assert template.status_code == 200
        assert "%E6%95%99%E8%82%B2%E5%B1%80-2025" in template.headers["content-disposition"]  # 教育局-2025…
        book = openpyxl.load_workbook(io.BytesIO(template.content))
        sheet = book.worksheets[0]
        row = own_row(book, "教育局")
        assert sheet.cell(row, 3).value is None                   # the unit fills its figures in
        assert any("填报单位（盖章）：教育局" in str(c.value) for line in sheet.iter_rows() for c in line)

        for fiscal, status, codes in ((assigned["教育局"]["fiscal"], "ok", []),
                                      (assigned["教育局"]["fiscal"] + 100, "invalid", ["T003"])):
            sheet.cell(row, 3, fiscal)
            path = tmp_path / "教育局-填好.xlsx"
            book.save(path)
            with open(path, "rb") as f:
                answer = client.post(f"/t/{links['教育局']}/upload", files={"file": ("填好.xlsx", f)},
                                     headers=JSON).json()
            assert (answer["status"], [f["code"] for f in answer["findings"]]) == (status, codes), answer


def test_the_summary_of_a_county_kind_round_needs_no_remembered_kind(funding_round, tmp_path, monkeypatch):
    config, links, _ = funding_round
    monkeypatch.setattr(templates.kinds, "_county_kinds_seen", {})     # as in a fresh process
    with TestClient(create_app(config, tmp_path / "data")) as client:
        assert client.get(f"/t/{links['教育局']}").status_code == 200
        summary = client.get(f"/c/{links['县里']}/summary.xlsx")
        assert summary.status_code == 200
        texts = {c.value for ws in openpyxl.load_workbook(io.BytesIO(summary.content)).worksheets
                 for line in ws.iter_rows() for c in line}
        assert "教育局" in texts
