"""One press of the 校验 button, from reading the active sheet to the alert.

    read the active sheet (values once; merged ranges and percentage formats area by area)
    -> validators.check.workbook.check_workbook (the engine `fenjie check` uses) -> make
    校验结果 and the record sheet if missing (what can fail, e.g. on a protected workbook, fails
    here, before any cell is coloured) -> undo the last press's marks, mark the bad cells -> the
    record of this press's marks -> 校验结果 -> alert

Nothing here writes a value, formula or number format into the checked sheet. Any failure
ends in a Chinese alert that says what to do; the details go to the log file.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from templates.identity import IDENTITY_SHEET
from validators.findings import FileResult
from xladdin import marks, report, settings
from xladdin.host import MAC, Workbook
from xladdin.reading import TooLarge, read_workbook, workbook_path

OUR_SHEETS = (report.RESULTS_SHEET, marks.MARKS_SHEET, IDENTITY_SHEET)


class AddinProblem(Exception):
    """Something the clerk can fix; the message is Chinese and says how."""


@dataclass
class Press:
    """What one press did (returned for tests and the benchmark)."""
    sheet: str | None = None
    result: FileResult | None = None
    marks: list = field(default_factory=list)
    alert: str = ""
    seconds: float = 0.0


def press(book) -> Press:
    """Check the active sheet of `book` and write the result back; never raises."""
    started = time.perf_counter()
    log = settings.logger()
    outcome = Press()
    try:
        outcome = _check(book)
        book.app.alert(outcome.alert, title=report.ALERT_TITLE, mode="info")
    except AddinProblem as exc:
        log.warning("%s", exc)
        outcome.alert = str(exc)
        _alert(book, outcome.alert)
    except Exception:
        log.exception("校验时出错")
        outcome.alert = ("校验时出错了，没能完成。请先保存工作簿，关闭后重新打开再按一次「校验」。\n"
                         f"如果仍然出错，请把日志文件 {settings.log_path()} 发给负责 fenjie 的同事。")
        _alert(book, outcome.alert)
    outcome.seconds = time.perf_counter() - started
    log.info("press %s: %s (%.3f s)", outcome.sheet, outcome.alert.splitlines()[0], outcome.seconds)
    return outcome


def _alert(book, text: str) -> None:
    try:
        book.app.alert(text, title=report.ALERT_TITLE, mode="critical")
    except Exception:
        settings.logger().exception("无法显示提示框")


def _check(book) -> Press:
    from templates.config import ConfigError, Limits
    from validators.check.workbook import check_workbook

    workbook = Workbook(book)
    checked, previous = marks.read_record(workbook)
    sheet_name = _sheet_to_check(workbook, checked)
    if report.foreign_results_sheet(workbook):
        raise AddinProblem(f"工作簿里已有一张名为「{report.RESULTS_SHEET}」的工作表，不是「校验」按钮写的。"
                           "为免覆盖其中的内容，请先把它改名，再按「校验」。")
    path = workbook_path(book)
    try:
        config = settings.find_config(path)
    except ConfigError as exc:
        raise AddinProblem(f"配置文件有问题，没有校验：{exc}") from None
    max_cells = (config.limits if config else Limits()).max_cells
    try:
        reading = read_workbook(workbook, sheet_name, max_cells)
    except TooLarge as exc:
        raise AddinProblem(f"工作表「{exc.sheet}」的已用区域太大（约 {exc.cells:,} 个单元格，上限 "
                           f"{exc.limit:,}）：请删去表格以外的内容或整行整列的格式后再校验。") from None
    result = check_workbook(reading.data, config=config, assigned=_county_table(path, config))
    merged = next(s.merged for s in reading.data.sheets if s.name == sheet_name)

    # what can fail (a protected workbook or sheet) comes before any cell is coloured
    with _screen_frozen(workbook), _back_to(workbook, sheet_name):
        _prepare_output_sheets(workbook)
        painter = marks.painter_for(workbook.platform)
        marking = None
        try:
            marking = marks.remark(workbook, sheet_name, result.findings, previous, painter, merged)
        finally:            # after a failure half-way, the old record stays: its fills can be put back
            marks.write_record(workbook, sheet_name, marking.marks if marking else previous)
        report.write_results(workbook, report.result_rows(result, sheet_name, datetime.now()))
    new_marks = [m for m in marking.marks if m.sheet == sheet_name]
    alert = report.alert_text(result, len(new_marks), len(marking.refused), len(marking.unread),
                              reading.caveats, marking.stuck)
    return Press(sheet_name, result, new_marks, alert)


def _county_table(workbook: str, config) -> dict[str, dict[str, float]] | None:
    """The county table named in the settings (as `fenjie check --from`), checked first."""
    from validators.county import CountyTableProblem, TableProblem
    from validators.output.refusal import county_table_refusal
    from validators.read.errors import UnreadableFile

    path = settings.find_county_table(workbook)
    if path is None:
        return None
    if config is None:
        raise AddinProblem(f"设置了县分解表 {path}，但没有找到配置文件 fenjie.toml，没有校验："
                           "请把 fenjie.toml 放在工作簿所在的文件夹或用户文件夹里。")
    if not path.is_file():
        raise AddinProblem(f"设置的县分解表不存在：{path}。请改正 FENJIE_COUNTY_TABLE 设置后再按「校验」。")
    try:
        return settings.county_assignments(path, config)
    except CountyTableProblem as exc:
        raise AddinProblem(county_table_refusal(exc.result, shown=5)) from None
    except (UnreadableFile, TableProblem) as exc:
        raise AddinProblem(f"县分解表 {path.name} 无法使用：{exc}") from None


def _sheet_to_check(workbook: Workbook, last_checked: str | None) -> str:
    """The active sheet; from 校验结果 (or another sheet of ours), the sheet checked last."""
    name = workbook.active_name()
    if name is None:
        raise AddinProblem("当前选中的是图表工作表（或不是普通的工作表），没法校验。"
                           "请点选要校验的分解表工作表（表格所在的那一页），再按「校验」。")
    if name not in OUR_SHEETS:
        return name
    if last_checked and last_checked in workbook.names():
        return last_checked
    raise AddinProblem("请先点选要校验的分解表工作表（表格所在的那一页），再按「校验」。")


def _prepare_output_sheets(workbook: Workbook) -> None:
    """Make 校验结果 and fenjie_marks if missing, and make sure both can be written.

    Raises AddinProblem, with any sheet made here deleted again, before a cell is coloured.
    """
    missing = [name for name in (report.RESULTS_SHEET, marks.MARKS_SHEET) if workbook.get(name) is None]
    if missing and workbook.structure_protected():
        raise AddinProblem("工作簿的结构受保护（「审阅」→「保护工作簿」），「校验」按钮没法添加「校验结果」工作表。"
                           "请先取消保护工作簿（「审阅」→「保护工作簿」，有密码时输入密码），再按「校验」。")
    for name in (report.RESULTS_SHEET, marks.MARKS_SHEET):
        if name not in missing and _protected(workbook, name):
            shown = "「校验结果」" if name == report.RESULTS_SHEET else f"隐藏的 {name} "
            raise AddinProblem(f"{shown}工作表受保护，「校验」按钮没法写入。请取消它的工作表保护"
                               f"（或删掉{shown}工作表），再按「校验」。")
    made: list[str] = []
    try:
        for name in missing:
            sheet = workbook.add(name)
            made.append(name)
            if name == marks.MARKS_SHEET:
                marks.hide(workbook, sheet)
            else:
                report.set_widths(workbook, sheet)
    except Exception:
        settings.logger().exception("添加工作表失败")
        for name in reversed(made):
            try:
                workbook.delete(name)
            except Exception:
                settings.logger().exception("删除刚添加的工作表 %s 失败", name)
        raise AddinProblem("没能添加「校验结果」工作表（工作簿可能受保护或以只读方式打开），没有做任何标记。"
                           "请取消保护工作簿、确认已「启用编辑」后再按「校验」。") from None


def _protected(workbook: Workbook, name: str) -> bool:
    if not workbook.windows:
        return False
    try:
        return bool(workbook.get(name).api.ProtectContents)
    except Exception:
        return False


@contextmanager
def _screen_frozen(workbook: Workbook):
    """One repaint at the end instead of one per call (desktop Excel)."""
    app = None
    if workbook.windows:
        app = workbook.book.api.Application
        app.ScreenUpdating = False
    elif workbook.platform == MAC:
        workbook.book.app.screen_updating = False
    try:
        yield
    finally:
        if app is not None:
            app.ScreenUpdating = True
        elif workbook.platform == MAC:
            workbook.book.app.screen_updating = True


@contextmanager
def _back_to(workbook: Workbook, name: str):
    """The checked sheet is active again at the end (adding a sheet activates the new one)."""
    try:
        yield
    finally:
        try:
            sheet = workbook.get(name)
            if workbook.windows:
                sheet.api.Activate()
            else:
                sheet.activate()
        except Exception:
            settings.logger().exception("无法回到工作表 %s", name)
