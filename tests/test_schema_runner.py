"""validators.check.schema.run_schema runs the schema's checks itself (for speed); pandera's own lazy
validation is the reference. On the gazette tables and hundreds of randomly spoilt copies of them
both must give the same failures. (Their order within one row is not compared: pandera sorts its
report with an unstable sort.)"""
import copy
import random

from templates.names import normalize_name
from tests.sheets import grain_rows, task_rows
from validators.check.locate import locate_table
from validators.check.schema import build_frame, build_schema, run_schema, validate_with_pandera
from validators.read.sheet import CellError, SheetData

SPOILERS = [None, "", " ", "22万亩", "约3", "待定", "１２", "95,000", -1, -0.5, 0, 1e9, 2.5, 7,
            CellError("#REF!"), True, "新泉镇", "不存在镇", "农业农村局", "某某局、财政局"]


def spoilt(rows, rng: random.Random, edits: int, first_data_row: int):
    rows = copy.deepcopy(rows)
    for _ in range(edits):
        r = rng.randrange(first_data_row, len(rows))
        line = rows[r]
        c = rng.randrange(0, max(len(line), 2))
        line.extend([None] * (c + 1 - len(line)))
        if rng.random() < 0.15 and r > first_data_row:      # a duplicated row key
            line[0] = rows[r - 1][0]
        else:
            line[c] = rng.choice(SPOILERS)
    return rows


def both(rows, known=None):
    table = locate_table(SheetData("Sheet1", rows))
    assert table is not None
    frame = build_frame(table, normalize_name if known is not None else None)
    schema = build_schema(table.kind, set(table.columns), known)
    ours, reference = run_schema(schema, frame), validate_with_pandera(schema, frame)
    assert [f.index for f in ours] == sorted(f.index for f in ours)
    return same_order(ours), same_order(reference)


def same_order(failures):
    return sorted(failures, key=lambda f: (f.index, f.code, f.column or ""))


def test_the_gazette_tables_both_ways(example_config):
    known = {normalize_name(t) for t in example_config.townships}
    assert both(grain_rows(), known) == ([], [])
    ours, reference = both(task_rows())     # the gazette leaves some 责任领导/责任人 cells empty
    assert ours == reference and {f.code for f in ours} == {"not_nullable"}


def test_spoilt_grain_tables_fail_the_same_way(example_config):
    known = {normalize_name(t) for t in example_config.townships}
    failing = 0
    for seed in range(150):
        rng = random.Random(seed)
        ours, reference = both(spoilt(grain_rows(), rng, 1 + seed % 12, 4), known if seed % 2 else None)
        assert ours == reference, seed
        failing += bool(reference)
    assert failing > 100


def test_spoilt_task_tables_fail_the_same_way():
    codes = set()
    for seed in range(60):
        rng = random.Random(1000 + seed)
        ours, reference = both(spoilt(task_rows(), rng, 1 + seed % 10, 4))
        assert ours == reference, seed
        codes |= {f.code for f in reference}
    assert {"not_nullable", "N010", "N008", "malformed"} <= codes
