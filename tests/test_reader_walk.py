"""validators.read.package.walk: the one streaming XML walk (lxml) behind both formats' fallback
parsers is as strict as defusedxml was: no DTD anywhere in the prolog, broken XML is damaged,
and a far cell is refused whichever way the XML is written."""
from __future__ import annotations

import pytest

from templates.config import Limits
from tests.test_reader_xml import NS, _ods_content, sheet_xml
from validators.read.errors import CORRUPT, DTD, UnreadableFile
from validators.read.ods import _parse_ods_content
from validators.read.ooxml import _parse_sheet, inspect_sheet

PADDING = "<!--" + "填" * 40_000 + "-->"       # past the 64 KB that package.check_prolog reads


def _reason(call, *args) -> str:
    with pytest.raises(UnreadableFile) as caught:
        call(*args)
    return caught.value.reason


def test_a_dtd_behind_a_long_comment_is_refused_in_a_sheet():
    xml = (f'<?xml version="1.0"?>{PADDING}<!DOCTYPE worksheet [<!ENTITY e "lol">]>'
           f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="str"><v>&e;</v></c></row></sheetData>'
           "</worksheet>").encode()
    assert len(xml.split(b"<!DOCTYPE")[0]) > 65536
    assert _reason(_parse_sheet, xml) == DTD


def test_a_dtd_in_a_sheet_without_rows_is_refused():
    xml = f'<?xml version="1.0"?>{PADDING}<!DOCTYPE worksheet [<!ENTITY e "lol">]><worksheet {NS}/>'.encode()
    assert _reason(_parse_sheet, xml) == DTD


def test_a_dtd_behind_a_long_comment_is_refused_in_ods_content():
    content = _ods_content('<table:table-row><table:table-cell office:value-type="float" office:value="1">'
                           "<text:p>1</text:p></table:table-cell></table:table-row>").decode()
    declaration, body = content.split("?>", 1)
    xml = f'{declaration}?>{PADDING}<!DOCTYPE office:document-content [<!ENTITY e "lol">]>{body}'.encode()
    assert _reason(_parse_ods_content, xml, Limits()) == DTD


def test_broken_xml_is_damaged():
    assert _reason(_parse_sheet, sheet_xml('<row r="1"><c r="A1"><v>1</v></row>')) == CORRUPT


@pytest.mark.parametrize("far", ["A1048576", "XFD1000"])
def test_a_far_cell_in_prefixed_xml_is_refused_even_in_a_near_row(far):
    """The cell's own reference counts (calamine allocates by it), not the row it sits in."""
    xml = (f'<?xml version="1.0"?><x:worksheet {NS.replace("xmlns=", "xmlns:x=")}><x:sheetData>'
           f'<x:row r="1"><x:c r="{far}"><x:v>1</x:v></x:c><x:c r="B1"><x:v>2</x:v></x:c></x:row>'
           "</x:sheetData></x:worksheet>").encode()
    assert "过大" in _reason(inspect_sheet, xml, "表", Limits(max_cells=100_000))


def test_prefixed_cells_without_references_are_counted_along_the_row():
    xml = (f'<?xml version="1.0"?><x:worksheet {NS.replace("xmlns=", "xmlns:x=")}><x:sheetData>'
           '<x:row hidden="1"><x:c><x:v>1</x:v></x:c><x:c/><x:c t="e"><x:v>#REF!</x:v></x:c></x:row>'
           '<x:row><x:c><x:f>SUM(A1:C1)</x:f></x:c></x:row></x:sheetData></x:worksheet>').encode()
    extras, rows, cols = _parse_sheet(xml)
    assert (rows, cols) == (2, 3)
    assert extras.hidden_rows == {1} and extras.errors == {(1, 3): "#REF!"}
    assert extras.unsaved_formulas == {(2, 1): "=SUM(A1:C1)"}
