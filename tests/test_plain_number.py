"""One answer to "is this a plain number" (templates.cells.plain_number) for number cells, CSV
cells, a task list's cells and --target: the six texts issue 10 found the old regexes split on."""
import csv

import openpyxl
import pytest

from cli.check_cmd import parse_target
from cli.options import UsageProblem
from templates.cells import plain_number
from templates.kinds import KINDS
from tests.test_trust_tables import GRAIN_HEADER, total_row, township_rows
from validators.batch import check_file
from validators.check.numbers import parse_number
from validators.read.csvfile import csv_value
from validators.records import read_records

TEXTS = ["007", "1,234", "１２３", "-0", "1e3", " 12 "]


def test_plain_numbers():
    assert [plain_number(t) for t in TEXTS] == [7, None, None, 0, None, None]
    assert plain_number("22.5") == 22.5 and plain_number(".5") == 0.5 and plain_number("-3") == -3
    assert str(plain_number("-0.0")) == "0.0"


def test_a_number_cell_holding_the_text():
    found = [(parse_number(t).code, parse_number(t).number) for t in TEXTS]
    assert found == [("N001", 7), ("N003", 1234), ("N002", 123), ("N001", 0), ("N007", None), ("N006", 12)]


def test_a_csv_cell_is_a_number_only_when_plain_and_no_code():
    assert [csv_value(t) for t in TEXTS] == ["007", "1,234", "１２３", 0, "1e3", " 12 "]
    assert csv_value("22.5") == 22.5 and csv_value("95000") == 95000 and csv_value("+5") == "+5"


def _grain_rows(texts_at_b3):
    rows = township_rows()
    rows[0][1] = texts_at_b3
    numbers = [[r[0], *(0 if isinstance(v, str) else v for v in r[1:])] for r in rows]
    return [GRAIN_HEADER, *rows, total_row("合计", numbers)]


@pytest.mark.parametrize("text", TEXTS)
def test_csv_and_xlsx_returns_agree(tmp_path, text):
    """The same text in B2 of a CSV return and (as text) of an .xlsx return: the same finding,
    but for -0, which a CSV stores as the number 0 (as Excel reads it)."""
    rows = _grain_rows(text)
    with open(tmp_path / "县表.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    for row in book.active.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    book.save(tmp_path / "县表.xlsx")
    at_b2 = {name: [(f.code, f.suggestion) for f in check_file(tmp_path / name).findings if f.cell == "B2"]
             for name in ("县表.csv", "县表.xlsx")}
    if text == "-0":
        assert at_b2 == {"县表.csv": [], "县表.xlsx": [("N001", "0")]}
    else:
        assert at_b2["县表.csv"] == at_b2["县表.xlsx"] != []


def test_a_task_lists_number_cells(tmp_path):
    header = "乡镇(单位)\t粮食总面积(万亩)\t早稻面积(万亩)\t粮食总产量(吨)\t早稻集中育秧(万亩)\t专业化示范育秧(万亩)\n"
    lines = [f"新泉镇\t{t}\t1\t1\t1\t1\n" for t in TEXTS]
    (tmp_path / "清单.tsv").write_text(header + "".join(lines), encoding="utf-8")
    got = [r["grain_area"] for r in read_records(tmp_path / "清单.tsv", KINDS["grain-plan"])]
    assert got == [7, "1,234", 123, 0, "1e3", 12]


def test_target_values():
    assert [parse_target(f"粮食总面积={t}")[1] for t in ("007", "1,234", "１２３", "-0", " 12 ")] == \
        [7.0, 1234.0, 123.0, 0.0, 12.0]
    with pytest.raises(UsageProblem):
        parse_target("粮食总面积=1e3")
