"""Excel for Mac: the reading path against the shapes xlwings' real `_xlmac.py` engine hands over.

Driving `_xlmac` end to end needs a stand-in for Excel's whole AppleScript dictionary (every
property is a reference whose .get() is an Apple event); that is not practical here. Instead
`_xlmac` is imported for real (tests/fakecom/mac.py stands in for appscript/aem/osax/psutil) and
its own code is run on the values AppleScript returns, next to xladdin's reading of them.
"""
import pytest

from tests.fakecom import mac
from validators.read.sheet import CellError
from xladdin import host, marks, reading

ROWS = [["村", "面积"], ["新泉镇", 22.0], ["湘滨镇", 0.0]]
SHOWN = [["村", "面积"], ["新泉镇", "22"], ["湘滨镇", "#DIV/0!"]]


class Reference:
    """An AppleScript property reference: .get() is one Apple event, counted."""

    def __init__(self, value, events):
        self.value, self.events = value, events

    def get(self):
        self.events.append(self)
        return self.value


class UsedRange:
    def __init__(self, values, shown, shape, events):
        self.api = type("Api", (), {})()
        self.api.value = Reference(values, events)
        self.api.string_value = Reference(shown, events)
        self.shape, self.row, self.column = shape, 3, 2

    def options(self, **kwargs):
        raise AssertionError("xlwings' own err_to_str read fails on macOS: not used there")


class Sheet:
    def __init__(self, used):
        self.used_range = used


class MacWorkbook:
    platform = host.MAC


@pytest.fixture(scope="module")
def xlmac():
    return mac.install()


def xlwings_mac_range(xlmac, values, shown):
    rng = object.__new__(xlmac.Range)
    rng.xl = UsedRange(values, shown, None, []).api
    rng.options = {"err_to_str": True}
    return rng


def test_xlwings_own_err_to_str_read_fails_on_any_multi_row_range(xlmac):
    """The defect: _xlmac's ensure_2d returns None for a list of lists, so the loop raises."""
    with pytest.raises(TypeError):
        xlwings_mac_range(xlmac, ROWS, SHOWN).raw_value


def test_the_button_reads_a_multi_row_range_in_two_apple_events_and_finds_the_error_cell():
    events = []
    data = reading.read_sheet(MacWorkbook(), Sheet(UsedRange(ROWS, SHOWN, (3, 2), events)), "粮食",
                              10_000, [])
    assert len(events) == 2
    assert data.rows == [["村", "面积"], ["新泉镇", 22.0], ["湘滨镇", CellError("#DIV/0!")]]
    assert isinstance(data.rows[2][1], CellError)
    assert (data.origin_row, data.origin_col) == (3, 2)


@pytest.mark.parametrize("values, shown, rows", [
    (7.5, "7.5", [[7.5]]),                                          # one cell: a scalar
    (["合计", 118.0], ["合计", "118"], [["合计", 118.0]]),             # one row: a flat list
    ([["a"], [0.0]], [["a"], ["#N/A"]], [["a"], ["#N/A"]]),          # one column: lists of one
])
def test_every_shape_applescript_returns(values, shown, rows):
    assert reading.mac_values(values, shown) == rows


def test_a_text_cell_that_only_looks_like_a_number_stays_text():
    assert reading.mac_values([["22"]], [["22"]]) == [["22"]]


def test_platform_is_told_by_the_engine_behind_the_book(xlmac):
    class Book:
        impl = object.__new__(xlmac.Book)
    assert host.platform_of(Book()) == host.MAC


def test_on_macos_no_note_is_added_and_fills_go_a_rectangle_at_a_time():
    """Each call is an Apple event (~10 ms): a column of bad cells is one call, no notes."""
    calls = []

    class Cells:
        def __init__(self, address):
            self.address = address

        @property
        def color(self):
            calls.append(("read", self.address))
            return None

        @color.setter
        def color(self, value):
            calls.append(("fill", self.address))

        def add_note(self, text):
            raise AssertionError("no notes on macOS")

    class MacSheet:
        def range(self, address):
            return Cells(address)
    painter = marks.painter_for(host.MAC)
    cells = [(row, 2) for row in range(5, 205)]
    fills, unread = painter.read_fills(MacSheet(), cells)
    assert unread == set() and set(fills.values()) == {None}
    assert painter.fill(MacSheet(), cells, marks.FILLS["error"]) == set()
    assert calls == [("read", "B5:B204"), ("fill", "B5:B204")]
    assert painter.add_note(MacSheet(), (5, 2), "x") is False
