"""fenjie.toml against its declared schema, and the task-list .tsv: every bad file is refused with
a Chinese message naming the file, the line and the key, exit status 2, from every command."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from templates.config import ConfigError, load_config, parse_config
from templates.config_schema import ConfigFile, LimitsTable
from templates.kinds import KINDS
from tests.support.fresh_process import help_imports

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "xiangyin-2025"
RETURNS = EXAMPLE / "报送"
TASK_TSV = EXAMPLE / "gazette" / "xiangyin-2025-task-breakdown.tsv"
BASE = 'county = "某县"\nyear = 2025\ntownships = ["甲镇", "乙镇"]\n'

# (name, fenjie.toml, line, key, more words the message must contain)
BAD_CONFIGS = [
    ("aliases_list", BASE + 'units = ["发改局"]\naliases = ["县发改局"]\n', 5, "aliases", ["表"]),
    ("alias_not_a_list", BASE + 'units = ["发改局"]\n[aliases]\n"发改局" = "县发改局"\n', 6, "aliases.发改局",
     ["列表"]),
    ("targets_number", BASE + "targets = 5\n", 4, "targets", ["表"]),
    ("max_bytes_text", BASE + '[limits]\nmax_bytes = "50MB"\n', 5, "limits.max_bytes", ["整数", "50MB"]),
    ("password_number", BASE + "password = 123456\n", 4, "password", ["文字", '"123456"']),
    ("target_nan", BASE + '[targets.grain-plan]\n"粮食总面积" = nan\n', 5, "targets.grain-plan.粮食总面积",
     ["nan"]),
    ("target_inf", BASE + '[targets.grain-plan]\n"早稻面积" = 3\n"粮食总面积" = -inf\n', 6,
     "targets.grain-plan.粮食总面积", ["inf"]),
    ("village_misspelt", BASE + '[village]\n"甲镇" = ["一村"]\n', 4, "village", ["是不是「villages」"]),
    ("target_misspelt", BASE + '[target.grain-plan]\n"粮食总面积" = 118\n', 4, "target", ["是不是「targets」"]),
    ("max_byte_misspelt", BASE + "[limits]\nmax_byte = 100\n", 5, "limits.max_byte", ["是不是「max_bytes」"]),
    ("county_empty", BASE.replace('"某县"', '""'), 1, "county", ["空"]),
    ("year_negative", BASE.replace("2025", "-5"), 2, "year", ["-5"]),
    ("limit_negative", BASE + "[limits]\nmax_cells = -1\n", 5, "limits.max_cells", ["-1"]),
    ("one_column_three_ways", BASE + '[targets.grain-plan]\n"粮食总面积" = 118\n"粮食总面积(万亩)" = 100\n'
     '"粮食总面积（万亩）" = 90\n', 6, "targets.grain-plan.粮食总面积(万亩)",
     ["「粮食总面积」", "「粮食总面积(万亩)」", "「粮食总面积（万亩）」", "同一列"]),
    ("column_the_kind_lacks", BASE + '[targets.grain-plan]\n"水稻亩产" = 500\n', 5, "targets.grain-plan.水稻亩产",
     ["可设目标的列"]),
    ("column_misspelt", BASE + '[targets.grain-plan]\n"粮食总面机" = 118\n', 5, "targets.grain-plan.粮食总面机",
     ["是不是「粮食总面积」"]),
    ("kind_misspelt", BASE + '[targets.grain-plam]\n"粮食总面积" = 118\n', 4, "targets.grain-plam",
     ["是不是「grain-plan」"]),
    ("target_negative", BASE + '[targets.grain-plan]\n"粮食总面积" = -10\n', 5, "targets.grain-plan.粮食总面积",
     ["-10"]),
    ("township_twice", 'county = "某县"\nyear = 2025\ntownships = [\n  "甲镇",\n  "乙镇",\n  "甲镇",\n]\n', 6,
     "townships 第 3 项", ["重复"]),
    ("village_of_unknown_township", BASE + '[villages]\n"丙镇" = ["一村"]\n', 5, "villages.丙镇", ["townships"]),
    ("leaders_not_text", BASE + '[leaders]\n"发改局" = ["姜华"]\n', 5, "leaders.发改局", ["文字"]),
    ("password_below_a_table", BASE + '[targets.grain-plan]\n"粮食总面积" = 118\npassword = "xy2025"\n', 6,
     "targets.grain-plan.password", ["文件开头"]),
    ("kinds_not_a_list", BASE + 'kinds = "kinds/生猪.toml"\n', 4, "kinds", ["列表"]),
]


def toml_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fenjie.toml"
    path.write_text(text, encoding="utf-8")
    return path


def english_words(message: str, allowed_from: str) -> set[str]:
    """ASCII words in `message` other than those of the config and argv, keys, kinds and TOML words."""
    allowed = set(re.findall(r"[A-Za-z][A-Za-z_]*", allowed_from)) | {"fenjie", "toml", "TOML", "nan", "inf"}
    allowed |= {*ConfigFile.model_fields, *LimitsTable.model_fields}
    for kind in KINDS:
        allowed |= set(kind.split("-"))
    return set(re.findall(r"[A-Za-z][A-Za-z_]+", message)) - allowed


def command(name: str, tmp_path: Path) -> list[str]:
    return {
        "template": ["template", "grain-plan", "--config", "fenjie.toml", "-o", "out"],
        "check": ["check", str(RETURNS), "--config", "fenjie.toml"],
        "merge": ["merge", str(RETURNS), "--config", "fenjie.toml", "-o", "汇总.xlsx"],
    }[name]


@pytest.mark.parametrize("command_name", ["template", "check", "merge"])
@pytest.mark.parametrize("name, text, line, key, words", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_exits_2_naming_line_and_key(tmp_path, command_name, name, text, line, key, words):
    toml_file(tmp_path, text)
    argv = command(command_name, tmp_path)
    run = subprocess.run([sys.executable, "-m", "cli", *argv], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert f"fenjie.toml 第 {line} 行「{key}」" in run.stderr
    for word in words:
        assert word in run.stderr
    assert "Traceback" not in run.stderr and "这是程序的问题" not in run.stderr
    assert not english_words(run.stderr, text + " ".join(argv)), run.stderr
    assert not list(tmp_path.glob("out/*")) and not (tmp_path / "汇总.xlsx").exists()


@pytest.mark.parametrize("text, where", [
    (BASE + 'county = "又一个县"\n', "第 4 行"),                   # a key written twice
    (BASE + "year = = 2025\n", "第 4 行"),
    ('county = "某县\nyear = 2025\n', "第 1 行"),                  # an unclosed quote
    (BASE + "[limits\nmax_bytes = 1\n", "第 4 行"),
])
def test_toml_syntax_errors_are_told_in_chinese(tmp_path, text, where):
    path = toml_file(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert f"{path} {where}" in message
    assert not english_words(message, text + str(path)), message


def test_every_problem_is_listed_with_its_line(tmp_path):
    text = 'year = "2025"\ntownships = ["甲镇"]\npassword = 123456\n[limits]\nmax_bytes = "50MB"\n'
    with pytest.raises(ConfigError) as err:
        load_config(toml_file(tmp_path, text))
    message = str(err.value)
    assert "4 处错误" in message
    assert "「county」：缺少这一项" in message
    assert "第 1 行「year」" in message and "第 3 行「password」" in message
    assert "第 5 行「limits.max_bytes」" in message


def test_wrong_config_in_a_dict_names_the_key_without_a_line():
    with pytest.raises(ConfigError) as err:
        parse_config({"county": "某县", "year": 2025, "townships": ["甲镇"], "limits": {"max_byte": 1}})
    assert "「limits.max_byte」" in str(err.value) and "max_bytes" in str(err.value)


def test_kinds_and_leaders_are_declared(tmp_path):
    (tmp_path / "kinds").mkdir()
    shutil.copy(EXAMPLE / "kinds" / "争资争项.toml", tmp_path / "kinds" / "生猪生产.toml")
    config = load_config(toml_file(tmp_path, BASE + 'units = ["发改局"]\nkinds = ["kinds/生猪生产.toml"]\n'
                                               '[leaders]\n"发改局" = "姜华"\n'))
    assert config.kinds == ["kinds/生猪生产.toml"] and config.leaders == {"发改局": "姜华"}


def test_a_kind_file_that_is_not_there_is_named(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(toml_file(tmp_path, BASE + 'kinds = [\n  "kinds/生猪生产.toml",\n]\n'))
    assert "第 5 行「kinds 第 1 项」" in str(err.value) and "kinds/生猪生产.toml" in str(err.value)


def test_example_config_still_loads_with_defaults(example_config):
    assert example_config.limits.max_bytes == 50 * 1024 * 1024 and example_config.password is None
    assert example_config.kinds == ["kinds/争资争项.toml"] and example_config.leaders == {}


def test_alias_of_a_name_not_listed_is_refused(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(toml_file(tmp_path, BASE + 'units = ["发改局"]\n[aliases]\n"发改委" = ["县发改局"]\n'))
    assert "第 6 行「aliases.发改委」" in str(err.value) and "是不是「发改局」" in str(err.value)


def test_help_does_not_import_pydantic():
    loaded, _ = help_imports()
    assert not {"pydantic", "templates.config_schema"} & loaded


@pytest.mark.parametrize("document", ["README.md", "docs/contracts.md"])
def test_every_key_of_the_schema_is_documented(document):
    reference = (ROOT / document).read_text(encoding="utf-8")
    for key in [*ConfigFile.model_fields, *LimitsTable.model_fields]:
        assert re.search(rf"`\[?{key}(\]|\.|`)", reference), f"{key} is not in {document}"
    assert "DESIGN.md" not in reference and "责任人_县政府" in reference     # no pointer outside the repository


# -- the task list .tsv -------------------------------------------------------------------------

TASK_HEADER = "序号\t目标任务\t责任领导\t牵头单位\t相关单位\t责任人_县政府\t责任人_牵头单位"


@pytest.mark.parametrize("text, words", [
    ("序号\t目标任务\t责任领导\t牵头单位\t相关单位\t责任人\n1\t任务一\t姜华\t发改局\t\t黄金魁\n",
     ["第 1 行第 6 栏「责任人」", "「责任人_县政府」「责任人_牵头单位」"]),
    (TASK_HEADER + "\t备注\n1\t任务一\t姜华\t发改局\t\t黄金魁\t范文灿\t要紧\n", ["第 1 行第 8 栏「备注」", "没有这一列"]),
    ("序号\t目标任务\t牵头单位\n1\t任务一\t发改局\n", ["第 1 行", "缺少", "责任领导", "责任人_县政府"]),
    (TASK_HEADER + "\n1\t任务一\t姜华\t发改局\t\t黄金魁\t范文灿\n2\t任务二\t姜华\t财政局\t\t黄金魁\t陈锋\t多余\n",
     ["第 3 行第 8 栏「多余」", "不属于任何一列"]),
    (TASK_HEADER + "\t工作任务\n", ["第 1 行第 8 栏「工作任务」", "同一列"]),
    ("序号\t目标任务\t责任领导\t牵头单位\t相关单位\t责任人_县政府\t责任人_牵头单位\t\n1\tx\t姜华\t发改局\t\t黄\t范\t空栏有字\n",
     ["第 2 行第 8 栏", "表头这一栏是空的"]),
    ("", ["是空的"]),
])
def test_task_list_refuses_what_it_does_not_understand(tmp_path, text, words):
    (tmp_path / "任务清单.tsv").write_text(text, encoding="utf-8")
    argv = ["template", "task-breakdown", "--config", str(EXAMPLE / "fenjie.toml"),
            "--from", "任务清单.tsv", "-o", "out"]
    run = subprocess.run([sys.executable, "-m", "cli", *argv], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "任务清单.tsv" in run.stderr
    for word in words:
        assert word in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert not list(tmp_path.glob("out/*"))


def test_a_grain_list_needs_its_key_column_not_every_number(tmp_path):
    from validators.records import RecordsProblem, read_records
    grain = KINDS["grain-plan"]
    partial = tmp_path / "县.tsv"
    partial.write_text("乡镇\t粮食总面积\n甲镇\t30\n", encoding="utf-8")
    assert read_records(partial, grain) == [{"unit": "甲镇", "grain_area": 30}]
    keyless = tmp_path / "无键.tsv"
    keyless.write_text("粮食总面积\t早稻面积\n30\t8\n", encoding="utf-8")
    with pytest.raises(RecordsProblem, match="缺少必需的列：乡镇"):
        read_records(keyless, grain)


def test_the_gazette_task_list_is_read_whole():
    from validators.records import read_records
    records = read_records(TASK_TSV, KINDS["task-breakdown"])
    assert len(records) == 85
    assert records[0]["owner_county"] == "黄金魁" and records[0]["owner_unit"] == "范文灿"


def test_key_lines_follow_tables_arrays_strings_and_comments():
    from templates.toml_lines import KeyLines
    text = ('county = "某县"  # [注释]\n[limits]\nmax_bytes = 1\n"q.r" . \'s\' = [\n  1, # ,\n'
            '  [2, 3], "a,]b",\n  """x\n  y""",\n]\n[targets.grain-plan]\n"粮食总面积" = 1\n')
    lines = KeyLines(text)
    assert lines.line(("county",)) == 1 and lines.line(("limits", "max_bytes")) == 3
    assert [lines.line(("limits", "q.r", "s", i)) for i in range(4)] == [5, 6, 6, 7]
    assert lines.line(("targets", "grain-plan", "粮食总面积")) == 11
    assert lines.line(("targets", "grain-plan", "不存在")) == 10 and lines.line(("year",)) is None


def test_villages_of_a_township_not_listed_ask_or_state():
    def problem(township):
        with pytest.raises(ConfigError) as err:
            parse_config({"county": "某县", "year": 2025, "townships": ["新泉镇", "湘滨镇"],
                          "villages": {township: ["甲村"]}})
        return str(err.value)
    assert "「新泉真」不在 townships 列表里，是不是「新泉镇」？" in problem("新泉真")
    assert "「白马乡」不在 townships 列表里。" in problem("白马乡")
