"""A hostile reviewer's reproductions (issue 9, re-run on current code), each through the real
command on real files: nothing a clerk made is overwritten, names never become paths, text is
never a formula, bad options are Chinese with exit status 2 before anything is created."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import EXAMPLE
from tests.support.cli import ENGLISH, fenjie

CONFIG = EXAMPLE / "fenjie.toml"
RETURNS = EXAMPLE / "报送"
COUNTY_TABLE = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"



def assert_chinese_refusal(result):
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("错误："), result.stderr
    for text in (result.stdout, result.stderr):
        assert not [e for e in ENGLISH if e in text], text


def config_with(tmp_path: Path, county: str | None = None, townships: list[str] | None = None,
                name: str = "fenjie.toml") -> Path:
    """The example's config with another county or township list (villages dropped with it)."""
    text = CONFIG.read_text(encoding="utf-8")
    if county is not None:
        text = re.sub(r'^county = .*$', lambda _: f"county = {_toml(county)}", text, flags=re.M)
    if townships is not None:
        text = re.sub(r"\[villages\].*?\n\n", "\n", text, flags=re.S)
        listed = ", ".join(_toml(t) for t in townships)
        text = re.sub(r"townships = \[.*?\]", lambda _: f"townships = [{listed}]", text, flags=re.S)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    if not (tmp_path / "kinds").exists():          # the county kind files the example config names
        shutil.copytree(CONFIG.parent / "kinds", tmp_path / "kinds")
    return path


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def county_table(path: Path, townships: list[str]) -> Path:
    """A filled county grain table (openpyxl) whose columns add up to the example's targets."""
    totals = (118, 39, 502000, 28.4, 6.0)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["乡镇(单位)", "粮食总面积 (万亩)", "早稻面积 (万亩)", "粮食总产量 (吨)",
                  "早稻集中育秧 (万亩)", "专业化示范育秧 (万亩)"])
    shares = [round(1 / len(townships), 6)] * len(townships)
    for index, township in enumerate(townships):
        last = index == len(townships) - 1
        row = [round(t - sum(round(t * s, 4) for s in shares[:-1]), 4) if last else round(t * shares[index], 4)
               for t in totals]
        sheet.append([township, *row])
        sheet.cell(sheet.max_row, 1).data_type = "s"
    sheet.append(["合计", *totals])
    book.save(path)
    return path


def formulas(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [f"{sheet.title}!{cell.coordinate}={cell.value}" for sheet in book.worksheets
            for row in sheet.iter_rows() for cell in row
            if cell.data_type == "f" and not str(cell.value).startswith(("=SUM(", "=IF("))]


# -- 1. filled tables and returns are kept ----------------------------------------------------

def test_per_township_templates_never_overwrite_filled_returns(tmp_path):
    returns = tmp_path / "报送"
    shutil.copytree(RETURNS, returns)
    before = {p.name: p.read_bytes() for p in returns.iterdir()}
    result = fenjie("template", "grain-plan", "--config", CONFIG, "--from", COUNTY_TABLE,
                    "--per-township", "-o", returns)
    assert "已保留 13 个已有文件" in result.stderr, result.stderr
    assert {p.name: p.read_bytes() for p in returns.iterdir() if p.name in before} == before


def test_a_plain_openpyxl_workbook_of_the_template_name_is_kept_unless_forced(tmp_path):
    clerk = tmp_path / COUNTY_TABLE.name
    book = openpyxl.Workbook()
    book.active["A1"] = "经办人自己的表"
    book.save(clerk)
    before = clerk.read_bytes()
    kept = fenjie("template", "grain-plan", "--config", CONFIG, "-o", tmp_path)
    assert kept.returncode == 1 and clerk.read_bytes() == before and "已保留 1 个已有文件" in kept.stderr
    forced = fenjie("template", "grain-plan", "--config", CONFIG, "-o", tmp_path, "--force")
    assert forced.returncode == 0 and clerk.read_bytes() != before


# -- 2. the --from county table and unrelated workbooks are never outputs ----------------------

@pytest.mark.parametrize("force", [[], ["--force"]])
def test_report_onto_the_from_county_table_is_refused_even_with_force(tmp_path, force):
    table = shutil.copy(COUNTY_TABLE, tmp_path / "K2.xlsx")
    before = Path(table).read_bytes()
    result = fenjie("check", RETURNS, "--config", CONFIG, "--from", "K2.xlsx", "--report", "K2.xlsx",
                    *force, cwd=tmp_path)
    assert_chinese_refusal(result)
    assert Path(table).read_bytes() == before


def test_merge_output_and_report_over_an_unrelated_workbook_are_refused(tmp_path):
    mine = tmp_path / "mine.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = 1
    book.save(mine)
    before = mine.read_bytes()
    assert_chinese_refusal(fenjie("merge", RETURNS, "--config", CONFIG, "-o", mine))
    assert_chinese_refusal(fenjie("check", RETURNS, "--config", CONFIG, "--report", mine))
    assert mine.read_bytes() == before


def test_annotate_keeps_a_clerks_workbook_with_a_copys_name(tmp_path):
    annotated = tmp_path / "annx"
    annotated.mkdir()
    clerk = annotated / "东塘镇-2025年粮食生产计划任务分解表.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "经办人的表"
    book.save(clerk)
    before = clerk.read_bytes()
    result = fenjie("check", RETURNS, "--config", CONFIG, "--annotate", annotated)
    assert clerk.read_bytes() == before
    said = result.stdout + result.stderr
    assert "已保留 1 个已有文件" in said and clerk.name in said


# -- 3. names from data never become paths ------------------------------------------------------

def test_a_county_name_with_dots_and_slashes_writes_inside_the_output_folder(tmp_path):
    config = config_with(tmp_path, county="../../../逃逸")
    work = tmp_path / "deep" / "a" / "b"
    work.mkdir(parents=True)
    result = fenjie("template", "grain-plan", "--config", config, "-o", "out", cwd=work)
    assert result.returncode == 0, result.stderr
    written = [p for p in tmp_path.rglob("*.xlsx")]
    assert written and all(p.parent == work / "out" for p in written), written


@pytest.mark.parametrize("county", ["湘阴县", "A:B*?<>|县"])
def test_township_names_with_separators_stay_flat_in_the_output_folder(tmp_path, county):
    townships = ["高新区/开发区", "../../逃逸镇", "A:B*?镇", "正常镇"]
    config = config_with(tmp_path, county=county, townships=townships)
    table = county_table(tmp_path / "县表.xlsx", townships)
    work = tmp_path / "x" / "y"
    work.mkdir(parents=True)
    result = fenjie("template", "grain-plan", "--config", config, "--from", table, "--per-township",
                    "-o", "out", cwd=work)
    assert result.returncode == 0, result.stderr
    out = work / "out"
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 4 and all(p.is_file() for p in out.iterdir())
    assert not [n for n in names if set(n) & set('/\\:*?"<>|') or n.startswith(".")], names
    outside = [p for p in tmp_path.rglob("*.xlsx") if p.parent != out and p != table]
    assert outside == []


# -- 4. text from the config is text ------------------------------------------------------------

def test_a_county_written_as_a_formula_stays_text_in_title_and_identity(tmp_path):
    county = '=HYPERLINK("http://x","县")'
    config = config_with(tmp_path, county=county)
    result = fenjie("template", "grain-plan", "--config", config, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    [template] = (tmp_path / "out").glob("*.xlsx")
    assert formulas(template) == []
    book = openpyxl.load_workbook(template)
    identity = book["fenjie_id"]
    assert identity["B4"].value == county and identity["B4"].data_type == "s"
    assert any(county in str(c.value) for row in book.worksheets[0].iter_rows(max_row=3) for c in row)


def test_a_township_written_as_a_formula_stays_text_in_template_and_annotated_copy(tmp_path):
    townships = ["=2+3", "正常镇"]
    config = config_with(tmp_path, townships=townships)
    table = county_table(tmp_path / "县表.xlsx", townships)
    out = tmp_path / "out"
    result = fenjie("template", "grain-plan", "--config", config, "--from", table, "--per-township",
                    "-o", out)
    assert result.returncode == 0, result.stderr
    [template] = [p for p in out.iterdir() if p.name.startswith("=2+3")]
    assert formulas(template) == []
    assert "=2+3" in [c.value for row in openpyxl.load_workbook(template)["fenjie_id"].iter_rows()
                      for c in row if c.data_type == "s"]

    filled = tmp_path / "报送" / template.name              # a clerk fills one village row
    filled.parent.mkdir()
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    for column, value in zip("ABCDEF", ["甲村", 59, 19.5, 251000, 14.2, 3]):
        sheet[f"{column}5"] = value
    book.save(filled)
    checked = fenjie("check", filled.parent, "--config", config, "--annotate", tmp_path / "标注")
    assert "标注副本 1 份已写入" in checked.stdout + checked.stderr, checked.stderr
    [copy] = (tmp_path / "标注").iterdir()
    assert formulas(copy) == []
    assert "=2+3" in [c.value for row in openpyxl.load_workbook(copy)["fenjie_id"].iter_rows()
                      for c in row if c.data_type == "s"]


# -- 10. own outputs in the returns folder, skipped files --------------------------------------

def test_annotating_into_the_returns_folder_then_checking_again_counts_no_copy(tmp_path):
    returns = tmp_path / "报送"
    shutil.copytree(RETURNS, returns)
    fenjie("check", returns, "--config", CONFIG, "--annotate", returns / "标注",
           "--report", returns / "核对报告.xlsx")
    fenjie("merge", returns, "--config", CONFIG, "-o", returns / "汇总.xlsx")
    (returns / "坏.et").write_text("不是表格")
    (returns / "noext").write_bytes(b"x")
    shutil.copy(returns / "东塘镇-2025年粮食生产计划任务分解表.xlsx", returns / "东塘镇.xlsx.bak")
    shutil.copy(returns / "东塘镇-2025年粮食生产计划任务分解表.xlsx", returns / ".隐藏.xlsx")
    (returns / "断链.xlsx").symlink_to(tmp_path / "不存在.xlsx")
    again = fenjie("check", returns, "--config", CONFIG)
    assert "共 17 个文件" in again.stdout, again.stdout          # 16 returns + the unreadable .et
    assert "标注/" not in again.stdout and "核对报告.xlsx:" not in again.stdout
    assert again.stdout.count("重复报送") == 1 and "新泉镇（2 份" in again.stdout   # the real one only
    said = again.stdout + again.stderr
    [skipped] = [line for line in said.splitlines() if line.startswith("未核对")]
    for part in ("标注副本", "隐藏文件 1 个", "备份或临时文件 1 个", "失效的链接", "没有扩展名 1 个"):
        assert part in skipped, skipped


# -- 14, 15. bad options: Chinese, exit 2 ----------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["check", RETURNS / "东塘镇-2025年粮食生产计划任务分解表.xlsx", "--annotate", "/proc/x"],
    ["check", RETURNS, "--config", CONFIG, "--report", "/proc/x.xlsx"],
    ["merge", RETURNS, "--config", CONFIG, "-o", "/proc/x.xlsx"],
    ["foo"], ["kinds", "extra"],
])
def test_bad_commands_and_unwritable_outputs_are_chinese_with_status_2(args):
    assert_chinese_refusal(fenjie(*args))


def test_an_unknown_command_lists_every_command():
    result = fenjie("foo")
    for command in ("template", "check", "merge", "serve", "draft", "kinds", "rules"):
        assert command in result.stderr, result.stderr


@pytest.mark.parametrize("command", ["check", "template", "merge", "serve", "draft", "rules", "kinds"])
def test_help_has_no_english_defaults(command):
    result = fenjie(command, "--help")
    assert result.returncode == 0
    assert "default" not in result.stdout and "Show this message" not in result.stdout
    if command == "serve":
        assert "[默认：8000]" in result.stdout


# -- 16. serve validates its options before creating anything ----------------------------------

@pytest.mark.parametrize("args", [["--port", "99999"], ["--port", "0"], ["--data", "/proc/zz"]])
def test_serve_refuses_a_bad_port_or_data_folder_before_creating_anything(tmp_path, args):
    result = fenjie("serve", "--config", CONFIG, *args, cwd=tmp_path)
    assert_chinese_refusal(result)
    assert list(tmp_path.iterdir()) == []


# -- 18. targets, config errors, stray cells, draft ---------------------------------------------

def test_a_negative_target_option_is_refused_like_a_negative_config_target():
    result = fenjie("check", RETURNS, "--config", CONFIG, "--target", "粮食总面积=-5")
    assert_chinese_refusal(result)
    assert "不能小于 0" in result.stderr and "-5" in result.stderr


def test_the_config_lists_every_problem_and_shows_values_as_written(tmp_path):
    text = CONFIG.read_text(encoding="utf-8").replace("year = 2025", "year = 2025.0")
    text = text.replace('"专业化示范育秧" = 6.0', '"专业化示范育秧" = 6.0\n"合计" = 3')
    config = tmp_path / "fenjie.toml"
    config.write_text(text, encoding="utf-8")
    shutil.copytree(CONFIG.parent / "kinds", tmp_path / "kinds")
    result = fenjie("check", RETURNS, "--config", config)
    assert_chinese_refusal(result)
    assert "有 2 处错误" in result.stderr, result.stderr
    assert "现在是 2025.0" in result.stderr
    assert "targets.grain-plan.合计" in result.stderr and "没有可设目标的列「合计」" in result.stderr


def test_a_stray_value_far_from_the_table_does_not_stop_the_check(tmp_path):
    """Read sparsely (validators.read.ooxml): the table is checked as if the stray cell were not
    there, and the stray cell is named (F017, a warning)."""
    returns, clean = tmp_path / "stray", tmp_path / "clean"
    returns.mkdir()
    clean.mkdir()
    book = openpyxl.load_workbook(RETURNS / "三塘镇-2025年粮食生产计划任务分解表.xlsx")
    book.worksheets[0]["C7"] = "约3"
    book.save(clean / "三塘镇-2025年粮食生产计划任务分解表.xlsx")
    book.worksheets[0]["XFD1048576"] = "x"
    book.save(returns / "三塘镇-2025年粮食生产计划任务分解表.xlsx")
    result = fenjie("check", returns, "--config", CONFIG)
    expected = fenjie("check", clean, "--config", CONFIG)
    assert "无法读取 0" in result.stdout and "N005" in result.stdout, result.stdout
    lines = result.stdout.replace(str(returns), str(clean)).splitlines()
    far = [line for line in lines if "F017" in line]
    assert len(far) == 1 and "XFD1048576" in far[0] and "「x」" in far[0], result.stdout
    assert "\n".join(line for line in lines if "F017" not in line) + "\n" == \
        re.sub(r"提醒 (\d+) 个", lambda m: f"提醒 {int(m.group(1)) + 1} 个", expected.stdout)


def test_stray_cells_are_found_and_a_truly_large_sheet_names_none():
    from validators.read.ooxml import stray_cells
    row = '<row r="{r}"><c r="A{r}"><v>1</v></c><c r="B{r}"><v>2</v></c></row>'
    table = "".join(row.format(r=r) for r in range(1, 21)).encode()
    far = b'<row r="1048576"><c r="XFD1048576" t="s"><v>0</v></c></row>'
    assert stray_cells(table + far, 1000) == ["XFD1048576"]
    assert stray_cells(table, 10) == []              # the table itself is too large: nothing stray


def test_draft_of_a_missing_file_prints_the_error_alone():
    result = fenjie("draft", "/nonexistent.txt")
    assert_chinese_refusal(result)
    assert result.stdout == "" and "共 0 项任务" not in result.stderr
