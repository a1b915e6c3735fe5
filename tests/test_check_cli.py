"""`fenjie check` end to end, on real .xlsx files: through click's CliRunner and a real process."""
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from cli.main import main
from templates.cells import cell_position
from tests.conftest import EXAMPLE, ROOT
from tests.sheets import grain_rows
from tests.support.fresh_process import help_imports
from validators.batch import check_file

CONFIG = str(EXAMPLE / "fenjie.toml")
HOSTILE = "=HYPERLINK(\"http://evil.example\",\"点我\")"


def write_book(path: Path, rows) -> Path:
    """An .xlsx as a clerk would return it; text that looks like a formula stays text."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def grain(**cells):
    """The gazette's grain table (新泉镇 on row 5, 合计 on row 21) with some cells changed."""
    rows = grain_rows()
    for a1, value in cells.items():
        row, col = cell_position(a1)
        line = rows[row - 1]
        line.extend([None] * (col - len(line)))
        line[col - 1] = value
    return rows


@pytest.fixture
def returns(tmp_path, monkeypatch):
    """A folder of returns: one clean, one with a unit in a cell and a wrong 合计; cwd = tmp_path."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "报送"
    clean = write_book(folder / "clean.xlsx", grain())
    bad = write_book(folder / "bad.xlsx", grain(B5="22万亩", D21=500000))
    return folder, clean, bad


def run(*args):
    return CliRunner().invoke(main, ["check", *map(str, args)])


def test_clean_gazette_table_passes(returns):
    _, clean, _ = returns
    result = run("报送/clean.xlsx", "--config", CONFIG)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "共 1 个文件：通过 1，有错 0，无法读取 0；错误 0 个，提醒 0 个。"


def test_bad_number_and_wrong_total_give_their_lines_and_exit_1(returns):
    result = run("报送/bad.xlsx")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "报送/bad.xlsx:B5: N004 单元格中写了单位「22万亩」，应只填数字 22 [原值 22万亩 → 建议 22]"
    assert lines[1].startswith("报送/bad.xlsx:D21: T001 「粮食总产量」合计为 500000，各行相加为 502000")
    assert lines[-1] == "共 1 个文件：通过 0，有错 1，无法读取 0；错误 2 个，提醒 0 个。"


def test_a_folder_is_checked_file_by_file_in_order(returns):
    result = run("报送")
    assert result.exit_code == 1
    assert "报送/bad.xlsx:B5: N004" in result.output and "clean.xlsx:" not in result.output
    assert "共 2 个文件：通过 1，有错 1" in result.output


def test_json_is_one_document_following_the_contract(returns):
    result = run("报送", "--format", "json", "--config", CONFIG)
    document = json.loads(result.stdout)            # the whole of stdout is one JSON document
    assert result.exit_code == 1
    assert {"files", "missing", "summary"} <= document.keys()
    assert set(document["summary"]) == {"files", "ok", "invalid", "unreadable", "errors", "warnings"}
    assert document["summary"]["files"] == 2 and document["summary"]["invalid"] == 1
    by_name = {Path(f["path"]).name: f for f in document["files"]}
    assert by_name["clean.xlsx"]["status"] == "ok" and by_name["clean.xlsx"]["findings"] == []
    bad = by_name["bad.xlsx"]
    assert bad["status"] == "invalid" and bad["kind"] == "grain-plan"
    first = bad["findings"][0]
    assert set(first) == {"code", "severity", "sheet", "cell", "message", "value", "suggestion"}
    assert (first["code"], first["cell"], first["value"], first["suggestion"]) == ("N004", "B5", "22万亩", "22")
    assert "\\u" not in result.stdout                # ensure_ascii=False: Chinese as is
    errors = sum(f["severity"] == "error" for f in bad["findings"])
    assert document["summary"]["errors"] == errors


def test_cli_and_python_api_give_the_same_findings(returns):
    _, clean, bad = returns
    from templates.config import load_config
    config = load_config(CONFIG)
    for path in (clean, bad):
        document = json.loads(run(path, "--format", "json", "--config", CONFIG).stdout)
        api = check_file(path, config=config)
        assert document["files"][0]["findings"] == [f.to_dict() for f in api.findings]
        assert document["files"][0]["status"] == api.status


def test_ignore_silences_a_rule(returns):
    result = run("报送/bad.xlsx", "--ignore", "n004")
    assert "N004" not in result.output and "T001" in result.output
    assert run("报送/bad.xlsx", "--ignore", "N004", "--ignore", "T001").exit_code == 0


def test_target_option_checks_the_total_against_it(returns):
    result = run("报送/clean.xlsx", "--target", "粮食总面积=120")
    assert result.exit_code == 1
    assert "报送/clean.xlsx:B21: T002 「粮食总面积」合计为 118，县下达目标为 120" in result.output
    assert run("报送/clean.xlsx", "--target", "粮食总面积＝118", "--kind", "grain-plan").exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["--kind", "wheat"], "未知的表格类型「wheat」"),
    (["--config", "nowhere.toml"], "找不到配置文件"),
    (["--target", "粮食总面积"], "--target 的写法应为「列名=数值」"),
    (["--target", "粮食总面积=很多"], "--target 的写法应为「列名=数值」"),
    (["--target", "小麦面积=3"], "没有可设目标的列「小麦面积」"),
    (["--kind", "task-breakdown", "--target", "粮食总面积=3"], "目标任务分解表中没有可设目标的列"),
    (["--ignore", "Q123"], "没有规则 Q123"),
    (["--format", "xml"], "--format 只能是 text 或 json"),
    (["--report", "out.csv"], "--report 应是一个 .xlsx 文件名"),
    (["--report", "报送/bad.xlsx"], "会覆盖报回的表格"),
    (["--report", "报送/clean.xlsx"], "会覆盖报回的表格"),
    (["--frobnicate"], "没有选项 --frobnicate"),
    (["--report"], "选项 --report 需要一个值"),
])
def test_usage_errors_exit_2_in_chinese(returns, args, message):
    result = run("报送/bad.xlsx", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "错误：" in result.output
    assert "Traceback" not in result.output and "Error:" not in result.output


def test_no_path_is_a_usage_error():
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2 and "缺少要处理的文件或文件夹" in result.output


def test_a_bad_config_is_a_usage_error(returns, tmp_path):
    broken = tmp_path / "fenjie.toml"
    broken.write_text('county = "湘阴县"\nyear = 2025\ntownships = []\n', encoding="utf-8")
    result = run("报送", "--config", broken)
    assert result.exit_code == 2 and "townships" in result.output


def test_an_unreadable_file_is_an_error_and_the_batch_goes_on(returns):
    folder, _, _ = returns
    (folder / "broken.xlsx").write_bytes(b"this is not a spreadsheet at all")
    result = run("报送")
    assert result.exit_code == 1
    assert "报送/broken.xlsx: F001 无法读取：" in result.output
    assert "共 3 个文件：通过 1，有错 1，无法读取 1" in result.output
    assert "Traceback" not in result.output


def test_townships_that_sent_nothing_make_the_run_fail(returns, tmp_path):
    single = write_book(tmp_path / "单个" / "新泉镇.xlsx", grain())
    result = run(single.parent, "--config", CONFIG)
    assert result.exit_code == 1
    assert "未报送（15）：湘滨镇、南湖洲镇" in result.output
    assert "通过 1" in result.output and result.output.rstrip().endswith("未报送 15 个。")
    document = json.loads(run(single.parent, "--config", CONFIG, "--format", "json").stdout)
    assert len(document["missing"]) == 15 and document["files"][0]["township"] == "新泉镇"


def test_report_and_annotated_copies(returns, tmp_path):
    folder, clean, bad = returns
    before = {p: p.read_bytes() for p in (clean, bad)}
    result = run("报送", "--report", "结果/核对报告.xlsx", "--annotate", "标注")
    assert result.exit_code == 1
    assert "报告已写入 结果/核对报告.xlsx" in result.output and "标注副本 2 份已写入 标注" in result.output
    assert {p: p.read_bytes() for p in (clean, bad)} == before

    report = load_workbook(tmp_path / "结果" / "核对报告.xlsx")
    statuses = {r[0]: r[3] for r in report["汇总"].iter_rows(min_row=2, values_only=True)}
    assert statuses == {"报送/bad.xlsx": "有错", "报送/clean.xlsx": "通过"}
    first = report["问题清单"]["D2"]
    assert first.value == "B5" and first.hyperlink.target == "../报送/bad.xlsx"
    assert first.hyperlink.location == "Sheet1!B5"

    copy = load_workbook(tmp_path / "标注" / "bad.xlsx")["Sheet1"]
    assert copy["B5"].fill.fgColor.rgb == "00FFC7CE" and "N004" in copy["B5"].comment.text
    assert copy["D21"].fill.fgColor.rgb == "00FFC7CE" and "T001" in copy["D21"].comment.text
    assert (tmp_path / "标注" / "clean.xlsx").exists()


def test_annotating_into_the_returns_own_folder_is_refused(returns):
    folder, clean, bad = returns
    before = bad.read_bytes()
    result = run("报送/bad.xlsx", "--annotate", "报送")
    assert result.exit_code == 2 and "会覆盖报回的文件（bad.xlsx）" in result.output
    assert bad.read_bytes() == before and sorted(p.name for p in folder.iterdir()) == ["bad.xlsx", "clean.xlsx"]


def test_hostile_text_from_a_return_never_becomes_a_formula(returns, tmp_path):
    rows = grain()
    rows[4][0] = HOSTILE                  # 新泉镇's name replaced by formula-looking text
    hostile = write_book(tmp_path / "恶意" / "a.xlsx", rows)
    result = run(hostile, "--config", CONFIG, "--report", "r.xlsx", "--annotate", "标注")
    assert result.exit_code == 1 and "R003" in result.output
    with zipfile.ZipFile(tmp_path / "r.xlsx") as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml
    cells = [c for row in load_workbook(tmp_path / "r.xlsx")["问题清单"].iter_rows() for c in row
             if c.value == HOSTILE]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    copy = load_workbook(tmp_path / "标注" / "a.xlsx")["Sheet1"]
    assert copy["A5"].value == HOSTILE and copy["A5"].data_type == "s" and copy["A5"].comment


def test_many_files_in_json_mode_print_only_json(returns):
    folder, clean, _ = returns
    for n in range(7):
        shutil.copy(clean, folder / f"copy{n}.xlsx")
    result = run("报送", "--format", "json")
    assert json.loads(result.stdout)["summary"]["files"] == 9
    text = run("报送")
    assert text.output.count("共 9 个文件") == 1 and "核对中" not in text.output


# -- a real process, as a clerk runs it ---------------------------------------------------------

FENJIE = Path(sys.executable).parent / "fenjie"


def fenjie(*args, cwd):
    exe = str(FENJIE) if FENJIE.exists() else shutil.which("fenjie")
    return subprocess.run([exe, "check", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8")


def test_real_process_exit_status_and_output(returns, tmp_path):
    clean_run = fenjie("报送/clean.xlsx", "--config", CONFIG, cwd=tmp_path)
    assert clean_run.returncode == 0 and "通过 1" in clean_run.stdout and clean_run.stderr == ""
    bad_run = fenjie("报送/bad.xlsx", cwd=tmp_path)
    assert bad_run.returncode == 1
    assert bad_run.stdout.startswith("报送/bad.xlsx:B5: N004 ")
    json_run = fenjie("报送", "--format", "json", "--report", "r.xlsx", cwd=tmp_path)
    assert json_run.returncode == 1 and json.loads(json_run.stdout)["summary"]["files"] == 2
    assert "报告已写入 r.xlsx" in json_run.stderr       # notices never pollute the JSON
    usage = fenjie("报送", "--kind", "wheat", cwd=tmp_path)
    assert usage.returncode == 2 and "未知的表格类型" in usage.stderr and usage.stdout == ""
    for done in (clean_run, bad_run, json_run, usage):
        assert "Traceback" not in done.stderr + done.stdout


def test_check_help_does_not_import_heavy_modules():
    loaded, shown = help_imports("check")
    assert "--format" in shown
    assert not {"pandas", "openpyxl", "rich", "validators.batch", "validators.check.workbook"} & loaded


def run_on_a_terminal(args, cwd, stdout_too=False) -> tuple[int, str, str]:
    """Run fenjie check with stderr (and stdout) on a pseudo-terminal, as in a clerk's console."""
    import os
    import pty
    import threading
    exe = str(FENJIE) if FENJIE.exists() else shutil.which("fenjie")
    master, slave = pty.openpty()
    chunks = []

    def drain():
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    proc = subprocess.run([exe, "check", *args], cwd=cwd, stderr=slave, env=env, timeout=300,
                          stdout=slave if stdout_too else subprocess.PIPE)
    os.close(slave)
    reader.join(timeout=30)
    os.close(master)
    stdout = "" if stdout_too else proc.stdout.decode()
    return proc.returncode, stdout, b"".join(chunks).decode(errors="replace")


def test_progress_bar_on_a_terminal_for_many_files_never_in_json(returns, tmp_path):
    folder, clean, _ = returns
    for n in range(6):
        shutil.copy(clean, folder / f"copy{n}.xlsx")
    code, stdout, stderr = run_on_a_terminal(["报送"], tmp_path)
    assert code == 1 and "核对中" in stderr and "8/8" in stderr
    assert "核对中" not in stdout and "共 8 个文件" in stdout
    code, stdout, stderr = run_on_a_terminal(["报送", "--format", "json"], tmp_path)
    assert json.loads(stdout)["summary"]["files"] == 8 and "核对中" not in stderr
    code, stdout, stderr = run_on_a_terminal(["报送/bad.xlsx", "报送/clean.xlsx"], tmp_path)
    assert "核对中" not in stderr                     # two files: no bar


def test_an_unexpected_failure_is_a_chinese_message_and_a_log_not_a_traceback(returns, tmp_path,
                                                                               monkeypatch):
    import validators.batch

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")
    monkeypatch.setattr(validators.batch, "check_paths", broken)
    log = tmp_path / "日志" / "check.log"
    monkeypatch.setenv("FENJIE_LOG", str(log))
    result = run("报送")
    assert result.exit_code == 1
    assert "fenjie check 运行时出错（RuntimeError）" in result.output and str(log) in result.output
    assert "Traceback" not in result.output
    assert "simulated bug" in log.read_text(encoding="utf-8")


def test_colour_only_on_a_terminal(returns, tmp_path):
    code, _, screen = run_on_a_terminal(["报送/bad.xlsx"], tmp_path, stdout_too=True)
    assert code == 1 and "\x1b[" in screen and "N004" in screen and "22万亩" in screen
    piped = fenjie("报送/bad.xlsx", cwd=tmp_path)
    assert "\x1b[" not in piped.stdout + piped.stderr


def test_absolute_paths_under_the_cwd_are_shown_relative(returns, tmp_path):
    _, _, bad = returns
    result = run(bad.absolute())
    assert result.output.startswith("报送/bad.xlsx:B5: N004 ")
    elsewhere = write_book(tmp_path.parent / f"{tmp_path.name}-other" / "bad.xlsx", grain(B5="22万亩"))
    assert run(elsewhere).output.startswith(f"{elsewhere}:B5: N004 ")


def test_the_readme_example_is_what_fenjie_prints(tmp_path, monkeypatch):
    """README's `fenjie check` example block, re-run on the files it describes."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ fenjie check 报送/ --config fenjie.toml")
    block = readme[start:readme.index("$ echo $?", start)].splitlines()[1:]
    monkeypatch.chdir(tmp_path)
    write_book(tmp_path / "报送" / "新泉镇.xlsx", grain(B5="22万亩", C5=23))
    write_book(tmp_path / "报送" / "湘滨镇.xlsx", grain(D6=166500))
    write_book(tmp_path / "报送" / "南湖洲镇.xlsx", grain(D7="６０６００"))
    (tmp_path / "报送" / "扫描件.xlsx").write_bytes(b"PK\x03\x04 broken")
    result = run("报送/", "--config", CONFIG, "--report", "核对报告.xlsx", "--annotate", "标注/")
    assert result.exit_code == 1
    printed = result.output.splitlines()
    assert len(printed) == len(block), result.output
    for ours, documented in zip(printed, block):
        if " F001 " in documented:      # the reader's wording of the reason may be refined
            assert ours.split("：")[0] == documented.split("：")[0]
        else:
            assert ours == documented


def test_a_csv_return_gets_an_xlsx_annotated_copy_and_says_so(returns, tmp_path):
    rows = grain(B5="22万亩")
    lines = [",".join("" if v is None else str(v) for v in row) for row in rows]
    csv = tmp_path / "报送" / "东塘镇.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = csv.read_bytes()
    result = run(csv.relative_to(tmp_path), "--annotate", "标注")
    assert result.exit_code == 1 and "报送/东塘镇.csv:B5: N004" in result.output
    assert "原文件为 .csv 格式，标注副本另存为 标注/东塘镇.xlsx（只含数值）" in result.output
    assert csv.read_bytes() == before
    copy = load_workbook(tmp_path / "标注" / "东塘镇.xlsx").worksheets[0]
    assert copy["B5"].value == "22万亩" and "N004" in copy["B5"].comment.text


def test_a_folder_with_no_spreadsheet_is_a_usage_error(tmp_path):
    (tmp_path / "空").mkdir()
    (tmp_path / "空" / "说明.txt").write_text("无", encoding="utf-8")
    result = run(tmp_path / "空", "--config", CONFIG)
    assert result.exit_code == 2 and "没有找到要核对的表格（.xlsx .xlsm .xls .et .ods .csv）" in result.output


def test_output_cut_short_by_a_pipe_is_quiet(tmp_path):
    """`fenjie check … | head -1`: more output than a pipe holds, the reader leaves after one line."""
    rows = grain_rows()
    for row in rows[4:20]:
        row[1:] = [f"{v}万亩" for v in row[1:]]
    for n in range(12):
        write_book(tmp_path / "报送" / f"{n:02}.xlsx", rows)
    exe = str(FENJIE) if FENJIE.exists() else shutil.which("fenjie")
    proc = subprocess.Popen([exe, "check", "报送"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith("报送/00.xlsx:B5: N004".encode())
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 1
    assert stderr == ""


def test_an_annotated_copy_checks_the_same_as_its_original(returns, tmp_path):
    _, _, bad = returns
    assert run(bad, "--annotate", "标注").exit_code == 1
    original, copy = check_file(bad), check_file(tmp_path / "标注" / "bad.xlsx")
    assert copy.findings == original.findings and copy.findings
