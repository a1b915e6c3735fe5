"""`fenjie draft` after review: a blank PDF is not a scan, over-long tasks are reported, and the
names split and suggested exactly as `fenjie check` does on the drafted workbook."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import main
from drafting.documents import DocumentProblem, read_document
from tests.conftest import EXAMPLE

GAZETTE = EXAMPLE / "gazette"
CONFIG = EXAMPLE / "fenjie.toml"


def run(*args):
    return CliRunner().invoke(main, ["draft", *map(str, args)])


def test_a_blank_pdf_has_no_text_and_is_not_called_a_scan(tmp_path):
    import pypdfium2 as pdfium
    blank = tmp_path / "空白.pdf"
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    pdf.save(str(blank))
    with pytest.raises(DocumentProblem) as problem:
        read_document(blank)
    assert "扫描件" not in str(problem.value) and "没有文字" in str(problem.value)
    assert "没有图片" in str(problem.value)
    result = run(blank)
    assert result.exit_code == 2 and "没有文字" in result.output and "扫描件" not in result.output


def test_a_task_longer_than_an_excel_cell_is_reported_with_its_line(tmp_path):
    import openpyxl
    doc = tmp_path / "长任务.txt"
    long_task = "1. 抓好粮食生产" + "各乡镇要高度重视春耕生产" * 3000 + "。（牵头单位：农业农村局）"
    doc.write_text(f"关于做好春耕工作的通知\n一、总体要求\n{long_task}\n2. 抓好春耕。（牵头单位：农业农村局）\n",
                   encoding="utf-8")
    out = tmp_path / "分解表.xlsx"
    result = run(doc, "-o", out)
    assert result.exit_code == 0, result.output
    length = len(long_task.split("（牵头")[0].removeprefix("1. "))
    assert length > 32_767
    assert f"{doc}:3: 这一项任务有" in result.output and "32767" in result.output
    assert "需要核对 1 处" in result.output
    cells = [c.value for row in openpyxl.load_workbook(out).active.iter_rows() for c in row]
    assert max(len(str(v)) for v in cells if v) <= 32_767
    as_json = CliRunner().invoke(main, ["draft", str(doc), "--format", "json"])
    assert any(w["line"] == 3 and "32767" in w["message"] for w in __import__("json").loads(as_json.stdout)["warnings"])


def test_drafts_name_warnings_are_checks_K004_findings_one_for_one(tmp_path):
    """README: draft's warnings about names are exactly what `fenjie check` reports (K004) on the
    drafted workbook: the same names, split the same way, with the same suggestions."""
    import json

    from drafting.draft import draft_documents
    from templates.config import load_config
    grain = GAZETTE / "粮食生产工作实施方案.txt"
    out = tmp_path / "分解表.xlsx"
    drafted = run(grain, "--config", CONFIG, "-o", out)
    assert drafted.exit_code == 0, drafted.output
    draft = draft_documents([str(grain)], load_config(CONFIG))
    task_of_line = {t.line: t.seq for t in draft.tasks}
    from_draft = []
    for warning in draft.warnings:
        name = warning.message.split("」")[0].removeprefix("「")
        closest = warning.message.split("最接近的是「")[1].rstrip("」") if "最接近的是" in warning.message else None
        from_draft.append((task_of_line[warning.line], name, closest))
    checked = CliRunner().invoke(main, ["check", str(out), "--config", str(CONFIG), "--format", "json"])
    findings = [f for f in json.loads(checked.stdout)["files"][0]["findings"] if f["code"] == "K004"]
    first_task_row = 5
    from_check = [(int(f["cell"][1:]) - first_task_row + 1, f["value"], f["suggestion"]) for f in findings]
    assert sorted(from_check) == sorted(from_draft)
    assert ("相关各乡镇、街道", "各乡镇、街道") in [(n, s) for _, n, s in from_check]
    assert not any(name == "街道" for _, name, _ in from_check)
    suggested = {name: s for _, name, s in from_check}
    assert suggested["县政府办"] is None and suggested["县气象局"] is None


@pytest.mark.parametrize("name, expected", [("南州镇", "南湖洲镇"), ("六塘镇", "六塘乡"), ("县市监局", "市场监管局"),
                                            ("县气象局", None), ("县政府办", None), ("供销社", None)])
def test_a_suggestion_only_when_really_close(name, expected):
    from templates.config import load_config
    from templates.names import closest_name
    assert closest_name(name, load_config(CONFIG).canonical_names()) == expected


def test_names_split_the_same_way_in_draft_and_check():
    from drafting.clauses import split_units
    from templates.config import load_config
    from validators.check.roles import _names_in
    canonical = load_config(CONFIG).canonical_names()
    for text in ("相关各乡镇、街道、县农业农村局", "各乡镇、街道，各相关单位", "县委办、县政府办、组织部"):
        assert _names_in(text, canonical) == split_units(text)
    assert split_units("相关各乡镇、街道、县农业农村局") == ["相关各乡镇、街道", "县农业农村局"]
