"""`fenjie draft`: the 目标任务分解表 drafted from the gazette's policy documents.

The documents are verbatim copies of the gazette (examples/xiangyin-2025/gazette/*.txt); the
.docx and PDF versions are made from them by LibreOffice in the test.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from drafting.clauses import parse_clause, split_trailing_clause
from drafting.documents import DocumentProblem, SourceLine, read_document
from drafting.draft import draft_documents
from drafting.figures import extract_figures
from drafting.tasks import find_tasks
from scripts.libreoffice import convert
from templates.config import load_config, parse_config
from tests.conftest import EXAMPLE, ROOT
from tests.support.fresh_process import help_imports

GAZETTE = EXAMPLE / "gazette"
TALENT = GAZETTE / "人才工作三年行动计划.txt"
GRAIN = GAZETTE / "粮食生产工作实施方案.txt"
SEVEN = GAZETTE / "七大攻坚总体方案.txt"
CONFIG = EXAMPLE / "fenjie.toml"

# (source line, lead units, related units) as the documents write them; | separates names
TALENT_TASKS = [
    (9, "县委人才办", "县委编办|人社局"),
    (11, "县委人才办", "县人社局|教育局|卫健局|高新区|团县委|融媒体中心"),
    (13, "县商务粮食局", "县高新区|科技局|工商联|财政局"),
    (17, "县委人才办", "县教育局|卫健委|各乡镇街道"),
    (21, "县委组织部|人社局|编办|团县委|党校|宣传部", "各用人单位"),
    (25, "县委人才办|人社局|教育局|卫健委", "县高新区|总工会|各中小学校|县级各医院"),
    (27, "县工商联", "县高新区"),
    (29, "县农业农村局|科技局", "县水利局|林业局|各乡镇街道"),
    (31, "县委组织部|宣传部|社会工作部|商务粮食局|文旅广体局", ""),
    (35, "县科技局", "县高新区|商务粮食局|工信局|工商联"),
    (39, "县科技局", "县高新区|工信局|发改局|科协"),
    (41, "县科技局", "县高新区|工信局|发改局"),
    (43, "县科技局", "洋沙湖集团|县高新区"),
    (49, "县委人才办", "县住建局|团县委|城发集团|洋沙湖集团|湘阴二中"),
    (51, "县委人才办|团县委", "各用人单位"),
    (53, "县委宣传部", "县融媒体中心"),
]
GRAIN_TASKS = [
    (35, "县农业农村局", "县纪委监委|组织部|财政局|自然资源局|各乡镇、街道"),
    (39, "县自然资源局", "县农业农村局|各乡镇、街道"),
    (43, "县农业农村局", "县财政局|各乡镇、街道"),
    (45, "县农业农村局", "各乡镇、街道"),
    (47, "县农业农村局", "相关各乡镇、街道"),
    (49, "县农业农村局", "各乡镇、街道"),
    (53, "县农业农村局", "县发改局|水利局|自然资源局|财政局|各乡镇、街道"),
    (57, "县农业农村局", "各乡镇、街道"),
    (59, "县农业农村局", "各乡镇、街道"),
    (63, "县农业农村局", "各乡镇、街道"),
    (65, "县农业农村局", "各乡镇、街道"),
    (69, "县农业农村局", "各乡镇、街道"),
    (73, "县农业农村局", "县财政局|各乡镇、街道"),
    (75, "县农业农村局", "县供销社|县财政局|各乡镇、街道"),
    (77, "县农业农村局", "县供销社|县市监局|各乡镇、街道"),
    (79, "县农业农村局", "县委组织部|科技局|科协|各乡镇、街道"),
    (83, "县农业农村局", "各乡镇、街道"),
    (85, "县农业农村局", "县财政局|县气象局|县应急局|县水利局|县林业局|各乡镇、街道"),
    (89, "县农业农村局", "县商务粮食局|各乡镇、街道"),
    (93, "县商务粮食局", "县农业农村局|县市监局|各乡镇、街道"),
    (95, "县农业农村局", "县商务粮食局|市场监管局|财政局|供销社|市生态环境局湘阴分局|各乡镇街道"),
    (101, "县委办", "县政府办|组织部|农业农村局|各相关单位"),
    (103, "县农业农村局", "各乡镇、街道"),
    (109, "县财政局", "县农业农村局|发改局|自然资源局|水利局|商务粮食局|各乡镇、街道"),
    (111, "县金融办", "县财政局|相关金融机构|各乡镇、街道"),
    (115, "县委办|组织部", "县政府办|农业农村局|财政局"),
    (119, "县委办", "县政府办|县纪委监委|县农业农村局|县财政局"),
    (125, "县委宣传部", "县融媒体中心|县农业农村局|各乡镇、街道"),
    (127, "各乡镇、街道", ""),
]


def _names(text: str) -> list[str]:
    return text.split("|") if text else []


def run(*args):
    return CliRunner().invoke(main, ["draft", *map(str, args)])


def tasks_of(path):
    tasks, unparsed = find_tasks(read_document(path))
    return [(t.section, t.text, t.clause.lead, t.clause.related) for t in tasks], unparsed


# -- the gazette's plans -----------------------------------------------------------------------

@pytest.mark.parametrize("path, expected", [(TALENT, TALENT_TASKS), (GRAIN, GRAIN_TASKS)],
                         ids=["talent", "grain"])
def test_every_task_of_the_gazette_plans_with_its_units_as_written(path, expected):
    draft = draft_documents([str(path)])
    got = [(t.line, t.lead_units, t.related_units) for t in draft.tasks]
    assert got == [(line, _names(lead), _names(related)) for line, lead, related in expected]
    assert [t.seq for t in draft.tasks] == list(range(1, len(expected) + 1))
    assert draft.warnings == [] and draft.without_tasks == []


def test_task_text_section_and_figures():
    talent = draft_documents([str(TALENT)]).tasks
    first = talent[0]
    assert first.section == "一、实施人才集聚提速行动"
    assert first.task.startswith("公开招聘引进一批。根据县域高质量发展要求") and first.task.endswith("实现全县人才总量达到8万人目标。")
    assert "牵头" not in first.task and not first.task.startswith("1")
    assert {"text": "三年内通过各种引才方式引进博士10名以上", "value": 10, "unit": "名"} in [f.to_json() for f in first.figures]
    # task 3 runs over two paragraphs: both are in its text
    assert "依托驻地商会" in talent[2].task and "集聚10个左右领军人才创新创业团队" in talent[2].task
    grain = draft_documents([str(GRAIN)]).tasks
    assert grain[0].section == "三、重点工作 / （一）稳面积保产能，夯实粮食生产根基"
    assert grain[0].task.startswith("严禁耕地抛荒撂荒。全面落实“田长制”，强化属地监管责任")   # ** marks dropped
    assert grain[-1].section == "四、保障措施 / （四）加强宣传发动"
    # 27: 由县委督查室牵头 in the text is not the clause; the clause on its own line is
    supervise = next(t for t in grain if t.task.startswith("加强督查督导"))
    assert supervise.lead_units == ["县委办"] and "由县委督查室牵头" in supervise.task
    assert [f.text for f in grain[2].figures][:3] == ["全面完成新（改）建16万平米", "县级按新增投资额的10%",
                                                       "完成早稻集中育秧大田面积28.4万亩"]


def test_every_clause_in_the_seven_plans_is_found():
    """Every bracket naming a 牵头 unit at a paragraph's end in the 七大攻坚 plan is some task's clause."""
    import re
    lines = read_document(SEVEN)
    tasks, unparsed = find_tasks(lines)
    text = "".join(line.text for line in lines).replace("**", "")
    written = {re.sub(r"\s", "", m) for m in re.findall(r"[（(][^（）()]*?牵头[^（）()]*[）)]", text)}
    found = {re.sub(r"\s", "", t.clause.text) for t in tasks}
    assert written and written <= found
    assert len(tasks) == 154 and unparsed == []
    shapes = {(t.clause.lead, t.clause.related) for t in tasks}
    assert (("县应急管理局", "县消防救援大队"), ()) in shapes                       # 分别牵头 / 牵头
    assert (("县文旅广体局", "县科技局"), ()) in shapes                             # …负责
    assert (("县应安委办",), ("各负有监管职责行业部门",)) in shapes
    assert (("县发改局", "县财政局", "县住建局", "县数据局"), ("各行业主管部门",)) in shapes


# -- the same document as .txt, .docx and PDF ------------------------------------------------

def _libreoffice(source: Path, target: str, out_dir: Path) -> Path:
    utf8 = "Text (encoded):UTF8,LF,,," if source.suffix == ".txt" else None
    return convert([source], target, out_dir, infilter=utf8, timeout=180)[0]


@pytest.mark.libreoffice
@pytest.mark.parametrize("source", [GRAIN, TALENT], ids=["grain", "talent"])
def test_txt_docx_and_pdf_give_the_same_tasks(source, tmp_path):
    docx = _libreoffice(source, "docx:MS Word 2007 XML", tmp_path)
    pdf = _libreoffice(docx, "pdf", tmp_path)
    from_text, _ = tasks_of(source)
    assert len(from_text) in (16, 29)
    assert tasks_of(docx) == (from_text, [])
    assert tasks_of(pdf) == (from_text, [])
    pdf_lines = read_document(pdf)
    assert any(line.wrapped for line in pdf_lines)          # the PDF really wraps tasks over lines


def test_gbk_gb18030_and_bom_text_give_the_same_tasks(tmp_path):
    text = GRAIN.read_text(encoding="utf-8")
    expected, _ = tasks_of(GRAIN)
    for name, data in [("gbk.txt", text.encode("gb18030")), ("bom.txt", b"\xef\xbb\xbf" + text.encode()),
                       ("utf16.txt", text.encode("utf-16")), ("crlf.txt", text.replace("\n", "\r\n").encode())]:
        path = tmp_path / name
        path.write_bytes(data)
        assert tasks_of(path) == (expected, []), name


# -- clause shapes --------------------------------------------------------------------------------

@pytest.mark.parametrize("clause, lead, related", [
    ("（牵头单位：县农业农村局；责任单位：各乡镇、街道）", ["县农业农村局"], ["各乡镇、街道"]),
    ("(牵头单位:县农业农村局;责任单位:县委组织部、科技局、科协,各乡镇、街道)", ["县农业农村局"],
     ["县委组织部", "科技局", "科协", "各乡镇、街道"]),
    ("（牵头单位：县委办，县政府办；配合单位：各单位）", ["县委办", "县政府办"], ["各单位"]),
    ("（牵头单位：各乡镇、街道）", ["各乡镇、街道"], []),
    ("（责任单位：县教育局、各乡镇（街道））", ["县教育局", "各乡镇（街道）"], []),
    ("（县商务局牵头，县文化旅游广电体育局、县农业农村局等按职责分工负责）", ["县商务局"],
     ["县文化旅游广电体育局", "县农业农村局"]),
    ("(县商务局牵头, 县文化旅游广电体育局,县农业农村局等按职责分工负责)", ["县商务局"],
     ["县文化旅游广电体育局", "县农业农村局"]),
    ("（县财政局牵头，县发展和改革局等配合）", ["县财政局"], ["县发展和改革局"]),
    ("（县财政局牵头；各行业主管部门配合）", ["县财政局"], ["各行业主管部门"]),
    ("（县应急管理局、县消防救援大队分别牵头）", ["县应急管理局", "县消防救援大队"], []),
    ("（县教育局牵头）", ["县教育局"], []),
    ("(县教育局牵头)", ["县教育局"], []),
    ("（由县委督查室牵头，县政府督查室参与）", ["县委督查室"], ["县政府督查室"]),
    ("（县文旅广体局、县科技局负责）", ["县文旅广体局", "县科技局"], []),
    ("（县司法局、县工商联等按职责分工负责）", ["县司法局", "县工商联"], []),
    ("（县工信局牵头，县发改局、县民政局等按职能分工负责）", ["县工信局"], ["县发改局", "县民政局"]),
])
def test_clause_shapes(clause, lead, related):
    body, found = split_trailing_clause(f"1. 完成任务。{clause}。")
    assert body == "1. 完成任务。"
    assert (list(found.lead), list(found.related)) == (lead, related)
    assert found.text == clause


@pytest.mark.parametrize("text", ["完成早稻面积39万亩（其中早稻39万亩）", "建设青年人才公寓（锦都保障性租赁住房项目）",
                                  "力争到2026年实现全覆盖（以省、市专班下达任务为准）", "完成任务。（见附件）"])
def test_ordinary_brackets_are_not_clauses(text):
    assert split_trailing_clause(text) is None


def test_clause_words_inside_the_text_are_not_a_clause():
    assert parse_clause("县委督查室牵头，分阶段督导粮食生产重点任务落实情况。及时发现问题") is None


@pytest.mark.parametrize("marker", ["1.", "1、", "1．", "（1）", "(1)", "一、", "（一）", "(一)"])
def test_numbering_styles_and_tasks_over_several_lines(marker):
    lines = [SourceLine(1, "湘阴县促进就业实施方案"), SourceLine(2, f"{marker}推动增收减负。新增城镇就业4500人，"),
             SourceLine(3, "争取地方专项债券资金7亿元，增长8%以上。（县人社局牵头，"),
             SourceLine(4, "县财政局等配合）"), SourceLine(5, "县委、县政府将适时督查。")]
    tasks, unparsed = find_tasks(lines)
    assert len(tasks) == 1 and unparsed == []
    task = tasks[0]
    assert task.text == "推动增收减负。新增城镇就业4500人，争取地方专项债券资金7亿元，增长8%以上。"
    assert (task.clause.lead, task.clause.related, task.line) == (("县人社局",), ("县财政局",), 2)
    assert task.section == ""


def test_figures_of_the_issue():
    figures = extract_figures("新增城镇就业4500人，争取地方专项债券资金7亿元，增长8%以上，每亩补贴50-80元，按面积15元/亩标准奖励，到2027年底。")
    assert [f.to_json() for f in figures] == [
        {"text": "新增城镇就业4500人", "value": 4500, "unit": "人"},
        {"text": "争取地方专项债券资金7亿元", "value": 7, "unit": "亿元"},
        {"text": "增长8%以上", "value": 8, "unit": "%"}]


def test_item_without_a_clause_among_tasks_is_reported_with_its_line():
    lines = [SourceLine(1, "1. 第一项。（县教育局牵头）"), SourceLine(2, "2. 第二项没有写谁负责，也是一项工作。"),
             SourceLine(3, "3. 第三项。（牵头单位 县卫健局）"), SourceLine(4, "4. 第四项。（县民政局牵头）")]
    tasks, unparsed = find_tasks(lines)
    assert [t.line for t in tasks] == [1, 4]
    assert [u.line for u in unparsed] == [2, 3]
    assert "没有写明牵头单位" in unparsed[0].message and "无法识别" in unparsed[1].message


# -- names matched to the county's directory ---------------------------------------------------

def test_names_matched_to_units_and_aliases_unknown_kept_with_closest():
    config = load_config(CONFIG)                     # 发改局 = ["县发改局", "县发展和改革局"]
    path = Path(tempfile.mkdtemp()) / "plan.txt"
    path.write_text("1. 推进项目。（县发展和改革局牵头，县人社局、县市监局、各乡镇、街道等配合）\n", encoding="utf-8")
    draft = draft_documents([str(path)], config)
    task = draft.tasks[0]
    assert task.lead_units == ["发改局"]
    assert task.related_units == ["人社局", "县市监局", "各乡镇、街道"]
    assert [(w.line, w.message) for w in draft.warnings] == [
        (1, "「县市监局」不在本县的单位名录中，按原文保留，最接近的是「市场监管局」")]


# -- the command -------------------------------------------------------------------------------

def test_json_output_exactly_as_the_issue_says():
    result = run(TALENT, GRAIN, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"tasks", "warnings"} and data["warnings"] == []
    assert len(data["tasks"]) == 45
    first = data["tasks"][0]
    assert list(first) == ["seq", "section", "task", "lead_units", "related_units", "figures", "source"]
    assert first["source"] == {"file": str(TALENT), "line": 9}
    assert first["lead_units"] == ["县委人才办"] and first["related_units"] == ["县委编办", "人社局"]
    assert data["tasks"][16]["seq"] == 17 and data["tasks"][16]["source"] == {"file": str(GRAIN), "line": 35}
    assert all(set(f) == {"text", "value", "unit"} for t in data["tasks"] for f in t["figures"])


def test_text_output_lists_tasks_and_warnings_with_lines():
    result = run(GRAIN, "--config", CONFIG)
    assert result.exit_code == 0, result.output
    assert f"{GRAIN}:35: 1. 严禁耕地抛荒撂荒。" in result.stdout
    assert "    牵头：农业农村局；相关：县纪委监委、组织部、财政局、自然资源局、各乡镇、街道" in result.stdout
    assert f"{GRAIN}:47: 「相关各乡镇、街道」不在本县的单位名录中，按原文保留，最接近的是「各乡镇、街道」" in result.stdout
    assert "共 29 项任务（1 个文件）" in result.stdout


def _check(path, *args):
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", *map(str, args)])
    return result.exit_code, json.loads(result.stdout)["files"][0]["findings"]


def test_draft_written_by_the_template_writer_and_check_reports_only_the_blanks(tmp_path):
    out = tmp_path / "分解表.xlsx"
    result = run(TALENT, GRAIN, "-o", out)
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["目标任务分解表"]
    assert sheet["B5"].value.startswith("公开招聘引进一批") and sheet["D5"].value == "县委人才办"
    assert sheet["E5"].value == "县委编办、人社局" and sheet["A49"].value == 45
    assert "fenjie_id" in openpyxl.load_workbook(out).sheetnames
    code, findings = _check(out)
    assert code == 1
    assert sorted((f["code"], f["cell"]) for f in findings) == sorted(
        [("K002", f"C{row}") for row in range(5, 50)] + [("K003", f"F{row}") for row in range(5, 50)]
        + [("K003", f"G{row}") for row in range(5, 50)])


def _config_knowing(names: set[str], tmp_path: Path, leaders: dict[str, str] | None = None) -> Path:
    text = CONFIG.read_text(encoding="utf-8")
    known = "\n".join(f'"{name}",' for name in sorted(names))
    text = text.replace('collectives = ["生环委各成员单位"]', f'collectives = ["生环委各成员单位",\n{known}\n]')
    if leaders:
        text += "\n[leaders]\n" + "\n".join(f'"{unit}" = "{who}"' for unit, who in leaders.items()) + "\n"
    path = tmp_path / "fenjie.toml"
    path.write_text(text, encoding="utf-8")
    shutil.copytree(CONFIG.parent / "kinds", tmp_path / "kinds")     # the kind files it names
    return path


def test_with_a_config_knowing_every_name_check_reports_only_the_blanks_and_leaders_fill_in(tmp_path):
    plain = draft_documents([str(TALENT), str(GRAIN)], load_config(CONFIG))
    unknown = {w.message.split("」")[0].lstrip("「") for w in plain.warnings}
    config = _config_knowing(unknown, tmp_path, leaders={"县委人才办": "李明", "农业农村局": "王强"})
    out = tmp_path / "draft.xlsx"
    result = run(TALENT, GRAIN, "--config", config, "-o", out)
    assert result.exit_code == 0 and "需要核对 0 处" in result.stdout, result.output
    sheet = openpyxl.load_workbook(out).worksheets[0]
    assert sheet["D21"].value == "农业农村局" and sheet["E21"].value == "县纪委监委、组织部、财政局、自然资源局、各乡镇、街道"
    led = {row for row in range(5, 50) if sheet[f"C{row}"].value}
    assert sheet["C5"].value == "李明" and sheet["C21"].value == "王强" and sheet["C9"].value is None
    code, findings = _check(out, "--config", config)
    assert code == 1
    expected = [("K002", f"C{row}") for row in range(5, 50) if row not in led]
    expected += [("K003", f"{col}{row}") for row in range(5, 50) for col in "FG"]
    assert sorted((f["code"], f["cell"]) for f in findings) == sorted(expected)


def test_output_never_overwrites_an_existing_file(tmp_path):
    out = tmp_path / "分解表.xlsx"
    out.write_bytes(b"a clerk's table")
    result = run(GRAIN, "-o", out)
    assert result.exit_code == 2 and "已经存在" in result.output and "不覆盖" in result.output
    assert out.read_bytes() == b"a clerk's table"


def test_task_text_starting_with_equals_stays_text(tmp_path):
    doc = tmp_path / "plan.txt"
    doc.write_text("1. =HYPERLINK(\"http://x\")完成任务。（县教育局牵头）\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    assert run(doc, "-o", out).exit_code == 0
    cell = openpyxl.load_workbook(out).worksheets[0]["B5"]
    assert cell.value == "=HYPERLINK(\"http://x\")完成任务。" and cell.data_type == "s" and cell.quotePrefix


def test_document_without_clauses_says_so_and_exits_1(tmp_path):
    doc = tmp_path / "notice.txt"
    doc.write_text("关于做好春耕工作的通知\n一、总体要求\n1. 各乡镇要高度重视春耕生产。\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = run(doc, "-o", out)
    assert result.exit_code == 1
    assert f"{doc}：没有找到带责任分工（牵头单位）的任务。" in result.output and not out.exists()


def test_scanned_pdf_without_text_layer_exits_2(tmp_path):
    import pypdfium2 as pdfium
    scan = tmp_path / "扫描件.pdf"
    pdf = pdfium.PdfDocument.new()            # one page holding a scanned image and no text
    page = pdf.new_page(595, 842)
    bitmap = pdfium.PdfBitmap.new_native(300, 400, pdfium.raw.FPDFBitmap_BGR)
    bitmap.fill_rect((255, 255, 255, 255), 0, 0, 300, 400)
    bitmap.fill_rect((0, 0, 0, 255), 20, 20, 200, 10)
    image = pdfium.PdfImage.new(pdf)
    image.set_bitmap(bitmap)
    image.set_matrix(pdfium.PdfMatrix().scale(300, 400))
    page.insert_obj(image)
    page.gen_content()
    pdf.save(str(scan))
    with pytest.raises(DocumentProblem, match="扫描件"):
        read_document(scan)
    result = run(scan)
    assert result.exit_code == 2 and "扫描件" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("content, words", [(b"", "没有找到"), (b"PK\x03\x04broken", "不是 Word"),
                                            (b"%PDF-1.4 broken", "PDF"), (b"\x00\x01\x02", "不是文字文件")])
def test_bad_documents_get_a_chinese_message(tmp_path, content, words):
    path = tmp_path / "bad.docx"
    path.write_bytes(content)
    result = run(path)
    assert result.exit_code in (1, 2) and words in result.output and "Traceback" not in result.output


def test_leaders_table_in_config_must_be_names(tmp_path):
    with pytest.raises(Exception, match="leaders"):
        parse_config({"county": "湘阴县", "year": 2025, "townships": ["新泉镇"], "leaders": {"发改局": 3}})
    config = parse_config({"county": "湘阴县", "year": 2025, "townships": ["新泉镇"], "leaders": {"发改局": "姜华"}})
    assert config.leaders == {"发改局": "姜华"}


def test_help_lists_draft_without_heavy_imports():
    loaded, shown = help_imports("draft")
    assert "政策文件" in shown and not {"pandas", "openpyxl", "pypdfium2", "docx"} & loaded


def test_benchmark_script_runs():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "draft_speed.py"), "--pages", "10"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "10 页" in done.stdout and "项任务" in done.stdout
