"""Annotated copies: bad cells filled and noted, every finding listed, the original untouched."""
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment

from templates.identity import ANNOTATED_LIST_SHEET as LIST_SHEET
from templates.labels import ERROR_COLOR, FINDING_HEADERS, WARNING_COLOR
from tests.sheets import grain_rows
from validators.check.rules import RULES
from validators.findings import FileResult
from validators.output.annotate import (
    Grid,
    annotate_file,
    copy_name,
    note_anchor,
    note_size,
    plan_copies,
    unsafe_copies,
)

ERROR_RGB, WARNING_RGB = "00" + ERROR_COLOR, "00" + WARNING_COLOR


def write_grain(path: Path, rows=None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in rows or grain_rows():
        ws.append(row)
    wb.save(path)
    return path


def grain_result(path: Path) -> FileResult:
    """Findings as the engine reports them on the gazette layout (新泉镇 on row 5, 合计 on 21)."""
    return FileResult(str(path), kind="grain-plan", sheet="Sheet1", findings=[
        RULES["N004"].finding(sheet="Sheet1", cell="B5", value="22万亩", suggestion="22", number="22"),
        RULES["T001"].finding(sheet="Sheet1", cell="D21", value="500000", suggestion="502000",
                              column="粮食总产量", total="500000", sum="502000", diff="-2000"),
        RULES["P001"].finding(sheet="Sheet1", cell="A6", ratio="950"),
        RULES["P001"].finding(sheet="Sheet1", cell="D21", ratio="999"),
        RULES["R001"].finding(sheet="Sheet1", name="南湖洲镇"),
    ])


def vml_of(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".vml"))


def test_copy_marks_cells_and_leaves_the_original_byte_identical(tmp_path):
    source = write_grain(tmp_path / "新泉镇.xlsx")
    before = source.read_bytes()
    done = annotate_file(grain_result(source), tmp_path / "out" / "新泉镇.xlsx")
    assert source.read_bytes() == before
    assert done.copy == tmp_path / "out" / "新泉镇.xlsx" and not done.values_only

    wb = load_workbook(done.copy)
    ws = wb["Sheet1"]
    assert ws["B5"].fill.fgColor.rgb == ERROR_RGB
    assert ws["A6"].fill.fgColor.rgb == WARNING_RGB
    assert ws["D21"].fill.fgColor.rgb == ERROR_RGB    # an error outranks a warning
    assert ws["C5"].fill.fgColor.rgb != ERROR_RGB     # good cells untouched
    assert ws["B5"].value == 22.0                                  # values are not changed
    note = ws["B5"].comment
    assert note.author == "fenjie"
    assert "N004" in note.text and "22万亩" in note.text and "建议：22" in note.text
    assert "T001" in ws["D21"].comment.text and "P001" in ws["D21"].comment.text

    listing = [list(r) for r in wb[LIST_SHEET].iter_rows(values_only=True)]
    assert tuple(listing[0]) == FINDING_HEADERS
    assert ["新泉镇.xlsx", None, "Sheet1", None, "R001", "错误", "缺少「南湖洲镇」这一行", None, None] in listing
    assert len(listing) == 6
    assert wb[LIST_SHEET]["D2"].hyperlink.location == "Sheet1!B5"
    assert wb.active.title == "Sheet1"


def test_note_is_sized_for_excel_and_wps(tmp_path):
    source = write_grain(tmp_path / "a.xlsx")
    copy = annotate_file(grain_result(source), tmp_path / "out" / "a.xlsx").copy
    vml = vml_of(copy)
    shapes = re.findall(r"<v:shape .*?</v:shape>", vml, re.S)
    assert len(shapes) == 3
    for shape in shapes:      # Excel reads the CSS size, WPS and LibreOffice the anchor
        assert re.search(r"width:\d+px;\s*height:\d+px", shape)
        assert re.search(r"<x:Anchor>\d+, 15, \d+, 10, \d+, \d+, \d+, \d+</x:Anchor>", shape)
    long_text = "很长的说明" * 30
    assert note_size(long_text)[1] > note_size("短")[1]


def test_note_anchor_spans_the_box_over_the_sheets_real_columns_and_rows():
    # default 64 px columns, 20 px rows: 15 + 320 px from column 2 ends 15 px into column 7
    assert note_anchor(4, 1, 320, 40) == "2, 15, 3, 10, 7, 15, 5, 10"
    wide = Grid(columns={3: 200, 4: 200}, rows={4: 40})
    assert note_anchor(4, 1, 320, 40, wide) == "2, 15, 3, 10, 3, 135, 4, 10"   # Grid is 1-based
    hidden = Grid(columns={3: 0, 4: 0}, rows={})
    assert note_anchor(4, 1, 100, 40, hidden) == "2, 15, 3, 10, 5, 51, 5, 10"


def test_anchor_uses_the_column_widths_of_the_annotated_sheet(tmp_path):
    source = write_grain(tmp_path / "a.xlsx")
    wb = load_workbook(source)
    for letter in "BCDEFGH":
        wb["Sheet1"].column_dimensions[letter].width = 40          # 285 px each
    wb.save(source)
    copy = annotate_file(grain_result(source), tmp_path / "out" / "a.xlsx").copy
    anchors = re.findall(r"<x:Anchor>([^<]+)</x:Anchor>", vml_of(copy))
    spans = [int(a.split(", ")[4]) - int(a.split(", ")[0]) for a in anchors]
    assert spans and max(spans) <= 1      # 335 px fit in two wide columns, not six default ones


def test_an_existing_note_is_kept_and_merged_cells_take_the_note_on_their_first_cell(tmp_path):
    rows = grain_rows()
    source = tmp_path / "a.xlsx"
    write_grain(source, rows)
    wb = load_workbook(source)
    ws = wb["Sheet1"]
    ws["C5"].comment = Comment("镇里说明：含复种", "张三")
    ws.merge_cells("A2:F2")
    wb.save(source)
    result = FileResult(str(source), kind="grain-plan", sheet="Sheet1", findings=[
        RULES["N007"].finding(sheet="Sheet1", cell="C5", column="早稻面积", value="x"),
        RULES["F004"].finding(sheet="Sheet1", cell="C2", formula="=SUM(B5:B20)")])
    copy = annotate_file(result, tmp_path / "out" / "a.xlsx").copy
    ws = load_workbook(copy)["Sheet1"]
    assert "N007" in ws["C5"].comment.text and "镇里说明：含复种" in ws["C5"].comment.text
    assert "张三" in ws["C5"].comment.text
    assert "F004" in ws["A2"].comment.text
    assert ws["A2"].fill.fgColor.rgb == WARNING_RGB


def test_csv_becomes_an_xlsx_copy_of_its_values_with_text_kept_as_text(tmp_path):
    source = tmp_path / "东塘镇.csv"
    lines = ["乡镇(单位),粮食总面积(万亩)", "东塘镇,=1+1", "合计,5"]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = source.read_bytes()
    result = FileResult(str(source), kind="grain-plan", sheet=None, findings=[
        RULES["N007"].finding(cell="B2", column="粮食总面积", value="=1+1")])
    done = annotate_file(result, tmp_path / "out" / copy_name(source))
    assert done.values_only and done.copy.name == "东塘镇.xlsx"
    assert source.read_bytes() == before
    wb = load_workbook(done.copy)
    ws = wb.worksheets[0]
    assert ws["A2"].value == "东塘镇"
    assert ws["B2"].value == "=1+1" and ws["B2"].data_type == "s"
    assert ws["B2"].fill.fgColor.rgb == ERROR_RGB and "N007" in ws["B2"].comment.text


def test_copy_names_never_collide():
    sources = [Path("a/新泉镇.xlsx"), Path("b/新泉镇.xlsx"), Path("c/新泉镇.xls"), Path("d/x.XLSM")]
    planned = plan_copies(sources, Path("out"))
    assert [p.name for p in planned.values()] == ["新泉镇.xlsx", "新泉镇(2).xlsx", "新泉镇(3).xlsx", "x.XLSM"]


def test_copies_that_would_overwrite_a_return_are_refused(tmp_path):
    source = write_grain(tmp_path / "新泉镇.xlsx")
    other = write_grain(tmp_path / "湘滨镇.xlsx")       # a return that was not named
    xls = tmp_path / "湘滨镇.xls"
    xls.write_bytes(b"")
    assert unsafe_copies(plan_copies([source], tmp_path), [source]) == [source]
    assert unsafe_copies(plan_copies([xls], tmp_path), [xls]) == [other]
    assert unsafe_copies(plan_copies([source, xls], tmp_path / "out"), [source, xls]) == []


@pytest.mark.parametrize("name", ["a.xlsx", "a.xlsm"])
def test_xlsx_and_xlsm_keep_their_format(tmp_path, name):
    source = write_grain(tmp_path / name)
    done = annotate_file(grain_result(source), tmp_path / "out" / copy_name(source))
    assert done.copy.suffix == Path(name).suffix and not done.values_only
    assert load_workbook(done.copy)["Sheet1"]["B5"].comment is not None


def _ods_notes(path: Path) -> list[tuple[str, float]]:
    """(text, height in inches) of every note LibreOffice shows in an .ods."""
    with zipfile.ZipFile(path) as z:
        content = z.read("content.xml").decode()
    notes = []
    for attrs, body in re.findall(r"<office:annotation\b([^>]*)>(.*?)</office:annotation>", content, re.S):
        height = float(re.search(r'svg:height="([\d.]+)in"', attrs).group(1))
        notes.append((re.sub(r"<[^>]+>", "", body), height))
    return notes


@pytest.mark.libreoffice
def test_libreoffice_shows_every_note_at_its_size_and_reads_its_own_files(tmp_path):
    from tests.badinput import soffice_convert
    source = write_grain(tmp_path / "新泉镇.xlsx")
    # a return saved by LibreOffice is annotated like one saved by openpyxl
    saved_by_lo = soffice_convert([source], "xlsx", tmp_path / "lo")[0]
    before = saved_by_lo.read_bytes()
    result = grain_result(saved_by_lo)
    result.findings.append(RULES["N007"].finding(sheet="Sheet1", cell="C6", column="早稻面积",
                                                 value="很长的说明" * 20))
    copy = annotate_file(result, tmp_path / "out" / "新泉镇.xlsx").copy
    assert saved_by_lo.read_bytes() == before
    shown = soffice_convert([copy], "ods", tmp_path / "shown")[0]
    notes = _ods_notes(shown)
    assert len(notes) == 4
    texts = " ".join(text for text, _ in notes)
    assert all(code in texts for code in ("N004", "T001", "P001", "N007"))
    heights = {code: h for text, h in notes for code in ("N004", "N007") if code in text}
    assert heights["N007"] > heights["N004"] * 2        # the box grows with its text

    ods = soffice_convert([source], "ods", tmp_path / "ods")[0]
    done = annotate_file(grain_result(ods), tmp_path / "out" / copy_name(ods))
    assert done.values_only and load_workbook(done.copy)["Sheet1"]["B5"].comment is not None


@pytest.mark.libreoffice
def test_an_xls_renamed_xlsx_gets_a_copy_of_its_values(tmp_path):
    from tests.badinput import soffice_convert
    xls = soffice_convert([write_grain(tmp_path / "a.xlsx")], "xls", tmp_path / "xls")[0]
    renamed = xls.rename(xls.with_name("改名.xlsx"))
    done = annotate_file(grain_result(renamed), tmp_path / "out" / copy_name(renamed))
    assert done.values_only and done.copy.name == "改名.xlsx"
    ws = load_workbook(done.copy)["Sheet1"]
    assert ws["A5"].value == "新泉镇" and "N004" in ws["B5"].comment.text
