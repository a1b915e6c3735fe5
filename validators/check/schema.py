"""pandera schemas derived from a table-kind declaration, run lazily over a located table.

The frame has one row per table row. A numeric column `k` gives two frame columns: `k` (the
number the clerk meant, NaN when there is none) and `k:problem` (the N-rule its cell breaks).
Each check is named after the rule code it stands for, so a failure maps straight back to a
rule, a table row and a column; pandera's own messages never reach a user.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import compress, repeat
from operator import not_

import numpy as np
import pandas as pd
import pandera.pandas as pa

from templates.kinds import INTEGER, TableKind
from validators.check.locate import LocatedTable, column_values
from validators.check.numbers import parse_number, says_nothing, sequence_number

PROBLEM = ":problem"
NORMALISED = ":norm"
IN_KIND_UNIT = ":kind_unit"               # `k` in the kind's unit, where the sheet's header says another
MALFORMED = "malformed"                   # the check on `k:problem`; its code is the cell's problem
REQUIRED = "not_nullable"                 # pandera's own name for a nullable=False failure
DUPLICATE = "field_uniqueness"            # pandera's own name for a unique=True failure

# a required cell left empty breaks the rule its column declares (missing_rule), else N009


@dataclass(frozen=True)
class Failure:
    code: str            # rule code, or MALFORMED / REQUIRED / DUPLICATE
    column: str | None   # column key (None for whole-row checks)
    index: int           # position in LocatedTable.rows


def build_frame(table: LocatedTable, normalise_key=None) -> pd.DataFrame:
    kind, rows = table.kind, table.rows
    index = pd.RangeIndex(len(rows))
    located = column_values(rows, [c.key for c in kind.columns if c.key in table.columns])
    data: dict[str, object] = {}
    for col in kind.columns:
        raw = located.get(col.key) or [None] * len(rows)
        if col.role == "sequence":
            raw = [sequence_number(v) for v in raw]
        if col.is_numeric and col.key != kind.key or col.type == INTEGER:
            numbers, problems = _parse_column(raw, table.unit_of(col.key))
            data[col.key], data[col.key + PROBLEM] = numbers, _objects(problems, index)
        elif col.key == kind.key:
            data[col.key] = _objects(_blank_as_none(raw), index)
        else:
            data[col.key] = _objects(_nothing_as_none(raw), index)
    _add_kind_units(data, table)
    if normalise_key is not None:
        data[kind.key + NORMALISED] = _objects(
            [None if r.key is None else normalise_key(r.key) for r in rows], index)
    return pd.DataFrame(data, index=index, copy=False)


def _add_kind_units(data: dict, table: LocatedTable) -> None:
    """`k:kind_unit` for each column whose header states another unit than the kind's (亩 where
    the kind says 万亩): cross and plausibility rules compare columns in the kind's units. NaN
    when the units do not convert (F016): no comparison is made on a number of unknown meaning."""
    for key in table.units:
        factor = table.unit_factor(key)
        if isinstance(data.get(key), np.ndarray) and factor != 1:
            data[key + IN_KIND_UNIT] = (np.full(len(data[key]), np.nan) if factor is None
                                        else np.round(data[key] * factor, 9))


def in_kind_unit(frame: pd.DataFrame, key: str) -> pd.Series:
    """Column `key` in the kind's unit (see _add_kind_units)."""
    converted = key + IN_KIND_UNIT
    return frame[converted] if converted in frame else frame[key]


def _objects(values: list, index) -> pd.Series:
    """Cell values as they are (dtype object): pandas would otherwise look at every value to
    guess a string type, a tenth of the time of a big table."""
    return pd.Series(values, index=index, dtype=object)


def _blank_as_none(raw: list) -> list:
    """A text column's cells with the blank ones (empty, only spaces) as None."""
    texts = compress(raw, map(isinstance, raw, repeat(str)))
    if "" not in map(str.strip, texts):          # the usual column: every text filled in, in C
        return raw
    return [None if v is None or (isinstance(v, str) and not v.strip()) else v for v in raw]


def _nothing_as_none(raw: list) -> list:
    """A text or names column's cells with those that say nothing (empty, 「/」, 「无」, an error
    value: numbers.says_nothing) as None: a required cell holding one is not filled in."""
    return [None if says_nothing(v) else v for v in raw]


_PLAIN_NUMBERS = frozenset((float, int))


def _parse_column(raw: list, unit: str | None = None) -> tuple[np.ndarray, list]:
    """Numbers meant (float array, NaN for none) and problems of one column.

    Real number cells, nearly all of a big table, are taken as they are; only the others go
    through parse_number."""
    numbers, problems = list(raw), [None] * len(raw)
    plain = map(_PLAIN_NUMBERS.__contains__, map(type, raw))       # in C: no Python call per cell
    for index in compress(range(len(raw)), map(not_, plain)):
        parsed = parse_number(raw[index], unit)
        numbers[index], problems[index] = parsed.number, parsed.code
    return np.array(numbers, dtype=float), problems


_SCHEMAS: dict[tuple, tuple[TableKind, pa.DataFrameSchema]] = {}
_SCHEMAS_KEPT = 64


def build_schema(kind: TableKind, present: set[str], known_keys: set[str] | None = None,
                 ) -> pa.DataFrameSchema:
    """The schema for a table of `kind` whose located columns are `present`.

    Built once per (kind, columns, names): pandera copies every check when a schema is made,
    which cost more than checking a small return; a batch of returns shares a few schemas."""
    key = (kind.name, frozenset(present), None if known_keys is None else frozenset(known_keys))
    cached = _SCHEMAS.get(key)
    if cached is not None and cached[0] is kind:
        return cached[1]
    if len(_SCHEMAS) >= _SCHEMAS_KEPT:
        _SCHEMAS.clear()
    schema = _new_schema(kind, present, known_keys)
    _SCHEMAS[key] = (kind, schema)
    return schema


def _new_schema(kind: TableKind, present: set[str], known_keys: set[str] | None) -> pa.DataFrameSchema:
    columns: dict[str, pa.Column] = {}
    for col in kind.columns:
        if col.key not in present:
            continue
        if col.is_numeric:
            checks = [pa.Check(lambda s: s % 1 == 0, name="N010")] if col.type == INTEGER else []
            if col.minimum is not None:
                checks.append(pa.Check(lambda s, m=col.minimum: s >= m, name="N008"))
            if col.maximum is not None:
                checks.append(pa.Check(lambda s, m=col.maximum: s <= m, name="N008"))
            columns[col.key] = pa.Column(None, nullable=not col.required, checks=checks)
            columns[col.key + PROBLEM] = pa.Column(
                None, nullable=True, checks=[pa.Check(lambda s: s.isna(), name=MALFORMED, ignore_na=False)])
        elif col.key == kind.key:
            columns[col.key] = pa.Column(None, nullable=True)
        else:
            columns[col.key] = pa.Column(None, nullable=not col.required)
    if kind.key in present and known_keys is not None:
        columns[kind.key + NORMALISED] = pa.Column(
            None, nullable=True, unique=True, checks=[pa.Check(lambda s, known=frozenset(known_keys): s.isin(known), name="R003")])
    return pa.DataFrameSchema(columns, checks=_row_checks(kind, present), coerce=False)


def _row_checks(kind: TableKind, present: set[str]) -> list[pa.Check]:
    checks = []
    for rule in kind.cross_rules:
        if {rule.left, rule.right} <= present:
            checks.append(pa.Check(lambda d, l=rule.left, r=rule.right:
                                   ~(in_kind_unit(d, l) > in_kind_unit(d, r) + 1e-9), name=rule.code))
    for rule in kind.ratio_rules:
        if {rule.numerator, rule.denominator} <= present:
            checks.append(pa.Check(lambda d, r=rule: _plausible(d, r), name=rule.code))
    numbers = [c.key for c in kind.numeric_columns if c.key in present]
    named = kind.by_place or not kind.key_column.is_numeric    # rows told apart by a name, not a 序号
    if named and kind.key in present and numbers:
        checks.append(pa.Check(lambda d: d[kind.key].notna() | d[numbers].isna().all(axis=1),
                               name="R004"))
    return checks


def _plausible(frame: pd.DataFrame, rule) -> pd.Series:
    """Only real numbers make a ratio: a text operand is reported on its own (N-rules), and a
    yield computed from what it might mean would be advice built on a guess."""
    den = in_kind_unit(frame, rule.denominator)
    ratio = in_kind_unit(frame, rule.numerator) / den.where(den > 0) * rule.factor
    typed = frame[rule.numerator + PROBLEM].isna() & frame[rule.denominator + PROBLEM].isna()
    return ratio.isna() | ~typed | ratio.between(rule.low, rule.high)


def run_schema(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> list[Failure]:
    """Every failure, once per (check, column, row), in table order.

    The schema's own checks are run straight on the frame, with pandera's semantics (nulls
    skipped where a check ignores them, duplicates all reported), but without pandera's error
    report, which costs a few milliseconds per failing check and was most of the time of a
    small return. validate_with_pandera is the reference; tests hold the two to the same
    failures. Within a row, row checks come first (as in pandera's report), then columns in
    schema order.
    """
    try:
        failures = _evaluate(schema, frame)
    except Exception:                      # a check that cannot run: let pandera report it
        return validate_with_pandera(schema, frame)
    return sorted(failures.values(), key=lambda f: f.index)


def _evaluate(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> dict[tuple, Failure]:
    failures: dict[tuple, Failure] = {}

    def add(code: str, column: str | None, failed) -> None:
        for index in failed:
            failures.setdefault((code, column, int(index)), Failure(code, column, int(index)))

    if schema.checks:
        all_missing = frame.isna().all(axis="columns").to_numpy()
        for check in schema.checks:
            passed = _passed(check, frame)
            if check.ignore_na:
                passed = passed | all_missing
            add(check.name, None, frame.index[~passed])
    for name, spec in schema.columns.items():
        values = frame[name]
        column = name.removesuffix(PROBLEM).removesuffix(NORMALISED)
        missing = values.isna()
        if not spec.nullable:
            add(REQUIRED, column, values.index[missing.to_numpy()])
        if spec.unique:
            add(DUPLICATE, column, values.index[(values.duplicated(keep=False) & ~missing).to_numpy()])
        for check in spec.checks:
            checked = values[~missing.to_numpy()] if check.ignore_na else values
            passed = _passed(check, checked)
            add(check.name, column, checked.index[~passed])
    return failures


def _passed(check: pa.Check, data):
    """The check's own function run on `data`: True where a row passes.

    Called directly, as pandera calls it once nulls are dropped (_evaluate drops them and adds
    the rows a table check skips), but without pandera's report around the call, which looks at
    every cell of the frame again (a fifth of the checks' time on a 100 000-row table). A check
    that needs more of pandera (element-wise, grouped) goes through pandera."""
    function = getattr(check, "_check_fn", None)
    if function is None or check.element_wise or check.groupby is not None:
        output = check(data).check_output
    else:
        output = function(data, **(getattr(check, "_check_kwargs", None) or {}))
    if isinstance(output, (bool, np.bool_)):
        return np.full(len(data), bool(output))
    output = output.to_numpy() if hasattr(output, "to_numpy") else np.asarray(output)
    if output.shape != (len(data),):
        raise ValueError(f"check {check.name} gave shape {output.shape}")
    return output.astype(bool)


def validate_with_pandera(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> list[Failure]:
    """The same failures as run_schema, from pandera's own lazy validation (the reference)."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return []
    failures: dict[tuple, Failure] = {}
    for context, column, check, index in zip(cases["schema_context"], cases["column"],
                                             cases["check"], cases["index"]):
        if index is None or pd.isna(index):
            continue
        if context == "DataFrameSchema":
            column = None                     # a row check: reported once per row
        else:
            column = str(column).removesuffix(PROBLEM).removesuffix(NORMALISED)
        failure = Failure(str(check), column, int(index))
        failures.setdefault((failure.code, failure.column, failure.index), failure)
    return sorted(failures.values(), key=lambda f: f.index)
