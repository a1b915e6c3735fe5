"""The gazette's third table, 争资争项目标任务明细表: rows are units, declared by the example county's
own kind file (examples/xiangyin-2025/kinds/争资争项.toml), checked, templated and merged by unit."""
import csv
import subprocess
import sys

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from cli.main import main
from templates.config import load_config
from tests.conftest import EXAMPLE, GAZETTE, ROOT
from tests.support.addin_home import isolate_addin
from validators.batch import check_file

CONFIG = EXAMPLE / "fenjie.toml"


def gazette_rows() -> list[list]:
    with open(GAZETTE / "xiangyin-2025-funding-targets.tsv", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    return [rows[0]] + [[int(r[0]), r[1], int(r[2]) if r[2] else None, int(r[3]) if r[3] else None, r[4]]
                        for r in rows[1:]]


def funding_table(path, change=None, total=(269500, 322700)):
    """The gazette's table as a county office keeps it: title, unit line, header, 24 units, 合计."""
    rows = gazette_rows()
    book = Workbook()
    sheet = book.active
    sheet.append(["2025年湘阴县争资争项目标任务明细表"])
    sheet.append(["单位：万元"])
    for row in rows:
        sheet.append(row)
    sheet.append(["合计", None, *total, None])
    if change:
        change(sheet)
    book.save(path)
    return path


def test_the_gazette_funding_table_checks_clean(tmp_path):
    result = check_file(funding_table(tmp_path / "争资争项.xlsx"), config=load_config(CONFIG))
    assert result.kind == "funding-targets"            # found by its header among the county's kinds
    assert result.findings == []
    assert result.totals == {"fiscal": 269500, "bonds": 322700}


def test_three_planted_errors_are_found_at_their_cells(tmp_path):
    def plant(sheet):
        sheet["C4"] = "1600"                             # 应急管理局's amount typed as text
        sheet["B9"] = "城管执发局"                        # 城管执法局 misspelt
        sheet["D28"] = 322800                            # 专项债券 total off by 100

    result = check_file(funding_table(tmp_path / "争资争项.xlsx", plant), config=load_config(CONFIG))
    found = [(f.code, f.cell) for f in result.findings]
    assert found == [("N001", "C4"), ("R003", "B9"), ("T001", "D28")], result.findings
    assert result.findings[1].suggestion == "城管执法局"


def test_a_row_two_units_share_and_an_alias_are_known_names(tmp_path):
    def rename(sheet):
        sheet["B23"] = "虞公港铁路公司"                    # an alias of 虞公港铁路建设有限公司
    result = check_file(funding_table(tmp_path / "a.xlsx", rename), config=load_config(CONFIG))
    assert result.findings == []                       # row 11 is 财政局、发改局


def test_without_the_config_the_funding_table_is_not_guessed(tmp_path):
    result = check_file(funding_table(tmp_path / "a.xlsx"))
    assert [f.code for f in result.findings] == ["F005"]
    assert "--config fenjie.toml" in result.findings[0].message          # the way to have it known
    with_config = check_file(funding_table(tmp_path / "b.xlsx", lambda sheet: sheet.delete_rows(3)),
                             config=load_config(CONFIG))
    assert [f.code for f in with_config.findings] == ["F005"] and "--config" not in with_config.findings[0].message


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def test_kinds_lists_builtin_and_county_kinds_and_prints_one_as_a_kind_file(tmp_path):
    listed = run("kinds", "--config", CONFIG)
    assert listed.exit_code == 0
    assert "grain-plan" in listed.output and "funding-targets" in listed.output
    assert "本县" in listed.output and "内置" in listed.output
    printed = run("kinds", "争资争项目标任务明细表", "--config", CONFIG, "--toml")
    assert printed.exit_code == 0 and 'rows = "units"' in printed.output
    from templates.kindfile import load_kind_file
    copy = tmp_path / "copy.toml"
    copy.write_text(printed.output, encoding="utf-8")
    assert load_kind_file(copy).columns == load_config(CONFIG).county_kinds["funding-targets"].columns
    unknown = run("kinds", "funding-targets", "--toml")      # without the config: not known
    assert unknown.exit_code == 2 and "未知的表格类型" in unknown.output


def test_a_wrong_kind_file_named_by_the_config_is_exit_2(tmp_path):
    (tmp_path / "kinds").mkdir()
    (tmp_path / "kinds" / "坏.toml").write_text('name = "x"\ntitle = "某表"\nrows = "units"\nkey = "a"\n'
                                              '[[columns]]\nkey = "a"\nheader = "单位"\nwidht = 3\n',
                                              encoding="utf-8")
    config = tmp_path / "fenjie.toml"
    config.write_text('county = "某县"\nyear = 2026\ntownships = ["甲镇"]\nkinds = ["kinds/坏.toml"]\n',
                      encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "cli", "kinds", "--config", str(config)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "坏.toml" in result.stderr and "第 8 行" in result.stderr and "widht" in result.stderr
    assert "Traceback" not in result.stderr


def test_rules_with_the_config_and_check_by_name(tmp_path):
    assert run("rules", "--config", CONFIG).exit_code == 0
    path = funding_table(tmp_path / "争资争项.xlsx")
    checked = run("check", path, "--config", CONFIG, "--kind", "funding-targets", "--format", "json")
    assert checked.exit_code == 0, checked.output


def test_template_check_and_merge_by_unit(tmp_path):
    county = funding_table(tmp_path / "县表.xlsx")
    made = run("template", "funding-targets", "--config", CONFIG, "--from",
               GAZETTE / "xiangyin-2025-funding-targets.tsv", "-o", tmp_path / "模板")
    assert made.exit_code == 0, made.output
    template = next((tmp_path / "模板").glob("*.xlsx"))
    returns = tmp_path / "报送"
    returns.mkdir()
    for unit, cell, value in (("应急管理局", "C5", 1600), ("教育局", "C7", 5900)):
        book = load_workbook(template)
        sheet = book.worksheets[0]
        assert sheet[cell.replace("C", "B")].value == unit
        sheet[cell] = value
        book.save(returns / f"{unit}-争资争项.xlsx")
    merged = run("merge", returns, "--config", CONFIG, "--kind", "funding-targets", "--from", county,
                 "-o", tmp_path / "汇总.xlsx")
    assert merged.exit_code == 1, merged.output              # 22 units have not returned
    assert "汇总 24 个单位" in merged.output and "未报送（22）" in merged.output
    assert "有错：教育局" in merged.output                   # 5900 against 5800 assigned
    summary = load_workbook(tmp_path / "汇总.xlsx")
    texts = {c.value for ws in summary.worksheets for row in ws.iter_rows() for c in row}
    assert "应急管理局" in texts and "教育局" in texts


def test_kind_new_infers_the_funding_kind_from_the_gazette_table(tmp_path):
    """How kinds/争资争项.toml began: inferred from the gazette's table, then tidied by hand."""
    out = tmp_path / "争资争项.toml"
    result = run("kind", "new", funding_table(tmp_path / "争资争项.xlsx"), "--config", CONFIG, "-o", out)
    assert result.exit_code == 0 and "未能确定" not in result.output, result.output
    from templates.kindfile import load_kind_file
    inferred = load_kind_file(out)
    tidied = load_config(CONFIG).county_kinds["funding-targets"]
    assert inferred.rows_from == tidied.rows_from == "units"
    assert inferred.title == tidied.title
    assert [(c.header, c.unit, c.summed, c.minimum) for c in inferred.summed_columns] == \
        [(c.header, c.unit, c.summed, c.minimum) for c in tidied.summed_columns]


def test_a_return_made_from_a_kind_since_changed_gets_a_warning(tmp_path):
    import shutil
    county = tmp_path / "county"
    shutil.copytree(EXAMPLE / "kinds", county / "kinds")
    shutil.copy(CONFIG, county / "fenjie.toml")
    made = run("template", "funding-targets", "--config", county / "fenjie.toml", "--from",
               GAZETTE / "xiangyin-2025-funding-targets.tsv", "-o", tmp_path / "模板")
    template = next((tmp_path / "模板").glob("*.xlsx"))
    assert made.exit_code == 0
    before = check_file(template, config=load_config(county / "fenjie.toml"))
    assert before.findings == []
    kind_file = county / "kinds" / "争资争项.toml"
    kind_file.write_text(kind_file.read_text(encoding="utf-8").replace(   # a bound: the table changed
        'variants = ["专项债", "争取专项债券"]', 'variants = ["专项债", "争取专项债券"]\nmax = 1000000'), encoding="utf-8")
    after = check_file(template, config=load_config(county / "fenjie.toml"))
    assert [(f.code, f.severity) for f in after.findings] == [("S010", "warning")]
    assert "第 1 版" in after.findings[0].message and after.errors == 0


def test_the_check_button_knows_the_county_kind_through_its_config(tmp_path, monkeypatch):
    from tests.support.payload import run_press
    isolate_addin(monkeypatch, tmp_path, CONFIG)

    def misspell(sheet):
        sheet["B9"] = "城管执发局"

    outcome, _ = run_press(funding_table(tmp_path / "争资争项.xlsx", misspell))
    assert outcome.result.kind == "funding-targets"
    assert [(f.code, f.cell) for f in outcome.result.findings] == [("R003", "B9")]
