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
