"""A rule's examples as small text tables for `fenjie rules CODE` (validators/check/examples.py).

Each file is shown as Excel shows it — column letters, row numbers — with `>>` before the cell
the finding points at. Text that Excel would not count as a number is shown as Excel's own
input for text, with a leading apostrophe ('22). No pandas here.
"""
from __future__ import annotations

from rich.cells import cell_len

from cli.options import aligned
from templates.cells import cell_position, column_letter, plain_number
from validators.check.examples import ErrorValue, Example, File, Formula, Percent, Sheet, Timed, rule_examples

MARK = ">>"
WIDEST = 20            # display columns; a longer cell is cut with …


def example_text(code: str, config=None) -> list[str]:
    examples = rule_examples(code, config)
    if examples is None:
        return []
    return ["", "错误示例：", *_example_lines(examples.failing, code, config),
            "", "正确示例：", *_example_lines(examples.passing, None, config)]


def _example_lines(example: Example, code: str | None, config) -> list[str]:
    lines = [f"  {line}" for line in ([example.note] if example.note else []) + example.needs]
    if example.county_table is not None:
        lines += _file_lines(example.county_table, None, "县分解表（--from）", config)
    for file in example.files:
        lines += _file_lines(file, example.cell if code else None, "", config, example.sheet)
    for text in _numbers_as_text(example):
        lines.append(f"  '{text}：单元格里是文字“{text}”，不是数字（同 Excel 里以 ' 开头输入）")
    if code:
        sheet = f"工作表「{example.sheet}」的 " if example.sheet else " "
        where = f"在{sheet}{example.cell}（{MARK} 处）" if example.cell else ""
        lines.append(f"  fenjie check {where}报 {code}。")
    return lines


def _numbers_as_text(example: Example) -> list[str]:
    cells = [value for file in example.files for sheet in file.sheets for row in sheet.rows for value in row]
    return sorted({value for value in cells if isinstance(value, str) and _looks_like_a_number(value)})


def _looks_like_a_number(text: str) -> bool:
    return plain_number(text.strip()) is not None


def _file_lines(file: File, cell: str | None, role: str, config, sheet_name: str | None = None) -> list[str]:
    lines = [f"  {role}{file.name}"]
    if file.content is not None:
        return lines + [f"    （{len(file.content)} 字节，不是电子表格）"]
    if file.template:
        lines.append("    （fenjie 生成的模板，生成后没有人改过、保存过）")
    if file.identity:
        lines.append(f"    模板隐藏的身份信息：{_identity_text(file.identity, config)}")
    for sheet in file.sheets:
        if len(file.sheets) > 1 or sheet.hidden:
            lines.append(f"    工作表「{sheet.name}」" + ("（隐藏）" if sheet.hidden else ""))
        marked = sheet.name == sheet_name if sheet_name else sheet is file.sheets[0]
        lines += _sheet_lines(sheet, cell if marked else None)
        lines += _far_lines(sheet, cell if marked else None)
    return lines


def _far_lines(sheet: Sheet, cell: str | None) -> list[str]:
    """Stray cells far below or right of the rows: `B1048576  100`, after a line of dots."""
    if not sheet.far:
        return []
    return ["    ⋮", *(f"    {address}  {MARK if address == cell else ''}{_shown(value)}"
                       for address, value in sheet.far)]


def _identity_text(identity: dict, config) -> str:
    from templates.kinds import find_kind
    kind = find_kind(identity["kind"], config)
    scope = "县表" if identity["scope"] == "county" else identity["scope"]
    version = f"第 {identity['version']} 版" + (f"，摘要 {identity['kind_hash']}" if identity.get("kind_hash") else "")
    text = f"{identity['county']} {identity['year']} 年 {kind.title if kind else identity['kind']}（{version}），{scope}"
    targets = "、".join(f"{_header(kind, key)} {_shown(value)}" for key, value in identity["targets"].items())
    return text + (f"，下达 {targets}" if targets else "")


def _header(kind, key: str) -> str:
    try:
        return kind.column(key).header
    except (AttributeError, KeyError):
        return key


def _sheet_lines(sheet: Sheet, cell: str | None) -> list[str]:
    width = max((len(row) for row in sheet.rows), default=0)
    grid = [[""] + [column_letter(c) for c in range(1, width + 1)]]
    for number, row in enumerate(sheet.rows, start=1):
        label = f"{number}" + ("（隐藏）" if number in sheet.hidden_rows else "")
        cells = [_shown(value, whole=_a_line(row)) for value in row] + [""] * (width - len(row))
        grid.append([label, *cells])
    if cell is not None:
        row, col = cell_position(cell)
        if row < len(grid) and col <= width:
            grid[row][col] = MARK + grid[row][col]
    measured = [line for line, row in zip(grid, [(), *sheet.rows]) if not _a_line(row)]
    return ["    " + line.rstrip() for line in aligned(grid, measured)]


def _a_line(row: tuple) -> bool:
    """A title or a 填报单位 line: one text in column A, shown whole across the columns as Excel does."""
    return len(row) >= 1 and isinstance(row[0], str) and not any(v is not None for v in row[1:])


def _shown(value, whole: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, (Formula, ErrorValue)):
        return value.text
    if isinstance(value, Percent):
        return f"{value.number * 100:g}%"
    if isinstance(value, Timed):
        return value.shown
    if isinstance(value, float):
        return str(int(value)) if value == int(value) else str(value)
    if isinstance(value, int):
        return str(value)
    text = value.replace("\n", " ")
    if _looks_like_a_number(text):
        text = "'" + text                 # typed as text: Excel's own way to show it
    return text if whole or cell_len(text) <= WIDEST else _cut(text)


def _cut(text: str) -> str:
    out = ""
    for char in text:
        if cell_len(out + char) > WIDEST - 1:
            break
        out += char
    return out + "…"
