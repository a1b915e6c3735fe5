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
