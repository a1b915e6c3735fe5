import re
import unicodedata

from click.testing import CliRunner

from cli.main import main
from templates.kinds import KINDS
from tests.support.fresh_process import help_imports
from validators.check.rules import RULES


def test_help_does_not_import_pandas():
    loaded, shown = help_imports()
    assert "用法" in shown and not {"pandas", "openpyxl"} & loaded


def test_kinds_lists_every_kind():
    result = CliRunner().invoke(main, ["kinds"])
    assert result.exit_code == 0 and {"grain-plan", "task-breakdown"} <= set(KINDS)
    for kind in KINDS.values():
        assert kind.name in result.output and kind.title in result.output


def _display_width(text: str) -> int:
    """Terminal columns, counted independently of the code under test: wide CJK takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_rules_lists_and_explains():
    runner = CliRunner()
    listing = runner.invoke(main, ["rules"])
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert len(RULES) >= 40 and len(lines) == len(RULES) + 1
    assert [line.split()[0] for line in lines[1:]] == list(RULES)
    detail = runner.invoke(main, ["rules", "n001"])
    assert detail.exit_code == 0 and "SUM" in detail.output and "适用：通用" in detail.output
    assert "适用：grain-plan" in runner.invoke(main, ["rules", "X001"]).output
    unknown = runner.invoke(main, ["rules", "Q999"])
    assert unknown.exit_code == 2 and "没有规则" in unknown.output


def test_rules_listing_is_aligned_and_says_where_each_rule_applies():
    lines = CliRunner().invoke(main, ["rules"]).output.splitlines()
    header, rows = lines[0], dict(zip(RULES, lines[1:]))
    assert header.split() == ["代码", "级别", "名称", "适用", "消息"]
    message_column = _display_width(header[:header.index("消息")])
    applies_column = _display_width(header[:header.index("适用")])
    for code, rule in RULES.items():
        line = rows[code]
        assert line.endswith(rule.message), code
        assert _display_width(line[:len(line) - len(rule.message)]) == message_column, line
        applies = line[:len(line) - len(rule.message)].split()[-1]
        assert applies == ("、".join(rule.kinds) or "通用"), line
        assert _display_width(line[:line.rindex(applies, 0, len(line) - len(rule.message))]) \
            == applies_column, line
        assert f" {rule.name} " in line           # the slug never runs into the next column
    assert rows["X001"].split()[3] == "grain-plan" and rows["K001"].split()[3] == "task-breakdown"
    assert rows["F001"].split()[3] == "通用"


def test_rule_codes_are_stable_ascii():
    assert len(RULES) >= 40
    for code, rule in RULES.items():
        assert code == rule.code and re.fullmatch(r"[A-Z]\d{3}", code)
        assert code.isascii() and rule.name.isascii() and " " not in rule.name
        assert rule.severity in ("error", "warning")
        assert set(rule.kinds) <= set(KINDS), code


def test_a_rule_code_declared_twice_is_refused_not_overwritten():
    from dataclasses import replace

    import pytest

    from validators.check.rules import RULES, registry
    first = RULES["N001"]
    assert registry([first]) == {"N001": first}
    with pytest.raises(ValueError, match="N001"):
        registry([first, replace(RULES["N002"], code="N001")])
