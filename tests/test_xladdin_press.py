"""Pressing 校验 for real: xladdin.main() through xlwings' remote engine, on real .xlsx files.

Each workbook is written with openpyxl, turned into the remote engine's JSON, checked by
xladdin.main(); the returned actions are played back onto a copy of the file (as Excel would
apply them) and the copy is inspected. The oracle is validators.batch.check_file on the
same file — the engine `fenjie check` uses.
"""
import csv
import re
import shutil

import openpyxl
import pytest

from scripts.libreoffice import convert
from templates.labels import finding_column
from tests.conftest import EXAMPLE, GAZETTE
from tests.support.payload import apply_actions, run_press
from validators.batch import check_file
from xladdin.marks import FILLS, MARKS_SHEET
from xladdin.report import COLUMNS, RESULTS_SHEET

TSV = GAZETTE / "xiangyin-2025-grain-plan.tsv"
CONFIG = EXAMPLE / "fenjie.toml"
# what may happen to the checked sheet: fills, notes, activating it — never values
TABLE_ACTIONS = {"setRangeColor", "addNote", "deleteNote", "activateSheet"}


pytestmark = pytest.mark.usefixtures("fresh_addin")      # with_config: the example's fenjie.toml too


def grain_table() -> list[list]:
    with TSV.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return [rows[0]] + [[r[0], *(float(v) for v in r[1:])] for r in rows[1:]]


def write_grain(path, edit=None, top=1, left=1, sheet="粮食"):
    """A 湘阴县 grain table from the gazette extract; `edit(rows)` changes it first."""
    rows = grain_table()
    if edit:
        edit(rows)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    lines = [["湘阴县2025年粮食生产计划任务分解表"], ["单位：万亩、吨"], *rows]
    for r, line in enumerate(lines):
        for c, value in enumerate(line):
            ws.cell(top + r, left + c, value)
    book.save(path)
    return path


def table_row(rows, name):
    return next(r for r in rows if r[0] == name)


def put(name, column, value):
    def edit(rows):
        table_row(rows, name)[column] = value
    return edit


def press_and_apply(path, out, active=0):
    outcome, actions = run_press(path, active)
    apply_actions(path, actions, out)
    return outcome, actions, openpyxl.load_workbook(out)


def fills(ws) -> dict[str, str]:
    return {c.coordinate: "#" + c.fill.fgColor.rgb[-6:] for row in ws.iter_rows() for c in row
            if c.fill.fill_type == "solid"}


def values(ws) -> dict[str, object]:
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


def listed(book) -> list[tuple]:
    """The findings as 校验结果 shows them: (cell, code, message, value, suggestion)."""
    rows = list(book[RESULTS_SHEET].iter_rows(values_only=True))
    assert list(rows[1][:len(COLUMNS)]) == COLUMNS
    out = []
    keys = ("cell", "code", "message", "value", "suggestion")
    for cell, code, message, value, suggestion in ([r[finding_column(k) - 1] for k in keys] for r in rows[2:]):
        link = re.fullmatch(r'=HYPERLINK\("#\'[^\']+\'!([A-Z]+\d+)","([A-Z]+\d+)"\)', cell or "")
        if link:
            assert link.group(1) == link.group(2)
        out.append((link.group(1) if link else (cell or None), code, message, value or None,
                    suggestion or None))
    return out


def expected(findings) -> list[tuple]:
    return [(f.cell, f.code, f.message, f.value or None, f.suggestion or None) for f in findings]


def assert_marked_like_engine(book, findings, original, sheet="粮食"):
    """The sheet's fills are the original ones, except exactly the cells the engine flags."""
    want = fills(openpyxl.load_workbook(original)[sheet])
    marked = {}
    for f in findings:
        if f.cell and f.sheet == sheet and marked.get(f.cell) != FILLS["error"]:
            marked[f.cell] = FILLS["error"] if f.is_error else FILLS["warning"]
    assert fills(book[sheet]) == {**want, **marked}


def assert_table_untouched(actions, original, book, sheet="粮食"):
    index = openpyxl.load_workbook(original).sheetnames.index(sheet)
    touched = {a["func"] for a in actions if a["sheet_position"] == index}
    assert touched <= TABLE_ACTIONS
    assert values(book[sheet]) == values(openpyxl.load_workbook(original)[sheet])


# -- a clean table -----------------------------------------------------------------------------

def test_clean_grain_table_passes_and_stays_unmarked(tmp_path, with_config):
    path = write_grain(tmp_path / "湘阴县粮食.xlsx")
    assert check_file(path, config=with_config).findings == []
    outcome, actions, book = press_and_apply(path, tmp_path / "out.xlsx")
    assert outcome.alert == "校验通过：没有发现问题。"
    assert [a["args"][0] for a in actions if a["func"] == "alert"] == ["校验通过：没有发现问题。"]
    assert fills(book["粮食"]) == {} and listed(book) == []
    first_line = book[RESULTS_SHEET]["A1"].value
    assert "校验通过" in first_line and "「粮食」" in first_line
    assert book[MARKS_SHEET].sheet_state == "hidden"
    assert book.active.title == "粮食"
    assert_table_untouched(actions, path, book)


# -- each kind of defect ---------------------------------------------------------------------

DEFECTS = {
    "N001": put("新泉镇", 1, "22"),
    "N002": put("新泉镇", 1, "２２"),
    "N003": put("新泉镇", 3, "95,000"),
    "N004": put("湘滨镇", 1, "15.5万亩"),
    "N005": put("湘滨镇", 2, "约6.5"),
    "N006": put("岭北镇", 1, " 14.4 "),
    "N007": put("岭北镇", 4, "待定"),
    "N008": put("六塘乡", 5, -0.15),
    "N009": put("金龙镇", 5, None),
    "F007": put("静河镇", 3, "#DIV/0!"),
    "X001": put("樟树镇", 2, 3.0),
    "T001": put("合计", 1, 120),
    "T004": lambda rows: rows.remove(table_row(rows, "合计")),
    "R002": lambda rows: rows.insert(3, list(table_row(rows, "新泉镇"))),
    "R003": put("三塘镇", 0, "三溏镇"),
    "P001": put("东塘镇", 3, 2080),
}


@pytest.mark.parametrize("code", sorted(DEFECTS))
def test_each_defect_is_listed_and_marked_like_fenjie_check(code, tmp_path, with_config):
    path = write_grain(tmp_path / f"defect-{code}.xlsx", DEFECTS[code])
    engine = check_file(path, config=with_config).findings
    assert code in {f.code for f in engine}
    outcome, actions, book = press_and_apply(path, tmp_path / "out.xlsx")
    assert listed(book) == expected(engine)
    assert_marked_like_engine(book, engine, path)
    assert_table_untouched(actions, path, book)
    errors = sum(f.is_error for f in engine)
    assert f"错误 {errors} 处" in outcome.alert and f"错误 {errors} 处" in book[RESULTS_SHEET]["A1"].value
    assert not any("Traceback" in str(a["args"]) for a in actions)


def test_notes_carry_the_findings_and_spare_the_clerks_own_note(tmp_path, with_config):
    path = write_grain(tmp_path / "notes.xlsx", lambda rows: [put("新泉镇", 1, "22万亩")(rows),
                                                               put("合计", 1, 120)(rows)])
    book = openpyxl.load_workbook(path)
    book["粮食"]["B20"].comment = openpyxl.comments.Comment("县里说合计先空着", "clerk")
    book.save(path)
    _, _, out = press_and_apply(path, tmp_path / "out.xlsx")
    ws = out["粮食"]
    assert "N004" in ws["B4"].comment.text and "22" in ws["B4"].comment.text
    assert ws["B20"].comment.text == "县里说合计先空着"      # T001 there, but the note is the clerk's
    assert fills(ws)["B20"] == FILLS["error"]


def test_table_away_from_a1_keeps_its_addresses(tmp_path, with_config):
    path = write_grain(tmp_path / "offset.xlsx", put("新泉镇", 1, "22万亩"), top=4, left=3)
    engine = check_file(path, config=with_config).findings
    assert any(f.cell == "D7" and f.code == "N004" for f in engine)
    _, actions, book = press_and_apply(path, tmp_path / "out.xlsx")
    assert listed(book) == expected(engine)
    assert_marked_like_engine(book, engine, path)


def test_findings_without_a_cell_are_listed_but_mark_nothing(tmp_path, with_config):
    path = write_grain(tmp_path / "missing.xlsx", lambda rows: rows.remove(table_row(rows, "文星街道")))
    engine = check_file(path, config=with_config).findings
    assert any(f.cell is None and f.code == "R001" for f in engine)
    _, _, book = press_and_apply(path, tmp_path / "out.xlsx")
    assert listed(book) == expected(engine)
    assert_marked_like_engine(book, engine, path)


# -- pressing again ---------------------------------------------------------------------------

def test_second_press_removes_the_first_press_marks(tmp_path, with_config):
    bad = write_grain(tmp_path / "bad.xlsx", lambda rows: [put("新泉镇", 1, "22万亩")(rows),
                                                            put("湘滨镇", 3, "66,500")(rows)])
    _, _, first = press_and_apply(bad, tmp_path / "pressed-once.xlsx")
    assert set(fills(first["粮食"])) == {"B4", "D5"}
    # the clerk fixes both cells (the marks and the record stay in the workbook) and presses again
    first["粮食"]["B4"], first["粮食"]["D5"] = 22.0, 66500.0
    first.save(tmp_path / "fixed.xlsx")
    outcome, actions, second = press_and_apply(tmp_path / "fixed.xlsx", tmp_path / "pressed-twice.xlsx")
    assert outcome.alert == "校验通过：没有发现问题。"
    assert fills(second["粮食"]) == {}
    assert all(c.comment is None for row in second["粮食"].iter_rows() for c in row)
    assert listed(second) == []
    assert second.sheetnames.count(RESULTS_SHEET) == 1 and second.sheetnames.count(MARKS_SHEET) == 1


def test_marks_do_not_pile_up_when_pressed_twice_on_the_same_defects(tmp_path, with_config):
    bad = write_grain(tmp_path / "bad.xlsx", put("新泉镇", 1, "22万亩"))
    _, _, first = press_and_apply(bad, tmp_path / "once.xlsx")
    _, actions, second = press_and_apply(tmp_path / "once.xlsx", tmp_path / "twice.xlsx")
    assert fills(second["粮食"]) == fills(first["粮食"])
    assert listed(second) == listed(first)
    assert [c.coordinate for row in second["粮食"].iter_rows() for c in row if c.comment] == \
        [c.coordinate for row in first["粮食"].iter_rows() for c in row if c.comment]
    record = [r for r in second[MARKS_SHEET].iter_rows(values_only=True)][2:]
    assert len(record) == len(fills(first["粮食"]))


def test_a_cell_gets_back_the_fill_it_had_before_it_was_marked(tmp_path, with_config):
    bad = write_grain(tmp_path / "bad.xlsx", put("新泉镇", 1, "22万亩"))
    _, _, first = press_and_apply(bad, tmp_path / "once.xlsx")
    # desktop Excel can read fills, so the record may hold a real one: the clerk's green B4
    record = first[MARKS_SHEET]
    row = next(r for r in record.iter_rows() if r[1].value == "B4")
    row[2].value = "#00B050"
    first["粮食"]["B4"] = 22.0
    first.save(tmp_path / "fixed.xlsx")
    _, actions, second = press_and_apply(tmp_path / "fixed.xlsx", tmp_path / "twice.xlsx")
    assert fills(second["粮食"]) == {"B4": "#00B050"}


def test_pressing_on_the_results_sheet_checks_the_sheet_checked_last(tmp_path, with_config):
    bad = write_grain(tmp_path / "bad.xlsx", put("新泉镇", 1, "22万亩"))
    press_and_apply(bad, tmp_path / "once.xlsx")
    outcome, actions, book = press_and_apply(tmp_path / "once.xlsx", tmp_path / "twice.xlsx",
                                             active=RESULTS_SHEET)
    assert outcome.sheet == "粮食" and "错误 1 处" in outcome.alert
    assert book.active.title == "粮食"


def test_results_sheet_without_a_last_check_asks_to_pick_the_table(tmp_path):
    path = write_grain(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    book.create_sheet(RESULTS_SHEET)
    book.save(path)
    outcome, actions = run_press(path, RESULTS_SHEET)
    assert [a["func"] for a in actions] == ["alert"]
    assert "请先点选要校验的分解表工作表" in actions[0]["args"][0]


# -- failures -----------------------------------------------------------------------------------

def test_a_bad_config_is_a_chinese_alert_and_nothing_is_written(tmp_path, monkeypatch):
    broken = tmp_path / "fenjie.toml"
    broken.write_text('county = "湘阴县"\nyear = "二〇二五"\ntownships = ["新泉镇"]\n', encoding="utf-8")
    monkeypatch.setenv("FENJIE_CONFIG", str(broken))
    outcome, actions = run_press(write_grain(tmp_path / "t.xlsx", put("新泉镇", 1, "22万亩")))
    assert [a["func"] for a in actions] == ["alert"]
    assert "配置文件有问题" in actions[0]["args"][0] and "year" in actions[0]["args"][0]
    assert actions[0]["args"][3] == "critical"


def test_an_unexpected_error_is_a_chinese_alert_and_the_traceback_goes_to_the_log(tmp_path, monkeypatch):
    import validators.check.workbook

    def broken(*args, **kwargs):
        raise ZeroDivisionError("engine bug")
    monkeypatch.setattr(validators.check.workbook, "check_workbook", broken)
    path = write_grain(tmp_path / "t.xlsx")
    outcome, actions = run_press(path)
    assert [a["func"] for a in actions] == ["alert"]
    text = actions[0]["args"][0]
    assert "校验时出错了" in text and "xladdin.log" in text and "Traceback" not in text
    log = (tmp_path / "log" / "xladdin.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "ZeroDivisionError: engine bug" in log


def test_fenjie_config_env_that_does_not_exist_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("FENJIE_CONFIG", str(tmp_path / "nowhere.toml"))
    outcome, actions = run_press(write_grain(tmp_path / "t.xlsx"))
    assert "FENJIE_CONFIG" in actions[-1]["args"][0]


def test_config_in_the_user_folder_is_used(tmp_path):
    folder = tmp_path / "home" / ".fenjie"
    folder.mkdir(parents=True)
    (folder / "fenjie.toml").write_bytes(CONFIG.read_bytes())
    shutil.copytree(CONFIG.parent / "kinds", folder / "kinds")       # the kind files it names
    path = write_grain(tmp_path / "t.xlsx", put("三塘镇", 0, "三溏镇"))
    outcome, _ = run_press(path)
    assert "R003" in {f.code for f in outcome.result.findings}     # the name check needs the config


def test_config_is_looked_for_in_env_then_beside_the_workbook_then_the_user_folder(tmp_path, monkeypatch):
    from xladdin.settings import config_candidates
    book = tmp_path / "returns" / "新泉镇.xlsx"
    assert config_candidates(str(book)) == [book.parent / "fenjie.toml",
                                            tmp_path / "home" / ".fenjie" / "fenjie.toml"]
    monkeypatch.setenv("FENJIE_CONFIG", str(tmp_path / "county.toml"))
    assert config_candidates(str(book))[0] == tmp_path / "county.toml"
    assert config_candidates("新泉镇.xlsx")[1:] == [tmp_path / "home" / ".fenjie" / "fenjie.toml"]


# -- the example county's own template (identity block, SUM formulas with saved results) --------

COUNTY_TABLE = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"


@pytest.mark.parametrize("configured", [True, False], ids=["fenjie.toml", "identity-block-only"])
def test_the_example_county_table_passes(configured, tmp_path, monkeypatch):
    if configured:
        monkeypatch.setenv("FENJIE_CONFIG", str(CONFIG))
    sheet = openpyxl.load_workbook(COUNTY_TABLE).sheetnames[0]
    outcome, actions, book = press_and_apply(COUNTY_TABLE, tmp_path / "out.xlsx")
    assert outcome.result.kind == "grain-plan" and outcome.result.findings == []
    assert outcome.alert == "校验通过：没有发现问题。"
    assert fills(book[sheet]) == fills(openpyxl.load_workbook(COUNTY_TABLE)[sheet])
    assert_table_untouched(actions, COUNTY_TABLE, book, sheet)


@pytest.mark.libreoffice
def test_the_example_table_edited_in_a_spreadsheet_program(tmp_path, with_config):
    """Typed-in defects, recalculated by LibreOffice as Excel would before the button is pressed."""
    book = openpyxl.load_workbook(COUNTY_TABLE)
    sheet = book.sheetnames[0]
    book[sheet]["B5"], book[sheet]["D6"] = "22万亩", "66,500"
    book.save(tmp_path / "typed.xlsx")
    path, = convert([tmp_path / "typed.xlsx"], "xlsx", tmp_path / "saved", timeout=180)
    engine = check_file(path, config=with_config).findings
    assert {"N004", "N003", "T001", "T002"} <= {f.code for f in engine}
    outcome, actions, out = press_and_apply(path, tmp_path / "out.xlsx")
    assert listed(out) == expected(engine)
    assert_marked_like_engine(out, engine, path, sheet)
    assert_table_untouched(actions, path, out, sheet)


def test_the_sheets_the_button_adds_do_not_change_what_fenjie_check_says(tmp_path, with_config):
    bad = write_grain(tmp_path / "bad.xlsx", lambda rows: [put("新泉镇", 1, "22万亩")(rows),
                                                            put("合计", 3, 500000)(rows)])
    press_and_apply(bad, tmp_path / "pressed.xlsx")
    before = [f.to_dict() for f in check_file(bad, config=with_config).findings]
    after = [f.to_dict() for f in check_file(tmp_path / "pressed.xlsx", config=with_config).findings]
    assert after == before


def test_notes_stop_at_the_cap_but_every_cell_is_filled_and_listed(tmp_path, with_config, monkeypatch):
    import xladdin.marks
    monkeypatch.setattr(xladdin.marks, "MAX_NOTES", 2)
    names = ["新泉镇", "湘滨镇", "南湖洲镇", "岭北镇"]
    path = write_grain(tmp_path / "many.xlsx", lambda rows: [put(n, 5, f"{table_row(rows, n)[5]}万亩")(rows)
                                                             for n in names])
    outcome, _, book = press_and_apply(path, tmp_path / "out.xlsx")
    ws = book["粮食"]
    assert {f"F{r}" for r in range(4, 8)} <= set(fills(ws))
    assert [c.coordinate for row in ws.iter_rows() for c in row if c.comment] == ["F4", "F5"]
    assert [m.note for m in outcome.marks] == [True, True, False, False]
    assert len(listed(book)) == 4


def test_cells_excel_refuses_to_colour_are_listed_and_named_in_the_alert(tmp_path, with_config, monkeypatch):
    """Our templates lock the 合计 row; on a protected sheet Excel refuses to fill those cells."""
    from xlwings.pro import _xlremote
    plain = _xlremote.Range.color

    def protected_total_row(rng, value):
        last = rng.arg2[0] if rng.arg2 else rng.row
        if rng.sheet.name == "粮食" and rng.row <= 20 <= last:
            raise RuntimeError("The cell you're trying to change is on a protected sheet.")
        plain.fset(rng, value)
    monkeypatch.setattr(_xlremote.Range, "color", property(plain.fget, protected_total_row))
    path = write_grain(tmp_path / "locked.xlsx", lambda rows: [put("新泉镇", 1, "22万亩")(rows),
                                                               put("合计", 1, 120)(rows)])
    outcome, actions, book = press_and_apply(path, tmp_path / "out.xlsx")
    assert fills(book["粮食"]) == {"B4": FILLS["error"]}
    assert {c for c, *_ in listed(book)} == {"B4", "B20"}
    assert "1 个单元格在工作表受保护的区域" in outcome.alert
    assert [m.cell for m in outcome.marks] == [(4, 2)]


def test_the_example_task_table_with_the_gazettes_real_gaps(tmp_path, with_config):
    """目标任务分解表 as the gazette printed it: two-row header, missing 责任人 and the like."""
    path = EXAMPLE / "县分解表" / "湘阴县2025年目标任务分解表.xlsx"
    sheet = openpyxl.load_workbook(path).sheetnames[0]
    engine = check_file(path, config=with_config).findings
    assert engine, "the gazette's task table has known gaps"
    outcome, actions, book = press_and_apply(path, tmp_path / "out.xlsx")
    assert outcome.result.kind == "task-breakdown"
    assert listed(book) == expected(engine)
    assert_marked_like_engine(book, engine, path, sheet)
    assert_table_untouched(actions, path, book, sheet)


def test_a_clerks_own_sheet_called_results_is_never_cleared(tmp_path, with_config):
    path = write_grain(tmp_path / "t.xlsx", put("新泉镇", 1, "22万亩"))
    book = openpyxl.load_workbook(path)
    book.create_sheet(RESULTS_SHEET)["A1"] = "乡里自己的核对记录"
    book.save(path)
    outcome, actions = run_press(path)
    assert [a["func"] for a in actions] == ["alert"]
    assert "请先把它改名" in actions[0]["args"][0]


def test_a_sheet_without_a_table_says_so_in_the_alert(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active["A1"] = "请在下一页填写"
    book.save(tmp_path / "notes.xlsx")
    engine = check_file(tmp_path / "notes.xlsx").findings
    outcome, actions, out = press_and_apply(tmp_path / "notes.xlsx", tmp_path / "out.xlsx")
    assert [f.code for f in engine] == ["F005"] and listed(out) == expected(engine)
    assert engine[0].message in outcome.alert and "已填红色" not in outcome.alert
    assert fills(out["说明"]) == {}


def test_the_alert_shows_the_first_findings_and_the_count():
    from validators.findings import FileResult, Finding
    from xladdin.report import alert_text
    findings = [Finding("N004", "error", f"第 {i} 处", sheet="粮食", cell=f"B{i}") for i in range(4, 9)]
    text = alert_text(FileResult("t.xlsx", findings=findings), marked=5)
    assert text.startswith("发现错误 5 处，提醒 0 处：")
    assert "B4 第 4 处" in text and "B6 第 6 处" in text and "B7" not in text and "共 5 处" in text
    assert "已填红色" in text


def recalculated(path, out_dir):
    """The workbook as a spreadsheet program saves it: formulas with their results."""
    return convert([path], "xlsx", out_dir, timeout=180)[0]


@pytest.mark.libreoffice
def test_a_township_fills_its_own_template_and_presses(tmp_path, with_config):
    """新泉镇's template (township scope: its villages, the county's figures in the identity block)."""
    from templates.kinds import GRAIN_PLAN
    from templates.writer import write_township_templates
    from validators.county import read_assigned
    assigned = read_assigned(COUNTY_TABLE, GRAIN_PLAN, with_config)
    template = next(p for p in write_township_templates(GRAIN_PLAN, with_config, assigned, tmp_path / "t")
                    if p.name.startswith("新泉镇"))
    book = openpyxl.load_workbook(template)
    ws = book.worksheets[0]
    villages = set(with_config.villages["新泉镇"])
    rows = [c.row for c in ws["A"] if c.value in villages]
    figures = [22, 9, 95000, 6, 0.7]                   # what the county assigned to 新泉镇
    for index, row in enumerate(rows):
        share = [v / len(rows) for v in figures] if index else [v - v / len(rows) * (len(rows) - 1) for v in figures]
        for col, value in enumerate(share, start=2):
            ws.cell(row, col, round(value, 6))
    ws.cell(rows[0], 2, "1.1万亩")                      # a unit typed into a cell: N004, and 合计 off
    book.save(tmp_path / "新泉镇.xlsx")
    path = recalculated(tmp_path / "新泉镇.xlsx", tmp_path / "saved")
    engine = check_file(path, config=with_config)
    assert engine.scope == "新泉镇" and "N004" in {f.code for f in engine.findings}
    outcome, actions, out = press_and_apply(path, tmp_path / "out.xlsx")
    assert outcome.result.scope == "新泉镇"
    assert listed(out) == expected(engine.findings)
    assert_marked_like_engine(out, engine.findings, path, ws.title)
    assert_table_untouched(actions, path, out, ws.title)


def test_a_hidden_sheet_is_reported_as_fenjie_check_does(tmp_path, with_config):
    path = write_grain(tmp_path / "hidden.xlsx", put("新泉镇", 1, "22万亩"))
    book = openpyxl.load_workbook(path)
    old = book.create_sheet("旧数据", 0)
    old["A1"], old.sheet_state = "上一年的数", "hidden"
    book.save(path)
    engine = check_file(path, config=with_config).findings
    assert [f.sheet for f in engine if f.code == "F002"] == ["旧数据"]
    outcome, actions, out = press_and_apply(path, tmp_path / "out.xlsx", active="粮食")
    assert listed(out) == expected(engine)
    assert_marked_like_engine(out, engine, path)
    assert_table_untouched(actions, path, out)


def test_pressing_on_another_sheet_clears_the_marks_on_the_first(tmp_path, with_config):
    path = write_grain(tmp_path / "two.xlsx", put("新泉镇", 1, "22万亩"))
    book = openpyxl.load_workbook(path)
    copy = book.copy_worksheet(book["粮食"])
    copy.title = "粮食(修改)"
    copy["B4"] = 22.0
    book.save(path)
    _, _, first = press_and_apply(path, tmp_path / "once.xlsx", active="粮食")
    assert fills(first["粮食"]) == {"B4": FILLS["error"]}
    outcome, _, second = press_and_apply(tmp_path / "once.xlsx", tmp_path / "twice.xlsx", active="粮食(修改)")
    assert outcome.sheet == "粮食(修改)" and outcome.result.findings == []
    assert fills(second["粮食"]) == {} and fills(second["粮食(修改)"]) == {}
    assert second["粮食"]["B4"].comment is None


def test_marks_on_a_renamed_sheet_stay_recorded_until_a_press_can_reach_them(tmp_path, with_config):
    """The remote engine cannot see a rename follow the marks, so it keeps them in the record."""
    bad = write_grain(tmp_path / "bad.xlsx", put("新泉镇", 1, "22万亩"))
    _, _, first = press_and_apply(bad, tmp_path / "once.xlsx")
    first["粮食"].title = "粮食2025"
    first["粮食2025"]["B4"] = 22.0
    first.save(tmp_path / "renamed.xlsx")
    _, _, second = press_and_apply(tmp_path / "renamed.xlsx", tmp_path / "twice.xlsx")
    record = [r[:2] for r in second[MARKS_SHEET].iter_rows(min_row=3, values_only=True)]
    assert ("粮食", "B4") in record
    second["粮食2025"].title = "粮食"                     # renamed back: the next press clears it
    second.save(tmp_path / "back.xlsx")
    outcome, _, third = press_and_apply(tmp_path / "back.xlsx", tmp_path / "thrice.xlsx")
    assert outcome.alert == "校验通过：没有发现问题。"
    assert fills(third["粮食"]) == {} and all(c.comment is None for row in third["粮食"].iter_rows()
                                              for c in row)
