"""The add-in's plain-data helpers: grouping cells into few Excel calls, the marks record."""
import random

from templates.cells import parse_a1
from validators.findings import Finding
from xladdin.cells import MAX_ADDRESS, joined_addresses, rect_address, rect_cells, rectangles, rows_in
from xladdin.marks import Mark, bad_cells, decode, encode
from xladdin.report import link_formula


def covered(rects):
    cells = [c for r in rects for c in rect_cells(r)]
    assert len(cells) == len(set(cells)), "rectangles overlap"
    return set(cells)


def test_parse_a1():
    assert parse_a1("C7") == (7, 3) and parse_a1("$AA$10") == (10, 27)
    assert parse_a1(None) is None and parse_a1("B4:B19") is None and parse_a1("粮食") is None


def test_a_column_of_bad_cells_is_one_rectangle():
    cells = [(r, 3) for r in range(5, 20)]
    assert [rect_address(r) for r in rectangles(cells)] == ["C5:C19"]


def test_a_block_and_scattered_cells():
    cells = [(r, c) for r in range(4, 8) for c in range(2, 5)] + [(10, 2), (12, 7)]
    rects = rectangles(cells)
    assert [rect_address(r) for r in rects] == ["B4:D7", "B10", "G12"]


def test_rectangles_cover_exactly_the_cells():
    rng = random.Random(7)
    for _ in range(50):
        cells = {(rng.randint(1, 40), rng.randint(1, 8)) for _ in range(rng.randint(0, 120))}
        assert covered(rectangles(cells)) == cells


def test_joined_addresses_stay_under_excels_limit_and_cover_everything():
    rects = rectangles({(r, c) for r in range(1, 5000, 3) for c in (2, 4)})
    chunks = joined_addresses(rects)
    assert all(len(chunk) <= MAX_ADDRESS for chunk in chunks)
    assert sum(len(chunk.split(",")) for chunk in chunks) == len(rects)
    assert len(chunks) < len(rects) / 20          # many areas per call
    cells = {parse_a1(a) for chunk in chunks for a in chunk.split(",")}
    assert cells == {c for r in rects for c in rect_cells(r)}


def test_marks_record_round_trips_and_skips_rubbish():
    marks = [Mark("粮食", (4, 2), None, "error", True), Mark("粮食", (9, 1), "#00B050", "warning", False)]
    rows = encode("粮食", marks)
    assert decode(rows) == ("粮食", marks)
    rows.append(["粮食", "not a cell", "", "error", 1])
    rows.append([None, None, None, None, None])
    assert decode(rows) == ("粮食", marks)
    assert decode([]) == (None, [])


def test_bad_cells_keep_only_cells_of_the_checked_sheet():
    findings = [Finding("N004", "error", "…", sheet="粮食", cell="B4"),
                Finding("P001", "warning", "…", sheet="粮食", cell="B4"),
                Finding("F002", "warning", "…", sheet="隐藏"),
                Finding("R001", "error", "…", sheet="粮食"),
                Finding("N001", "error", "…", sheet="别的表", cell="C3")]
    cells = bad_cells(findings, "粮食")
    assert list(cells) == [(4, 2)] and [f.code for f in cells[(4, 2)]] == ["N004", "P001"]


def test_link_formula_quotes_sheet_names():
    assert link_formula("粮食", "C7") == '=HYPERLINK("#\'粮食\'!C7","C7")'
    assert link_formula("张三's 表", "A1") == '=HYPERLINK("#\'张三\'\'s 表\'!A1","A1")'


def test_rows_in_an_excel_address():
    # what SpecialCells(xlCellTypeVisible).Address gives when rows 4 and 6:9 are hidden
    assert rows_in("$A$1:$F$3,$A$5:$F$5,$A$10:$F$20") == {1, 2, 3, 5, *range(10, 21)}
    assert rows_in("B7") == {7} and rows_in("") == set()


def test_marks_record_keeps_the_note_text_and_reads_an_older_record():
    noted = Mark("粮食", (4, 2), None, "error", True, "fenjie 校验：\n[错误 N004] 单位")
    assert decode(encode("粮食", [noted])) == ("粮食", [noted])
    older = [["checked_sheet", "粮食"], ["粮食", "B4", "", "error", 1.0], ["粮食", "B5", "", "warning", 0.0]]
    assert decode(older)[1] == [Mark("粮食", (4, 2), None, "error", True, ""),
                                Mark("粮食", (5, 2), None, "warning", False, "")]
