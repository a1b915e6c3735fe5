"""What fenjie writes can be trusted (issue 9: items 1–4, 18, 19, 21).

Text from any input stays text; no file a clerk made is overwritten; names from data never
become paths; outputs follow the umask; fenjie's own outputs in a scanned folder are never
counted as returns; WPS .et files are read; users never see click's or the OS's English.
All on real files, through the real command (CliRunner or a real process).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from scripts.libreoffice import convert
from tests.conftest import EXAMPLE
from tests.support.cli import ENGLISH, FENJIE, fenjie

CONFIG = EXAMPLE / "fenjie.toml"
RETURNS = EXAMPLE / "报送"
COUNTY_TABLE = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
GRAIN_HEADER = "乡镇(单位)\t粮食总面积 (万亩)\t早稻面积 (万亩)\t粮食总产量 (吨)\t早稻集中育秧 (万亩)\t专业化示范育秧 (万亩)\n"
HOSTILE = ['=HYPERLINK("http://example.com/x","点击查看任务")', "=cmd|'/C calc'!A0", "=1+1"]


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])



def write_config(path: Path, county="测试县", townships=("甲镇", "乙镇"), units=("财政局",)) -> Path:
    quoted = ", ".join(json.dumps(t, ensure_ascii=False) for t in townships)
    unit_list = ", ".join(json.dumps(u, ensure_ascii=False) for u in units)
    path.write_text(f"county = {json.dumps(county, ensure_ascii=False)}\nyear = 2025\n"
                    f"townships = [{quoted}]\nunits = [{unit_list}]\n", encoding="utf-8")
    return path


def own_output(path: Path):
    from templates.outputs import own_output as recognised
    return recognised(path)


def formula_cells(path: Path) -> list[str]:
    """Every formula in every sheet of the workbook, as written."""
    book = openpyxl.load_workbook(path)
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.data_type == "f"]


def all_texts(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.data_type == "s"]


# -- 1. text is text -------------------------------------------------------------------------

def test_task_list_text_beginning_with_equals_stays_text_in_the_template(tmp_path):
    tsv = tmp_path / "任务.tsv"
    tsv.write_text("序号\t目标任务\t责任领导\t牵头单位\t相关单位\t责任人_县政府\t责任人_牵头单位\n"
                   f"1\t{HOSTILE[0]}\t张三\t财政局\t\t李四\t王五\n"
                   f"2\t{HOSTILE[1]}\t张三\t=财政局\t\t李四\t王五\n", encoding="utf-8")
    result = cli("template", "task-breakdown", "--config", CONFIG, "--from", tsv, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    path, = (tmp_path / "out").glob("*.xlsx")
    texts = all_texts(path)
    assert HOSTILE[0] in texts and HOSTILE[1] in texts and "=财政局" in texts
    assert not [f for f in formula_cells(path) if "HYPERLINK" in f or "cmd" in f or "财政局" in f]


def test_config_names_beginning_with_equals_stay_text_in_key_cells_directory_and_identity(tmp_path):
    config = write_config(tmp_path / "fenjie.toml", county="=2+3县", townships=["=1+1", "@SUM(1)", "乙镇"],
                          units=['=HYPERLINK("http://x")'])
    result = cli("template", "grain-plan", "--config", config, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    county_table, = (tmp_path / "out").glob("*.xlsx")
    texts = all_texts(county_table)
    assert {"=1+1", "@SUM(1)"} <= set(texts)
    assert any(t.startswith("=2+3县") for t in texts)
    result = cli("template", "task-breakdown", "--config", config, "-o", tmp_path / "tasks")
    assert result.exit_code == 0, result.output
    tasks, = (tmp_path / "tasks").glob("*.xlsx")
    directory = [c.value for c in openpyxl.load_workbook(tasks)["名录"]["A"] if c.data_type == "s"]
    assert {'=HYPERLINK("http://x")', "=1+1", "@SUM(1)"} <= set(directory)
    assert not [f for f in formula_cells(tasks) if "1+1" in f or "HYPERLINK" in f or "SUM(1)" in f]
    book = openpyxl.load_workbook(county_table)
    assert book["fenjie_id"]["B4"].value == "=2+3县" and book["fenjie_id"]["B4"].data_type == "s"
    assert not [f for f in formula_cells(county_table) if "1+1" in f or "2+3" in f or "HYPERLINK" in f]

    # the township templates made from that county table: the township's own name in fenjie_id
    filled = tmp_path / "县分解表.tsv"
    filled.write_text(GRAIN_HEADER + "=1+1\t1\t1\t1\t1\t1\n@SUM(1)\t2\t1\t1\t1\t1\n乙镇\t3\t1\t1\t1\t1\n",
                      encoding="utf-8")
    assert cli("template", "grain-plan", "--config", config, "--from", filled, "-o", tmp_path / "f").exit_code == 0
    source, = (tmp_path / "f").glob("*.xlsx")
    result = cli("template", "grain-plan", "--per-township", "--config", config, "--from", source,
                 "-o", tmp_path / "towns")
    assert result.exit_code == 0, result.output
    for path in (tmp_path / "towns").glob("*.xlsx"):
        assert not [f for f in formula_cells(path) if "1+1" in f or "SUM(1)" in f or "2+3" in f]
        identity = openpyxl.load_workbook(path)["fenjie_id"]
        assert all(cell.data_type != "f" for row in identity.iter_rows() for cell in row)


def test_one_put_for_every_writer():
    """One helper writes text as text; the writers use it rather than a copy of their own."""
    import templates.writer
    import validators.output.annotate
    import validators.output.summary
    from templates.cells import put
    assert templates.writer.put is put and validators.output.annotate.put is put
    assert "sheet.cell(row, index, value)" not in Path(templates.writer.__file__).read_text(encoding="utf-8")
    book = openpyxl.Workbook()
    cell = put(book.active["A1"], "=1+1")
    assert cell.data_type == "s" and cell.value == "=1+1" and cell.quotePrefix


# -- 2. never overwrite a file fenjie did not write -------------------------------------------

def test_template_keeps_a_filled_table_of_the_same_name_and_replaces_only_its_own(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    filled = out / COUNTY_TABLE.name                        # the county's filled table
    shutil.copy(COUNTY_TABLE, filled)
    before = filled.read_bytes()
    result = fenjie("template", "grain-plan", "--config", CONFIG, "-o", out)
    assert result.returncode == 1, result.stderr
    assert filled.read_bytes() == before
    assert "已保留 1 个已有文件" in result.stderr and COUNTY_TABLE.name in result.stderr
    assert "--force" in result.stderr

    forced = fenjie("template", "grain-plan", "--config", CONFIG, "-o", out, "--force")
    assert forced.returncode == 0, forced.stderr
    assert own_output(filled).role == "template" and own_output(filled).intact
    again = fenjie("template", "grain-plan", "--config", CONFIG, "-o", out)      # its own: replaced
    assert again.returncode == 0 and "已保留" not in again.stderr

    book = openpyxl.load_workbook(filled)                    # a clerk fills it: theirs now
    book.worksheets[0]["B5"] = 22
    book.save(filled)
    filled_bytes = filled.read_bytes()
    assert own_output(filled).intact is False
    kept = fenjie("template", "grain-plan", "--config", CONFIG, "-o", out)
    assert kept.returncode == 1 and filled.read_bytes() == filled_bytes


def test_report_and_merge_never_overwrite_a_workbook_fenjie_did_not_write(tmp_path):
    other = tmp_path / "别人的表.xlsx"
    shutil.copy(COUNTY_TABLE, other)
    before = other.read_bytes()
    report = fenjie("check", RETURNS, "--config", CONFIG, "--report", other)
    assert report.returncode == 2 and other.read_bytes() == before
    assert "已经存在" in report.stderr and "--force" in report.stderr and report.stdout == ""
    merged = fenjie("merge", RETURNS, "--config", CONFIG, "-o", other)
    assert merged.returncode == 2 and other.read_bytes() == before and "已经存在" in merged.stderr

    forced = fenjie("check", RETURNS, "--config", CONFIG, "--report", other, "--force")
    assert forced.returncode == 1 and own_output(other).role == "report"
    again = fenjie("merge", RETURNS, "--config", CONFIG, "-o", tmp_path / "汇总.xlsx")
    assert again.returncode == 1 and own_output(tmp_path / "汇总.xlsx").role == "summary"
    twice = fenjie("merge", RETURNS, "--config", CONFIG, "-o", tmp_path / "汇总.xlsx")
    assert twice.returncode == 1 and "汇总工作簿已写入" in twice.stdout


def test_annotate_keeps_files_it_did_not_write_and_names_them(tmp_path):
    folder = tmp_path / "标注"
    folder.mkdir()
    mine = folder / "新泉镇-2025年粮食生产计划任务分解表.xlsx"
    shutil.copy(COUNTY_TABLE, mine)
    before = mine.read_bytes()
    result = fenjie("check", RETURNS, "--config", CONFIG, "--annotate", folder)
    assert result.returncode == 1
    assert mine.read_bytes() == before
    assert "已保留 1 个已有文件" in result.stdout and mine.name in result.stdout
    assert "标注副本 15 份已写入" in result.stdout
    forced = fenjie("check", RETURNS, "--config", CONFIG, "--annotate", folder, "--force")
    assert "标注副本 16 份已写入" in forced.stdout and own_output(mine).role == "annotated"


# -- 3. names from data never become paths ------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("高新区/开发区-2025年表.xlsx", "高新区_开发区-2025年表.xlsx"),
    ("../../x镇-2025年表.xlsx", "_.._x镇-2025年表.xlsx"),
    ("A:B*?镇.xlsx", "A_B__镇.xlsx"),
    ("CON.xlsx", "CON_.xlsx"),
    ("镇. ", "镇"),
    ("a\x07b.xlsx", "a_b.xlsx"),
])
def test_file_names_made_from_data_are_safe(raw, expected):
    from templates.outputs import safe_file_name
    assert safe_file_name(raw) == expected


def test_township_names_never_leave_the_output_folder(tmp_path):
    townships = ["高新区/开发区", "../../x镇", "A:B*?镇", "CON"]
    config = write_config(tmp_path / "fenjie.toml", townships=townships)
    table = tmp_path / "县.tsv"
    table.write_text(GRAIN_HEADER + "".join(f"{t}\t1\t1\t1\t1\t1\n" for t in townships), encoding="utf-8")
    assert cli("template", "grain-plan", "--config", config, "--from", table, "-o", tmp_path / "c").exit_code == 0
    source, = (tmp_path / "c").glob("*.xlsx")
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    result = cli("template", "grain-plan", "--per-township", "--config", config, "--from", source,
                 "-o", work / "out")
    assert result.exit_code == 0, result.output
    everything = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    outputs = [p for p in everything if p.parts[:3] == ("a", "b", "out")]
    assert len(outputs) == 4 and all(len(p.parts) == 4 for p in outputs)        # no subfolders
    assert len(everything) == len(outputs) + 3                                    # nothing outside
    for path in outputs:
        assert not set(path.name) & set('/\\:*?"<>|') and not path.name.startswith(".")
    scopes = {openpyxl.load_workbook(tmp_path / p)["fenjie_id"]["B6"].value for p in outputs}
    assert scopes == set(townships)


# -- 4. annotated copies follow the umask -------------------------------------------------------

def test_annotated_copies_follow_the_umask_like_every_output(tmp_path):
    old = os.umask(0o022)
    try:
        result = cli("check", RETURNS / "湘滨镇粮食生产计划任务分解到村.xlsx", "--config", CONFIG,
                     "--annotate", tmp_path / "标注", "--report", tmp_path / "报告.xlsx")
    finally:
        os.umask(old)
    assert result.exit_code == 1, result.output
    copy, = (tmp_path / "标注").iterdir()
    assert copy.stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "报告.xlsx").stat().st_mode & 0o777 == 0o644


# -- 18. fenjie's own outputs in a scanned folder ------------------------------------------------

def test_outputs_written_into_the_returns_folder_are_never_counted_as_returns(tmp_path):
    folder = tmp_path / "报送"
    shutil.copytree(RETURNS, folder)
    first = fenjie("merge", folder, "--config", CONFIG, "--from", COUNTY_TABLE, "-o", tmp_path / "m1.xlsx")
    annotate = fenjie("check", folder, "--config", CONFIG, "--annotate", folder / "标注",
                      "--report", folder / "核对报告.xlsx")
    assert annotate.returncode == 1 and "标注副本 16 份已写入" in annotate.stdout
    assert fenjie("template", "grain-plan", "--config", CONFIG, "-o", folder / "模板").returncode == 0
    assert fenjie("merge", folder, "--config", CONFIG, "--from", COUNTY_TABLE,
                  "-o", folder / "汇总.xlsx").returncode == 1

    again = fenjie("check", folder, "--config", CONFIG, "--format", "json")
    document = json.loads(again.stdout)
    assert document["summary"]["files"] == 16
    assert list(document["duplicates"]) == ["新泉镇"]              # the one real duplicate
    own = {Path(s["path"]).name for s in document["skipped"] if s["reason"] == "fenjie_output"}
    assert {"核对报告.xlsx", "汇总.xlsx", COUNTY_TABLE.name} <= own and len(own) == 19
    second = fenjie("merge", folder, "--config", CONFIG, "--from", COUNTY_TABLE, "-o", tmp_path / "m2.xlsx")
    assert second.stdout.replace("m2.xlsx", "m1.xlsx") == first.stdout        # totals unchanged
    assert "未核对 19 个文件" in second.stderr


def test_skipped_files_are_listed_in_one_chinese_line_and_in_json(tmp_path):
    folder = tmp_path / "报送"
    sub = folder / "第二批"
    sub.mkdir(parents=True)
    source = RETURNS / "湘滨镇粮食生产计划任务分解到村.xlsx"
    shutil.copy(source, sub / source.name)                 # in a subfolder: found (recursion)
    shutil.copy(source, folder / "旧.xlsx.bak")
    shutil.copy(source, folder / "~$湘滨镇.xlsx")
    shutil.copy(source, folder / ".隐藏.xlsx")
    shutil.copy(source, folder / "没有扩展名")
    (folder / "说明.pdf").write_bytes(b"%PDF-1.4")
    (folder / "断开.xlsx").symlink_to(tmp_path / "不存在.xlsx")
    result = fenjie("check", folder, "--config", CONFIG, "--format", "json")
    document = json.loads(result.stdout)
    assert [f["path"] for f in document["files"]] == [str(sub / source.name)]
    reasons = {Path(s["path"]).name: s["reason"] for s in document["skipped"]}
    assert reasons == {"旧.xlsx.bak": "backup", "~$湘滨镇.xlsx": "lock", ".隐藏.xlsx": "hidden",
                       "没有扩展名": "no_extension", "说明.pdf": "not_spreadsheet",
                       "断开.xlsx": "dangling_link"}
    line, = [l for l in result.stderr.splitlines() if l.startswith("未核对")]
    assert line.startswith("未核对 6 个文件：") and "隐藏文件 1 个" in line and "没有扩展名 1 个" in line
    text = fenjie("check", folder, "--config", CONFIG)
    assert [l for l in text.stderr.splitlines() if l.startswith("未核对")] == [line]
    assert "未核对" not in text.stdout


# -- 19. WPS .et ---------------------------------------------------------------------------------

def test_wps_et_files_are_read_when_they_hold_a_workbook_and_explained_otherwise(tmp_path):
    folder = tmp_path / "报送"
    folder.mkdir()
    source = RETURNS / "湘滨镇粮食生产计划任务分解到村.xlsx"
    shutil.copy(source, folder / "湘滨镇.et")
    (folder / "旧版.et").write_bytes(b"\x00WPS private format" * 50)
    result = fenjie("check", folder, "--config", CONFIG, "--format", "json")
    files = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    as_xlsx = json.loads(fenjie("check", source, "--config", CONFIG, "--format", "json").stdout)["files"][0]
    assert files["湘滨镇.et"]["status"] == "invalid"
    assert [f["code"] for f in files["湘滨镇.et"]["findings"]] == [f["code"] for f in as_xlsx["findings"]]
    old, = files["旧版.et"]["findings"]
    assert files["旧版.et"]["status"] == "unreadable" and "WPS" in old["message"] and ".xlsx" in old["message"]


@pytest.mark.libreoffice
def test_a_wps_et_that_is_an_xls_inside_is_read(tmp_path):
    source = RETURNS / "湘滨镇粮食生产计划任务分解到村.xlsx"
    shutil.copy(source, tmp_path / "湘滨镇.xlsx")
    convert([tmp_path / "湘滨镇.xlsx"], "xls", tmp_path / "xls", timeout=180)
    et = tmp_path / "湘滨镇.et"
    shutil.move(tmp_path / "xls" / "湘滨镇.xls", et)
    result = json.loads(fenjie("check", et, "--config", CONFIG, "--format", "json").stdout)["files"][0]
    assert result["status"] == "invalid" and [f["code"] for f in result["findings"]] == ["T003"]


# -- 21. Chinese for people: click's errors, OS errors, unwritable outputs, Ctrl-C ---------------



def assert_chinese(result):
    for text in (result.stdout, result.stderr):
        assert not [e for e in ENGLISH if e in text], text


@pytest.mark.parametrize("args", [["foo"], ["kinds", "extra"], ["check", "a", "--format"],
                                  ["rules", "X001", "more"], []])
def test_click_usage_errors_are_chinese_with_status_2(args):
    result = fenjie(*args)
    assert result.returncode == 2
    assert_chinese(result)
    assert "错误：" in result.stderr or "用法：" in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["template", "-h"], ["merge", "--help"]])
def test_help_is_chinese(args):
    result = fenjie(*args)
    assert result.returncode == 0
    assert_chinese(result)
    assert "用法：" in result.stdout and "选项：" in result.stdout and "显示本帮助并退出" in result.stdout


def test_output_folders_that_cannot_be_written_are_refused_before_checking(tmp_path):
    a_file = tmp_path / "说明.txt"
    a_file.write_text("x", encoding="utf-8")
    cases = [["check", RETURNS, "--annotate", a_file / "标注"],
             ["check", RETURNS, "--report", a_file / "报告.xlsx"],
             ["check", RETURNS, "--report", "/proc/fenjie-test/报告.xlsx"],
             ["merge", RETURNS, "--config", CONFIG, "-o", a_file / "汇总.xlsx"],
             ["template", "grain-plan", "--config", CONFIG, "-o", a_file],
             ["template", "grain-plan", "--config", CONFIG, "-o", "/proc/fenjie-test"]]
    for args in cases:
        result = fenjie(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stdout == "" and "无法写入" in result.stderr, (args, result.stderr)
        assert_chinese(result)


def test_ctrl_c_exits_130_and_names_the_incomplete_outputs(tmp_path, monkeypatch, capsys):
    """In process: the third annotated copy is interrupted."""
    import validators.output.annotate
    from cli.main import run
    real, calls = validators.output.annotate.annotate_file, []

    def interrupted(result, copy):
        calls.append(copy)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(result, copy)
    monkeypatch.setattr(validators.output.annotate, "annotate_file", interrupted)
    monkeypatch.setattr(sys, "argv", ["fenjie", "check", str(RETURNS), "--config", str(CONFIG),
                                      "--annotate", str(tmp_path / "标注"), "--report", str(tmp_path / "r.xlsx")])
    with pytest.raises(SystemExit) as stop:
        run()
    assert stop.value.code == 130
    err = capsys.readouterr().err
    assert "已中断" in err and "标注副本 2 / 16 份已写入" in err and "Aborted" not in err
    assert sorted(p.name for p in (tmp_path / "标注").iterdir()) == sorted(c.name for c in calls[:2])


def test_ctrl_c_on_a_real_batch_exits_130_in_chinese(tmp_path):
    folder = tmp_path / "报送"
    folder.mkdir()
    source = RETURNS / "东塘镇-2025年粮食生产计划任务分解表.xlsx"
    for i in range(150):
        shutil.copy(source, folder / f"{i:03}.xlsx")
    process = subprocess.Popen([str(FENJIE), "check", str(folder), "--annotate", str(tmp_path / "标注")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)      # stdout unread would fill the pipe
    deadline = time.time() + 120
    while time.time() < deadline and not (tmp_path / "标注").exists():
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)                  # as a terminal's Ctrl-C: the whole group
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "已中断（Ctrl-C）" in err and "标注副本" in err, err
    assert "Traceback" not in err and "Aborted" not in err and "KeyboardInterrupt" not in err
    for copy in (tmp_path / "标注").iterdir():              # no half-written copies
        assert not copy.name.startswith(".")
        with zipfile.ZipFile(copy) as archive:
            assert archive.testzip() is None


def test_a_folder_holding_only_fenjie_outputs_says_what_it_skipped(tmp_path):
    assert fenjie("template", "grain-plan", "--config", CONFIG, "-o", tmp_path / "模板").returncode == 0
    for args in (["check", tmp_path / "模板"], ["merge", tmp_path / "模板", "--config", CONFIG, "-o", tmp_path / "m.xlsx"]):
        result = fenjie(*args)
        assert result.returncode == 2
        assert "没有找到" in result.stderr and "未核对 1 个文件：fenjie 生成的文件" in result.stderr
