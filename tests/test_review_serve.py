"""`fenjie serve` after review: rounds recognised by content, old rounds refuse uploads, --links
addresses, the summary equal to `fenjie merge`'s, ids out of range and Chinese error pages."""
from __future__ import annotations

import openpyxl
from click.testing import CliRunner
from starlette.testclient import TestClient

from cli.main import main
from server.app import create_app
from server.rounds import open_round
from server.store import Store
from tests.serving import CONFIG, COUNTY_TABLE, open_example_round, return_of

JSON = {"accept": "application/json"}


def resaved(path, folder, change=None):
    """`path` loaded and saved by openpyxl (other bytes, the same values unless `change`)."""
    book = openpyxl.load_workbook(path)
    if change:
        change(book.worksheets[0])
    out = folder / "县表-另存.xlsx"
    book.save(out)
    return out


def test_a_resaved_county_table_is_the_same_round(tmp_path):
    config, _ = open_example_round(tmp_path / "data")
    copy = resaved(COUNTY_TABLE, tmp_path)
    assert copy.read_bytes() != COUNTY_TABLE.read_bytes()
    store = Store(tmp_path / "data")
    try:
        again = open_round(store, config, "grain-plan", copy)
        assert again.id == 1 and len(store.rounds()) == 1
    finally:
        store.close()


def test_an_old_rounds_link_refuses_uploads_and_points_to_the_new_one(tmp_path):
    config, links = open_example_round(tmp_path / "data")

    def swap(sheet):                      # 新泉镇 and 湘滨镇 swap 粮食总面积: the totals still agree
        sheet["B5"].value, sheet["B6"].value = sheet["B6"].value, sheet["B5"].value
    changed = resaved(COUNTY_TABLE, tmp_path, swap)
    store = Store(tmp_path / "data")
    try:
        second = open_round(store, config, "grain-plan", changed)
        new_links = {l.name: l.token for l in store.links(second.id)}
        first = store.round(1)
    finally:
        store.close()
    assert second.id == 2
    assert first.label != second.label and "第 1 轮" in first.label and "第 2 轮" in second.label
    with TestClient(create_app(config, tmp_path / "data")) as client:
        with open(return_of("东塘镇"), "rb") as f:
            old = client.post(f"/t/{links['东塘镇']}/upload", files={"file": ("东塘镇.xlsx", f)}, headers=JSON)
        assert old.status_code == 409
        assert "旧的一轮" in old.json()["error"] and f"/t/{new_links['东塘镇']}" in old.json()["error"]
        assert client.get(f"/c/{links['县里']}/status.json?round=1").json()["summary"]["uploads"] == 0
        page = client.get(f"/t/{links['东塘镇']}").text
        assert "旧的一轮" in page and f"/t/{new_links['东塘镇']}" in page and 'id="upload-form"' not in page
        with open(return_of("东塘镇"), "rb") as f:
            new = client.post(f"/t/{new_links['东塘镇']}/upload", files={"file": ("东塘镇.xlsx", f)}, headers=JSON)
        assert new.status_code == 200 and new.json()["round"] == 2
        assert "第 2 轮" in client.get(f"/t/{new_links['东塘镇']}").text


def links_of(data, *options):
    return CliRunner().invoke(main, ["serve", "--config", str(CONFIG), "--data", str(data), "--links", *options])


def test_links_take_the_address_given_and_keep_the_county_line_last(tmp_path):
    _, links = open_example_round(tmp_path / "data")
    given = links_of(tmp_path / "data", "--url", "http://192.168.1.20:8080")
    assert given.exit_code == 0, given.output
    lines = given.stdout.strip().splitlines()
    assert lines[0] == "round,单位,url" and len(lines) == 1 + 16 + 1
    assert all(l.split(",")[2].startswith("http://192.168.1.20:8080/t/") for l in lines[1:-1])
    assert "县里" not in "".join(lines[1:-1])
    assert lines[-1] == f"1,县里,http://192.168.1.20:8080/c/{links['县里']}?round=1"
    assert "不要发给" in given.stderr and "127.0.0.1" not in given.stderr
    hosted = links_of(tmp_path / "data", "--host", "10.1.2.3", "--port", "8090")
    assert f"1,新泉镇,http://10.1.2.3:8090/t/{links['新泉镇']}" in hosted.stdout
    local = links_of(tmp_path / "data")
    assert "其他电脑" in local.stderr and "--host 192.168.x.y" in local.stderr
    bad = links_of(tmp_path / "data", "--url", "192.168.1.20")
    assert bad.exit_code == 2 and "--url 应是" in bad.output and "Traceback" not in bad.output
