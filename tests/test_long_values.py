"""Text in and out: a huge cell is clipped on the terminal but kept whole in JSON; a .tsv task
list is read in the encodings Excel and WPS save."""
import codecs
import json

import pytest
from click.testing import CliRunner

from cli.main import main
from templates.kinds import KINDS
from tests.badinput import grain_table, write_xlsx
from tests.conftest import EXAMPLE, GAZETTE
from validators.findings import Finding
from validators.output.render import CLIP_AT, clip, clipped_message, value_note
from validators.records import RecordsProblem, read_records

CONFIG = str(EXAMPLE / "fenjie.toml")
LONG_NAME = "牧" * 20_000            # typed where a township's name belongs
LONG_NUMBER = "面积" * 15_000        # typed where a number belongs


@pytest.fixture
def huge_cells(tmp_path):
    return write_xlsx(tmp_path / "县表.xlsx", grain_table({"A6": LONG_NAME, "B5": LONG_NUMBER}))


def check(*args):
    return CliRunner().invoke(main, ["check", *map(str, args), "--config", CONFIG])


def test_a_huge_cell_is_clipped_in_the_text_output(huge_cells):
    result = check(huge_cells)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert max(map(len, lines)) < 600, max(map(len, lines))
    name_lines = [line for line in lines if LONG_NAME[:CLIP_AT] in line]
    number_lines = [line for line in lines if LONG_NUMBER[:CLIP_AT] in line]
    assert name_lines and number_lines
    assert all("…（共 20000 字）" in line for line in name_lines)
    assert any(":B5: N007" in line and "…（共 30000 字）" in line for line in number_lines)
    assert LONG_NAME[:CLIP_AT + 1] not in result.output and LONG_NUMBER[:CLIP_AT + 1] not in result.output


def test_json_keeps_the_whole_value(huge_cells):
    result = check(huge_cells, "--format", "json")
    findings = json.loads(result.output)["files"][0]["findings"]
    number = next(f for f in findings if f["cell"] == "B5")
    assert number["code"] == "N007" and number["value"] == LONG_NUMBER and LONG_NUMBER in number["message"]
    assert any(f["value"] == LONG_NAME for f in findings)
    assert "…（共" not in result.output


def test_clip_keeps_short_text_and_says_how_long_long_text_is():
    assert clip("新泉镇") == "新泉镇" and clip("x" * CLIP_AT) == "x" * CLIP_AT
    assert clip("x" * (CLIP_AT + 1)) == "x" * CLIP_AT + f"…（共 {CLIP_AT + 1} 字）"


def test_a_value_in_the_message_is_clipped_once_quoted_or_not():
    formula = "=SUM(" + "B5," * 100 + "B6)"
    finding = Finding("F004", "warning", f"公式 {formula} 没有保存计算结果；「{formula}」", None, "B7",
                      formula, None)
    message = clipped_message(finding)
    assert message == f"公式 {clip(formula)} 没有保存计算结果；「{clip(formula)}」"
    assert message.count("…（共") == 2
    assert value_note(finding) == f" [原值 {clip(formula)}]"


def test_a_message_holding_other_long_text_is_bounded():
    message = "核对这份文件时程序出错（" + "x" * 5000 + "）"
    shown = clipped_message(Finding("F008", "error", message, None, None, None, None))
    assert len(shown) < 450 and shown.startswith(message[:100]) and shown.endswith(f"…（共 {len(message)} 字）")


@pytest.mark.parametrize("prefix, encoding", [(b"", "gbk"), (codecs.BOM_UTF8, "gbk"), (b"", "utf-16"),
                                              (codecs.BOM_UTF8, "utf-8")])
def test_a_task_list_in_any_usual_encoding_reads_like_the_utf8_one(tmp_path, prefix, encoding):
    source = GAZETTE / "xiangyin-2025-grain-plan.tsv"
    copy = tmp_path / "粮食.tsv"
    copy.write_bytes(prefix + source.read_text(encoding="utf-8").encode(encoding))
    grain = KINDS["grain-plan"]
    expected = read_records(source, grain)
    assert len(expected) == 16 and read_records(copy, grain) == expected


def test_a_task_list_in_no_known_encoding_is_refused_in_chinese(tmp_path):
    copy = tmp_path / "粮食.tsv"
    copy.write_bytes("乡镇\t粮食总面积\n".encode("gbk") + b"\x80\x80\t1\n")
    with pytest.raises(RecordsProblem, match="无法识别 粮食.tsv 的文字编码"):
        read_records(copy, KINDS["grain-plan"])
