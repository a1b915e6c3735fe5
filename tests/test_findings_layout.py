"""One findings sheet in every output: `fenjie check --report` (问题清单), `fenjie merge`
(校验明细), `fenjie check --annotate` (核对结果) and the 校验 button (校验结果, through the
remote engine and through Windows COM) show the same columns under the same header, and a
finding's note reads the same in the annotated copy and in Excel."""
import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from templates.identity import ANNOTATED_LIST_SHEET as LIST_SHEET
from templates.identity import REPORT_FINDINGS_SHEET as REPORT_SHEET
from templates.identity import SUMMARY_FINDINGS_SHEET as MERGE_SHEET
from templates.labels import FINDING_HEADERS, finding_column
from tests import fakecom
from tests.conftest import EXAMPLE
from tests.sheets import grain_rows
from tests.support.payload import apply_actions, run_press
from xladdin.report import HEADER_ROW, RESULTS_SHEET

CONFIG = EXAMPLE / "fenjie.toml"


@pytest.fixture
def bad_return(tmp_path, monkeypatch):
    """新泉镇's return with 22万亩 in B5 (N004, with a suggestion) in a folder of its own."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENJIE_LOG_DIR", str(tmp_path / "log"))
    monkeypatch.setenv("FENJIE_CONFIG", str(CONFIG))
    rows = grain_rows()
    rows[4][1] = "22万亩"
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    for row in rows:
        book.active.append(row)
    path = tmp_path / "报送" / "新泉镇.xlsx"
    path.parent.mkdir()
    book.save(path)
    return path


def cli(*args):
    result = CliRunner().invoke(main, [*map(str, args)])
    assert result.exit_code in (0, 1), result.output
    return result


def rows_of(path, sheet, header_row=1):
    return [list(r) for r in openpyxl.load_workbook(path)[sheet].iter_rows(min_row=header_row, values_only=True)]


def n004_row(rows):
    code = finding_column("code") - 1
    return next(r for r in rows[1:] if r[code] == "N004")


def test_every_output_has_the_same_findings_sheet(bad_return, tmp_path):
    cli("check", bad_return.parent, "--config", CONFIG, "--report", "报告.xlsx", "--annotate", "标注")
    cli("merge", bad_return.parent, "--config", CONFIG, "-o", "汇总.xlsx")
    outcome, actions = run_press(bad_return)
    apply_actions(bad_return, actions, tmp_path / "按钮.xlsx")
    _, _, com_book = fakecom.press(bad_return)

    sheets = {
        "report": rows_of(tmp_path / "报告.xlsx", REPORT_SHEET),
        "merge": rows_of(tmp_path / "汇总.xlsx", MERGE_SHEET),
        "annotate": rows_of(tmp_path / "标注" / "新泉镇.xlsx", LIST_SHEET),
        "button": rows_of(tmp_path / "按钮.xlsx", RESULTS_SHEET, HEADER_ROW),
    }
    com_sheet = com_book.sheet(RESULTS_SHEET)
    last = max(col for row, col in com_sheet.values if row == HEADER_ROW)
    sheets["button (Windows)"] = [[com_sheet.values.get((HEADER_ROW, col)) for col in range(1, last + 1)]]
    assert {name: tuple(rows[0]) for name, rows in sheets.items()} == {name: FINDING_HEADERS for name in sheets}

    # the one finding reads the same in each: the same township, sheet, cell, rule, level, text
    def shown(row):
        keys = ("township", "sheet", "code", "level", "message", "value", "suggestion")
        return {key: row[finding_column(key) - 1] for key in keys}
    wanted = {"township": "新泉镇", "sheet": "Sheet1", "code": "N004", "level": "错误",
              "message": "单元格中写了单位「22万亩」，应只填数字 22", "value": "22万亩", "suggestion": "22"}
    for name in ("report", "merge", "annotate", "button"):
        assert shown(n004_row(sheets[name])) == wanted, name
    assert n004_row(sheets["annotate"])[finding_column("cell") - 1] == "B5"
    assert "B5" in n004_row(sheets["button"])[finding_column("cell") - 1]      # a HYPERLINK formula

    # the note on B5: the same text from the annotated copy and from the button in Excel
    annotated = openpyxl.load_workbook(tmp_path / "标注" / "新泉镇.xlsx")["Sheet1"]["B5"].comment.text
    assert annotated == com_book.sheet("Sheet1").notes[(5, 2)]
    assert annotated.splitlines()[1:] == ["错误 N004：单元格中写了单位「22万亩」，应只填数字 22", "原值：22万亩；建议：22"]
    assert com_sheet.widths[finding_column("message")] == 60          # the sheet's widths in Excel too
