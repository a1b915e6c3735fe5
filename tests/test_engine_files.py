"""The engine on real files: unreadable files, batches, township matching, input order."""
import hashlib

import openpyxl
import pytest

import validators.batch
import validators.county
from templates.identity import IDENTITY_SHEET, Identity
from tests.sheets import grain_rows
from validators.batch import check_file, check_paths
from validators.county import read_assigned
from validators.output.refusal import county_table_refusal


def write_xlsx(path, rows, identity: Identity | None = None, filler: str | None = None):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if filler:
        sheet.append([f"填报单位（盖章）：{filler}"])
    if identity:
        hidden = book.create_sheet(IDENTITY_SHEET)
        for key, value in identity.rows():
            hidden.append([key, value])
        hidden.sheet_state = "hidden"
    book.save(path)
    return path


def village_rows(config, township, figures):
    header = ["村(社区)", "粮食总面积(万亩)", "早稻面积(万亩)", "粮食总产量(吨)", "早稻集中育秧(万亩)",
              "专业化示范育秧(万亩)"]
    villages = config.villages.get(township) or ["一村", "二村"]
    share = [round(f / len(villages), 4) for f in figures]
    rows = [[v, *share] for v in villages]
    totals = [round(s * len(villages), 4) for s in share]
    return [[f"湘阴县{township}2025年粮食生产计划任务分解表"], header, *rows, ["合计", *totals]]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_unreadable_file_is_a_finding_not_an_exception(tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"this is not a spreadsheet at all")
    result = check_file(bad)
    assert result.status == "unreadable" and [f.code for f in result.findings] == ["F001"]
    assert result.findings[0].message.startswith("无法读取：")


def test_internal_error_is_contained(tmp_path, monkeypatch):
    good = write_xlsx(tmp_path / "a.xlsx", grain_rows())

    def broken(*args, **kwargs):
        raise ValueError("boom")
    monkeypatch.setattr(validators.batch, "check_workbook", broken)     # fault injection
    result = check_file(good)
    assert [f.code for f in result.findings] == ["F008"] and result.status == "invalid"


def test_batch_matches_townships_and_lists_missing(tmp_path, example_config):
    returns = tmp_path / "returns"
    returns.mkdir()
    write_xlsx(returns / "新泉镇.xlsx", village_rows(example_config, "新泉镇", [22.0, 9.0, 95000, 6, 0.7]))
    ident = Identity("grain-plan", 1, "湘阴县", 2025, "湘滨镇", {"grain_area": 15.5})
    write_xlsx(returns / "报表1.xlsx", village_rows(example_config, "湘滨镇", [15.5, 6.5, 66500, 4, 0.5]),
               identity=ident)
    write_xlsx(returns / "报表2.xlsx", village_rows(example_config, "六塘乡", [2.0, 0.25, 8200, 0.25, 0.15]),
               filler="六塘乡人民政府")
    write_xlsx(returns / "六塘乡(改).xlsx", village_rows(example_config, "六塘乡", [2.0, 0.25, 8200, 0.25, 0.15]))
    write_xlsx(returns / "不知道是谁.xlsx", village_rows(example_config, "岭北镇", [14.4, 5.8, 62000, 4, 0.7]))
    before = {p.name: digest(p) for p in returns.iterdir()}
    batch = check_paths([returns], config=example_config)
    scopes = {p.split("/")[-1]: r.scope for p, r in ((r.path, r) for r in batch.files)}
    assert scopes == {"不知道是谁.xlsx": None, "六塘乡(改).xlsx": "六塘乡", "报表1.xlsx": "湘滨镇",
                      "报表2.xlsx": "六塘乡", "新泉镇.xlsx": "新泉镇"}
    assert set(batch.missing) == set(example_config.townships) - {"新泉镇", "湘滨镇", "六塘乡"}
    assert sorted(batch.duplicates) == ["六塘乡"]
    by_name = {r.path.split("/")[-1]: {f.code for f in r.findings} for r in batch.files}
    assert "S002" in by_name["报表2.xlsx"] and "S003" in by_name["不知道是谁.xlsx"]
    assert {p.name: digest(p) for p in returns.iterdir()} == before


def test_parallel_batch_keeps_input_order(tmp_path):
    paths = []
    for index in range(12):
        rows = grain_rows()
        if index % 3 == 0:
            rows[4][1] = "22万亩"
        paths.append(write_xlsx(tmp_path / f"{index:02d}.xlsx", rows))
    (tmp_path / "zz-broken.xlsx").write_bytes(b"PK\x03\x04garbage")
    serial = check_paths([tmp_path], workers=1)
    parallel = check_paths([tmp_path], workers=2)
    assert [r.path for r in parallel.files] == [r.path for r in serial.files]
    assert [r.to_dict() for r in parallel.files] == [r.to_dict() for r in serial.files]
    assert [r.status for r in parallel.files] == ["invalid", "ok", "ok"] * 4 + ["unreadable"]


def test_read_assigned_from_a_county_table(tmp_path, example_config):
    county = write_xlsx(tmp_path / "县表.xlsx", grain_rows())
    assigned = read_assigned(county, "grain-plan", example_config)
    assert assigned["新泉镇"] == {"grain_area": 22.0, "early_rice_area": 9.0, "grain_output": 95000,
                                  "early_rice_seedling": 6, "demo_seedling": 0.7}
    assert len(assigned) == 16
    short = write_xlsx(tmp_path / "缺行.xlsx", grain_rows()[:-3])
    with pytest.raises(validators.county.CountyTableProblem) as refused:
        read_assigned(short, "grain-plan", example_config)
    assert "文星街道" in county_table_refusal(refused.value.result)      # said as cli, add-in and server say it


def test_unreadable_return_still_counts_as_sent(tmp_path, example_config):
    write_xlsx(tmp_path / "新泉镇.xlsx", village_rows(example_config, "新泉镇", [22.0, 9.0, 95000, 6, 0.7]))
    (tmp_path / "岭北镇.xlsx").write_bytes(b"not a workbook")
    batch = check_paths([tmp_path], config=example_config)
    broken = next(r for r in batch.files if r.path.endswith("岭北镇.xlsx"))
    assert broken.status == "unreadable" and broken.scope == "岭北镇"
    assert "岭北镇" not in batch.missing and "新泉镇" not in batch.missing


def test_a_target_for_another_kind_leaves_a_task_table_alone(tmp_path):
    from tests.sheets import task_rows
    write_xlsx(tmp_path / "任务.xlsx", task_rows())
    write_xlsx(tmp_path / "粮食.xlsx", grain_rows())
    batch = check_paths([tmp_path], targets={"粮食总面积": 117})
    codes = {r.path.split("/")[-1]: [f.code for f in r.findings] for r in batch.files}
    assert "F008" not in codes["任务.xlsx"] and codes["粮食.xlsx"] == ["T002"]


def test_a_file_that_kills_its_worker_does_not_end_the_batch(tmp_path, monkeypatch):
    """Fault injection: a native crash in a worker (as a calamine abort would be) for one file."""
    import os as os_module
    for index in range(10):
        write_xlsx(tmp_path / f"{index:02d}.xlsx", grain_rows())
    real = validators.batch.check_file

    def crashing(path, **options):
        if path.endswith("04.xlsx"):
            os_module._exit(70)
        return real(path, **options)
    monkeypatch.setattr(validators.batch, "check_file", crashing)     # workers are forked from this process
    batch = check_paths([tmp_path], workers=2)
    assert [r.path.split("/")[-1] for r in batch.files] == [f"{i:02d}.xlsx" for i in range(10)]
    assert [r.status for r in batch.files] == ["ok"] * 4 + ["unreadable"] + ["ok"] * 5
    assert "异常退出" in batch.files[4].findings[0].message
