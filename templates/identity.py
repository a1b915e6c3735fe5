"""The identity block: what a fenjie template says about itself, machine-readably.

Stored as key/value rows (column A key, column B value) on a hidden, protected sheet named
IDENTITY_SHEET, so any reader (openpyxl, python-calamine, xlwings) can recover it without
guessing. Targets are stored as `target.<column key>`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

GENERATOR = "fenjie"

# -- the names of every sheet fenjie writes -----------------------------------------------------
# into a workbook the county or a clerk keeps (hidden, never checked as a table):
OWN_SHEET_PREFIX = "fenjie_"
IDENTITY_SHEET = "fenjie_id"           # a template's identity block (this module)
MARKS_SHEET = "fenjie_marks"           # the 校验 button's record of the cells it marked
DIRECTORY_SHEET = "名录"               # a template's unit directory, for the dropdowns
# visible, in a workbook a clerk keeps or fenjie makes:
RESULTS_SHEET = "校验结果"             # the 校验 button's findings
ANNOTATED_LIST_SHEET = "核对结果"      # the findings of an annotated copy (check --annotate)
REPORT_SUMMARY_SHEET = "汇总"          # check --report: one line a file
REPORT_FINDINGS_SHEET = "问题清单"     # check --report: one line a finding
SUMMARY_SHEET = "汇总表"               # fenjie merge: the consolidated table
CHART_SHEET = "图表"                   # fenjie merge: its chart
SUMMARY_FINDINGS_SHEET = "校验明细"    # fenjie merge: the returns' findings


def is_own_hidden_sheet(name: str, templated: bool) -> bool:
    """A hidden sheet fenjie wrote (identity block, marks record; a template's unit directory
    when the workbook is a template, `templated`), never a table to check."""
    return name.startswith(OWN_SHEET_PREFIX) or (templated and name == DIRECTORY_SHEET)


@dataclass
class Identity:
    kind: str
    version: int
    county: str
    year: int
    scope: str                                  # "county" or a township's name
    targets: dict[str, float] = field(default_factory=dict)  # column key -> target
    kind_hash: str = ""                         # short hash of the kind's declaration (kind file)
    party: str | None = None                    # the unit a unit's own template is for (单位模板)

    @property
    def is_township(self) -> bool:
        return self.scope != "county"

    def rows(self) -> list[tuple[str, object]]:
        rows: list[tuple[str, object]] = [
            ("generator", GENERATOR), ("kind", self.kind), ("version", self.version),
            ("county", self.county), ("year", self.year), ("scope", self.scope)]
        if self.kind_hash:
            rows.append(("kind_hash", self.kind_hash))
        if self.party:
            rows.append(("party", self.party))
        rows += [(f"target.{key}", value) for key, value in self.targets.items()]
        return rows


def parse_identity(rows) -> Identity | None:
    """Rebuild an Identity from the sheet's rows; None unless it is a well-formed fenjie block."""
    data: dict[str, object] = {}
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0]:
            data[row[0].strip()] = row[1]
    if data.get("generator") != GENERATOR:
        return None
    try:
        targets = {k[len("target."):]: float(v) for k, v in data.items()
                   if k.startswith("target.") and v not in (None, "")}
        return Identity(kind=str(data["kind"]), version=int(float(data["version"])),
                        county=str(data["county"]), year=int(float(data["year"])),
                        scope=str(data["scope"]), targets=targets,
                        kind_hash=str(data.get("kind_hash") or ""),
                        party=str(data["party"]) if data.get("party") not in (None, "") else None)
    except (KeyError, TypeError, ValueError):
        return None
