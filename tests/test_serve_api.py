"""`fenjie serve` through its HTTP interface (Starlette's TestClient, real worker processes):
the upload JSON is `fenjie check --format json`, links are capabilities, the county's status and
downloads, bad input (413, 429, F001), hostile text, cross-site forms, download names."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from cli.main import main
from server.app import create_app
from server.store import Store
from tests.serving import CONFIG, COUNTY_TABLE, RETURNS, open_example_round, return_of

JSON = {"accept": "application/json"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve-data")
    config, links = open_example_round(data)
    app = create_app(config, data, uploads_per_minute=1000)
    with TestClient(app) as client:
        yield client, links, data


def upload(client, token, path: Path, name: str | None = None, headers=JSON):
    with open(path, "rb") as f:
        return client.post(f"/t/{token}/upload", files={"file": (name or path.name, f)}, headers=headers)


def cli_json(path: Path) -> dict:
    result = CliRunner().invoke(main, ["check", str(path), "--config", str(CONFIG), "--from", str(COUNTY_TABLE),
                                       "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["files"][0]


def codes_and_cells(entry: dict) -> list[tuple]:
    return [(f["code"], f["cell"], f["message"]) for f in entry["findings"]]


@pytest.mark.parametrize("township", ["东塘镇", "南湖洲镇", "杨林寨乡", "湘滨镇", "国有场所", "三塘镇"])
def test_upload_json_is_the_check_json_of_the_same_file(served, township):
    client, links, _ = served
    path = return_of(township)
    answer = upload(client, links[township], path)
    assert answer.status_code == 200
    got = answer.json()
    expected = cli_json(path)
    assert codes_and_cells(got) == codes_and_cells(expected)
    assert (got["status"], got["kind"], got["path"]) == (expected["status"], expected["kind"], path.name)
    assert got["township"] == township and got["round"] == 1 and isinstance(got["id"], int)


def test_the_stored_file_is_the_upload_byte_for_byte_under_its_hash(served):
    client, links, data = served
    path = return_of("石塘镇")
    got = upload(client, links["石塘镇"], path).json()
    store = Store(data)
    try:
        stored = store.path(store.upload(got["id"]).stored)
    finally:
        store.close()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert stored.name == f"{digest}.xlsx" and path.name not in str(stored)
    assert stored.read_bytes() == path.read_bytes()


def test_a_non_spreadsheet_gets_the_same_F001_as_check(served, tmp_path):
    client, links, _ = served
    fake = tmp_path / "静河镇-报表.xlsx"
    fake.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    got = upload(client, links["静河镇"], fake).json()
    expected = cli_json(fake)
    assert got["status"] == "unreadable" == expected["status"]
    assert codes_and_cells(got) == codes_and_cells(expected)
    assert got["findings"][0]["code"] == "F001"


def test_another_townships_file_through_my_link_is_an_error(served):
    client, links, _ = served
    got = upload(client, links["樟树镇"], return_of("东塘镇")).json()
    assert got["status"] == "invalid"
    assert got["findings"][0]["code"] == "W001"
    assert "东塘镇" in got["findings"][0]["message"] and "樟树镇" in got["findings"][0]["message"]


def test_links_are_capabilities(served):
    client, links, _ = served
    mine = upload(client, links["六塘乡"], return_of("六塘乡")).json()["id"]
    other = links["金龙镇"]
    for url in (f"/t/{other}/u/{mine}", f"/t/{other}/u/{mine}/annotated.xlsx", f"/c/{other}",
                f"/c/{other}/status.json", f"/c/{other}/summary.xlsx", f"/c/{other}/u/{mine}/file",
                f"/t/{links['县里']}", "/t/not-a-token", "/c/not-a-token", "/t/not-a-token/template.xlsx"):
        assert client.get(url).status_code == 404, url
    assert client.post("/t/not-a-token/upload", files={"file": ("a.xlsx", b"x")}).status_code == 404
    assert client.get(f"/t/{links['六塘乡']}/u/{mine}").status_code == 200
    assert client.get(f"/c/{links['县里']}/u/{mine}").status_code == 200


def test_township_page_template_and_annotated_copy(served):
    client, links, _ = served
    token = links["鹤龙湖镇"]
    page = client.get(f"/t/{token}")
    assert page.status_code == 200 and "鹤龙湖镇" in page.text and "下载本乡镇的模板" in page.text
    template = client.get(f"/t/{token}/template.xlsx")
    assert template.status_code == 200
    assert "filename*=UTF-8''" in template.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    assert "fenjie_id" in book.sheetnames
    up = upload(client, token, return_of("东塘镇"), name="鹤龙湖镇.xlsx", headers={}).text
    assert "W001" in up and "N002" in up and "D10" in up
    upload_id = client.get(f"/c/{links['县里']}/status.json").json()
    latest = next(t for t in upload_id["townships"] if t["name"] == "鹤龙湖镇")["latest"]["id"]
    copy = client.get(f"/t/{token}/u/{latest}/annotated.xlsx")
    assert copy.status_code == 200
    marked = openpyxl.load_workbook(io.BytesIO(copy.content))
    assert marked.active["D10"].comment is not None and "N002" in marked.active["D10"].comment.text


def test_county_status_summary_report_and_zip_follow_the_latest_uploads(tmp_path):
    config, links = open_example_round(tmp_path / "data")
    app = create_app(config, tmp_path / "data")
    sent = {}
    with TestClient(app) as client:
        for path in sorted(RETURNS.iterdir(), key=lambda p: "修改" in p.name):   # the fix last
            township = next(t for t in links if path.name.startswith(t))
            assert upload(client, links[township], path).status_code == 200
            sent[township] = path                            # the later 新泉镇 file counts
        county = links["县里"]
        status = client.get(f"/c/{county}/status.json").json()
        by_name = {t["name"]: t for t in status["townships"]}
        assert by_name["岭北镇"]["status"] == "missing" and by_name["岭北镇"]["latest"] is None
        assert by_name["东塘镇"]["status"] == "invalid" and by_name["东塘镇"]["errors"] == 3
        assert by_name["新泉镇"]["uploads"] == 2 and by_name["新泉镇"]["status"] == "ok"
        assert status["summary"]["missing"] == 1 and status["summary"]["townships"] == 16
        summary = client.get(f"/c/{county}/summary.xlsx")
        report = client.get(f"/c/{county}/report.xlsx")
        returns = client.get(f"/c/{county}/returns.zip")
        page = client.get(f"/c/{county}")
        detail = client.get(f"/c/{county}/u/{by_name['新泉镇']['latest']['id']}")
    assert page.status_code == 200 and "未报送" in page.text and f"/t/{links['岭北镇']}" in page.text
    assert detail.status_code == 200 and detail.text.count(f"/c/{county}/u/") >= 4   # both 新泉镇 uploads

    latest = tmp_path / "latest"
    latest.mkdir()
    for path in sent.values():
        (latest / path.name).write_bytes(path.read_bytes())
    merged = tmp_path / "merge.xlsx"
    CliRunner().invoke(main, ["merge", str(latest), "--config", str(CONFIG), "--from", str(COUNTY_TABLE),
                              "-o", str(merged)])
    assert sheet_values(io.BytesIO(summary.content), "汇总表") == sheet_values(merged, "汇总表")

    rows = list(openpyxl.load_workbook(io.BytesIO(report.content))["汇总"].values)
    assert any("岭北镇" in map(str, row) for row in rows)
    with zipfile.ZipFile(io.BytesIO(returns.content)) as z:
        assert len(z.namelist()) == 15
        assert z.read(f"新泉镇-{sent['新泉镇'].name}") == sent["新泉镇"].read_bytes()


def sheet_values(source, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(source)[sheet].values)


def test_restart_keeps_every_upload(tmp_path):
    config, links = open_example_round(tmp_path / "data")
    with TestClient(create_app(config, tmp_path / "data")) as client:
        first = upload(client, links["东塘镇"], return_of("东塘镇")).json()
    with TestClient(create_app(config, tmp_path / "data")) as client:
        status = client.get(f"/c/{links['县里']}/status.json").json()
        again = client.get(f"/t/{links['东塘镇']}/u/{first['id']}")
    dongtang = next(t for t in status["townships"] if t["name"] == "东塘镇")
    assert dongtang["latest"]["id"] == first["id"] and dongtang["errors"] == 3
    assert again.status_code == 200 and "３４４６" in again.text


def test_too_large_too_often_and_timeouts(tmp_path):
    config, links = open_example_round(tmp_path / "data")
    config.limits.max_bytes = 100_000
    app = create_app(config, tmp_path / "data", uploads_per_minute=2, time_limit=0.01)
    with TestClient(app) as client:
        token = links["东塘镇"]
        big = client.post(f"/t/{token}/upload", files={"file": ("大.xlsx", b"0" * 300_000)}, headers=JSON)
        assert big.status_code == 413 and "上限" in big.json()["error"]
        near = client.post(f"/t/{token}/upload", files={"file": ("大.xlsx", b"0" * 120_000)}, headers=JSON)
        assert near.status_code == 413
        slow = upload(client, token, return_of("东塘镇")).json()      # 0.01 s is never enough
        assert slow["findings"][0]["code"] == "F001" and "超过" in slow["findings"][0]["message"]
        third = upload(client, token, return_of("东塘镇"))
        assert third.status_code == 429 and "太频繁" in third.json()["error"]
        assert upload(client, links["湘滨镇"], return_of("湘滨镇")).status_code == 200   # per link


def test_hostile_text_is_escaped(served, tmp_path):
    client, links, _ = served
    evil = tmp_path / "evil.csv"
    evil.write_text("村(社区),粮食总面积(万亩),早稻面积(万亩),粮食总产量(吨),早稻集中育秧(万亩),专业化示范育秧(万亩)\n"
                    "<script>alert(1)</script>,1,0.5,500,0.2,0.1\n合计,1,0.5,500,0.2,0.1\n", encoding="utf-8")
    page = upload(client, links["洋沙湖镇"], evil, name='<img src=x onerror=alert(1)>.csv', headers={}).text
    assert "R003" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.csv" in page
    county = client.get(f"/c/{links['县里']}/status.json").json()
    assert any(t["latest"] and t["latest"]["file"] == '<img src=x onerror=alert(1)>.csv'
               for t in county["townships"])


def test_pages_send_a_csp_and_forms_refuse_other_sites(served):
    client, links, _ = served
    page = client.get(f"/t/{links['文星街道']}")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "form-action 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    path = return_of("文星街道")
    for headers in ({"origin": "http://evil.example"}, {"sec-fetch-site": "cross-site"}, {"origin": "null"}):
        assert upload(client, links["文星街道"], path, headers=headers).status_code == 403
    assert upload(client, links["文星街道"], path, headers={"origin": "http://testserver",
                                                          "sec-fetch-site": "same-origin"}).status_code == 200


def test_download_names_are_rfc5987(served):
    client, links, _ = served
    answer = client.get(f"/c/{links['县里']}/report.xlsx")
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E6%B9%98%E9%98%B4%E5%8E%BF2025" in disposition
    assert disposition.split('filename="')[1].split('"')[0].isascii()


def test_links_command_prints_csv(tmp_path):
    _, links = open_example_round(tmp_path / "data")
    result = CliRunner().invoke(main, ["serve", "--config", str(CONFIG), "--data", str(tmp_path / "data"),
                                       "--port", "8123", "--links"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "round,单位,url" and len(lines) == 1 + 1 + 16
    assert lines[-1] == f"1,县里,http://127.0.0.1:8123/c/{links['县里']}?round=1"
    assert f"1,新泉镇,http://127.0.0.1:8123/t/{links['新泉镇']}" in lines


def test_serve_needs_a_config_and_a_readable_county_table(tmp_path):
    runner = CliRunner()
    no_config = runner.invoke(main, ["serve", "--data", str(tmp_path / "d")])
    assert no_config.exit_code == 2 and "--config" in no_config.output
    missing = runner.invoke(main, ["serve", "--config", str(CONFIG), "--from", str(tmp_path / "无.xlsx"),
                                   "--data", str(tmp_path / "d"), "--links"])
    assert missing.exit_code == 2 and "找不到县分解表" in missing.output
    assert "Traceback" not in missing.output


def test_the_county_page_opens_another_round(tmp_path):
    config, links = open_example_round(tmp_path / "data")
    county = links["县里"]
    with TestClient(create_app(config, tmp_path / "data")) as client:
        bad = client.post(f"/c/{county}/rounds", data={"kind": "grain-plan"},
                          files={"county_table": ("县表.xlsx", b"not a workbook")})
        assert bad.status_code == 400 and "县分解表 县表.xlsx 无法使用" in bad.text
        with open(COUNTY_TABLE, "rb") as f:
            opened = client.post(f"/c/{county}/rounds", data={"kind": "grain-plan", "deadline": "3月15日17时"},
                                 files={"county_table": (COUNTY_TABLE.name, f)}, follow_redirects=False)
        assert opened.status_code == 303 and opened.headers["location"].endswith("?round=1")  # same table: same round
        fresh = client.post(f"/c/{county}/rounds", data={"kind": "grain-plan", "deadline": "3月15日17时"},
                            follow_redirects=False)
        assert fresh.status_code == 303 and fresh.headers["location"].endswith("?round=2")
        second = client.get(f"/c/{county}/status.json?round=2").json()
        assert second["round"]["deadline"] == "3月15日17时" and second["summary"]["missing"] == 16
        assert client.get(f"/c/{county}/status.json").json()["round"]["id"] == 2
        assert client.get(f"/c/{county}/status.json?round=9").status_code == 404
        page = client.get(f"/c/{county}?round=2").text
        token = page.split("/t/")[1].split("<")[0]
        assert token not in links.values()
        assert "3月15日17时" in client.get(f"/t/{token}").text
        cross = client.post(f"/c/{county}/rounds", data={"kind": "grain-plan"}, headers={"sec-fetch-site": "cross-site"})
        assert cross.status_code == 403


def test_every_asset_is_served_locally(served):
    import re
    client, links, _ = served
    for url in (f"/t/{links['新泉镇']}", f"/c/{links['县里']}"):
        page = client.get(url).text
        references = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert references and all(ref.startswith("/") and not ref.startswith("//") for ref in references), references
        for asset in (ref for ref in references if ref.startswith("/static/")):
            assert client.get(asset).status_code == 200
