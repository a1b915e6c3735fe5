"""The 校验 button reads what the values do not show — merged ranges and numbers shown as
percentages — and so finds what `fenjie check` finds on the same real .xlsx.

Windows: xlwings' real `_xlwindows.py` engine and the unmodified xladdin.main() against the
counting COM stand-in (tests/fakecom), whose MergeCells and NumberFormat answer Null for a mixed
range as Excel does. macOS: xladdin's reading over the shapes Excel for Mac's AppleScript returns
(missing value for a mixed range), backed by the same stand-in. The remote engine: its JSON carries
neither, which is pinned here. The oracle is always validators.batch.check_file on the same file.
"""
import openpyxl
import pytest

from templates.cells import shows_percent
from tests import fakecom
from tests.conftest import EXAMPLE
from tests.fakecom import excel as fake
from tests.fakecom.mac import Keyword
from tests.support.payload import payload_from_xlsx, run_press
from tests.test_trust_tables import GRAIN_HEADER, libreoffice_copy, task_table, total_row, township_rows, write
from validators.batch import check_file
from xladdin import formats, reading
from xladdin.host import MAC

pytestmark = pytest.mark.usefixtures("fresh_addin")
SAVED_BY = ["openpyxl", pytest.param("libreoffice", marks=pytest.mark.libreoffice)]


def findings_of(outcome):
    assert outcome.result is not None, outcome.alert
    return [f.to_dict() for f in outcome.result.findings]


def engine_findings(path, config):
    return [f.to_dict() for f in check_file(path, config=config).findings]


def codes(findings):
    return sorted((f["code"], f["cell"]) for f in findings)


def saved(path, saved_by, tmp_path):
    return libreoffice_copy(path, "xlsx", tmp_path) if saved_by == "libreoffice" else path


def percent_table(path):
    """The gazette's grain table, numbers shown as 0.00; some shown as percentages."""
    def setup(book, ws):
        for row in ws.iter_rows(min_row=4, min_col=2, max_col=6):
            for cell in row:
                cell.number_format = "0.00"
        ws["C4"].number_format = "0%"              # 新泉镇 早稻面积 9 shown as 900%
        ws["E9"].number_format = "0.0%"
        ws["B12"].number_format = '0.0"%"'         # a literal %: not a percentage
        for row in range(4, 21):                  # a whole column shown as percentages
            ws.cell(row, 6).number_format = "[Blue]0.00%"
    return write(path, [GRAIN_HEADER, *township_rows(), total_row()], setup=setup)


# -- Windows ----------------------------------------------------------------------------------

@pytest.mark.parametrize("saved_by", SAVED_BY)
def test_units_merged_down_over_tasks_are_read_like_fenjie_check(saved_by, tmp_path, with_config):
    path = saved(task_table(tmp_path / "合并单元格.xlsx", merged=True), saved_by, tmp_path)
    plain = task_table(tmp_path / "逐行填写.xlsx", merged=False)
    expected = engine_findings(path, with_config)
    assert codes(expected) == codes(engine_findings(plain, with_config))     # check fills merged cells
    outcome, excel, book = fakecom.press(path)
    assert findings_of(outcome) == expected
    merged = book.sheet("Sheet1").merged
    assert len(merged) > 60 and "合并单元格" not in outcome.alert
    asked = excel.log.count("Range.MergeCells") + excel.log.count("Range.MergeArea")
    assert asked <= 2.5 * len(merged), (asked, len(merged))      # not cell by cell: 85 × 7 cells
    # G11 lies under G10:G11 (财政局's 责任人 merged over two tasks): marked where Excel shows it
    assert {f["cell"] for f in expected} >= {"G10", "G11"} and (10, 7, 11, 7) in merged
    table = book.sheet("Sheet1")
    assert (10, 7) in table.fills and (11, 7) not in table.fills and (11, 7) not in table.notes
    assert table.notes[(10, 7)].count("K006") == 2


@pytest.mark.parametrize("saved_by", SAVED_BY)
def test_numbers_shown_as_percentages_are_found_like_fenjie_check(saved_by, tmp_path, with_config):
    path = saved(percent_table(tmp_path / "百分比.xlsx"), saved_by, tmp_path)
    expected = engine_findings(path, with_config)
    n012 = {f["cell"] for f in expected if f["code"] == "N012"}
    assert {"C4", "E9", *(f"F{row}" for row in range(4, 21))} == n012
    outcome, excel, book = fakecom.press(path)
    assert findings_of(outcome) == expected
    assert excel.log.count("Range.NumberFormat") <= 40, excel.log.count("Range.NumberFormat")


def test_a_sheet_all_in_one_percent_format_is_one_call(tmp_path, with_config):
    def setup(book, ws):
        for row in ws.iter_rows():
            for cell in row:
                cell.number_format = "0%"
    path = write(tmp_path / "t.xlsx", [GRAIN_HEADER, *township_rows(), total_row()], setup=setup)
    expected = engine_findings(path, with_config)
    assert len([f for f in expected if f["code"] == "N012"]) == 17 * 5
    outcome, excel, book = fakecom.press(path)
    assert findings_of(outcome) == expected
    assert excel.log.count("Range.NumberFormat") == 1


def test_a_plain_sheet_costs_two_calls_more(tmp_path, with_config):
    path = write(tmp_path / "t.xlsx", [GRAIN_HEADER, *township_rows(), total_row()])
    outcome, excel, book = fakecom.press(path)
    assert findings_of(outcome) == engine_findings(path, with_config) == []
    assert excel.log.count("Range.MergeCells") == 1 and excel.log.count("Range.NumberFormat") == 1
    assert "Range.MergeArea" not in excel.log


TABLES = {
    "目标任务分解表模板": lambda tmp: EXAMPLE / "县分解表" / "湘阴县2025年目标任务分解表.xlsx",
    "粮食模板": lambda tmp: EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx",
    "合并单元格": lambda tmp: task_table(tmp / "合并单元格.xlsx", merged=True),
    "百分比": lambda tmp: percent_table(tmp / "百分比.xlsx"),
}


@pytest.mark.parametrize("table", TABLES)
def test_the_sheet_data_carries_what_the_file_reader_gives(table, tmp_path, with_config, monkeypatch):
    """SheetData.merged as the reader gives it; percent_cells as the reader's, for the number cells
    (the only ones the rule looks at)."""
    import xladdin.press
    from validators.read.workbook import read_workbook
    path = TABLES[table](tmp_path)
    readings = []

    def keep(*args):
        readings.append(xladdin.reading.read_workbook(*args))
        return readings[-1]
    monkeypatch.setattr(xladdin.press, "read_workbook", keep)
    outcome, excel, book = fakecom.press(path)
    assert findings_of(outcome) == engine_findings(path, with_config)
    button, reader = readings[0].data.sheets[0], read_workbook(path).sheets[0]
    assert set(button.merged) == set(reader.merged)
    numbers = {(r, c) for r in range(1, 200) for c in range(1, 20)
               if isinstance(reader.value(r, c), float)}
    assert button.percent_cells == reader.percent_cells & numbers


def test_too_many_merged_ranges_to_read_are_said_in_the_alert(tmp_path, with_config, monkeypatch):
    monkeypatch.setattr(formats, "MAX_PROBES", 3)
    path = task_table(tmp_path / "合并单元格.xlsx", merged=True)
    outcome, excel, book = fakecom.press(path)
    assert "合并单元格太多，没能全部读出" in outcome.alert and "fenjie check" in outcome.alert


def test_a_failing_read_of_merged_ranges_is_said_and_the_press_goes_on(tmp_path, with_config, monkeypatch):
    def refuse(self):
        raise fake.refused("MergeCells")
    monkeypatch.setattr(fake.Range, "MergeCells", property(refuse))
    path = percent_table(tmp_path / "百分比.xlsx")
    outcome, excel, book = fakecom.press(path)
    assert "没能读出工作表「Sheet1」的合并单元格和数字格式" in outcome.alert
    assert outcome.result is not None


# -- the search itself -------------------------------------------------------------------------

class CountingProbe:
    """Answers from the COM stand-in's sheet, counting questions."""

    def __init__(self, sheet):
        self.sheet, self.asked = sheet, 0

    def merge_cells(self, rect):
        self.asked += 1
        return fake.Range(self.sheet, [rect]).MergeCells

    def merge_area(self, cell):
        self.asked += 1
        return fake.Range(self.sheet, [(*cell, *cell)]).MergeArea.areas[0]

    def number_format(self, rect):
        self.asked += 1
        return fake.Range(self.sheet, [rect]).NumberFormat


def test_every_merged_range_of_the_file_is_found(tmp_path):
    path = task_table(tmp_path / "合并单元格.xlsx", merged=True)
    excel, book = fake.load(path)
    sheet = book.sheet("Sheet1")
    empty = [(r, c) for r in range(1, 120) for c in range(1, 8) if (r, c) not in sheet.values]
    probe = CountingProbe(sheet)
    found = formats.merged_ranges(probe, empty, None)
    assert found.complete and sorted(found.cells) == sorted(sheet.merged)
    assert probe.asked < 4 * len(sheet.merged) + 40, (probe.asked, len(sheet.merged))


class ModelProbe:
    """Excel's answers from a list of merged ranges; `any_merged`: an engine that answers True
    when any cell of the range is merged (not the documented Null), to show the search still ends."""

    def __init__(self, merged, any_merged=False):
        self.merged, self.any_merged, self.asked = merged, any_merged, 0

    def merge_cells(self, rect):
        self.asked += 1
        size = (rect[2] - rect[0] + 1) * (rect[3] - rect[1] + 1)
        inside = sum(fake._overlap(rect, m) for m in self.merged)
        if self.any_merged:
            return inside > 0
        return True if inside == size else False if inside == 0 else None

    def merge_area(self, cell):
        self.asked += 1
        return next((m for m in self.merged if m[0] <= cell[0] <= m[2] and m[1] <= cell[1] <= m[3]),
                    (*cell, *cell))


def test_a_used_range_that_is_one_merged_range():
    probe = ModelProbe([(1, 1, 3, 4)])
    empty = [(r, c) for r in range(1, 4) for c in range(1, 5) if (r, c) != (1, 1)]
    found = formats.merged_ranges(probe, empty, True)
    assert found.cells == ((1, 1, 3, 4),) and found.complete and probe.asked == 1


def test_an_engine_that_answers_true_for_partly_merged_ranges_still_ends():
    merged = [(1, 1, 1, 6), (5, 4, 9, 4)]
    empty = [(1, c) for c in range(2, 7)] + [(r, 4) for r in range(6, 10)] + [(r, 2) for r in range(3, 40)]
    found = formats.merged_ranges(ModelProbe(merged, any_merged=True), empty, True)
    assert found.complete and sorted(found.cells) == merged
    few = formats.merged_ranges(ModelProbe(merged, any_merged=True), empty, True, limit=5)
    assert not few.complete and set(few.cells) <= set(merged)


def test_a_plain_sheet_is_not_searched():
    probe = ModelProbe([])
    assert formats.merged_ranges(probe, iter([(1, 2)]), False).cells == () and probe.asked == 0


@pytest.mark.parametrize("code, percent", [("0%", True), ("0.00%", True), ("[Red]0.0%;-0.0%", True),
                                           ('0.0"%"', False), ("0.0\\%", False), ("General", False),
                                           ("#,##0.00", False), ('[$-804]0.0%', True)])
def test_percent_formats_are_told_as_the_file_reader_tells_them(code, percent, tmp_path):
    def setup(book, ws):
        ws["C4"].number_format = code
    path = write(tmp_path / "t.xlsx", [GRAIN_HEADER, *township_rows(), total_row()], setup=setup)
    assert shows_percent(code) is percent
    assert ((4, 3) in check_sheet_percent(path)) is percent


def check_sheet_percent(path):
    from validators.read.workbook import read_workbook
    return read_workbook(path).sheets[0].percent_cells


# -- macOS: the same questions as Apple events ------------------------------------------------

MISSING = Keyword("missing_value")


class AppleEvent:
    def __init__(self, answer, events):
        self.answer, self.events = answer, events

    def get(self):
        self.events.append(self)
        return self.answer


class AppleRange:
    """`sheet.range(address).api` of xlwings' _xlmac: every .get() / get_address() an Apple event."""

    def __init__(self, com_range, events):
        self.com, self.events = com_range, events

    @property
    def merge_cells(self):
        answer = self.com.MergeCells
        return AppleEvent(MISSING if answer is None else answer, self.events)

    @property
    def number_format(self):
        answer = self.com.NumberFormat
        return AppleEvent(MISSING if answer is None else answer, self.events)

    @property
    def merge_area(self):
        area, events = self.com.MergeArea, self.events

        class Reference:
            def get_address(self):
                events.append(self)
                return area.Address
        return Reference()

    @property
    def value(self):
        return AppleEvent([["" if v is None else v for v in row] for row in self.com.Value], self.events)

    @property
    def string_value(self):
        return AppleEvent([["" if v is None else str(v) for v in row] for row in self.com.Value], self.events)


class MacSheet:
    def __init__(self, com_sheet, events):
        self.com, self.events = com_sheet, events
        used = com_sheet.UsedRange
        self.used_range = type("Used", (), {})()
        self.used_range.api = AppleRange(used, events)
        self.used_range.row, self.used_range.column = used.Row, used.Column
        self.used_range.shape = (used.Rows.Count, used.Columns.Count)

    def range(self, address):
        rng = type("Range", (), {})()
        rng.api = AppleRange(self.com.Range(address), self.events)
        return rng


class MacWorkbook:
    platform = MAC


@pytest.mark.parametrize("table", ["merged", "percent"])
def test_on_macos_the_same_is_read_through_apple_events(table, tmp_path, example_config):
    from validators.check.workbook import check_workbook
    from validators.read.workbook import build_workbook
    path = (task_table(tmp_path / "合并单元格.xlsx", merged=True) if table == "merged"
            else percent_table(tmp_path / "百分比.xlsx"))
    excel, book = fake.load(path)
    events, caveats = [], []
    data = reading.read_sheet(MacWorkbook(), MacSheet(book.sheet("Sheet1"), events), "Sheet1",
                              1_000_000, caveats)
    assert caveats == []
    result = check_workbook(build_workbook(str(path), [data]), config=example_config)
    assert [f.to_dict() for f in result.findings] == engine_findings(path, example_config)
    assert len(events) <= 2 + 2.5 * len(book.sheet("Sheet1").merged) + 40, len(events)


# -- the remote engine: its JSON has no merged ranges and no number formats -------------------

def test_the_remote_engines_json_carries_neither_merged_ranges_nor_number_formats(tmp_path):
    import xlwings as xw
    path = percent_table(tmp_path / "百分比.xlsx")
    book = openpyxl.load_workbook(path)
    book["Sheet1"].merge_cells("A1:F1")
    book.save(path)
    payload = payload_from_xlsx(path)
    assert set(payload["sheets"][0]) >= {"values"} and not {"merged", "number_formats", "formats"} \
        & set(payload["sheets"][0])
    rng = xw.Book(json=payload).sheets[0].range("A1:F1")
    with pytest.raises(NotImplementedError):
        rng.merge_cells
    with pytest.raises(NotImplementedError):
        rng.number_format


def test_on_the_remote_engine_the_press_still_checks_the_values(tmp_path, with_config):
    path = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
    outcome, actions = run_press(path)
    assert findings_of(outcome) == engine_findings(path, with_config)
