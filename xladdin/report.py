"""The 校验结果 sheet and the alert: what one press found, in Chinese.

The sheet is written in one block: a first line (when, which sheet, how many errors and
warnings), then the findings sheet every fenjie output shares (templates.labels: header and one
row per finding), whose 单元格 is a HYPERLINK formula that jumps to the cell (a formula, so the
links cost no extra calls). The other columns are formatted as text first, so Excel keeps 原值
like "1,000" or " 22" exactly as the clerk typed them. The first line stays above the header:
it tells the next press that the sheet is the add-in's own.
"""
from __future__ import annotations

import ntpath
from datetime import datetime

from templates.cells import column_letter, parse_a1
from templates.identity import RESULTS_SHEET
from templates.labels import FINDING_COLUMNS, FINDING_HEADERS, HEADER_COLOR, finding_column, finding_row, level_label
from validators.findings import FileResult
from xladdin.marks import bgr

COLUMNS = list(FINDING_HEADERS)
ALERT_TITLE = "分解表校验"
SUMMARY_START = "校验时间"
HEADER_ROW = 2
_CELL = finding_column("cell")
_LAST = column_letter(len(COLUMNS))
_TEXT_AREAS = ",".join(           # every column but 单元格 (its formulas must stay formulas)
    f"{column_letter(first)}{{top}}:{column_letter(last)}{{bottom}}"
    for first, last in ((1, _CELL - 1), (_CELL + 1, len(COLUMNS))) if first <= last)


def counts(result: FileResult) -> str:
    return f"{level_label('error')} {result.errors} 处，{level_label('warning')} {result.warnings} 处"


def summary_line(result: FileResult, sheet_name: str, when: datetime) -> str:
    verdict = "校验通过，没有发现问题" if not result.findings else counts(result)
    return f"{SUMMARY_START} {when:%Y-%m-%d %H:%M:%S}　工作表「{sheet_name}」　{verdict}"


def link_formula(sheet: str, cell: str) -> str:
    target = "#'" + sheet.replace("'", "''") + "'!" + cell
    return f'=HYPERLINK("{target.replace(chr(34), chr(34) * 2)}","{cell}")'


def result_rows(result: FileResult, sheet_name: str, when: datetime) -> list[list]:
    """The sheet's cells: the first line, the header and one row per finding ("" for empty)."""
    file = ntpath.basename(result.path) if result.path else None     # a Windows or a POSIX path
    rows: list[list] = [[summary_line(result, sheet_name, when)] + [None] * (len(COLUMNS) - 1),
                        list(COLUMNS)]
    for f in result.findings:
        row = ["" if v is None else v for v in finding_row(f, file, result.scope, sheet_name)]
        if parse_a1(f.cell) is not None and f.sheet in (None, sheet_name):
            row[_CELL - 1] = link_formula(sheet_name, f.cell)
        rows.append(row)
    return rows


def foreign_results_sheet(workbook) -> bool:
    """A sheet called 校验结果 that this add-in did not write (it would be cleared)."""
    sheet = workbook.get(RESULTS_SHEET)
    if sheet is None:
        return False
    first = sheet.api.Range("A1").Value if workbook.windows else sheet.range("A1").value
    return not (isinstance(first, str) and first.startswith(SUMMARY_START))


def _widths() -> dict[float, str]:
    """Width -> the columns of that width as one multi-area address ("A1,H1"): one call each."""
    groups: dict[float, list[str]] = {}
    for col, column in enumerate(FINDING_COLUMNS, start=1):
        groups.setdefault(column.width, []).append(f"{column_letter(col)}1")
    return {width: ",".join(cells) for width, cells in groups.items()}


def set_widths(workbook, sheet) -> None:
    """Give a newly made 校验结果 the findings sheet's column widths (Windows). Clearing the sheet
    on a later press keeps them, and any width the clerk changed since. The remote engine cannot
    set a width and on macOS every call is an Apple event: there each press fits the columns."""
    if not workbook.windows:
        return
    try:
        for width, address in _widths().items():
            sheet.api.Range(address).ColumnWidth = width
    except Exception:           # narrower columns are untidy, not wrong: the press goes on
        from xladdin.settings import logger
        logger().warning("无法设置「%s」的列宽", RESULTS_SHEET, exc_info=True)


def write_results(workbook, rows: list[list]) -> None:
    """Clear 校验结果 (made beforehand by the press, set_widths) and write `rows` into it."""
    sheet = workbook.get(RESULTS_SHEET)
    last_row, last_col = len(rows), len(COLUMNS)
    header = f"A{HEADER_ROW}:{_LAST}{HEADER_ROW}"
    if workbook.windows:
        api = sheet.api
        api.Cells.Clear()
        api.Range(_TEXT_AREAS.format(top=HEADER_ROW, bottom=last_row)).NumberFormat = "@"
        message = column_letter(finding_column("message"))
        api.Range(f"{message}{HEADER_ROW}:{message}{last_row}").WrapText = True
        api.Range(f"A1:{_LAST}{last_row}").Value = [[("" if v is None else v) for v in row] for row in rows]
        heading = api.Range(header)
        heading.Font.Bold = True
        heading.Interior.Color = bgr("#" + HEADER_COLOR)
        return
    sheet.clear()
    for area in _TEXT_AREAS.format(top=HEADER_ROW, bottom=last_row).split(","):
        sheet.range(area).number_format = "@"
    sheet.range((1, 1)).value = rows
    sheet.range(header).font.bold = True
    sheet.range(header).color = "#" + HEADER_COLOR
    sheet.range((HEADER_ROW, 1), (last_row, last_col)).columns.autofit()


ALERT_LINES = 3


def stuck_text(stuck: int) -> str:
    return (f"工作表受保护，上一次校验留下的 {stuck} 处标记（底色或批注）没能清除："
            "取消工作表保护（「审阅」→「撤消工作表保护」）后再按一次「校验」，就会清除。")


def alert_text(result: FileResult, marked: int = 0, refused: int = 0, unread: int = 0,
               caveats: list[str] | None = None, stuck: int = 0) -> str:
    """The alert: the counts, the first few findings, and what to do next."""
    notes = list(caveats or []) + ([stuck_text(stuck)] if stuck else [])
    if not result.findings:
        return "\n".join(["校验通过：没有发现问题。", *notes])
    lines = [f"发现{counts(result)}："]
    for f in result.findings[:ALERT_LINES]:
        where = f"{f.cell} " if f.cell else ""
        lines.append(f"· {where}{f.message}")
    if len(result.findings) > ALERT_LINES:
        lines.append(f"……共 {len(result.findings)} 处")
    lines.append("")
    if marked:
        lines.append("出错的单元格已填红色，需要留意的已填黄色。")
    if refused:
        lines.append(f"其中 {refused} 个单元格在工作表受保护的区域，Excel 不允许改颜色，没有标出。")
    if unread:
        lines.append(f"其中 {unread} 个单元格原来的底色读不全，为免改掉原来的颜色，没有标出。")
    lines.extend(notes)
    lines.append("全部问题列在「校验结果」工作表中，点其中的单元格地址可跳回原处。"
                 "改正后再按一次「校验」，上一次的标记会自动清除。")
    return "\n".join(lines)
