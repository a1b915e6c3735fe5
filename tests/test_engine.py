"""The engine on plain tables: the gazette's tables, totals, targets, rows and file-level rules.

Each rule's own failing and passing example lives in validators/check/examples.py and is run by
tests/test_rule_examples.py."""

import pytest

from templates.cells import cell_position
from templates.identity import Identity
from tests.sheets import book, grain_rows, task_rows
from validators.check.context import resolve_targets
from validators.check.rules import RULES
from validators.check.workbook import check_workbook
from validators.read.sheet import SheetData, WorkbookData


def codes_at(result):
    return {(f.code, f.cell) for f in result.findings}


def test_gazette_grain_table_passes_clean(example_config):
    result = check_workbook(book(grain_rows()), config=example_config)
    assert result.findings == [] and result.status == "ok" and result.kind == "grain-plan"
    assert result.totals == {"grain_area": 118, "early_rice_area": 39, "grain_output": 502000,
                             "early_rice_seedling": 28.4, "demo_seedling": 6.0}


def test_gazette_grain_table_passes_without_config():
    assert check_workbook(book(grain_rows())).findings == []


def set_cell(rows, a1, value):
    row, col = cell_position(a1)
    line = rows[row - 1]
    line.extend([None] * (col - len(line)))
    line[col - 1] = value
    return rows


def grain(*edits):
    rows = grain_rows()
    for a1, value in edits:
        set_cell(rows, a1, value)
    return rows


def test_number_finding_carries_original_and_suggestion():
    finding = check_workbook(book(grain(("B5", "２２．０")))).findings[0]
    assert finding.value == "２２．０" and finding.suggestion == "22" and finding.sheet == "Sheet1"
    assert RULES["N002"].severity == "error"


def test_number_as_text_is_an_error_even_when_clean():
    result = check_workbook(book(grain(("B5", "22"))))
    assert result.status == "invalid" and [f.code for f in result.findings] == ["N001"]


def test_text_sum_makes_total_wrong_as_excel_would_show_it():
    rows = grain(("B5", "22"), ("B21", 96))          # Excel's SUM skipped the text 22
    found = codes_at(check_workbook(book(rows)))
    assert ("N001", "B5") in found and ("T001", "B21") in found


# the rows add up to 118 (one decimal place used): a 合计 may round the sum to the places it shows
# (118, 118.0), never show more than the rows hand out (118.04 over rows that make 118 is wrong)
@pytest.mark.parametrize("total, ok", [(118.04, False), (118.06, False), (118, True), (118.1, False),
                                       (117.5, False)])
def test_total_is_its_rows_sum_rounded_to_the_places_it_shows(total, ok):
    rows = grain(("B21", total))
    assert (("T001", "B21") not in codes_at(check_workbook(book(rows)))) is ok


def test_total_row_missing():
    rows = grain_rows()[:-1]
    assert ("T004", None) in codes_at(check_workbook(book(rows)))


def test_total_row_above_the_townships_is_found():
    rows = grain_rows()
    rows.insert(4, rows.pop())
    assert check_workbook(book(rows)).findings == []


def test_targets_from_config_option_and_identity(example_config):
    rows = grain(("B5", 21), ("B21", 117))
    found = codes_at(check_workbook(book(rows), config=example_config))
    assert ("T002", "B21") in found and ("T001", "B21") not in found
    assert ("T002", "B21") not in codes_at(check_workbook(book(rows), targets={"粮食总面积": 117}))
    ident = Identity("grain-plan", 1, "湘阴县", 2025, "county", {"grain_area": 118})
    with_identity = WorkbookData("a.xlsx", [SheetData("S", rows)], identity=ident)
    assert ("T002", "B21") in codes_at(check_workbook(with_identity))


def test_resolve_targets_rejects_unknown_column():
    from templates.kinds import GRAIN_PLAN
    assert resolve_targets(GRAIN_PLAN, {"粮食总面积(万亩)": 1}) == {"grain_area": 1.0}
    with pytest.raises(KeyError):
        resolve_targets(GRAIN_PLAN, {"水稻": 1})


def test_rows_against_the_directory(example_config):
    rows = grain(("A6", "南州镇"), ("A8", "新泉镇"))
    result = check_workbook(book(rows), config=example_config)
    found = {f.code: f for f in result.findings}
    assert found["R003"].cell == "A6" and found["R003"].suggestion == "南湖洲镇"
    assert found["R002"].cell == "A8" and "5、8" in found["R002"].message
    missing = {f.message for f in result.findings if f.code == "R001"}
    assert missing == {"缺少「湘滨镇」这一行", "缺少「岭北镇」这一行"}


def test_township_sheet_against_assigned_figures(example_config):
    villages = example_config.villages["六塘乡"]
    header = ["村(社区)", "粮食总面积(万亩)", "早稻面积(万亩)", "粮食总产量(吨)", "早稻集中育秧(万亩)",
              "专业化示范育秧(万亩)"]
    rows = [["六塘乡2025年粮食生产计划任务分解表"], header]
    rows += [[v, 0.4, 0.05, 1640, 0.05, 0.03] for v in villages] + [["合计", 2.0, 0.25, 8200, 0.25, 0.15]]
    result = check_workbook(WorkbookData("六塘乡.xlsx", [SheetData("S", rows)]), config=example_config,
                            assigned={"六塘乡": {"grain_area": 2.0, "early_rice_area": 0.3,
                                                 "grain_output": 8200}})
    assert result.scope == "六塘乡"
    assert [(f.code, f.cell) for f in result.findings] == [("T003", "C8")]
    rows[3][0] = "不存在村"
    found = codes_at(check_workbook(WorkbookData("六塘乡.xlsx", [SheetData("S", rows)]),
                                    config=example_config))
    assert ("R003", "A4") in found and ("R001", None) in found


def test_file_level_rules_in_memory():
    hidden = SheetData("旧表", [["x"]], hidden=True)
    data = WorkbookData("a.xlsx", [SheetData("S", grain_rows(), hidden_rows=frozenset({6})), hidden])
    found = codes_at(check_workbook(data))
    assert ("F002", None) in found and ("F003", "A6") in found
    unsaved = {(21, 2): "=SUM(B5:B20)"}
    rows = grain(("B21", None))
    result = check_workbook(WorkbookData("a.xlsx", [SheetData("S", rows, unsaved_formulas=unsaved)]))
    assert [(f.code, f.cell, f.severity) for f in result.findings] == [("F004", "B21", "warning")]
    assert result.totals["grain_area"] == 118


def test_no_table_and_missing_column():
    assert [f.code for f in check_workbook(book([["随便写的"], ["一", "二"]])).findings] == ["F005"]
    rows = [row[:5] for row in grain_rows()]
    found = codes_at(check_workbook(book(rows)))
    assert ("F006", None) in found


def test_table_not_at_a1_keeps_clerk_addresses():
    data = WorkbookData("a.xlsx", [SheetData("S", grain(("B5", "22")), origin_row=3, origin_col=2)])
    assert [f.cell for f in check_workbook(data).findings] == ["C7"]


def test_ignore_silences_a_rule():
    assert check_workbook(book(grain(("B5", "22"))), ignore=["n001"]).findings == []


# -- task tables ------------------------------------------------------------------------------

def tasks(*edits):
    rows = task_rows()
    for a1, value in edits:
        set_cell(rows, a1, value)
    return rows


def test_gazette_task_table_findings(example_config):
    result = check_workbook(book(task_rows()), config=example_config)
    found = [(f.code, f.cell) for f in result.findings]
    assert result.kind == "task-breakdown"
    assert ("K002", "C26") in found                                   # task 18 has no 责任领导
    assert {"六塘乡", "虞公港及临港产业开发区建设指挥部"} <= {f.suggestion for f in result.findings if f.code == "K004"}
    assert ("K006", "G8") in found                                    # 陈峰 vs 陈锋 for 财政局
    assert not [c for c in found if c[0] in ("K001", "K005", "F005")]


def test_task_header_repeats_are_skipped(example_config):
    result = check_workbook(book(task_rows(repeat_every=5)), config=example_config)
    assert not [f for f in result.findings if f.code in ("K005", "N010", "K007")]


def test_unit_names_split_and_line_wrap_joined(example_config):
    rows = tasks(("E5", "工信局、农业农村局，地方金融服务 中心；各乡镇（街道）"))
    assert not [f for f in check_workbook(book(rows), config=example_config).findings
                if f.cell == "E5"]


def test_unsaved_total_is_recomputed_as_excel_would():
    """A SUM with no saved value skips the text cell, as Excel will when it opens the file."""
    unsaved = {(21, 2): "=SUM(B5:B20)"}
    rows = grain(("B21", None), ("B5", "22"))
    result = check_workbook(WorkbookData("a.xlsx", [SheetData("S", rows, unsaved_formulas=unsaved)]))
    found = {f.code: f for f in result.findings}
    assert set(found) == {"F004", "N001", "T001"}
    assert found["T001"].value == "96" and found["T001"].suggestion == "118"


def test_templates_own_hidden_directory_is_not_a_hidden_sheet():
    from templates.identity import DIRECTORY_SHEET
    directory = SheetData(DIRECTORY_SHEET, [["发改局"]], hidden=True)
    ident = Identity("grain-plan", 1, "湘阴县", 2025, "county", {})
    ours = WorkbookData("a.xlsx", [SheetData("S", grain_rows()), directory], identity=ident)
    assert check_workbook(ours).findings == []
    theirs = WorkbookData("a.xlsx", [SheetData("S", grain_rows()), directory])
    assert [f.code for f in check_workbook(theirs).findings] == ["F002"]


def test_another_county_from_its_own_config(tmp_path):
    from templates.config import load_config
    path = tmp_path / "fenjie.toml"
    path.write_text('county = "平江县"\nyear = 2026\ntownships = ["汉昌街道", "三市镇", "加义镇"]\n'
                    '[targets.grain-plan]\n"粮食总面积" = 30\n"早稻面积" = 10\n', encoding="utf-8")
    config = load_config(path)
    header = ["乡镇", "粮食播种面积（万亩）", "早稻面积\n(万亩)", "粮食总产量（吨）", "早稻集中育秧", "专业化示范育秧"]
    rows = [["平江县2026年粮食生产计划任务分解表"], header,
            ["汉昌街道", 5, 2, 2000 * 10, 1, 0.5], ["三市镇", 12, 4, 48000, 2, 1],
            ["加义县", 13, 4, 52000, 2, 1], ["合计", 30, 10, 120000, 5, 2.5]]
    result = check_workbook(book(rows), config=config)
    assert [(f.code, f.cell, f.suggestion) for f in result.findings] == [
        ("R001", None, None), ("R003", "A5", "加义镇")]
