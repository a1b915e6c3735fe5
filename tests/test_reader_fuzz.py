"""Damaged files, made by flipping bytes of real ones: the reader says UnreadableFile or reads
them — never another exception (a Rust panic from calamine included), never a trace on stderr."""
from __future__ import annotations

import io
import random
import zipfile

import pytest

from tests.badinput import grain_table, write_csv, write_ods, write_xlsx
from validators.read.errors import UnreadableFile
from validators.read.workbook import read_workbook

ODS_BODY = ('<table:table-row table:visibility="collapse"><table:table-cell office:value-type="float" '
            'office:value="22"><text:p>22</text:p></table:table-cell></table:table-row>')


def _flip_bytes(data: bytes, rng: random.Random) -> bytes:
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 24)):
        damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    return bytes(damaged)


def _damage_parts(data: bytes, rng: random.Random) -> bytes:
    """Re-zip with a few XML characters changed inside the parts (valid zip, broken XML)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            part = bytearray(source.read(info.filename))
            if part and rng.random() < 0.5:
                for _ in range(rng.randint(1, 8)):
                    part[rng.randrange(len(part))] = rng.choice(b'<>/"=&;x0 \x00\xff')
            z.writestr(info.filename, bytes(part))
    return out.getvalue()


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-src")
    return {
        ".xlsx": write_xlsx(folder / "a.xlsx", grain_table({"B5": "22万亩"})).read_bytes(),
        ".ods": write_ods(folder / "a.ods", ODS_BODY).read_bytes(),
        ".csv": write_csv(folder / "a.csv", grain_table(), encoding="gb18030").read_bytes(),
    }


@pytest.mark.parametrize("seed", range(8))
def test_damaged_files_never_raise_anything_else(originals, tmp_path, capfd, seed):
    rng = random.Random(seed)
    for index in range(25):
        suffix = rng.choice(sorted(originals))
        data = originals[suffix]
        if rng.random() < 0.3:
            data = data[:rng.randrange(1, len(data))]
        elif suffix != ".csv" and rng.random() < 0.5:
            data = _damage_parts(data, rng)
        else:
            data = _flip_bytes(data, rng)
        path = tmp_path / f"damaged{index}{suffix}"
        path.write_bytes(data)
        try:
            read_workbook(path)
        except UnreadableFile as exc:
            assert exc.reason
    captured = capfd.readouterr()
    assert "panicked" not in captured.err and "Traceback" not in captured.err
