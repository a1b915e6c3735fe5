"""Task tables (目标任务分解表) as clerks fill them: a required cell holding only 「/」 or 「无」 is
not filled in, 序号 written 「1.」「1、」 is 1, messages read right on a row without 序号, and the
headers clerks use (牵头部门, 配合部门) name the right columns.

Each test edits the gazette's own 85-task table (tests/sheets.task_rows, header merged over two
rows and repeated every 8 tasks as in the PDF), writes it with openpyxl (or saves it again through
LibreOffice) and compares what the engine finds with what it finds on the unedited table: the
edit must add exactly its own finding, at its own cell, and take nothing away.
"""
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import EXAMPLE, ROOT
from tests.sheets import task_rows
from tests.support.payload import run_press
from validators.batch import check_file

CONFIG = EXAMPLE / "fenjie.toml"


def write_tasks(path, cells=None, rows=None, *, merge_parent=True, header=None, seq=None):
    """The gazette's task table; `cells` {A1: value} edits it, `header` {column letter: text}
    renames a column in every (repeated) header row, `seq(n)` writes task n's 序号."""
    rows = rows if rows is not None else task_rows(repeat_every=8)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "目标任务分解表"
    for row in rows:
        row = list(row)
        if seq is not None and isinstance(row[0], int):
            row[0] = seq(row[0])
        if len(row) > 5 and row[5] == "责任人":
            for letter, text in (header or {}).items():
                row[ord(letter) - ord("A")] = text
        sheet.append(row)
        if len(row) > 5 and row[5] == "责任人":
            top = sheet.max_row
            if merge_parent:
                sheet.merge_cells(start_row=top, start_column=6, end_row=top, end_column=7)
            for col in range(1, 6):
                sheet.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
    for address, value in (cells or {}).items():
        sheet[address] = value
        sheet[address].data_type = "s" if isinstance(value, str) else sheet[address].data_type
    book.save(path)
    return path


def found(path, config):
    return {(f.cell, f.code) for f in check_file(path, config=config).findings}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    from templates.config import load_config
    path = write_tasks(tmp_path_factory.mktemp("base") / "公报.xlsx")
    return found(path, load_config(CONFIG))


# -- 1. a required cell holding only separators, punctuation or a placeholder ----------------------

@pytest.mark.parametrize("text", ["/", "／", "、", "；", "，", "\\", "-", "—", "——", "…", "*", "·", "。",
                                  " / ", "无", "（无）", "暂无", "待定", "略", "N/A", "0"])
def test_a_lead_unit_of_only_a_separator_or_a_placeholder_is_missing(tmp_path, text, example_config, baseline):
    path = write_tasks(tmp_path / "牵头单位.xlsx", {"D30": text})
    result = check_file(path, config=example_config)
    assert {(f.cell, f.code) for f in result.findings} - baseline == {("D30", "K001")}
    assert baseline <= {(f.cell, f.code) for f in result.findings}
    lead = next(f for f in result.findings if f.cell == "D30")
    assert lead.message == "第 22 项任务没有牵头单位" and lead.value == text and lead.is_error


@pytest.mark.parametrize(("cell", "text", "code", "message"), [
    ("C31", "/", "K002", "第 23 项任务没有责任领导"),
    ("C31", "无", "K002", "第 23 项任务没有责任领导"),
    ("F32", "/", "K003", "第 24 项任务缺少县政府责任人"),
    ("G35", "无", "K003", "第 25 项任务缺少牵头单位责任人"),       # was only a K006 warning
    ("G35", "——", "K003", "第 25 项任务缺少牵头单位责任人"),
    ("B36", "/", "K007", "第 26 项没有填写目标任务"),
    ("B36", "待定", "K007", "第 26 项没有填写目标任务"),
])
def test_every_required_column_takes_its_missing_rule(tmp_path, cell, text, code, message,
                                                      example_config, baseline):
    path = write_tasks(tmp_path / "必填.xlsx", {cell: text})
    result = check_file(path, config=example_config)
    assert {(f.cell, f.code) for f in result.findings} ^ baseline == {(cell, code)}
    finding = next(f for f in result.findings if f.cell == cell)
    assert (finding.message, finding.value) == (message, text)


@pytest.mark.parametrize("text", ["/", "、", "无", "—"])
def test_an_optional_related_units_cell_saying_none_is_fine(tmp_path, text, example_config, baseline):
    path = write_tasks(tmp_path / "相关单位.xlsx", {"E31": text, "E32": text})
    assert found(path, example_config) == baseline


def test_an_error_value_in_a_text_or_names_cell_is_f007_alone(tmp_path, example_config, baseline):
    """#REF! in 责任领导 passed; #N/A (read as 「N/A」) must not turn into a missing-value rule."""
    path = write_tasks(tmp_path / "错误值.xlsx")
    book = openpyxl.load_workbook(path)
    errors = {"C31": "#REF!", "D30": "#N/A", "E32": "#VALUE!", "B36": "#NULL!", "G35": "#DIV/0!"}
    for address, text in errors.items():
        book.active[address] = text
        book.active[address].data_type = "e"
    book.save(path)
    result = check_file(path, config=example_config)
    assert {(f.cell, f.code) for f in result.findings} ^ baseline == {(cell, "F007") for cell in errors}
    assert {f.cell: f.value for f in result.findings if f.code == "F007"} == errors


def test_fenjie_check_exits_1_and_the_button_does_not_say_passed(tmp_path, with_config):
    """The reviewer's case: D10 = "/" passed with exit 0 and the 校验 button said 校验通过."""
    path = write_tasks(tmp_path / "斜杠.xlsx", {"D10": "/"})
    fenjie = Path(sys.executable).parent / "fenjie"
    out = subprocess.run([str(fenjie), "check", str(path), "--format", "json", "--config", str(CONFIG)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1, out.stderr
    findings = json.loads(out.stdout)["files"][0]["findings"]
    assert {"code": "K001", "cell": "D10", "value": "/", "message": "第 6 项任务没有牵头单位"}.items() \
        <= next(f for f in findings if f["cell"] == "D10").items()
    outcome, _ = run_press(path)
    assert not outcome.alert.startswith("校验通过")
    assert ("D10", "K001") in {(f.cell, f.code) for f in outcome.result.findings}


# -- 2. 序号 written as text the way clerks number ------------------------------------------------

@pytest.mark.parametrize("form", ["{}.", "{}、", "{}．", "（{}）", "({})", "{}）", " {} ", "{}", "１{}"])
def test_sequence_numbers_written_as_text_are_their_numbers(tmp_path, form, example_config, baseline):
    number = (lambda n: form.format(n)) if not form.startswith("１") else (lambda n: str(n).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")))
    path = write_tasks(tmp_path / "序号.xlsx", seq=number)
    assert found(path, example_config) == baseline


def test_a_broken_sequence_written_with_dun_is_still_one_finding(tmp_path, example_config, baseline):
    path = write_tasks(tmp_path / "序号.xlsx", {"D30": "/"}, seq=lambda n: f"{n if n != 17 else 16}、")
    result = check_file(path, config=example_config)
    assert {(f.cell, f.code) for f in result.findings} ^ baseline == {("A25", "K005"), ("D30", "K001")}
    message = {f.cell: (f.message, f.suggestion) for f in result.findings}
    assert message["A25"] == ("序号 16 重复出现，按前后顺序应为 17", "17")
    assert message["D30"] == ("第 22 项任务没有牵头单位", None)            # not 「第 22、 项」


@pytest.mark.libreoffice
def test_text_sequence_numbers_saved_by_libreoffice(tmp_path, example_config, baseline):
    from scripts.libreoffice import convert
    path = write_tasks(tmp_path / "序号.xlsx", {"D30": "/"}, seq=lambda n: f"{n}.")
    saved = convert([path], "xlsx", tmp_path / "lo")[0]
    book = openpyxl.load_workbook(saved)
    assert book.active["A5"].value == "1."                            # still text after the save
    assert found(saved, example_config) ^ baseline == {("D30", "K001")}


# -- 3. messages on a row without 序号 --------------------------------------------------------------

def test_messages_on_a_task_row_without_a_sequence_number(tmp_path, example_config, baseline):
    rows = task_rows(repeat_every=8)
    rows.append([None, "完成信访积案化解 30 件", None, None, None, None, None])
    last = len(rows)
    result = check_file(write_tasks(tmp_path / "子行.xlsx", rows=rows), config=example_config)
    new = {(f.cell, f.code): f.message for f in result.findings if (f.cell, f.code) not in baseline}
    assert new == {(f"A{last}", "K005"): "序号未填写",
                   (f"C{last}", "K002"): f"第 {last} 行的任务没有责任领导",
                   (f"D{last}", "K001"): f"第 {last} 行的任务没有牵头单位",
                   (f"F{last}", "K003"): f"第 {last} 行的任务缺少县政府责任人",
                   (f"G{last}", "K003"): f"第 {last} 行的任务缺少牵头单位责任人"}
    assert not [f.message for f in result.findings if "  " in f.message or "（第" in f.message]


# -- 4. the headers clerks write -------------------------------------------------------------------

@pytest.mark.parametrize("header", [{"D": "牵头部门", "E": "配合单位"}, {"D": "牵头部门", "E": "配合部门"},
                                    {"D": "牵头部门"}, {"E": "配合部门"}, {"D": "牵头单位（部门）"},
                                    {"C": "责任县领导", "E": "配合单位（部门）"}])
def test_clerks_header_words_name_the_same_columns(tmp_path, header, example_config, baseline):
    path = write_tasks(tmp_path / "表头.xlsx", header=header)
    assert found(path, example_config) == baseline


@pytest.mark.parametrize("merge_parent", [True, False])
def test_the_owner_sub_column_is_never_taken_for_the_lead_unit(tmp_path, merge_parent, example_config):
    """With the lead-unit column's header unknown, 责任人 › 牵头单位 stays the owner column:
    the lead unit is a missing column (F006), the people's names are no unknown units."""
    path = write_tasks(tmp_path / "表头.xlsx", header={"D": "主办方"}, merge_parent=merge_parent)
    result = check_file(path, config=example_config)
    assert [f.message for f in result.findings if f.code == "F006"] == ["缺少必填列「牵头单位」"]
    assert not [f for f in result.findings if f.cell and f.cell.startswith("G") and f.code == "K004"]
    assert ("G78", "K003") in {(f.cell, f.code) for f in result.findings}    # still the owner column
