"""A county that is not 湘阴县, with tables fenjie has never seen: `fenjie kind new` → `template`
(county and per township) → `check` of filled returns → `merge`, with no code change."""
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from cli.main import main
from templates.kindfile import load_kind_file

TOWNSHIPS = {"汉昌街道": ["城东社区", "城西社区"], "三市镇": ["三市村", "新安村"], "长寿镇": ["长寿村", "联合村"]}
UNITS = ["商务局", "发改局", "工信局", "平江高新区"]
CONFIG = f'''county = "平江县"
year = 2026
townships = {list(TOWNSHIPS)}
units = {UNITS + ["财政局"]}
kinds = ["kinds/生猪.toml", "kinds/招商.toml"]

[aliases]
"平江高新区" = ["高新区"]

[villages]
''' + "".join(f'"{t}" = {v}\n' for t, v in TOWNSHIPS.items())

PIGS = [("汉昌街道", 1.5, 0.2, 3), ("三市镇", 4.25, 0.5, 7), ("长寿镇", 3.0, 0.35, 5)]
INVEST = [(1, "商务局", 12.5, 3.0, "重点项目"), (2, "发改局", 8.0, 0, None), (3, "工信局", 20.0, 5.5, "含技改"),
          (4, "高新区", 30.0, 10.0, None)]


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)], catch_exceptions=False)


def pig_table(path):
    book = Workbook()
    ws = book.active
    ws.append(["附件1"])
    ws.append(["平江县2026年生猪生产任务分解表"])
    ws.append(["单位：万头、个"])
    ws.append(["乡镇", "生猪出栏(万头)", "能繁母猪(万头)", "新建规模猪场(个)"])
    for row in PIGS:
        ws.append(list(row))
    ws.append(["合计", 8.75, 1.05, 15])
    book.save(path)
    return path


def investment_table(path):
    """Two header rows: 引进资金 merged over 内资 | 外资."""
    book = Workbook()
    ws = book.active
    ws.append(["2026年平江县招商引资目标任务表"])
    ws.append(["序号", "责任单位", "引进资金", None, "备注"])
    ws.append([None, None, "内资(亿元)", "外资(亿元)", None])
    ws.merge_cells("C2:D2")
    for row in INVEST:
        ws.append(list(row))
    ws.append(["合计", None, 70.5, 18.5, None])
    book.save(path)
    return path


@pytest.fixture
def county(tmp_path):
    (tmp_path / "kinds").mkdir()
    (tmp_path / "fenjie.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def kind_new(county, table, name):
    config_without_kinds = county / "名录.toml"
    config_without_kinds.write_text(CONFIG.replace('kinds = ["kinds/生猪.toml", "kinds/招商.toml"]\n', ""),
                                    encoding="utf-8")
    result = run("kind", "new", table, "--config", config_without_kinds, "-o", county / "kinds" / name)
    assert result.exit_code == 0, result.output
    assert "未能确定" not in result.output, result.output     # the kind checks its own table clean
    return result.output


def header_row(ws, text):
    return next(c.row for row in ws.iter_rows() for c in row if c.value == text)


def fill(path, out, key_col, values: dict, columns: list[str]):
    """A return: the template with figures typed against the row names in `key_col`."""
    book = load_workbook(path)
    ws = book.worksheets[0]
    letters = {str(c.value).replace("\n", ""): c.column_letter for row in ws.iter_rows(max_row=8) for c in row
               if str(c.value).replace("\n", "") in columns}
    for row in ws.iter_rows():
        name = row[key_col - 1].value
        if name in values:
            for column, value in zip(columns, values[name]):
                ws[f"{letters[column]}{row[0].row}"] = value
    book.save(out)
    return out


def check_json(*args):
    import json
    result = run("check", *args, "--format", "json")
    return result.exit_code, json.loads(result.output)


def test_a_table_keyed_by_townships(county, tmp_path):
    said = kind_new(county, pig_table(tmp_path / "生猪表.xlsx"), "生猪.toml")
    assert "每行是一个乡镇" in said and "表名为「生猪生产任务分解表」" in said
    kind = load_kind_file(county / "kinds" / "生猪.toml")
    assert kind.rows_from == "townships" and kind.title == "生猪生产任务分解表"
    assert [(c.header, c.type, c.unit, c.summed, c.minimum) for c in kind.columns[1:]] == [
        ("生猪出栏", "number", "万头", True, 0), ("能繁母猪", "number", "万头", True, 0),
        ("新建规模猪场", "integer", "个", True, 0)]
    config = county / "fenjie.toml"
    (county / "kinds" / "招商.toml").write_text((county / "kinds" / "生猪.toml").read_text(encoding="utf-8")
                                              .replace('name = "', 'name = "copy-'), encoding="utf-8")

    made = run("template", kind.name, "--config", config, "-o", county / "县")
    assert made.exit_code == 0, made.output
    template = Path(made.output.strip())
    assert template.name == "平江县2026年生猪生产任务分解表.xlsx"
    filled = fill(template, county / "县表.xlsx", 1, {t: v for t, *v in PIGS},
                  ["生猪出栏(万头)", "能繁母猪(万头)", "新建规模猪场(个)"])
    code, report = check_json(filled, "--config", config)
    assert code == 0 and report["files"][0]["kind"] == kind.name, report

    per = run("template", kind.name, "--per-township", "--from", filled, "--config", config, "-o", county / "乡镇")
    assert per.exit_code == 0, per.output
    by_township = {Path(p).name.split("-")[0]: Path(p) for p in per.output.split()}
    returns = county / "报送"
    returns.mkdir()
    columns = ["生猪出栏(万头)", "能繁母猪(万头)", "新建规模猪场(个)"]
    fill(by_township["汉昌街道"], returns / "汉昌街道.xlsx", 1,
         {"城东社区": [1.0, 0.1, 2], "城西社区": [0.5, 0.1, 1]}, columns)               # clean
    fill(by_township["三市镇"], returns / "三市镇.xlsx", 1,
         {"三市村": [4.0, "0.3", 4], "新安村": [0.25, 0.2, 3]}, columns)               # number as text
    fill(by_township["长寿镇"], returns / "长寿镇.xlsx", 1,
         {"长寿村": [2.0, 0.35, 5], "联合村": [1.5, 0, 0]}, columns)                   # 3.5 ≠ 3.0 assigned
    code, report = check_json(returns, "--config", config, "--from", filled)
    assert code == 1
    found = {Path(f["path"]).stem: [(x["code"], x["cell"]) for x in f["findings"] if x["severity"] == "error"]
             for f in report["files"]}
    sheet = load_workbook(returns / "三市镇.xlsx").worksheets[0]
    text_cell = next(c.coordinate for row in sheet.iter_rows() for c in row if c.value == "0.3")
    changsho = load_workbook(returns / "长寿镇.xlsx").worksheets[0]
    total_row = next(c.row for row in changsho.iter_rows() for c in row if c.value == "合计")
    # Excel's SUM skips the text "0.3": the 合计 is off from its rows and from the assigned 0.5 too
    total = f"C{total_row}"
    assert found == {"汉昌街道": [], "三市镇": [("N001", text_cell), ("T001", total), ("T003", total)],
                     "长寿镇": [("T003", f"B{total_row}")]}, found

    merged = run("merge", returns, "--config", config, "--kind", kind.name, "--from", filled,
                 "-o", county / "汇总.xlsx")
    assert merged.exit_code == 1 and "汇总 3 个乡镇：通过 1，有错 2" in merged.output, merged.output
    assert (county / "汇总.xlsx").is_file()


def test_a_townships_return_may_head_its_villages_as_the_builtin_kinds_accept(county, tmp_path):
    """The inferred key column takes grain-plan's spellings of 村(社区) (one list, in the kind file)."""
    kind_new(county, pig_table(tmp_path / "生猪表.xlsx"), "生猪.toml")
    kind = load_kind_file(county / "kinds" / "生猪.toml")
    (county / "kinds" / "招商.toml").write_text((county / "kinds" / "生猪.toml").read_text(encoding="utf-8")
                                              .replace('name = "', 'name = "copy-'), encoding="utf-8")
    book = Workbook()
    for line in (["三市镇2026年生猪生产任务分解到村"], ["单位：万头、个"],
                 ["村(居)委会", "生猪出栏(万头)", "能繁母猪(万头)", "新建规模猪场(个)"],
                 ["三市村", 4.0, 0.3, 4], ["新安村", 0.25, 0.2, 3], ["合计", 4.25, 0.5, 7]):
        book.active.append(line)
    book.save(county / "三市镇.xlsx")
    _, report = check_json(county / "三市镇.xlsx", "--config", county / "fenjie.toml")
    checked = report["files"][0]
    assert (checked["kind"], checked["status"], checked["findings"]) == (kind.name, "ok", []), checked


def test_a_table_keyed_by_units_with_a_two_row_header(county, tmp_path):
    said = kind_new(county, investment_table(tmp_path / "招商.xlsx"), "招商.toml")
    assert "每行是一个单位" in said and "引进资金" in said
    (county / "kinds" / "生猪.toml").write_text(
        (county / "kinds" / "招商.toml").read_text(encoding="utf-8").replace('name = "', 'name = "copy-'),
        encoding="utf-8")
    kind = load_kind_file(county / "kinds" / "招商.toml")
    assert kind.rows_from == "units" and kind.title == "招商引资目标任务表"
    inner = kind.column_by_header("序号")
    assert inner is not None and inner.role == "sequence"
    subs = [(c.header, c.parent, c.unit, c.type, c.summed) for c in kind.columns if c.parent]
    assert subs == [("内资", "引进资金", "亿元", "number", True), ("外资", "引进资金", "亿元", "number", True)]
    config = county / "fenjie.toml"

    made = run("template", kind.name, "--config", config, "--from", investment_table(tmp_path / "源.xlsx"),
               "-o", county / "县")
    assert made.exit_code == 0, made.output
    template = Path(made.output.strip())
    county_table = investment_table(county / "县表.xlsx")
    returns = county / "报送"
    returns.mkdir()
    fill(template, returns / "商务局.xlsx", 2, {"商务局": [12.5, 3.0]}, ["内资(亿元)", "外资(亿元)"])
    fill(template, returns / "工信局.xlsx", 2, {"工信局": [-20.0, 5.5]}, ["内资(亿元)", "外资(亿元)"])
    code, report = check_json(returns, "--config", config, "--kind", kind.name, "--from", county_table)
    print(report)
    found = {Path(f["path"]).stem: [(x["code"], x["cell"]) for x in f["findings"] if x["severity"] == "error"]
             for f in report["files"]}
    ws = load_workbook(returns / "工信局.xlsx").worksheets[0]
    negative = next(c.coordinate for row in ws.iter_rows() for c in row if c.value == -20.0)
    assert found["商务局"] == [] and ("N008", negative) in found["工信局"], found

    merged = run("merge", returns, "--config", config, "--kind", kind.name, "--from", county_table,
                 "-o", county / "汇总.xlsx")
    assert "汇总 4 个单位：通过 1，有错 1" in merged.output and "未报送（2）：发改局、平江高新区" in merged.output, \
        merged.output


def test_a_sheet_without_a_table_is_refused(tmp_path):
    book = Workbook()
    book.active.append(["关于做好2026年生猪生产工作的通知"])
    book.active.append(["各乡镇："])
    book.save(tmp_path / "通知.xlsx")
    result = run("kind", "new", tmp_path / "通知.xlsx")
    assert result.exit_code == 2 and "没有找到表格" in result.output


def test_without_a_config_township_rows_are_told_by_how_township_names_end(tmp_path):
    from validators.infer import infer_kind
    book = Workbook()
    for line in (["某县2026年生猪生产任务分解表"], ["乡镇", "生猪出栏(万头)", "能繁母猪(万头)"],
                 ["城关办事处", 1.0, 0.1], ["屈原农场", 2.0, 0.2], ["汉昌街道", 1.5, 0.2], ["三市镇", 4.0, 0.5],
                 ["合计", 8.5, 1.0]):
        book.active.append(line)
    book.save(tmp_path / "生猪.xlsx")
    assert infer_kind(tmp_path / "生猪.xlsx").kind.rows_from == "townships"
