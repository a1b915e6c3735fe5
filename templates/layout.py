"""Where everything sits in a fenjie template, worked out from the kind declaration alone.

Pure Python (no openpyxl): the writer places cells by it, and tests and readers can ask
where the 合计, the live check or the footer are without re-deriving row arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass

from templates.cells import column_letter
from templates.kinds import Column, TableKind

ANNEX_ROW = 1
TITLE_ROW = 2
MAIN_SHEET_MAX = 31          # Excel's limit on sheet names
DIRECTORY_NAME = "fenjie_units"  # defined name of the directory range
FOOTER_TEXT = "填报单位（盖章）：{filler}        填报人：            联系电话：            填报日期："
TARGET_LABEL = {"county": "全县目标", "township": "县下达任务"}
DIFF_LABEL = "差额(合计−目标)"
CHECK_NOTE = "说明：以下两行自动核对，不需填写；差额(合计−目标)不为 0 时显示红色，请核对本表数字。"
TOTAL_LABEL = "合计"


class DataRows:
    """The data rows under a header: needs `header_rows` and `row_count` (template and 汇总表)."""

    @property
    def first_row(self) -> int:
        return self.header_rows[-1] + 1

    @property
    def last_row(self) -> int:
        return self.first_row + self.row_count - 1

    @property
    def data_rows(self) -> range:
        return range(self.first_row, self.last_row + 1)


@dataclass(frozen=True)
class Layout(DataRows):
    """Row and column positions of one template (all Excel 1-based numbers)."""
    kind: TableKind
    scope: str                   # "county" or a township's name
    row_count: int               # data rows

    @property
    def is_township(self) -> bool:
        return self.scope != "county"

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.kind.columns

    @property
    def width(self) -> int:
        return len(self.columns)

    @property
    def last_letter(self) -> str:
        return column_letter(self.width)

    def col(self, key: str) -> int:
        for index, column in enumerate(self.columns, start=1):
            if column.key == key:
                return index
        raise KeyError(key)

    def letter(self, key: str) -> str:
        return column_letter(self.col(key))

    def key_header(self) -> str:
        return self.kind.key_headers["township" if self.is_township else "county"]

    def header_text(self, column: Column) -> str:
        """The header cell text: the scope's key header, or the column's label with the unit on
        its own line (粮食总面积⏎(万亩)), as the gazette prints it; readers ignore the line break."""
        if column.key == self.kind.key:
            return self.key_header()
        return f"{column.header}\n({column.unit})" if column.unit else column.header

    # -- rows, top to bottom ------------------------------------------------
    @property
    def unit_row(self) -> int | None:
        return TITLE_ROW + 1 if self.kind.unit_line else None

    @property
    def header_top(self) -> int:
        return (self.unit_row or TITLE_ROW) + 1

    @property
    def two_row_header(self) -> bool:
        return any(c.parent for c in self.columns)

    @property
    def header_rows(self) -> list[int]:
        return [self.header_top, self.header_top + 1] if self.two_row_header else [self.header_top]

    @property
    def has_total(self) -> bool:
        return bool(self.kind.summed_columns)

    @property
    def total_row(self) -> int | None:
        return self.last_row + 1 if self.has_total else None

    @property
    def check_note_row(self) -> int | None:
        """A 说明 line between the 合计 and the live check: readers see the table end there."""
        return self.last_row + 2 if self.has_total else None

    @property
    def target_row(self) -> int | None:
        return self.last_row + 3 if self.has_total else None

    @property
    def diff_row(self) -> int | None:
        return self.last_row + 4 if self.has_total else None

    @property
    def footer_row(self) -> int:
        return (self.diff_row or self.last_row) + 2

    @property
    def print_area(self) -> str:
        return f"A1:{self.last_letter}{self.footer_row}"

    def range_of(self, key: str) -> str:
        """The data cells of column `key`: B5:B20."""
        letter = self.letter(key)
        return f"{letter}{self.first_row}:{letter}{self.last_row}"

    def total_formula(self, key: str) -> str:
        return f"=SUM({self.range_of(key)})"

    def diff_formula(self, key: str) -> str:
        """合计 − 目标, rounded so that float noise (38.99999999) reads as 0; blank without a target."""
        letter = self.letter(key)
        target = f"{letter}{self.target_row}"
        return f'=IF({target}="","",ROUND({letter}{self.total_row}-{target},6))'


def sheet_title(kind: TableKind) -> str:
    return kind.title[:MAIN_SHEET_MAX]
