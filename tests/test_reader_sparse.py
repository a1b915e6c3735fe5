"""A few stray cells far from the table (validators.read.ooxml, sparse): the sheet is read without
allocating the rectangle up to them, the table reads as without them, and their values are kept
at their places. More than a few far cells, or a sheet large by itself, is still refused."""
from __future__ import annotations

import hashlib

import pytest

from scripts.libreoffice import convert
from templates.config import Limits
from tests.badinput import grain_table, rewrite_xlsx, write_xlsx
from validators.read.errors import UnreadableFile
from validators.read.sheet import CellError
from validators.read.workbook import read_workbook

FAR_ROW = 1048576


def _with_far_cells(cells: bytes):
    def plant(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", b'<row r="%d">%s</row></sheetData>' % (FAR_ROW, cells))
    return plant


def _table_rows(sheet):
    return [row for row in sheet.rows[:30] if row]


@pytest.fixture
def clean(tmp_path):
    return write_xlsx(tmp_path / "clean.xlsx", grain_table())


@pytest.mark.libreoffice
def test_stray_far_cells_are_read_at_their_places(tmp_path, clean):
    """A table LibreOffice saved (its text in sharedStrings.xml) with five far cells added."""
    clean = convert([clean], "xlsx", tmp_path / "lo")[0]
    far = (b'<c r="A1048576" t="inlineStr"><is><t>&lt;\xe5\xa4\x87\xe6\xb3\xa8&gt;</t></is></c>'
           b'<c r="B1048576" t="s"><v>0</v></c><c r="C1048576" t="b"><v>1</v></c>'
           b'<c r="D1048576" t="e"><v>#REF!</v></c><c r="XFD1048576"><v>2.5</v></c>')
    path = rewrite_xlsx(clean, tmp_path / "far.xlsx", {"xl/worksheets/sheet1.xml": _with_far_cells(far)})
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    sheet = read_workbook(path).sheets[0]
    expected = read_workbook(clean).sheets[0]
    assert _table_rows(sheet) == _table_rows(expected)
    first_shared = read_workbook(clean).sheets[0].rows[0][0]      # openpyxl writes strings shared
    assert sheet.value(FAR_ROW, 1) == "<备注>" and sheet.value(FAR_ROW, 2) == first_shared
    assert sheet.value(FAR_ROW, 3) is True and sheet.value(FAR_ROW, 4) == CellError("#REF!")
    assert isinstance(sheet.value(FAR_ROW, 4), CellError) and sheet.value(FAR_ROW, 16384) == 2.5
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_stray_formula_without_its_result_is_kept_as_such(tmp_path, clean):
    far = b'<c r="XFD1048576"><f>SUM(B5:B20)</f><v></v></c>'
    path = rewrite_xlsx(clean, tmp_path / "far.xlsx", {"xl/worksheets/sheet1.xml": _with_far_cells(far)})
    sheet = read_workbook(path).sheets[0]
    assert sheet.unsaved_formulas == {(FAR_ROW, 16384): "=SUM(B5:B20)"}
    assert _table_rows(sheet) == _table_rows(read_workbook(clean).sheets[0])


def test_more_than_a_few_far_cells_are_refused(tmp_path, clean):
    far = b"".join(b'<c r="%s1048576"><v>1</v></c>' % c.encode() for c in "ABCDEFGHIJK")
    path = rewrite_xlsx(clean, tmp_path / "far.xlsx", {"xl/worksheets/sheet1.xml": _with_far_cells(far)})
    with pytest.raises(UnreadableFile, match="过大"):
        read_workbook(path)


def test_a_sheet_too_large_without_its_stray_cells_is_refused(tmp_path, clean):
    far = b'<c r="XFD1048576"><v>1</v></c>'
    path = rewrite_xlsx(clean, tmp_path / "far.xlsx", {"xl/worksheets/sheet1.xml": _with_far_cells(far)})
    read_workbook(path)
    with pytest.raises(UnreadableFile, match="过大"):
        read_workbook(path, limits=Limits(max_cells=50))       # the table alone is over 50 cells


def test_sparse_sheets_of_one_workbook_are_bounded_together(tmp_path):
    """Each row down to a far cell is a list in memory: two sheets reaching row 1048576 are over
    max_cells / 4 rows together, so the second is refused and its stray cell named."""
    import openpyxl
    book = openpyxl.Workbook()
    for index, sheet in enumerate([book.active, book.create_sheet("第二张")]):
        for row in grain_table():
            sheet.append(row)
        sheet.cell(FAR_ROW, 16384 - index).value = 1
    path = tmp_path / "two.xlsx"
    book.save(path)
    with pytest.raises(UnreadableFile, match="请删去 XFC1048576 的内容"):
        read_workbook(path)
    del book["第二张"]
    book.save(path)
    assert read_workbook(path).sheets[0].value(FAR_ROW, 16384) == 1
