"""Every rule's failing and passing example (validators/check/examples.py) on the real engine:
each example is written to real .xlsx files with openpyxl and checked as `fenjie check` would."""
import openpyxl
import pytest

from templates.config import parse_config
from templates.identity import IDENTITY_SHEET, Identity
from templates.kinds import kinds_for
from server.checker import other_township_finding
from validators import engine
from validators.check.examples import (EXAMPLES, ErrorValue, Formula, Percent, kind_examples,
                                       rule_examples)
from validators.engine import check_paths, read_assigned
from validators.rules import RULES, rules_for

FAULT_AT = (engine, "check_workbook")        # what the F008 example breaks: fenjie's own check


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
        for number in sheet.hidden_rows:
            ws.row_dimensions[number].hidden = True
        if sheet.hidden:
            ws.sheet_state = "hidden"
    if file.identity:
        hidden = book.create_sheet(IDENTITY_SHEET)
        for key, value in Identity(**file.identity).rows():
            hidden.append([key, value])
        hidden.sheet_state = "hidden"
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
    else:
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"


def run(example, folder, monkeypatch):
    """code -> cells it was reported at, over every file of the batch."""
    config = parse_config(example.config) if example.config else None
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
    from templates.config import load_config
    from tests.conftest import EXAMPLE
    return load_config(EXAMPLE / "fenjie.toml")


CASES = all_examples()


@pytest.mark.parametrize("code, examples", CASES, ids=[code for code, _ in CASES])
def test_the_failing_example_breaks_the_rule(code, examples, tmp_path, monkeypatch):
    example = examples.failing
    found, findings = run(example, tmp_path, monkeypatch)
    assert code in found, findings
    if example.cell is not None:
        assert example.cell in found[code], findings


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
