"""Rendering findings: text lines, the JSON document and the Excel report, on hand-built results."""
import json
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from templates.labels import FINDING_HEADERS
from validators.check.rules import RULES
from validators.findings import BatchResult, FileResult, Finding
from validators.output.render import display_path, json_document, plain, text_lines
from validators.output.report import SUMMARY_HEADERS, write_report

HOSTILE = ("=HYPERLINK(\"http://evil\",\"点我\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)")


def n004(cell="B5", sheet="Sheet1"):
    return RULES["N004"].finding(sheet=sheet, cell=cell, value="22万亩", suggestion="22", number="22")


def sample_batch() -> BatchResult:
    bad = FileResult("returns/新泉镇.xlsx", kind="grain-plan", scope="新泉镇", sheet="Sheet1", findings=[
        n004(),
        RULES["R001"].finding(sheet="Sheet1", name="南湖洲镇"),
        RULES["F002"].finding(sheet="备用", name="备用"),
        Finding("T001", "error", "合计不符", sheet="数据 2", cell="C21"),
        RULES["P001"].finding(sheet="Sheet1", cell="A7", ratio="950"),
    ])
    clean = FileResult("returns/湘滨镇.xlsx", kind="grain-plan", scope="湘滨镇", sheet="Sheet1")
    broken = FileResult("returns/坏.xlsx", unreadable=True,
                        findings=[RULES["F001"].finding(reason="文件已损坏")])
    return BatchResult([bad, clean, broken], missing=["岭北镇", "东塘镇"],
                       duplicates={"湘滨镇": ["returns/湘滨镇.xlsx", "returns/湘滨镇(1).xlsx"]},
                       counted={"湘滨镇": "returns/湘滨镇(1).xlsx"})


def test_text_lines_are_ruff_like_and_grouped_by_file():
    lines = [plain(line) for line in text_lines(sample_batch())]
    assert lines[0] == ("returns/新泉镇.xlsx:B5: N004 单元格中写了单位「22万亩」，应只填数字 22"
                        " [原值 22万亩 → 建议 22]")
    assert lines[1] == "returns/新泉镇.xlsx: R001 缺少「南湖洲镇」这一行"
    assert lines[2] == "returns/新泉镇.xlsx:备用: F002（提醒） 工作簿中有隐藏的工作表「备用」"
    assert lines[3] == "returns/新泉镇.xlsx:'数据 2'!C21: T001 合计不符"
    assert lines[4].startswith("returns/新泉镇.xlsx:A7: P001（提醒） 亩产 950")
    assert lines[5] == ""
    assert lines[6] == "returns/坏.xlsx: F001 无法读取：文件已损坏"
    assert "湘滨镇.xlsx:" not in "\n".join(lines[:8])     # a clean file prints no line
    assert "未报送（2）：岭北镇、东塘镇" in lines
    assert "重复报送：湘滨镇（2 份：returns/湘滨镇.xlsx、returns/湘滨镇(1).xlsx；计入无错的最新一份 湘滨镇(1).xlsx）" in lines
    assert lines[-1] == "共 3 个文件：通过 1，有错 1，无法读取 1；错误 4 个，提醒 2 个；未报送 2 个。"


def test_text_summary_of_a_clean_batch():
    batch = BatchResult([FileResult("a.xlsx", kind="grain-plan")])
    assert [plain(line) for line in text_lines(batch)] == [
        "共 1 个文件：通过 1，有错 0，无法读取 0；错误 0 个，提醒 0 个。"]


def test_suggestion_without_value_and_styles():
    result = FileResult("a.xlsx", sheet="S")
    finding = RULES["R003"].finding(sheet="S", cell="A9", suggestion="南洲镇", name="南州镇")
    line = text_lines(BatchResult([result]))  # no findings: only the summary
    assert len(line) == 1
    result.findings = [finding]
    first = text_lines(BatchResult([result]))[0]
    assert plain(first) == "a.xlsx:A9: R003 「南州镇」不在本县的名单中 [建议 南洲镇]"
    assert ("R003", "bold red") in first


def test_display_path_relative_to_base(tmp_path):
    inside = tmp_path / "报送" / "a.xlsx"
    assert display_path(str(inside), tmp_path) == str(Path("报送") / "a.xlsx")
    assert display_path("/elsewhere/a.xlsx", tmp_path) == "/elsewhere/a.xlsx"
    assert display_path("rel/a.xlsx", tmp_path) == "rel/a.xlsx"


def test_json_document_follows_the_contract():
    document = json.loads(json.dumps(json_document(sample_batch()), ensure_ascii=False))
    assert {"files", "missing", "summary"} <= document.keys()
    assert document["summary"] == {"files": 3, "ok": 1, "invalid": 1, "unreadable": 1,
                                   "errors": 4, "warnings": 2}
    first = document["files"][0]
    assert first["status"] == "invalid" and first["kind"] == "grain-plan" and first["township"] == "新泉镇"
    assert first["findings"][0] == {"code": "N004", "severity": "error",
                                    "message": "单元格中写了单位「22万亩」，应只填数字 22",
                                    "sheet": "Sheet1", "cell": "B5", "value": "22万亩", "suggestion": "22"}
    assert first["findings"][1]["cell"] is None
    assert [f["status"] for f in document["files"]] == ["invalid", "ok", "unreadable"]
    assert document["missing"] == ["岭北镇", "东塘镇"]
    assert document["duplicates"] == {"湘滨镇": ["returns/湘滨镇.xlsx", "returns/湘滨镇(1).xlsx"]}


def rows_of(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_report_summary_and_findings_sheets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)          # the batch's relative paths are relative to the cwd
    out = write_report(sample_batch(), tmp_path / "报告" / "核对报告.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "问题清单"]
    summary, findings = wb["汇总"], wb["问题清单"]
    rows = rows_of(summary)
    assert tuple(rows[0]) == SUMMARY_HEADERS
    assert rows[1][:6] == ["returns/新泉镇.xlsx", "新泉镇", "粮食生产计划任务分解表", "有错", 3, 2]
    assert rows[2][:6] == ["returns/湘滨镇.xlsx", "湘滨镇", "粮食生产计划任务分解表", "通过", 0, 0]
    assert rows[2][6] == "湘滨镇报送了 2 份"
    assert rows[3][:6] == ["returns/坏.xlsx", None, None, "无法读取", 1, 0]
    assert [r[1] for r in rows[4:]] == ["岭北镇", "东塘镇"] and {r[3] for r in rows[4:]} == {"未报送"}
    assert summary.freeze_panes == "A2" and summary.auto_filter.ref == "A1:G6"
    assert summary["A1"].font.bold and summary.column_dimensions["A"].width == 40
    assert summary.print_title_rows == "$1:$1" and summary.page_setup.orientation == "landscape"
    assert summary.sheet_properties.pageSetUpPr.fitToPage and summary.page_setup.fitToHeight == 0

    frows = rows_of(findings)
    assert tuple(frows[0]) == FINDING_HEADERS == ("文件", "乡镇", "工作表", "单元格", "规则", "级别",
                                                  "说明", "原值", "建议")
    assert frows[1] == ["returns/新泉镇.xlsx", "新泉镇", "Sheet1", "B5", "N004", "错误",
                        "单元格中写了单位「22万亩」，应只填数字 22", "22万亩", "22"]
    assert frows[5][5] == "提醒"
    assert frows[-1][:7] == [None, "东塘镇", None, None, "S001", "错误", "「东塘镇」尚未报送"]
    assert findings.freeze_panes == "A2" and findings.auto_filter.ref.startswith("A1:I")

    link = findings["D2"].hyperlink      # relative to the report's folder, to the very cell
    assert (link.target, link.location) == ("../returns/新泉镇.xlsx", "Sheet1!B5")
    assert findings["A2"].hyperlink.target == "../returns/新泉镇.xlsx"
    assert findings["D5"].hyperlink.location == "'数据 2'!C21"
    assert findings["D3"].hyperlink is None            # R001 has no cell: a link to the file only
    assert findings["A3"].hyperlink.target == "../returns/新泉镇.xlsx"
    assert summary["A2"].hyperlink.target == "../returns/新泉镇.xlsx"


def test_report_never_writes_a_formula(tmp_path):
    """A township name or cell text beginning with = + - @ is written as text, quote-prefixed."""
    findings = [Finding("N007", "error", text, sheet="Sheet1", cell="B5", value=text, suggestion=text)
                for text in HOSTILE]
    batch = BatchResult([FileResult("=a.xlsx", kind="grain-plan", scope=HOSTILE[1], sheet="Sheet1",
                                    findings=findings)], missing=[HOSTILE[0]])
    out = write_report(batch, tmp_path / "r.xlsx")
    with zipfile.ZipFile(out) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "<f>" not in xml and "<f " not in xml
    wb = load_workbook(out)
    summary, sheet = wb["汇总"], wb["问题清单"]
    assert summary["B2"].value == HOSTILE[1] and summary["B2"].data_type == "s"
    assert summary["B2"].quotePrefix and summary["A2"].value == "=a.xlsx"
    assert summary["B3"].value == HOSTILE[0] and summary["B3"].data_type == "s"
    for row, text in enumerate(HOSTILE, start=2):
        for col in ("G", "H", "I"):
            cell = sheet[f"{col}{row}"]
            assert cell.value == text and cell.data_type == "s" and cell.quotePrefix
    assert sheet["B2"].value == HOSTILE[1] and sheet["B2"].quotePrefix
    assert not sheet["C2"].quotePrefix              # ordinary text is left alone


def test_report_links_are_relative_across_folders(tmp_path):
    elsewhere = tmp_path / "a" / "b.xlsx"
    batch = BatchResult([FileResult(str(elsewhere), sheet="S", findings=[n004(sheet="S")])])
    out = write_report(batch, tmp_path / "deep" / "er" / "r.xlsx")
    link = load_workbook(out)["问题清单"]["D2"].hyperlink
    assert link.target == "../../a/b.xlsx" and link.location == "S!B5"


def test_a_hash_in_a_file_name_does_not_cut_the_link(tmp_path):
    batch = BatchResult([FileResult(str(tmp_path / "新泉镇#2.xlsx"), sheet="S", findings=[n004(sheet="S")])])
    link = load_workbook(write_report(batch, tmp_path / "r.xlsx"))["问题清单"]["D2"].hyperlink
    assert link.target == "新泉镇%232.xlsx" and link.location == "S!B5"


def test_a_line_break_in_a_cell_keeps_one_finding_on_one_line():
    finding = RULES["N004"].finding(sheet="S", cell="B5", value="22\n万亩", suggestion="22", number="22")
    lines = text_lines(BatchResult([FileResult("a.xlsx", sheet="S", findings=[finding])]))
    assert plain(lines[0]) == "a.xlsx:B5: N004 单元格中写了单位「22↵万亩」，应只填数字 22 [原值 22↵万亩 → 建议 22]"
