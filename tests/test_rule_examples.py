"""Every rule's failing and passing example (validators/check/examples.py) on the real engine:
each example is written to real .xlsx files with openpyxl and checked as `fenjie check` would."""
import subprocess
import sys

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from server.checker import other_township_finding
from templates.config import load_config, parse_config
from templates.identity import IDENTITY_SHEET, Identity
from templates.kinds import kinds_for
from tests.conftest import EXAMPLE
from validators import batch
from validators.batch import check_paths
from validators.check.examples import EXAMPLES, ErrorValue, Formula, Percent, Timed, kind_examples, rule_examples
from validators.check.rules import RULES, rules_for
from validators.county import read_assigned

FAULT_AT = (batch, "check_workbook")        # what the F008 example breaks: fenjie's own check


def write_file(folder, file):
    path = folder / file.name
    if file.content is not None:
        path.write_bytes(file.content)
        return path
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in file.sheets:
        ws = book.create_sheet(sheet.name)
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                write_cell(ws.cell(r, c), value)
        for address, value in sheet.far:
            write_cell(ws[address], value)
        for number in sheet.hidden_rows:
            ws.row_dimensions[number].hidden = True
        if sheet.hidden:
            ws.sheet_state = "hidden"
    if file.identity:
        hidden = book.create_sheet(IDENTITY_SHEET)
        for key, value in Identity(**file.identity).rows():
            hidden.append([key, value])
        hidden.sheet_state = "hidden"
    if file.template:                     # marked and sealed as the template command saves it
        from templates.outputs import save_output
        save_output(book, path, "template")
        return path
    book.save(path)
    return path


def write_cell(cell, value):
    if isinstance(value, Formula):
        cell.value = value.text                          # openpyxl saves no value for it
    elif isinstance(value, ErrorValue):
        cell.value = value.text
        assert cell.data_type == "e"
    elif isinstance(value, Percent):
        cell.value, cell.number_format = value.number, "0%"
    elif isinstance(value, Timed):
        cell.value, cell.number_format = value.number, "hh:mm:ss"
    else:
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"


def run(example, folder, monkeypatch, config=None):
    """code -> cells it was reported at, over every file of the batch."""
    if example.config:
        config = parse_config(example.config)
    returns = folder / "报送"
    returns.mkdir()
    for file in example.files:
        write_file(returns, file)
    assigned = None
    if example.county_table is not None:
        assigned = read_assigned(write_file(folder, example.county_table), example.kind, config)
    if example.fault:
        def broken(*args, **kwargs):
            raise ValueError("injected")
        monkeypatch.setattr(*FAULT_AT, broken)
    batch = check_paths([returns], kind=example.kind, config=config, targets=example.targets,
                        assigned=assigned, workers=1)
    findings = [f for result in batch.files for f in result.findings]
    if example.link:
        findings += [f for result in batch.files
                     if (f := other_township_finding(result, example.link)) is not None]
    found: dict[str, set] = {}
    for finding in findings:
        found.setdefault(finding.code, set()).add(finding.cell)
    if batch.missing and not example.link:       # an upload through a link is no batch
        found["S001"] = {None}
    return found, findings


def all_examples():
    found = dict(EXAMPLES)
    for kind in kinds_for(county_config()).values():
        found.update(kind_examples(kind))
    return sorted(found.items())


def county_config():
    return load_config(EXAMPLE / "fenjie.toml")


CASES = all_examples()


@pytest.mark.parametrize("code, examples", CASES, ids=[code for code, _ in CASES])
def test_the_failing_example_breaks_the_rule(code, examples, tmp_path, monkeypatch):
    example = examples.failing
    found, findings = run(example, tmp_path, monkeypatch)
    assert code in found, findings
    assert example.cell in found[code], findings          # None: about the file, no cell


@pytest.mark.parametrize("code, examples", CASES, ids=[code for code, _ in CASES])
def test_the_passing_example_is_clean(code, examples, tmp_path, monkeypatch):
    found, findings = run(examples.passing, tmp_path, monkeypatch)
    assert code not in found, findings
    assert findings == [] and set(found) == set(), findings      # a clerk copies it: no other finding


def test_every_rule_has_both_examples():
    codes = set(rules_for(county_config()))
    assert codes >= set(RULES)
    assert {code for code in codes if rule_examples(code, county_config()) is None} == set()
    assert set(EXAMPLES) <= codes                     # no examples for a rule that is gone


def test_a_county_kinds_own_rules_get_examples_from_its_declaration(tmp_path, monkeypatch):
    """A county adds a cross rule and a ratio rule to its kind file, no Python: both get
    examples, and the real engine agrees with them."""
    kinds = tmp_path / "kinds"
    kinds.mkdir()
    declaration = (EXAMPLE / "kinds" / "争资争项.toml").read_text(encoding="utf-8")
    declaration += ('\n[[cross_rules]]\ncode = "X101"\nleft = "bonds"\nright = "fiscal"\n'
                    '\n[[ratio_rules]]\ncode = "P101"\nnumerator = "bonds"\ndenominator = "fiscal"\n'
                    'low = 0.1\nhigh = 0.9\nname = "债券占比"\n')
    (kinds / "争资争项.toml").write_text(declaration, encoding="utf-8")
    (tmp_path / "fenjie.toml").write_text(
        'county = "湘阴县"\nyear = 2025\ntownships = ["新泉镇"]\nunits = ["发改局", "财政局"]\n'
        'kinds = ["kinds/争资争项.toml"]\n', encoding="utf-8")
    config = load_config(tmp_path / "fenjie.toml")
    for code in ("X101", "P101"):
        examples = rule_examples(code, config)
        assert examples is not None and rule_examples(code) is None
        for name, example in (("failing", examples.failing), ("passing", examples.passing)):
            folder = tmp_path / f"{code}-{name}"
            folder.mkdir()
            found, findings = run(example, folder, monkeypatch, config)
            if name == "failing":
                assert example.cell in found.get(code, ()), findings
            else:
                assert findings == [], findings
    shown = CliRunner().invoke(main, ["rules", "X101", "--config", str(tmp_path / "fenjie.toml")])
    assert shown.exit_code == 0 and "错误示例" in shown.output and "正确示例" in shown.output


def test_rules_code_shows_both_examples_with_the_cell_marked():
    output = CliRunner().invoke(main, ["rules", "N001"]).output
    failing, passing = output.split("错误示例：")[1].split("正确示例：")
    letters = next(line for line in failing.splitlines() if line.split()[:2] == ["A", "B"])
    marked = next(line for line in failing.splitlines() if ">>" in line)
    assert marked.split()[:3] == ["2", "新泉镇", ">>'22"]               # B2, typed as text
    assert display_width(marked[:marked.index(">>")]) == display_width(letters[:letters.index("B")])
    assert "在 B2（>> 处）报 N001" in failing and "单元格里是文字“22”" in failing
    assert ">>" not in passing and "'22" not in passing and " 22 " in passing


@pytest.mark.parametrize("code, examples", CASES, ids=[code for code, _ in CASES])
def test_rules_code_shows_every_rules_examples(code, examples):
    output = CliRunner().invoke(main, ["rules", code]).output
    failing, passing = output.split("\n错误示例：\n")[1].split("\n正确示例：\n")
    for file in examples.failing.files:
        assert file.name in failing
    marked = [line for line in failing.splitlines() if ">>" in line and "（>> 处）" not in line]
    assert len(marked) == (examples.failing.cell is not None), failing
    assert f"报 {code}。" in failing and ">>" not in passing


def test_rules_code_does_not_import_pandas():
    code = ("import sys; from cli.main import main\ntry:\n    main(['rules', 'S006'])\nexcept SystemExit:\n    pass\n"
            "assert 'pandas' not in sys.modules and 'openpyxl' not in sys.modules, 'heavy import'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and "正确示例" in done.stdout, done.stderr


def display_width(text: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_the_readme_shows_what_fenjie_rules_prints():
    readme = (EXAMPLE.parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ fenjie rules N001\n")
    block = readme[start:readme.index("```", start)].splitlines()[1:]
    printed = CliRunner().invoke(main, ["rules", "N001"]).output.splitlines()
    assert printed[1:] == block[1:]            # the first line's level label is templates' wording
