"""scripts/libreoffice.py: the one place that runs soffice for tests, benchmarks and the example."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

import scripts.libreoffice as libreoffice
from scripts.libreoffice import LibreOfficeError, convert


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\x00", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if text in command:
            found.append(command)
    return found


@pytest.mark.libreoffice
def test_each_conversion_gets_its_own_profile_and_names_what_it_wrote(tmp_path):
    text = tmp_path / "通知.txt"
    text.write_text("关于做好春耕工作的通知\n", encoding="utf-8")
    made = convert([text], "docx:MS Word 2007 XML", tmp_path / "out", infilter="Text (encoded):UTF8,LF,,,")
    assert made == [tmp_path / "out" / "通知.docx"] and made[0].stat().st_size > 0


@pytest.mark.libreoffice
def test_a_conversion_past_its_time_limit_is_stopped_with_its_children(tmp_path):
    text = tmp_path / "a.txt"
    text.write_text("x\n", encoding="utf-8")
    out = tmp_path / "out-of-time"
    with pytest.raises(LibreOfficeError, match="did not finish"):
        convert([text], "pdf", out, timeout=0.3)
    time.sleep(0.5)
    assert _processes_mentioning(str(out)) == []


def test_a_missing_soffice_is_said_in_chinese(monkeypatch, tmp_path):
    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: None)
    with pytest.raises(LibreOfficeError, match="需要 LibreOffice"):
        convert([tmp_path / "a.xlsx"], "ods", tmp_path)
