"""The gazette's tables as plain rows, laid out as clerks get them (title, 单位 line, header)."""
from __future__ import annotations

import copy
import csv

from tests.conftest import GAZETTE
from validators.read.sheet import SheetData, WorkbookData

TASK_HEADER = (["序号", "目标任务", "责任领导", "牵头单位", "相关单位", "责任人", None],
               [None, None, None, None, None, "县政府", "牵头单位"])


def _tsv(name: str) -> list[list[str]]:
    with open(GAZETTE / name, encoding="utf-8") as handle:
        return list(csv.reader(handle, delimiter="\t"))


def _number(text: str):
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def grain_rows() -> list[list]:
    """湘阴县 2025 粮食生产计划任务分解表: header on Excel row 4, 新泉镇 on row 5, 合计 on row 21."""
    table = _tsv("xiangyin-2025-grain-plan.tsv")
    return [["附件"], ["湘阴县2025年粮食生产计划任务分解表"], ["单位：万亩、吨"], table[0],
            *[[row[0], *map(_number, row[1:])] for row in table[1:]]]


def task_rows(repeat_every: int = 8) -> list[list]:
    """The 85-task 目标任务分解表 with the two-row header, repeated every few rows as in the PDF.

    Header on Excel rows 3-4; task 1 on row 5.
    """
    rows = [["附件"], ["县十八届人大五次会议政府工作报告目标任务分解表"], *map(list, TASK_HEADER)]
    for index, task in enumerate(_tsv("xiangyin-2025-task-breakdown.tsv")[1:]):
        if index and index % repeat_every == 0:
            rows += map(list, TASK_HEADER)
        rows.append([int(task[0]), *[cell or None for cell in task[1:]]])
    return rows


def book(rows, name="返回表.xlsx", **sheet_options) -> WorkbookData:
    return WorkbookData(name, [SheetData("Sheet1", copy.deepcopy(rows), **sheet_options)])
