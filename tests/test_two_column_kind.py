"""A county's own kind of two columns (乡镇 | 任务数) is found by both its headers — fewer than the
three a larger kind needs — and checked like any other; adding it to the example county changes
nothing about how the county's other tables are found and checked."""
import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook

from cli.main import main
from tests.conftest import EXAMPLE

TWO_COLUMNS = '''name = "pig-tasks"
title = "生猪出栏任务表"
rows = "townships"
key = "place"
key_headers = { county = "乡镇", township = "村(社区)" }
total_labels = ["合计"]

[[columns]]
key = "place"
header = "乡镇"
type = "text"
variants = ["乡镇(街道)", "村(社区)", "村"]

[[columns]]
key = "pigs"
header = "任务数"
type = "integer"
unit = "头"
min = 0
summed = true
'''
TOWNSHIPS = ["新泉镇", "湘滨镇", "东塘镇"]
CONFIG = f'''county = "湘阴县"
year = 2025
townships = {TOWNSHIPS}
kinds = ["kinds/生猪.toml"]
'''


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)], catch_exceptions=False)


def check(*args) -> tuple[int, dict]:
    result = run("check", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def county(folder: Path, config: str = CONFIG) -> Path:
    (folder / "kinds").mkdir(parents=True)
    (folder / "kinds" / "生猪.toml").write_text(TWO_COLUMNS, encoding="utf-8")
    (folder / "fenjie.toml").write_text(config, encoding="utf-8")
    return folder / "fenjie.toml"


def table(path: Path, rows: list[list], *, above: list[list] = (), below: list[list] = ()) -> Path:
    book = Workbook()
    for line in [["湘阴县2025年生猪出栏任务表"], *above, ["乡镇", "任务数(头)"], *rows, *below]:
        book.active.append(line)
    book.save(path)
    return path


ROWS = [["新泉镇", 450], ["湘滨镇", 300], ["东塘镇", 150], ["合计", 900]]


def findings(report: dict) -> list[tuple]:
    return [(f["code"], f["cell"]) for f in report["files"][0]["findings"]]


def test_a_two_column_table_is_found_and_a_clean_one_passes(tmp_path):
    config = county(tmp_path / "县")
    code, report = check(table(tmp_path / "县表.xlsx", ROWS), "--config", config)
    assert (code, report["files"][0]["kind"], findings(report)) == (0, "pig-tasks", []), report


def test_a_wrong_number_and_a_wrong_total_are_caught(tmp_path):
    config = county(tmp_path / "县")
    wrong = [["新泉镇", "４５０"], ["湘滨镇", -300], ["东塘镇", 150], ["合计", 950]]
    code, report = check(table(tmp_path / "县表.xlsx", wrong), "--config", config)
    # 合计 is row 6: 950 where the rows add up to 450 - 300 + 150 = 300
    assert code == 1 and findings(report) == [("N002", "B3"), ("N008", "B4"), ("T001", "B6")], report


def test_a_note_above_and_below_is_no_header_and_a_repeated_header_no_row(tmp_path):
    config = county(tmp_path / "县")
    rows = [["新泉镇", 450], ["乡镇", "任务数(头)"], ["湘滨镇", 300], ["东塘镇", 150], ["合计", 900]]
    path = table(tmp_path / "县表.xlsx", rows, above=[["说明：", "乡镇任务数按县政府下达数填写"]],
                 below=[["注：", "任务数"]])
    code, report = check(path, "--config", config)
    assert (code, findings(report)) == (0, []), report


def test_a_township_return_of_villages(tmp_path):
    config = county(tmp_path / "县")
    book = Workbook()
    for line in (["新泉镇2025年生猪出栏任务分解到村"], ["村(社区)", "任务数(头)"], ["车马江社区", 250],
                 ["郭家湖村", 200], ["合计", 460]):
        book.active.append(line)
    book.save(tmp_path / "新泉镇.xlsx")
    code, report = check(tmp_path / "新泉镇.xlsx", "--config", config)
    assert report["files"][0]["kind"] == "pig-tasks" and findings(report) == [("T001", "B5")], report


def test_the_example_countys_tables_are_found_and_checked_as_before(tmp_path):
    """The example county with the two-column kind added: every table found at the same place, the
    same findings, file by file."""
    example = tmp_path / "xiangyin-2025"
    shutil.copytree(EXAMPLE, example, ignore=shutil.ignore_patterns("*.py", "gazette"))
    config = example / "fenjie.toml"
    _, before = check(example, "--config", config)
    (example / "kinds" / "生猪.toml").write_text(TWO_COLUMNS, encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace(
        'kinds = ["kinds/争资争项.toml"]', 'kinds = ["kinds/争资争项.toml", "kinds/生猪.toml"]'), encoding="utf-8")
    _, after = check(example, "--config", config)
    assert len(before["files"]) == 18
    del before["skipped"], after["skipped"]       # the new kind file is one more non-table file
    assert after == before
