"""A rule's failing example shows that rule and only what its breach implies: an example that
also got an unrelated finding (the F014 table in 亩 once got P001 warnings beside it, a yield
computed from 亩 as if 万亩) would teach a clerk a false finding."""
import pytest

from tests.test_rule_examples import CASES, run

# what breaking the rule brings with it: a misspelt or repeated township leaves its real row
# missing, a file not counted leaves its township unsent, a broken 序号 is no sequence either
IMPLIED = {"N010": {"K005"}, "R002": {"R001"}, "R003": {"R001"},
           "S002": {"S001"}, "S003": {"S001"}, "S006": {"S001"}, "S007": {"S001"}}


@pytest.mark.parametrize("code, examples", CASES, ids=[code for code, _ in CASES])
def test_the_failing_example_gets_its_rule_alone(code, examples, tmp_path, monkeypatch):
    found, findings = run(examples.failing, tmp_path, monkeypatch)
    assert set(found) == {code} | IMPLIED.get(code, set()), findings
