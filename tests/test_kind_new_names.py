"""`fenjie kind new` on tables whose rows are named by text fenjie cannot place (not the config's
townships, units or villages): the name column is the key, a text column — never an integer 序号 —
and `fenjie check` of the very table passes clean, while a wrong 合计 or a nameless row is caught."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from cli.main import main
from templates.kindfile import load_kind_file

CONFIG = '''county = "湘阴县"
year = 2025
townships = ["新泉镇", "湘滨镇", "东塘镇"]
units = ["发改局", "财政局"]
'''

TABLES = {
    # rows are works, no 序号: the name column is all the rows have
    "重点工作": [["湘阴县2025年重点工作任务表"], ["工作事项", "目标数", "完成时限(月)"],
             ["道路硬化", 12, 6], ["危房改造", 30, 9], ["农村改厕", 200, 12], ["合计", 242, None]],
    # townships of another list (an old one, or the neighbour's): names the config does not have
    "生猪": [["湘阴县2025年生猪出栏任务表"], ["单位：万头"], ["乡镇", "任务数", "完成数"],
           ["三市镇", 4.5, 2], ["长寿镇", 3, 1.5], ["汉昌街道", 1.5, 1], ["合计", 9, 4.5]],
    # a text column beside the names, and numbers with a unit in the header
    "项目": [["湘阴县2025年重点项目表"], ["项目名称", "建设内容", "总投资(万元)", "年度投资(万元)"],
           ["城东污水厂", "新建", 5000, 1200], ["滨江公园", "改造", 3000, 800], ["北门大桥", "新建", 9000, 2000],
           ["合计", None, 17000, 4000]],
    # two header rows: 资金 merged over 内资 | 外资
    "招商": [["湘阴县2025年招商项目表"], ["项目", "资金", None], [None, "内资(亿元)", "外资(亿元)"],
           ["新能源产业园", 12.5, 3], ["冷链物流中心", 8, 0], ["合计", 20.5, 3]],
}

KEYS = {"重点工作": "工作事项", "生猪": "乡镇", "项目": "项目名称", "招商": "项目"}


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)], catch_exceptions=False)


def write(path: Path, lines: list[list]) -> Path:
    book = Workbook()
    for line in lines:
        book.active.append(line)
    if lines[1][1:] == ["资金", None]:
        book.active.merge_cells("B2:C2")
    book.save(path)
    return path


def infer(folder: Path, table: Path) -> tuple[str, Path]:
    """The kind inferred from `table` into folder/kinds/kind.toml, and a fenjie.toml that lists it."""
    (folder / "kinds").mkdir(parents=True)
    (folder / "名录.toml").write_text(CONFIG, encoding="utf-8")
    result = run("kind", "new", table, "--config", folder / "名录.toml", "-o", folder / "kinds" / "kind.toml")
    assert result.exit_code == 0, result.output
    (folder / "fenjie.toml").write_text(CONFIG + 'kinds = ["kinds/kind.toml"]\n', encoding="utf-8")
    return result.output, folder / "fenjie.toml"


def check(config: Path, *paths) -> tuple[int, list[dict]]:
    result = run("check", *paths, "--config", config, "--format", "json")
    return result.exit_code, json.loads(result.output)["files"]


@pytest.mark.parametrize("name", list(TABLES))
def test_a_table_of_names_fenjie_cannot_place_is_keyed_by_its_name_column(tmp_path, name):
    table = write(tmp_path / f"{name}.xlsx", TABLES[name])
    said, config = infer(tmp_path / "county", table)
    assert "用推断的类型核对原表" not in said, said      # the kind checks its own table clean
    assert f"「{KEYS[name]}」一列的名称" in said and "不是 fenjie.toml 名录中的乡镇、村或单位" in said, said
    kind = load_kind_file(tmp_path / "county" / "kinds" / "kind.toml")
    key = kind.key_column
    assert (kind.rows_from, key.header, key.type, key.role, key.variants) == ("tasks", KEYS[name], "text", None, ())
    code, files = check(config, table)
    assert (code, files[0]["kind"], files[0]["status"], files[0]["findings"]) == (0, kind.name, "ok", []), files


def test_a_wrong_total_and_a_row_without_its_name_are_caught(tmp_path):
    table = write(tmp_path / "重点工作.xlsx", TABLES["重点工作"])
    _, config = infer(tmp_path / "county", table)
    book = load_workbook(table)
    sheet = book.active
    sheet["B6"] = 250          # 合计 of 12 + 30 + 200 is 242
    sheet["A4"] = None         # 危房改造 lost its name, its numbers stay
    book.save(tmp_path / "报回.xlsx")
    code, files = check(config, tmp_path / "报回.xlsx")
    found = [(f["code"], f["cell"]) for f in files[0]["findings"]]
    assert code == 1 and found == [("R004", "A4"), ("T001", "B6")], files


@pytest.mark.libreoffice
def test_the_same_table_saved_by_libreoffice(tmp_path):
    from scripts.libreoffice import convert
    (tmp_path / "源").mkdir()
    source = write(tmp_path / "源" / "重点工作.xlsx", TABLES["重点工作"])
    table = convert([source], "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")[0]
    said, config = infer(tmp_path / "county", table)
    assert "用推断的类型核对原表" not in said, said
    kind = load_kind_file(tmp_path / "county" / "kinds" / "kind.toml")
    assert (kind.key_column.header, kind.key_column.type) == ("工作事项", "text")
    assert [(c.header, c.type, c.summed) for c in kind.columns[1:]] == [("目标数", "integer", True),
                                                                       ("完成时限", "integer", False)]
    code, files = check(config, table)
    assert (code, files[0]["status"], files[0]["findings"]) == (0, "ok", []), files


def test_numbered_tasks_are_still_keyed_by_their_sequence(tmp_path):
    lines = [["湘阴县2025年重点工作任务表"], ["序号", "工作事项", "目标数"], [1, "道路硬化", 12], [2, "危房改造", 30],
             [3, "农村改厕", 200]]
    table = write(tmp_path / "编号.xlsx", lines)
    said, config = infer(tmp_path / "county", table)
    kind = load_kind_file(tmp_path / "county" / "kinds" / "kind.toml")
    assert (kind.key_column.header, kind.key_column.type, kind.key_column.role) == ("序号", "integer", "sequence")
    assert kind.column_by_header("工作事项").type == "text"
    code, files = check(config, table)
    assert (code, files[0]["findings"]) == (0, []), files


def test_a_count_that_happens_to_run_one_two_three_is_no_sequence(tmp_path):
    """任务数 1, 2, 3 in the county's table is a summed number column; a return whose counts
    differ (2, 2, 3) is no broken 序号."""
    lines = [["湘阴县2025年重点工作任务表"], ["工作事项", "任务数", "完成数"], ["道路硬化", 1, 1], ["危房改造", 2, 1],
             ["农村改厕", 3, 2], ["合计", 6, 4]]
    table = write(tmp_path / "任务.xlsx", lines)
    said, config = infer(tmp_path / "county", table)
    assert "用推断的类型核对原表" not in said and "序号" not in said, said
    kind = load_kind_file(tmp_path / "county" / "kinds" / "kind.toml")
    assert kind.key_column.header == "工作事项" and kind.sequence_column is None
    assert (kind.column_by_header("任务数").type, kind.column_by_header("任务数").summed) == ("integer", True)
    book = load_workbook(table)
    book.active["B3"], book.active["B6"] = 2, 7
    book.save(tmp_path / "报回.xlsx")
    code, files = check(config, tmp_path / "报回.xlsx")
    assert (code, files[0]["findings"]) == (0, []), files


def test_a_township_table_of_villages_not_listed_checks_as_a_table_of_its_own(tmp_path):
    """Keyed by 村名, names the config does not list: a task table, no township's return — its own
    check expects no return from every township."""
    lines = [["新泉镇2025年村级道路任务表"], ["村名", "里程(公里)", "户数"], ["新村", 4.5, 20], ["老村", 3, 15],
             ["合计", 7.5, 35]]
    table = write(tmp_path / "村级道路.xlsx", lines)
    said, config = infer(tmp_path / "county", table)
    assert "用推断的类型核对原表" not in said, said
    result = run("check", table, "--config", config, "--format", "json")
    report = json.loads(result.stdout)
    assert (result.exit_code, report["missing"], report["files"][0]["findings"]) == (0, [], []), report
