"""Consolidating checked returns: one line per township, ready for the 汇总表.

Pure: the engine's BatchResult, the kind, the config and the county table's figures in; a
Consolidation out. Reading and checking are validators.batch; writing is validators.output.summary.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from templates.config import Config
from templates.kinds import TableKind
from templates.labels import status_label
from templates.names import line_of
from validators.batch import latest_clean
from validators.findings import BatchResult, FileResult

OK = "ok"
INVALID = "invalid"
DUPLICATE = "duplicate"
MISSING = "missing"
STATUSES = (OK, INVALID, DUPLICATE, MISSING)
OTHER_ROUND = ("S004", "S005")


@dataclass
class TownshipLine:
    """One township's row of the 汇总表."""
    township: str
    status: str                                  # ok | invalid | duplicate | missing
    reported: dict[str, float] = field(default_factory=dict)   # column key -> 合计 of its return
    assigned: dict[str, float] = field(default_factory=dict)   # column key -> county table figure
    files: list[str] = field(default_factory=list)             # its returns, in input order
    errors: int = 0                              # error findings over all its returns
    counted: bool = False                        # its figures go into the county 合计
    latest_clean: str | None = None              # sent several: the clean one counted, if any

    def difference(self, key: str) -> float | None:
        reported, assigned = self.reported.get(key), self.assigned.get(key)
        if reported is None or assigned is None:
            return None
        return round(reported - assigned, 6)

    def rate(self, key: str) -> float | None:
        reported, assigned = self.reported.get(key), self.assigned.get(key)
        if reported is None or not assigned:
            return None
        return reported / assigned

    @property
    def note(self) -> str:
        """The flag shown beside the row, in Chinese."""
        names = "、".join(Path(f).name for f in self.files)
        if self.status == MISSING:
            return "尚未报送"
        if self.status == DUPLICATE:
            errors = f"，共 {self.errors} 个错误" if self.errors else ""
            chosen = (f"；计入无错的最新一份 {Path(self.latest_clean).name}" if self.latest_clean
                      else "；没有一份无错")
            return f"报送了 {len(self.files)} 份{errors}：{names}{chosen}"
        if self.status == INVALID:
            return f"{self.errors} 个错误：{names}"
        return names


@dataclass
class Consolidation:
    kind: TableKind
    county: str
    year: int
    lines: list[TownshipLine]                    # config order
    county_targets: dict[str, float]             # column key -> the config's county target
    has_assigned: bool                           # a county table (--from) gave per-township figures
    include_invalid: bool
    stray: list[FileResult] = field(default_factory=list)  # returns matched to no township

    @property
    def missing(self) -> list[str]:
        return [line.township for line in self.lines if line.status == MISSING]

    @property
    def flagged(self) -> list[TownshipLine]:
        return [line for line in self.lines if line.status in (INVALID, DUPLICATE)]

    def reported_total(self, key: str) -> float:
        """The county 合计 of a column over the counted townships."""
        return round(math.fsum(line.reported.get(key) or 0.0 for line in self.lines if line.counted), 9)

    def assigned_total(self, key: str) -> float | None:
        """The county table's figures summed; without one, the config's county target."""
        if not self.has_assigned:
            return self.county_targets.get(key)
        return round(math.fsum(line.assigned.get(key) or 0.0 for line in self.lines), 9)

    def total_difference(self, key: str) -> float | None:
        assigned = self.assigned_total(key)
        return None if assigned is None else round(self.reported_total(key) - assigned, 6)

    def total_rate(self, key: str) -> float | None:
        assigned = self.assigned_total(key)
        return self.reported_total(key) / assigned if assigned else None

    @property
    def complete(self) -> bool:
        """Every township returned exactly one valid sheet, and no return is unaccounted for."""
        return all(line.status == OK for line in self.lines) and not self.stray


def consolidate(batch: BatchResult, kind: TableKind, config: Config,
                assigned: dict[str, dict[str, float]] | None = None,
                include_invalid: bool = False) -> Consolidation:
    """One line per township of `config`, in config order, from the checked returns."""
    parties = config.townships
    if kind.rows_from == "units":       # the units the county table assigns to, else every unit
        parties = list(assigned) if assigned else config.units
    by_township: dict[str, list[FileResult]] = {t: [] for t in parties}
    stray = []
    for result in batch.files:
        line = line_of(result.scope, by_township)      # 财政局 reports on the line 财政局、发改局
        if line is not None:
            by_township[line].append(result)
        else:
            stray.append(result)
    lines = [_line(township, returns, (assigned or {}).get(township, {}), include_invalid)
             for township, returns in by_township.items()]
    return Consolidation(kind, config.county, config.year, lines, config.targets_for(kind.name),
                         has_assigned=assigned is not None, include_invalid=include_invalid,
                         stray=stray)


def _line(township: str, returns: list[FileResult], assigned: dict[str, float],
          include_invalid: bool) -> TownshipLine:
    figures = {k: v for k, v in assigned.items() if v is not None}
    if not returns:
        return TownshipLine(township, MISSING, assigned=figures)
    clean = latest_clean(returns)
    chosen = clean or returns[0]
    errors = sum(r.errors for r in returns)
    if len(returns) > 1:
        status = DUPLICATE
    else:
        status = OK if chosen.status == OK else INVALID
    counted = (clean is not None or include_invalid) and not _of_another_round(chosen)
    return TownshipLine(township, status, reported=dict(chosen.totals), assigned=figures,
                        files=[r.path for r in returns], errors=errors, counted=counted,
                        latest_clean=clean.path if clean is not None and len(returns) > 1 else None)


def _of_another_round(result: FileResult) -> bool:
    """A template of another county or year (S005), or of a township not in the config (S004):
    never counted, not even with --include-invalid."""
    return any(f.code in OTHER_ROUND for f in result.findings)


def summary_lines(merged: Consolidation) -> list[str]:
    """What `fenjie merge` prints: counts, who is missing or flagged, and the county totals."""
    from validators.check.numbers import format_number

    counts = "，".join(f"{status_label(status)} {sum(line.status == status for line in merged.lines)}"
                      for status in STATUSES)
    party = merged.kind.party
    lines = [f"汇总 {len(merged.lines)} 个{party}：{counts}。"]
    if merged.missing:
        lines.append(f"未报送（{len(merged.missing)}）：{'、'.join(merged.missing)}")
    for line in merged.flagged:
        counted = "已计入合计" if line.counted else "未计入合计"
        lines.append(f"{status_label(line.status)}：{line.township}（{line.note}；{counted}）")
    for result in merged.stray:
        lines.append(f"未能对应到{party}：{Path(result.path).name}（错误 {result.errors} 个）")
    for column in merged.kind.summed_columns:
        total, assigned = merged.reported_total(column.key), merged.assigned_total(column.key)
        text = f"{column.header}：报送合计 {format_number(total)}"
        if assigned is not None:
            text += f"，下达 {format_number(assigned)}，差额 {format_number(merged.total_difference(column.key))}"
        lines.append(text + (f"（{column.unit}）" if column.unit else ""))
    return lines
