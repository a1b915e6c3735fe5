"""Kind files: the built-ins are TOML read by the same loader as a county's own; wrong files are
Chinese errors naming file, line and key."""
import dataclasses

import pytest

from templates.kindfile import KindFileError, kind_file_text, load_kind_file
from templates.kinds import BUILTIN_DIR, KINDS, builtin_kinds

GOOD = '''
name = "pig-output"
title = "生猪出栏任务分解表"
rows = "townships"
key = "place"
total_labels = ["合计"]

[[columns]]
key = "place"
header = "乡镇"
type = "text"

[[columns]]
key = "pigs"
header = "生猪出栏"
unit = "万头"
min = 0
summed = true

[[columns]]
key = "sows"
header = "能繁母猪"
unit = "万头"
summed = true

[[cross_rules]]
code = "X101"
left = "sows"
right = "pigs"
'''


def write(tmp_path, text, name="kind.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtins_are_read_from_their_kind_files():
    assert set(KINDS) == {"grain-plan", "task-breakdown"}
    for name, kind in builtin_kinds().items():
        assert kind.source == str(BUILTIN_DIR / f"{name}.toml")
        assert len(kind.digest) == 8
    grain = KINDS["grain-plan"]
    assert [r.code for r in grain.cross_rules] == ["X001", "X002", "X003"]
    assert grain.ratio_rules[0].code == "P001" and grain.ratio_rules[0].low == 300
    tasks = KINDS["task-breakdown"]
    assert tasks.sequence_column.key == "seq"
    assert tasks.column("owner_unit").parent == "责任人"
    assert tasks.column("owner_unit").same_within == "lead_unit"
    assert tasks.column("lead_unit").missing_rule == "K001"


@pytest.mark.parametrize("name", ["grain-plan", "task-breakdown"])
def test_a_kind_written_as_a_file_reads_back_the_same(tmp_path, name):
    kind = KINDS[name]
    text = kind_file_text(kind)
    back = load_kind_file(write(tmp_path, text))
    skip = {"source"}
    assert {f.name: getattr(back, f.name) for f in dataclasses.fields(back) if f.name not in skip} == \
        {f.name: getattr(kind, f.name) for f in dataclasses.fields(kind) if f.name not in skip}
    keys = [line for line in text.splitlines() if "=" in line and not line.startswith("# 放在")]
    assert all("  # " in line for line in keys)          # every key has its Chinese comment


def test_a_county_kind_loads(tmp_path):
    kind = load_kind_file(write(tmp_path, GOOD))
    assert kind.name == "pig-output" and kind.rows_from == "townships"
    assert [c.key for c in kind.summed_columns] == ["pigs", "sows"]
    assert kind.column("pigs").label == "生猪出栏(万头)"


@pytest.mark.parametrize("change, line, words", [
    (('header = "能繁母猪"', 'header = "能繁母猪"\ncolour = "red"'), 23, ["colour", "没有「colour」这个键"]),
    (('summed = true\n\n[[cross', 'summed = "是"\n\n[[cross'), 24, ["columns[3].summed", "true 或 false"]),
    (('header = "能繁母猪"', 'header = "生猪出栏"'), 22, ["columns[3].header", "列名「生猪出栏」重复"]),
    (('key = "sows"', 'key = "pigs"'), 21, ["columns[3].key", "重复"]),
    (('right = "pigs"', 'right = "nothing"'), 29, ["cross_rules[1].right", "nothing"]),
    (('rows = "townships"', 'rows = "villages"'), 4, ["rows", "townships"]),
])
def test_a_wrong_kind_file_names_file_line_and_key(tmp_path, change, line, words):
    path = write(tmp_path, GOOD.replace(*change), "生猪.toml")
    with pytest.raises(KindFileError) as err:
        load_kind_file(path)
    message = str(err.value)
    assert "生猪.toml" in message and f"第 {line} 行" in message, message
    for word in words:
        assert word in message, message


def test_not_toml_and_missing_file(tmp_path):
    with pytest.raises(KindFileError, match="格式有误"):
        load_kind_file(write(tmp_path, "name = = 1"))
    with pytest.raises(KindFileError, match="找不到"):
        load_kind_file(tmp_path / "none.toml")


def test_the_readme_example_kind_file_loads(tmp_path):
    import re

    from tests.conftest import ROOT
    text = (ROOT / "README.md").read_text(encoding="utf-8").split("### 表格类型文件的写法", 1)[1]
    example = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    kind = load_kind_file(write(tmp_path, example))
    assert kind.name == "pig-output" and kind.column("owner").parent == "包片领导"
    assert [r.code for r in (*kind.cross_rules, *kind.ratio_rules)] == ["X101", "P101"]
