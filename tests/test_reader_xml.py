"""validators.read.ooxml: the fast scans agree with the streaming parser, and odd XML is safe."""
from __future__ import annotations

import re
import zipfile

import pytest

from templates.config import Limits
from tests.test_reader import _mixed_book
from validators.read.errors import UnreadableFile
from validators.read.extras import SheetExtras
from validators.read.ooxml import _parse_sheet, inspect_sheet, scan_sheet

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet_xml(body: str, cols: str = "") -> bytes:
    return f'<?xml version="1.0"?><worksheet {NS}>{cols}<sheetData>{body}</sheetData></worksheet>'.encode()


def _as_tuple(extras: SheetExtras):
    return extras.hidden_rows, extras.unsaved_formulas, extras.errors


@pytest.fixture(scope="module")
def mixed_xml(tmp_path_factory) -> bytes:
    path = _mixed_book(tmp_path_factory.mktemp("xml") / "mixed.xlsx")
    with zipfile.ZipFile(path) as package:
        return package.read("xl/worksheets/sheet1.xml")


def test_fast_scan_agrees_with_the_streaming_parser(mixed_xml):
    fast = scan_sheet(mixed_xml)
    assert _as_tuple(fast) == _as_tuple(_parse_sheet(mixed_xml)[0])
    assert fast.hidden_rows == {5}
    assert fast.unsaved_formulas == {(4, 7): "=SUM(C4:E4)"}
    assert fast.errors == {(4, 6): "#REF!", (7, 5): "#DIV/0!"}


def test_prefixed_xml_goes_through_the_streaming_parser(mixed_xml):
    text = mixed_xml.decode()
    prefixed = re.sub(r"<(/?)(?!\?)(\w+)", r"<\1x:\2", text).replace(
        'xmlns="', 'xmlns:x="', 1).encode()
    assert b"<x:sheetData>" in prefixed
    assert _as_tuple(inspect_sheet(prefixed, "s", Limits())) == _as_tuple(scan_sheet(mixed_xml))


def test_shared_formula_and_empty_text_result():
    xml = sheet_xml(
        '<row r="2"><c r="B2"><f t="shared" ref="B2:B3" si="0">A2*2</f></c></row>'
        '<row r="3"><c r="B3"><f t="shared" si="0"/></c></row>'
        '<row r="4"><c r="B4" t="str"><f>IF(A4&gt;0,"x","")</f><v></v></c>'
        '<c r="C4"><f>A4&amp;"万亩"</f><v>5万亩</v></c><c r="D4"><f>A4+1</f></c></row>')
    for extras in (scan_sheet(xml), _parse_sheet(xml)[0]):
        assert extras.unsaved_formulas == {(2, 2): "=A2*2", (3, 2): "=A2*2", (4, 4): "=A4+1"}


def test_hidden_columns_are_not_hidden_rows():
    xml = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row><row r="2" hidden="true"/>'
                    '<row r="3" hidden="0"><c r="A3"><v>2</v></c></row>',
                    cols='<cols><col min="2" max="2" hidden="1"/></cols>')
    assert scan_sheet(xml).hidden_rows == {2}
    assert _parse_sheet(xml)[0].hidden_rows == {2}


@pytest.mark.parametrize("cell", [
    '<c r="XFD1048576"><v>1</v></c>',
    '<c\nr="XFD1048576"><v>1</v></c>',           # odd spacing: the streaming parser measures it
    "<c r='XFD1048576'><v>1</v></c>",
    '<c r="A1048576"><v>1</v></c><c r="ZZ1"><v>1</v></c>',
])
def test_a_far_cell_is_refused_before_loading(cell):
    xml = sheet_xml(f'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576">{cell}</row>')
    with pytest.raises(UnreadableFile, match="过大"):
        inspect_sheet(xml, "表", Limits())


def test_a_sheet_within_limits_passes():
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="F{r}"><v>1</v></c></row>'
                   for r in range(1, 2001))
    assert _as_tuple(inspect_sheet(sheet_xml(rows), "表", Limits(max_cells=12_000))) == (set(), {}, {})
    with pytest.raises(UnreadableFile, match="过大"):
        inspect_sheet(sheet_xml(rows), "表", Limits(max_cells=11_000))


def test_dtd_in_sheet_xml_is_refused_by_the_parser():
    xml = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "lol">]>'
           + sheet_xml('<row r="1"><c r="A1" t="e"><v>&e;</v></c></row>').split(b"?>", 1)[1])
    with pytest.raises(UnreadableFile, match="不安全"):
        _parse_sheet(xml)


@pytest.mark.parametrize("part", ["xl/styles.xml", "xl/workbook.xml", "[Content_Types].xml"])
def test_dtd_in_any_part_is_refused_before_calamine(tmp_path, part):
    from tests.badinput import _XXE, _strip_declaration, grain_table, rewrite_xlsx, write_xlsx
    from validators.read.workbook import read_workbook
    clean = write_xlsx(tmp_path / "clean.xlsx", grain_table())
    hostile = rewrite_xlsx(clean, tmp_path / "hostile.xlsx",
                           {part: lambda xml: _XXE + _strip_declaration(xml)})
    with pytest.raises(UnreadableFile, match="不安全"):
        read_workbook(hostile)


def test_far_cell_is_found_whatever_names_the_sheet_relationship(tmp_path):
    """Strict OOXML names r:id in another namespace; the size guard must still see the sheet."""
    from tests.badinput import _far_cell, grain_table, rewrite_xlsx, write_xlsx
    from validators.read.workbook import read_workbook
    clean = write_xlsx(tmp_path / "clean.xlsx", grain_table())
    strict = b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    hostile = rewrite_xlsx(clean, tmp_path / "strict.xlsx", {
        "xl/workbook.xml": lambda xml: xml.replace(
            b"http://schemas.openxmlformats.org/officeDocument/2006/relationships", strict),
        "xl/worksheets/sheet1.xml": _far_cell})
    with pytest.raises(UnreadableFile, match="过大"):
        read_workbook(hostile)


ODS_TRICKY = (
    '<table:table-row table:number-rows-repeated="2"><table:table-cell '
    'table:number-columns-repeated="3"/></table:table-row>'                       # rows 1-2 empty
    '<table:table-row table:visibility="collapse" table:number-rows-repeated="2">'  # rows 3-4 hidden
    '<table:table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="float" '
    'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
    '<table:table-row><table:table-cell office:value-type="string" table:number-columns-spanned="2">'
    '<text:p>合并</text:p></table:table-cell><table:covered-table-cell/>'
    '<table:table-cell office:value-type="string" office:string-value="" '
    'calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>'
    '<table:table-cell table:number-columns-repeated="1000"/></table:table-row>'   # row 5
    '<table:table-row table:visibility="filter"><table:table-cell table:number-columns-repeated="40"/>'
    '<table:table-cell office:value-type="float" office:value="2"><text:p>2</text:p>'
    '</table:table-cell></table:table-row>'                                        # row 6: AO6
    '<table:table-row table:visibility="collapse" table:number-rows-repeated="1048570">'
    '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')


def _ods_content(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
            'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0">'
            f'<office:body><office:spreadsheet><table:table table:name="表一">{body}</table:table>'
            '</office:spreadsheet></office:body></office:document-content>').encode()


def test_ods_scan_agrees_with_the_streaming_parser():
    from validators.read.ods import _parse_ods_content, scan_ods_content
    xml = _ods_content(ODS_TRICKY)
    fast, slow = scan_ods_content(xml, Limits()), _parse_ods_content(xml, Limits())
    assert {k: _as_tuple(v) for k, v in fast.items()} == {k: _as_tuple(v) for k, v in slow.items()}
    assert fast["表一"].hidden_rows == {3, 4, 6}            # the trailing hidden filler holds nothing
    assert fast["表一"].errors == {(5, 3): "#DIV/0!"}


@pytest.mark.parametrize("limit, refused", [(6 * 41, False), (6 * 41 - 1, True)])
def test_ods_area_counts_repeated_gaps(limit, refused):
    from validators.read.ods import _parse_ods_content, scan_ods_content
    xml = _ods_content(ODS_TRICKY)
    for scan in (scan_ods_content, _parse_ods_content):
        if refused:
            with pytest.raises(UnreadableFile, match="过大"):
                scan(xml, Limits(max_cells=limit))
        else:
            scan(xml, Limits(max_cells=limit))


def test_an_empty_formatted_last_row_is_not_a_far_cell():
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="F{r}"><v>1</v></c></row>'
                   for r in range(1, 11))
    xml = sheet_xml(rows + '<row r="1048576" s="3" customFormat="1" hidden="1"/>')
    assert inspect_sheet(xml, "表", Limits()).hidden_rows == {1048576}


def test_percent_styled_cells_are_found_only_where_a_cell_holds_a_value():
    """Only cells with a value in a percentage style count: not a row's own style, not an empty
    formatted cell, not an attribute that merely ends in s, and prefixed XML too."""
    from validators.read.ooxml import _cells_with_styles
    xml = sheet_xml('<row r="2" s="3" customFormat="1"><c r="A2" s="3"><v>1</v></c>'
                    '<c r="B2" s="13"><v>1</v></c><c r="C2" s="3"/><c r="D2" cs="3"><v>1</v></c></row>'
                    '<row r="3"><c r="AB3" t="n" s="7"><v>0.5</v></c></row>')
    assert _cells_with_styles(xml, {3, 7}) == {(2, 1), (3, 28)}
    prefixed = (f'<x:worksheet xmlns:x="{NS[7:-1]}"><x:sheetData><x:row r="4">'
                '<x:c r="E4" s="3"><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>').encode()
    assert _cells_with_styles(prefixed, {3}) == {(4, 5)}
    assert _cells_with_styles(xml, {4}) == set()


@pytest.mark.parametrize("opening", ["<c>", "<c\n>", "<c\tt=\"n\">", "<c\r\n>"])
def test_cells_placed_without_a_reference_are_measured_where_calamine_puts_them(opening):
    """Cells without r="…" go after the one before them, in rows without r after the row
    before: 3 000 such rows and one row of 3 000 such cells make a 9-million-cell rectangle in a
    small file. It is measured as calamine would allocate it, and refused."""
    cell = opening + "<v>1</v></c>"
    xml = sheet_xml("<row>" + cell * 3000 + "</row>" + ("<row>" + cell + "</row>") * 3000)
    with pytest.raises(UnreadableFile):
        inspect_sheet(xml, "表", Limits())
