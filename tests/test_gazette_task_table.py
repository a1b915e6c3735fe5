"""The gazette's own 目标任务分解表, laid out as the PDF prints it, checked end to end.

The README's worked example shows this output; if the engine's findings change, this test
and that section change together.
"""
import json
import subprocess
import sys
from pathlib import Path

import openpyxl

from tests.conftest import EXAMPLE, ROOT
from tests.sheets import task_rows

EXPECTED = [
    ("C26", "K002"),                       # task 18: no 责任领导
    ("E6", "K004"), ("E42", "K004"),       # 虞公港及临港产业园建设指挥部, 六塘镇
    ("G8", "K006"), ("G9", "K006"), ("G10", "K006"), ("G11", "K006"),   # 财政局: 陈峰/陈锋/范文灿
    ("G78", "K003"), ("G79", "K003"),      # tasks 60, 61: no 牵头单位 责任人
    ("F102", "K003"), ("F105", "K003"), ("F106", "K003"), ("F107", "K003"),  # tasks 80-83
]


def gazette_layout(path):
    """Header merged over two rows and repeated every 8 tasks, as in the PDF."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "目标任务分解表"
    for row in task_rows(repeat_every=8):
        sheet.append(row)
        if len(row) > 5 and row[5] == "责任人":
            top = sheet.max_row
            sheet.merge_cells(start_row=top, start_column=6, end_row=top, end_column=7)
            for col in range(1, 6):
                sheet.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
    book.save(path)
    return path


def test_gazette_task_table_as_printed(tmp_path):
    path = gazette_layout(tmp_path / "公报-目标任务分解表.xlsx")
    fenjie = Path(sys.executable).parent / "fenjie"
    out = subprocess.run([str(fenjie), "check", str(path), "--format", "json",
                          "--config", str(EXAMPLE / "fenjie.toml")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1, out.stderr
    findings = json.loads(out.stdout)["files"][0]["findings"]
    assert sorted((f["cell"], f["code"]) for f in findings) == sorted(EXPECTED)
    suggestions = {f["value"]: f["suggestion"] for f in findings if f["code"] == "K004"}
    assert suggestions == {"六塘镇": "六塘乡",
                           "虞公港及临港产业园建设指挥部": "虞公港及临港产业开发区建设指挥部"}
