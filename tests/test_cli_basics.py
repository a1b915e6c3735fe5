import subprocess
import sys

from click.testing import CliRunner

from cli.main import main
from templates.kinds import KINDS
from validators.rules import RULES


def test_help_does_not_import_pandas():
    code = "import sys; from cli.main import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n" \
           "assert 'pandas' not in sys.modules and 'openpyxl' not in sys.modules, 'heavy import'"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_kinds_lists_every_kind():
    out = CliRunner().invoke(main, ["kinds"]).output
    for kind in KINDS.values():
        assert kind.name in out and kind.title in out


def test_rules_lists_and_explains():
    runner = CliRunner()
    listing = runner.invoke(main, ["rules"]).output
    assert all(code in listing for code in RULES)
    detail = runner.invoke(main, ["rules", "n001"])
    assert detail.exit_code == 0 and "SUM" in detail.output
    unknown = runner.invoke(main, ["rules", "Q999"])
    assert unknown.exit_code == 2 and "没有规则" in unknown.output


def test_rule_codes_are_stable_ascii():
    for code, rule in RULES.items():
        assert code.isascii() and rule.name.isascii()
        assert rule.severity in ("error", "warning")
