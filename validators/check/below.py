"""T006: a row of the table typed under its 合计 line (a village the clerk forgot, added at the
end). The table stops at the 合计, so its numbers are in no total and no check sees them; the
footer under a table (填报人、联系电话、注：…, a date, the template's 县下达任务 and 差额 rows) is
no such row.

Searched are the rows from the end of the table down to another table's header (F010) or a run of
more than FAR_ROWS empty rows (what lies beyond is F017's).
"""
from __future__ import annotations

import re

from templates.names import normalize_name
from validators.check.context import Context
from validators.check.far import FAR_ROWS, last_row
from validators.check.locate import NOTE_PREFIXES, total_label
from validators.check.numbers import DATE_TYPES, is_blank, parse_number
from validators.findings import Finding

# what a footer's labels say (填报人、联系电话、日期 …), beside a name or as the row's own label
_FOOTER_WORDS = ("填报", "填表", "制表", "审核", "联系", "电话", "手机", "负责", "签字", "签名", "盖章", "日期",
                 "邮箱", "传真")
# what the label of a footer or check line says; a name of the county's list is a row whatever it says
_NOT_A_PLACE = ("计", "目标", "下达", "任务", "分配", "指标", "上级", "核定", "剩余", "余额", "差", "核对", "校验",
                "实绩", "实际", "完成", "预计", "应报", "对比", "比较", "上年", "去年", "同比", "增减", "说明",
                "备注", "其中", "单位", "时间", ":", "：", *_FOOTER_WORDS)
_DATE = re.compile(r"\d{2,4}\s*[年./-]\s*\d{1,2}|\d{1,2}\s*月\s*\d{1,2}\s*日|^(?:19|20)\d{2}\s*年")


def rows_below_total(ctx: Context, directory: dict[str, str] | None) -> list[Finding]:
    """T006 at the key cell of each row under the 合计 that names a place (or names nothing and
    gives two figures or more) and gives numbers (or formulas) in the number columns."""
    table = ctx.table
    key_col = table.columns.get(table.kind.key)
    if table.total_row is None or key_col is None:
        return []
    numeric = [(table.columns[c.key], table.unit_of(c.key)) for c in table.kind.numeric_columns
               if c.key in table.columns and c.key != table.kind.key]
    sheet, known = table.sheet, directory or {}
    end = table.later_header or sheet.origin_row + len(sheet.rows)
    findings, previous = [], last_row(table)
    for number in range(previous + 1, end):
        cells = sheet.rows[number - sheet.origin_row]
        if cells.count(None) == len(cells) or all(is_blank(value) for value in cells):
            continue
        if number - previous > FAR_ROWS:
            break
        previous = number
        name = sheet.value(number, key_col)
        nameless = name is None or is_blank(name)
        if not (nameless or _names_a_place(name, table.kind, known)) or _footer_labelled(cells, name):
            continue
        figures = sum((number, col) in sheet.unsaved_formulas or _figure(sheet.value(number, col), unit)
                      for col, unit in numeric)
        if figures >= (2 if nameless else 1):       # a lone number with no name: a side note
            shown = f"第 {number} 行" if nameless else name.strip()
            findings.append(ctx.finding("T006", cell=ctx.cell(number, table.kind.key),
                                        value=None if nameless else shown, name=shown,
                                        total=table.total_row.row))
    return findings


# a phone number where a figure would be: 139 0730 1234, 0730-5621234
_PHONE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")


def _footer_labelled(cells: list, name: str) -> bool:
    """A person's name under the 合计 with 填报人 / 联系电话 / 日期 written beside it: a footer."""
    return any(isinstance(value, str) and value is not name and _footer_label(normalize_name(value))
               for value in cells)


def _footer_label(text: str) -> bool:
    return text.startswith(NOTE_PREFIXES) or text.rstrip(":：").endswith("人") \
        or any(word in text for word in _FOOTER_WORDS)


def _figure(value, unit) -> bool:
    """A figure of the table, not a date or a phone number written in a number column."""
    if isinstance(value, DATE_TYPES):
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer() \
            and _PHONE.fullmatch(str(int(value))):
        return False
    if isinstance(value, str) and _PHONE.fullmatch(value.strip()):
        return False
    return parse_number(value, unit).number is not None


def _names_a_place(name, kind, known: dict[str, str]) -> bool:
    """A row's name (青草湖渔场), not a footer or check line's label (填报人：, 县下达任务, 差额,
    2025年2月17日, 注：…) nor a 合计 / 小计."""
    if not isinstance(name, str) or is_blank(name):
        return False
    norm = normalize_name(name)
    if norm in known:
        return True
    return not (norm.startswith(NOTE_PREFIXES) or total_label(name, kind) is not None or norm.endswith("人")
                or any(word in norm for word in _NOT_A_PLACE) or _DATE.search(norm))
