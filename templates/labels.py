"""What people see of a finding and a status, written once: the Chinese labels, the colours,
the columns of the findings sheet and the text of a cell's note.

Every output takes them from here: the terminal report, `fenjie check --report` (问题清单),
the 汇总 workbook of `fenjie merge` (校验明细), the annotated copies (核对结果), the 校验 button
(校验结果 and its notes), the web pages and `fenjie rules`.

The findings sheet keeps a different name in each output on purpose: each name says what the
sheet is where it appears (the list of a batch's problems; the details under a 汇总表; the
result of checking this one copy; the result of pressing 校验), and clerks and their scripts
already look for these names. The columns are the same everywhere (FINDING_COLUMNS).

A finding is anything with code, severity, message, sheet, cell, value and suggestion
(validators.findings.Finding); this module is the bottom layer and imports nothing of fenjie's.
"""
from __future__ import annotations

from dataclasses import dataclass

# -- statuses and levels -------------------------------------------------------------------------

STATUS_LABELS = {"ok": "通过", "invalid": "有错", "unreadable": "无法读取",
                 "missing": "未报送", "duplicate": "重复报送"}
LEVEL_LABELS = {"error": "错误", "warning": "提醒"}
WARNING_MEANS = "不影响通过"      # a warning never fails a return


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def level_label(severity: str, explained: bool = False) -> str:
    """错误 / 提醒; with `explained`, 提醒（不影响通过） for people who meet the word first."""
    label = LEVEL_LABELS.get(severity, severity)
    return f"{label}（{WARNING_MEANS}）" if explained and severity == "warning" else label


# -- colours (RRGGBB) ----------------------------------------------------------------------------
# Excel's own 差 / 中性 / 好 cell styles, so marked cells look like what clerks already know.

ERROR_COLOR = "FFC7CE"          # red: an error, a failed or missing return
WARNING_COLOR = "FFEB9C"        # yellow: a warning, a return flagged but not failed
OK_COLOR = "C6EFCE"             # green: passed
HEADER_COLOR = "DDEBF7"         # the header row of fenjie's lists
ERROR_TEXT_COLOR = "C00000"     # dark red text: an error word, a non-zero difference
MISSING_TEXT_COLOR = "9C0006"   # the text of Excel's 差 style
FLAGGED_TEXT_COLOR = "9C5700"   # the text of Excel's 中性 style
QUIET_TEXT_COLOR = "595959"     # explanations under a table
LINK_COLOR = "0563C1"           # Excel's hyperlink blue
# the template's own cells
CHECK_COLOR = "F2F2F2"          # the 合计−目标 check row
ALARM_COLOR = "FF0000"          # a check that does not add up
TEXT_IN_NUMBER_COLOR = "FFC000"  # text typed into a number cell

LEVEL_COLORS = {"error": ERROR_COLOR, "warning": WARNING_COLOR}
STATUS_COLORS = {"ok": OK_COLOR, "invalid": ERROR_COLOR, "unreadable": ERROR_COLOR,
                 "missing": ERROR_COLOR, "duplicate": WARNING_COLOR}


def level_color(severity: str) -> str:
    return ERROR_COLOR if severity == "error" else WARNING_COLOR


def solid_fill(color: str):
    """An openpyxl solid fill of `color` (RRGGBB)."""
    from openpyxl.styles import PatternFill
    return PatternFill("solid", start_color=color, end_color=color)


# -- the findings sheet --------------------------------------------------------------------------

@dataclass(frozen=True)
class FindingColumn:
    key: str
    label: str
    width: float            # Excel column width (characters)


FINDING_COLUMNS = (
    FindingColumn("file", "文件", 36),
    FindingColumn("township", "乡镇", 14),
    FindingColumn("sheet", "工作表", 14),
    FindingColumn("cell", "单元格", 8),
    FindingColumn("code", "规则", 8),
    FindingColumn("level", "级别", 8),
    FindingColumn("message", "说明", 60),
    FindingColumn("value", "原值", 16),
    FindingColumn("suggestion", "建议", 16),
)     # few distinct widths: the 校验 button sets the columns of one width in one call to Excel
FINDING_HEADERS = tuple(column.label for column in FINDING_COLUMNS)
FINDING_WIDTHS = tuple(column.width for column in FINDING_COLUMNS)


def finding_column(key: str) -> int:
    """The 1-based column of `key` ("cell", "level", ...) in the findings sheet."""
    return next(i for i, column in enumerate(FINDING_COLUMNS, start=1) if column.key == key)


def finding_row(finding, file: str | None = None, township: str | None = None,
                sheet: str | None = None) -> list:
    """One finding as a row of FINDING_COLUMNS; `sheet` stands in when the finding names none.
    Absent values are None; the cell is its plain address (writers may link it)."""
    values = {"file": file, "township": township, "sheet": finding.sheet or sheet,
              "cell": finding.cell, "code": finding.code, "level": level_label(finding.severity),
              "message": finding.message, "value": finding.value, "suggestion": finding.suggestion}
    return [values[column.key] for column in FINDING_COLUMNS]


# -- a cell's note -------------------------------------------------------------------------------

NOTE_HEAD = "fenjie 校验："
NOTE_VALUE_CHARS = 100      # a value longer than this is cut in a note (a cell holds 32 767)


def _cut(text: str) -> str:
    return text if len(text) <= NOTE_VALUE_CHARS else f"{text[:NOTE_VALUE_CHARS]}…（共 {len(text)} 字）"


def note_text(findings) -> str:
    """The note on a bad cell, in the annotated copy and from the 校验 button alike:

        fenjie 校验：
        错误 N004：单元格中写了单位「22万亩」，应只填数字 22
        原值：22万亩；建议：22
    """
    lines = [NOTE_HEAD]
    for finding in findings:
        lines.append(f"{level_label(finding.severity)} {finding.code}：{finding.message}")
        extra = [f"{label}：{_cut(text)}" for label, text in (("原值", finding.value), ("建议", finding.suggestion))
                 if text not in (None, "")]
        if extra:
            lines.append("；".join(extra))
    return "\n".join(lines)
