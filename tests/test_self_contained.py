"""The repository runs on its own: no test, module or script reaches outside it for data."""
from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import GAZETTE, ROOT

THIS_FILE = Path(__file__).resolve()    # spells the patterns out

# the folder beside the repository the project was developed next to, spelt as a path or a join;
# its name is put together here so that no scanner takes this test for a reader of that folder
FOLDER = "sh" + "ared"
OUTSIDE = re.compile(rf"\.\./{FOLDER}|{FOLDER}/reference|/\s*[\"']{FOLDER}[\"']|\b{FOLDER.upper()}\b")
CODE_FOLDERS = ["tests", "cli", "validators", "templates", "xladdin", "scripts", "benchmarks", "examples"]
CODE_SUFFIXES = {".py", ".sh", ".toml", ".cfg", ".ini", ".bas", ".txt"}


def _code_files():
    for folder in CODE_FOLDERS:
        yield from (p for p in (ROOT / folder).rglob("*")
                    if p.is_file() and p.suffix in CODE_SUFFIXES and p != THIS_FILE)
    yield ROOT / "pyproject.toml"


def test_no_code_reads_a_folder_outside_the_repository():
    files = list(_code_files())
    assert len(files) > 50 and ROOT / "tests" / "conftest.py" in files
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in files
                 for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace")
                                               .splitlines(), 1)
                 if OUTSIDE.search(line)]
    assert not offenders, "\n".join(offenders)


def test_the_pattern_catches_what_it_must():
    big = FOLDER.upper()
    for line in [f'{big} = ROOT.parent / "{FOLDER}"', f"open('../{FOLDER}/DESIGN.md')",
                 f'REFERENCE = {big} / "reference"', f'x = "{FOLDER}/reference/a.tsv"']:
        assert OUTSIDE.search(line), line
    assert not OUTSIDE.search(f'if name.endswith("{FOLDER}strings.xml"):')


def test_the_gazette_tables_the_tests_use_are_in_the_repository():
    for name in ["xiangyin-2025-grain-plan.tsv", "xiangyin-2025-task-breakdown.tsv"]:
        lines = (GAZETTE / name).read_text(encoding="utf-8").splitlines()
        assert len(lines) > 10 and "\t" in lines[0], name
