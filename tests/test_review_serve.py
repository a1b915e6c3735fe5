"""`fenjie serve` after review: rounds recognised by content, old rounds refuse uploads, --links
addresses, the summary equal to `fenjie merge`'s, ids out of range and Chinese error pages."""
from __future__ import annotations

import openpyxl
from click.testing import CliRunner
from starlette.testclient import TestClient

from cli.main import main
from server.app import HTTP_ZH, create_app
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
        assert 'id="template"' not in page
        stale = client.get(f"/t/{links['东塘镇']}/template.xlsx")
        assert stale.status_code == 409 and "旧的一轮" in stale.text
        assert f"请用新一轮的链接下载模板：http://testserver/t/{new_links['东塘镇']}" in stale.text
        assert client.get(f"/t/{new_links['东塘镇']}/template.xlsx").status_code == 200
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


TOWNSHIPS_WITH_RETURNS = ["三塘镇", "东塘镇", "六塘乡", "南湖洲镇", "国有场所", "文星街道", "新泉镇", "杨林寨乡",
                          "樟树镇", "洋沙湖镇", "湘滨镇", "石塘镇", "金龙镇", "静河镇", "鹤龙湖镇"]


def findings_rows(book_bytes_or_path) -> list[tuple]:
    import io
    source = io.BytesIO(book_bytes_or_path) if isinstance(book_bytes_or_path, bytes) else book_bytes_or_path
    sheet = openpyxl.load_workbook(source)["校验明细"]
    from pathlib import PurePath
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    for row in rows[1:]:                  # merge names the file by its path, the server by its name
        row[0] = PurePath(row[0]).name if row[0] else row[0]
    return [tuple(row) for row in rows]


def test_the_summarys_findings_are_merges_row_for_row(tmp_path):
    import shutil
    config, links = open_example_round(tmp_path / "data")
    folder = tmp_path / "报送"
    folder.mkdir()
    with TestClient(create_app(config, tmp_path / "data", uploads_per_minute=1000)) as client:
        for township in reversed(TOWNSHIPS_WITH_RETURNS):       # upload order is not file order
            path = return_of(township)
            shutil.copy(path, folder / path.name)
            with open(path, "rb") as f:
                answer = client.post(f"/t/{links[township]}/upload", files={"file": (path.name, f)}, headers=JSON)
            assert answer.status_code == 200
        served = client.get(f"/c/{links['县里']}/summary.xlsx").content
    out = tmp_path / "汇总.xlsx"
    merged = CliRunner().invoke(main, ["merge", str(folder), "--config", str(CONFIG), "--from", str(COUNTY_TABLE),
                                       "-o", str(out)])
    assert merged.exit_code in (0, 1), merged.output
    expected, got = findings_rows(out), findings_rows(served)
    assert any("岭北镇" in str(row) and "S001" in row for row in got)
    assert len(got) == len(expected) > 10
    assert got == expected


def test_ids_out_of_range_and_unknown_addresses_get_chinese_pages(tmp_path):
    config, links = open_example_round(tmp_path / "data")
    town, county = links["东塘镇"], links["县里"]
    with TestClient(create_app(config, tmp_path / "data"), raise_server_exceptions=False) as client:
        for url in (f"/t/{town}/u/99999999999999999999999", f"/c/{county}/u/99999999999999999999999",
                    f"/c/{county}/u/9223372036854775808/file", f"/t/{town}/u/١٢"):
            answer = client.get(url)
            assert answer.status_code == 404 and "没有这次上传。" in answer.text, url
            assert "Traceback" not in answer.text and "Error" not in answer.text
        wrong_method = client.get(f"/t/{town}/upload")
        assert wrong_method.status_code == 405 and "不能这样打开" in wrong_method.text
        assert "Method Not Allowed" not in wrong_method.text and "<html" in wrong_method.text.lower()
        for url in ("/t/x%2F..%2F", "/nothing", f"/t/{town}/nothing", "/static/nothing.css"):
            unknown = client.get(url)
            assert unknown.status_code == 404 and "找不到" in unknown.text and "Not Found" not in unknown.text, url
        assert client.get("/nothing", headers=JSON).json() == {"error": HTTP_ZH[404]}


def test_an_unexpected_error_is_a_chinese_500(tmp_path, monkeypatch):
    import server.app as app_module
    config, links = open_example_round(tmp_path / "data")

    def crash(*args):
        raise RuntimeError("boom")
    monkeypatch.setattr(app_module, "figures", crash)
    with TestClient(create_app(config, tmp_path / "data"), raise_server_exceptions=False) as client:
        answer = client.get(f"/t/{links['东塘镇']}")
    assert answer.status_code == 500 and "内部错误" in answer.text and "boom" not in answer.text
    assert "Internal Server Error" not in answer.text
