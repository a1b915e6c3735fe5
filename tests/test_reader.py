"""validators.read.workbook: real files in, plain WorkbookData out."""
from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import os
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook

from templates.config import Limits
from templates.identity import IDENTITY_SHEET, Identity
from templates.layout import FOOTER_TEXT
from tests.badinput import grain_table, soffice_convert, write_csv, write_xlsx
from validators.read.errors import UnreadableFile
from validators.read.inputs import find_input_files
from validators.read.sheet import CellError
from validators.read.workbook import read_workbook


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mixed_book(path: Path) -> Path:
    """A sheet starting at C3 with every kind of value, a hidden row, a formula with no saved
    result, a merged range, and hidden / very hidden sheets."""
    book = Workbook()
    ws = book.active
    ws.title = "数据"
    ws["C3"] = "标题"
    ws["C4"], ws["D4"], ws["E4"] = 22, "22", 22.5
    ws["F4"] = "#REF!"                       # openpyxl writes this as an error cell
    ws["G4"] = "=SUM(C4:E4)"                  # openpyxl saves no result for formulas
    ws["H4"] = dt.datetime(2025, 3, 1)
    ws["I4"] = True
    ws["C5"] = "藏起来的行"
    ws.row_dimensions[5].hidden = True
    ws["E7"] = "#DIV/0!"                      # an error cell at the end of its row
    ws["C9"] = "合并"
    ws.merge_cells("C9:E9")
    hidden = book.create_sheet("隐藏")
    hidden["A1"] = "x"
    hidden.sheet_state = "hidden"
    very = book.create_sheet("深度隐藏")
    very["A1"] = "y"
    very.sheet_state = "veryHidden"
    book.create_sheet("空表")
    book.save(path)
    return path


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    return _mixed_book(tmp_path_factory.mktemp("mixed") / "mixed.xlsx")


def test_values_keep_their_types(mixed):
    sheet = read_workbook(mixed).sheets[0]
    assert sheet.value(4, 3) == 22 and isinstance(sheet.value(4, 3), (int, float))
    assert sheet.value(4, 4) == "22" and isinstance(sheet.value(4, 4), str)
    assert sheet.value(4, 5) == 22.5
    assert sheet.value(4, 8) in (dt.date(2025, 3, 1), dt.datetime(2025, 3, 1))
    assert sheet.value(4, 9) is True
    assert sheet.value(4, 7) is None                 # the formula has no saved value
    assert sheet.value(6, 3) is None                 # an empty row
    assert sheet.value(100, 100) is None


def test_error_cells_are_cell_errors(mixed):
    sheet = read_workbook(mixed).sheets[0]
    assert isinstance(sheet.value(4, 6), CellError) and sheet.value(4, 6) == "#REF!"
    assert isinstance(sheet.value(7, 5), CellError) and sheet.value(7, 5) == "#DIV/0!"


def test_origin_gives_the_address_the_clerk_sees(mixed):
    sheet = read_workbook(mixed).sheets[0]
    assert (sheet.origin_row, sheet.origin_col) == (3, 3)
    assert sheet.rows[0][0] == "标题" and sheet.address(0, 0) == "C3"
    assert sheet.address(1, 2) == "E4" and sheet.rows[1][2] == 22.5


def test_merged_range_value_sits_in_its_first_cell(mixed):
    sheet = read_workbook(mixed).sheets[0]
    assert sheet.value(9, 3) == "合并"
    assert sheet.value(9, 4) is None and sheet.value(9, 5) is None


def test_sheets_in_order_with_hidden_flag(mixed):
    sheets = read_workbook(mixed).sheets
    assert [(s.name, s.hidden) for s in sheets] == [
        ("数据", False), ("隐藏", True), ("深度隐藏", True), ("空表", False)]
    assert sheets[3].rows == []


def test_hidden_rows_and_unsaved_formulas(mixed):
    sheet = read_workbook(mixed).sheets[0]
    assert sheet.hidden_rows == frozenset({5})
    assert sheet.unsaved_formulas == {(4, 7): "=SUM(C4:E4)"}


@pytest.mark.libreoffice
@pytest.mark.parametrize("target", ["xlsx", "ods", "xls"])
def test_libreoffice_saved_file_reads_like_openpyxl(mixed, tmp_path, target):
    """LibreOffice saves formula results, keeps errors and hidden rows, and the same values."""
    converted = soffice_convert([mixed], target, tmp_path)[0]
    ours, theirs = read_workbook(mixed).sheets[0], read_workbook(converted).sheets[0]
    assert theirs.hidden_rows == frozenset({5})
    assert theirs.unsaved_formulas == {}
    assert theirs.value(4, 7) == 44.5                 # SUM skipped the text "22"
    for row in range(3, 10):
        for col in range(3, 10):
            if (row, col) not in ((4, 7), (4, 9)):      # .ods/.xls store TRUE as the number 1
                assert theirs.value(row, col) == ours.value(row, col), (row, col)
    assert isinstance(theirs.value(4, 6), CellError) and theirs.value(4, 6) == "#REF!"
    assert isinstance(theirs.value(7, 5), CellError) and theirs.value(7, 5) == "#DIV/0!"
    assert theirs.value(4, 9) in (True, 1)


@pytest.mark.libreoffice
@pytest.mark.parametrize("target", ["xlsx", "xls", "ods"])
def test_libreoffice_formats_read_the_same_table(tmp_path, target):
    source = write_xlsx(tmp_path / "grain.xlsx", grain_table({"B5": "22", "C6": "6.5万亩"}))
    converted = soffice_convert([source], target, tmp_path / target)[0]
    ours, theirs = read_workbook(source).sheets[0], read_workbook(converted).sheets[0]
    assert (theirs.origin_row, theirs.origin_col) == (1, 1)
    assert theirs.rows == ours.rows
    assert theirs.value(5, 2) == "22" and theirs.value(6, 3) == "6.5万亩"


def test_identity_block_is_parsed(tmp_path):
    identity = Identity(kind="grain-plan", version=1, county="湘阴县", year=2025, scope="新泉镇",
                        targets={"grain_area": 22.0, "early_rice_area": 9.0})

    def add_identity(book, ws):
        sheet = book.create_sheet(IDENTITY_SHEET)
        for key, value in identity.rows():
            sheet.append([key, value])
        sheet.sheet_state = "hidden"

    path = write_xlsx(tmp_path / "ours.xlsx", grain_table(), edit=add_identity)
    book = read_workbook(path)
    assert book.identity == identity
    assert [s.name for s in book.sheets] == ["Sheet1", IDENTITY_SHEET]
    assert read_workbook(write_xlsx(tmp_path / "theirs.xlsx", grain_table())).identity is None


@pytest.mark.parametrize("footer, filler", [
    ("填报单位（盖章）：        填报人：            联系电话：            填报日期：", None),
    ("填报单位（盖章）：新泉镇        填报人：            联系电话：", "新泉镇"),
    ("填报单位：湘滨镇人民政府　　填报人：李四", "湘滨镇人民政府"),
    ("填报单位(盖章):南湖洲镇", "南湖洲镇"),
    ("填报单位：__________  填报人：", None),
])
def test_filler_line(tmp_path, footer, filler):
    path = write_xlsx(tmp_path / "f.xlsx", grain_table(footer=footer))
    assert read_workbook(path).filler == filler


def test_filler_in_the_next_cell(tmp_path):
    rows = grain_table() + [[], ["填报单位：", None, "岭北镇", "填报人：", "王五"]]
    assert read_workbook(write_xlsx(tmp_path / "f.xlsx", rows)).filler == "岭北镇"


def test_filler_of_our_template_footer(tmp_path):
    blank = write_xlsx(tmp_path / "blank.xlsx", grain_table(footer=FOOTER_TEXT.format(filler="")))
    filled = write_xlsx(tmp_path / "filled.xlsx", grain_table(footer=FOOTER_TEXT.format(filler="鹤龙湖镇")))
    assert read_workbook(blank).filler is None
    assert read_workbook(filled).filler == "鹤龙湖镇"


# -- CSV ---------------------------------------------------------------------------------

CSV_ROWS = [["乡镇(单位)", "粮食总面积(万亩)", "备注"],
            ["新泉镇", "22", "约22"], ["湘滨镇", "15.5", " 22 "], ["南湖洲镇", "-3", "95,000"],
            ["岭北镇", "007", "２２．０"], ["合计", "", "22万亩"]]


@pytest.mark.parametrize("encoding, delimiter", [
    ("utf-8-sig", ","), ("utf-8", ","), ("gb18030", ","), ("gbk", "\t"), ("utf-8", ";"),
    ("utf-16", ","),
])
def test_csv_encodings_and_delimiters(tmp_path, encoding, delimiter):
    path = write_csv(tmp_path / "t.csv", CSV_ROWS, encoding=encoding, delimiter=delimiter)
    sheet = read_workbook(path).sheets[0]
    assert sheet.name == "t" and (sheet.origin_row, sheet.origin_col) == (1, 1)
    assert sheet.rows[0] == ["乡镇(单位)", "粮食总面积(万亩)", "备注"]
    assert sheet.rows[1] == ["新泉镇", 22, "约22"] and isinstance(sheet.rows[1][1], int)
    assert sheet.rows[2] == ["湘滨镇", 15.5, " 22 "]
    assert sheet.rows[3] == ["南湖洲镇", -3, "95,000"]
    assert sheet.rows[4] == ["岭北镇", "007", "２２．０"]      # a leading zero stays text
    assert sheet.rows[5] == ["合计", None, "22万亩"]


@pytest.mark.parametrize("name, delimiter", [("t.csv", ","), ("export.xls", "\t"), ("t.csv", ";")])
def test_a_utf8_bom_in_front_of_gbk_text_is_dropped(tmp_path, name, delimiter):
    """Some tools put a UTF-8 BOM in front of GBK text; the rows are still the GBK ones."""
    gbk = write_csv(tmp_path / "gbk.csv", CSV_ROWS, encoding="gbk", delimiter=delimiter).read_bytes()
    path = tmp_path / name
    path.write_bytes(codecs.BOM_UTF8 + gbk)
    rows = read_workbook(path).sheets[0].rows
    assert rows[0] == ["乡镇(单位)", "粮食总面积(万亩)", "备注"]
    assert rows[1] == ["新泉镇", 22, "约22"] and rows[5] == ["合计", None, "22万亩"]


def test_text_in_no_known_encoding_is_unreadable_with_the_encodings_named(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(codecs.BOM_UTF8 + "乡镇,面积\r\n新泉镇,22\r\n".encode("gbk") + b"\x80\x80,1\r\n")
    with pytest.raises(UnreadableFile, match="不是 UTF-8、GBK/GB18030 或 UTF-16"):
        read_workbook(path)


def test_tab_separated_text_saved_as_xls_is_read(tmp_path):
    path = write_csv(tmp_path / "export.xls", CSV_ROWS, encoding="gbk", delimiter="\t")
    assert read_workbook(path).sheets[0].rows[1] == ["新泉镇", 22, "约22"]


def test_content_decides_the_format_not_the_name(tmp_path):
    real = write_xlsx(tmp_path / "real.xlsx", grain_table({"B5": "22"}))
    misnamed = tmp_path / "misnamed.csv"
    shutil.copyfile(real, misnamed)
    assert read_workbook(misnamed).sheets[0].rows == read_workbook(real).sheets[0].rows


# -- safety that needs no special file ----------------------------------------------------

def _open_by_this_process(path: Path) -> bool:
    """Whether any file descriptor of this process points at `path` (Linux /proc)."""
    descriptors = Path("/proc/self/fd")
    targets = set()
    for fd in descriptors.iterdir():
        try:
            targets.add(Path(os.readlink(fd)))
        except OSError:                  # the descriptor listing the folder itself is gone already
            continue
    return path.resolve() in targets


def test_files_are_not_modified_or_locked(mixed, tmp_path):
    copy = tmp_path / "copy.xlsx"
    shutil.copyfile(mixed, copy)
    before, mtime = digest(copy), copy.stat().st_mtime_ns
    with open(copy, "rb"):                           # the check below sees an open file
        assert _open_by_this_process(copy)
    book = read_workbook(copy)
    assert book.sheets[0].value(4, 3) == 22
    assert digest(copy) == before and copy.stat().st_mtime_ns == mtime
    assert not _open_by_this_process(copy)           # not held open (Windows would lock it)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.xlsx"]    # no ~$ lock file


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(UnreadableFile, match="文件夹"):
        read_workbook(tmp_path)


def test_unreadable_file_reason_is_the_message():
    error = UnreadableFile("文件不存在")
    assert error.reason == str(error) == "文件不存在"


# -- finding files -------------------------------------------------------------------------

def test_find_input_files(tmp_path):
    for name in ["b/新泉镇.xlsx", "a.XLSX", "c.xls", "d.ods", "e.csv", "f.xlsm", "b/z/湘滨镇.xlsx",
                 "~$a.xlsx", ".hidden.xlsx", ".git/x.xlsx", "notes.txt", "report.docx"]:
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    single = tmp_path / "single.txt"
    single.write_bytes(b"x")
    found = find_input_files([tmp_path / "in", single, tmp_path / "nowhere.xlsx", tmp_path / "in" / "c.xls"])
    names = [p.relative_to(tmp_path).as_posix() for p in found]
    assert names == ["in/a.XLSX", "in/b/z/湘滨镇.xlsx", "in/b/新泉镇.xlsx", "in/c.xls", "in/d.ods",
                     "in/e.csv", "in/f.xlsm", "single.txt", "nowhere.xlsx"]
    with pytest.raises(UnreadableFile, match="不存在"):
        read_workbook(found[-1])


@pytest.mark.libreoffice
@pytest.mark.parametrize("target", ["xls", "ods"])
def test_far_cell_in_legacy_formats_is_refused_before_loading(tmp_path, target):
    source = write_xlsx(tmp_path / "far.xlsx", [["乡镇"]],
                        edit=lambda book, ws: ws.cell(2000, 200, 1))
    converted = soffice_convert([source], target, tmp_path / target)[0]
    with pytest.raises(UnreadableFile, match="过大"):                 # 2000 × 200 = 400 000
        read_workbook(converted, limits=Limits(max_cells=399_999))
    assert read_workbook(converted, limits=Limits(max_cells=400_000)).sheets[0].value(2000, 200) == 1


def test_native_stderr_is_kept_off_the_terminal(capfd):
    """A Rust panic inside calamine prints to fd 2 before it becomes an exception."""
    from validators.read.workbook import _is_reader_failure, _native_errors_quiet

    class PanicException(BaseException):    # how pyo3 names it; not an Exception subclass
        pass

    with pytest.raises(PanicException):
        with _native_errors_quiet():
            os.write(2, b"thread '<unnamed>' panicked at src/cfb.rs:345:44\n")
            raise PanicException("range end index 64 out of range")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"
    assert _is_reader_failure(PanicException("x")) and _is_reader_failure(ValueError("x"))
    assert not _is_reader_failure(KeyboardInterrupt())


def test_csv_with_a_runaway_field_is_unreadable(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text('乡镇,面积\n新泉镇,"22\n' + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="CSV 文件格式有误"):
        read_workbook(path)


@pytest.mark.parametrize("content, encoding, word", [
    ("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\n", "ascii", "MHT"),
    ("\ufeff<html><body><table><tr><td>新泉镇</td></tr></table></body></html>", "utf-16", "网页"),
    ("  \r\n<!DOCTYPE html><html><body>导出</body></html>", "gbk", "网页"),
])
def test_web_pages_saved_as_xls(tmp_path, content, encoding, word):
    path = tmp_path / "导出.xls"
    path.write_bytes(content.encode(encoding))
    with pytest.raises(UnreadableFile, match=word):
        read_workbook(path)


def test_csv_sep_line_names_the_delimiter(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\r\n乡镇;面积\r\n新泉镇;22,5\r\n", encoding="utf-8")
    assert read_workbook(path).sheets[0].rows == [["乡镇", "面积"], ["新泉镇", "22,5"]]


def test_reading_from_threads_leaves_stderr_working(mixed, tmp_path, capfd):
    import threading
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(mixed.read_bytes()[:3000])

    outcomes = []

    def work():
        for path in [mixed, broken] * 5:
            try:
                outcomes.append((path.name, read_workbook(path).sheets[0].value(4, 3)))
            except UnreadableFile:
                outcomes.append((path.name, "unreadable"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    os.write(2, b"still here\n")
    assert capfd.readouterr().err == "still here\n"
    assert sorted(outcomes) == [("broken.xlsx", "unreadable")] * 20 + [("mixed.xlsx", 22)] * 20


def test_empty_formatted_cells_at_the_bottom_do_not_make_a_sheet_too_large(tmp_path):
    """LibreOffice writes formatted empty rows down to row 1048576 after rows are deleted."""
    import openpyxl
    from openpyxl.styles import Font

    from validators.read.workbook import read_workbook
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["乡镇(单位)", "粮食总面积(万亩)"])
    sheet.append(["新泉镇", 22])
    sheet.row_dimensions[1048576].height = 20
    sheet.cell(1048576, 6).font = Font(bold=True)
    path = tmp_path / "formatted-bottom.xlsx"
    book.save(path)
    assert read_workbook(path).sheets[0].rows == [["乡镇(单位)", "粮食总面积(万亩)"], ["新泉镇", 22]]
    sheet.cell(1048576, 6).value = 1       # a real far cell: read sparsely, kept at its place
    book.save(path)
    far = read_workbook(path).sheets[0]
    assert far.rows[:2] == [["乡镇(单位)", "粮食总面积(万亩)"], ["新泉镇", 22]] and far.value(1048576, 6) == 1


def test_meanwhile_runs_after_the_package_checks_and_before_calamine(tmp_path, monkeypatch):
    """The caller's Python work (the CLI imports pandas) must not take the GIL from the
    package checks, and must start while calamine parses without it."""
    import python_calamine

    from validators.read import workbook
    calls = []
    checks, opening = workbook.inspect_package, python_calamine.CalamineWorkbook.from_path
    monkeypatch.setattr(workbook, "inspect_package", lambda *a, **k: calls.append("checks") or checks(*a, **k))
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path",
                        lambda *a, **k: calls.append("calamine") or opening(*a, **k))
    book = read_workbook(write_xlsx(tmp_path / "a.xlsx", [["乡镇", "面积"], ["新泉镇", 1.5]]),
                         meanwhile=lambda: calls.append("meanwhile"))
    assert calls == ["checks", "meanwhile", "calamine"]
    assert book.sheets[0].rows[1] == ["新泉镇", 1.5]
    calls.clear()
    read_workbook(write_csv(tmp_path / "a.csv", [["乡镇", "面积"], ["新泉镇", "1.5"]]), meanwhile=lambda: calls.append("meanwhile"))
    assert calls == []          # no calamine: nothing to overlap; the check imports what it needs


@pytest.mark.parametrize("name", ["表.ods", "表.XLSX", "表.xlsm", "表.xls", "表.et"])
def test_a_workbook_is_read_by_its_content_whatever_its_name_says(tmp_path, name):
    """calamine picks the reader of a path by its extension: a name that does not say what the
    file holds must still be read (by content), one that does may be read from the path."""
    source = write_xlsx(tmp_path / "a.xlsx", [["乡镇", "面积"], ["新泉镇", 1.5]])
    renamed = source.rename(tmp_path / name)
    assert read_workbook(renamed).sheets[0].rows[1] == ["新泉镇", 1.5]


@pytest.mark.skipif(os.name == "nt", reason="file names on Windows are always Unicode")
@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_file_whose_name_is_not_utf8_is_read(tmp_path, suffix):
    """unzip leaves a Windows zip's names in GBK bytes on Linux: 三塘镇 as \\xc8\\xfd\\xcc\\xc1\\xd5\\xf2."""
    source = write_xlsx(tmp_path / "a.xlsx", [["乡镇", "面积"], ["新泉镇", 1.5]])
    if suffix == ".xls":
        source = soffice_convert([source], "xls", tmp_path / "xls")[0]
    raw = os.fsencode(tmp_path) + b"/" + "三塘镇".encode("gbk") + suffix.encode()
    with open(raw, "wb") as out:
        out.write(source.read_bytes())
    assert read_workbook(Path(os.fsdecode(raw))).sheets[0].rows[1] == ["新泉镇", 1.5]
