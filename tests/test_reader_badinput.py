"""The bad-input set (tests/badinput.py): every file gives its finding, none is changed."""
from __future__ import annotations

import dataclasses
import hashlib
import shutil

import pytest

from templates.cells import a1, cell_position
from tests.badinput import CASES, NUMBER_CASES, UNREADABLE_CASES, build_all
from validators.batch import check_file
from validators.read.errors import UnreadableFile
from validators.read.workbook import read_workbook

HAVE_SOFFICE = shutil.which("soffice") is not None


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("badinput"), with_soffice=HAVE_SOFFICE)


def _path(files, case):
    if case.name not in files and not HAVE_SOFFICE:
        pytest.skip("LibreOffice (soffice) 未安装")
    assert case.name in files, f"build_all made no file for {case.name}"
    return files[case.name]


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _cell(address: str) -> tuple[int, int]:
    return cell_position(address)


def test_the_set_is_big_enough():
    assert len(CASES) >= 20
    assert len(UNREADABLE_CASES) >= 15 and len({c.code for c in NUMBER_CASES}) >= 8
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", UNREADABLE_CASES, ids=lambda c: c.name)
def test_unreadable_file_has_a_chinese_reason(files, case):
    path = _path(files, case)
    before = _digest(path)
    with pytest.raises(UnreadableFile) as caught:
        read_workbook(path, limits=case.limits)
    reason = caught.value.reason
    assert case.reason_word in reason
    assert "：" in reason and "Traceback" not in reason
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reason)
    assert _digest(path) == before


@pytest.mark.parametrize("case", NUMBER_CASES, ids=lambda c: c.name)
def test_malformed_number_is_read_as_typed(files, case):
    path = _path(files, case)
    before = _digest(path)
    sheet = read_workbook(path, limits=case.limits).sheets[0]
    row, col = _cell(case.cell)
    assert sheet.value(row, col) == case.value
    if isinstance(case.value, str):             # text stays text, numbers stay numbers
        assert isinstance(sheet.value(row, col), str)
    else:
        assert isinstance(sheet.value(row, col), (int, float))
    assert sheet.address(row - sheet.origin_row, col - sheet.origin_col) == case.cell
    assert _digest(path) == before


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_engine_reports_the_expected_finding(files, case, example_config):
    path = _path(files, case)
    before = _digest(path)
    config = dataclasses.replace(example_config, limits=case.limits)
    result = check_file(path, config=config)
    found = [(f.code, f.cell) for f in result.findings]
    assert (case.code, case.cell) in found, found
    assert result.unreadable == case.unreadable
    if case.unreadable:
        assert found == [("F001", None)]
    else:
        stray = [(code, cell) for code, cell in found
                 if code[0] in "NF" and (code, cell) != (case.code, case.cell)]
        assert not stray, f"only {case.cell} is malformed, got {stray}"
    assert _digest(path) == before


def _listing(directory):
    return {p.relative_to(directory).as_posix(): _digest(p) for p in directory.rglob("*") if p.is_file()}


def test_no_reader_leaves_files_behind(files):
    """Reading every file, readable or not, adds, removes and changes nothing in its folder."""
    directory = next(iter(files.values())).parent
    before = _listing(directory)
    refused = set()
    for case in CASES:
        if case.name not in files:
            continue
        try:
            read_workbook(files[case.name], limits=case.limits)
        except UnreadableFile:
            refused.add(case.name)
    assert refused == {c.name for c in CASES if c.unreadable and c.name in files}
    assert _listing(directory) == before


def test_cell_helper():
    assert _cell("B5") == (5, 2) and a1(*_cell("XFD1048576")) == "XFD1048576"
