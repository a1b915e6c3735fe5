"""Findings: errors as data, rendered to text, JSON, Excel and the add-in from one list."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"

OK = "ok"
INVALID = "invalid"
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str                 # error | warning
    message: str                  # Chinese, for people
    sheet: str | None = None
    cell: str | None = None       # A1 address as the clerk sees it, None when absent
    value: str | None = None      # the original cell text
    suggestion: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


@dataclass
class FileResult:
    path: str
    kind: str | None = None
    findings: list[Finding] = field(default_factory=list)
    unreadable: bool = False
    scope: str | None = None       # the township this return is for, when known
    sheet: str | None = None       # the sheet the table was found on
    totals: dict[str, float] = field(default_factory=dict)  # column key -> 合计 as computed
    township_table: bool = False   # villages as rows: some township's return, known or not

    @property
    def status(self) -> str:
        if self.unreadable:
            return UNREADABLE
        return INVALID if self.errors else OK

    @property
    def errors(self) -> int:
        return sum(f.is_error for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(not f.is_error for f in self.findings)

    def to_dict(self) -> dict:
        return {"path": self.path, "kind": self.kind, "status": self.status,
                "findings": [f.to_dict() for f in self.findings]}


@dataclass
class BatchResult:
    """All files of one `fenjie check` run, in input order, plus what the batch as a whole lacks."""
    files: list[FileResult] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)            # townships that sent nothing
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # township -> its files
    counted: dict[str, str] = field(default_factory=dict)  # township sent twice -> the file merge counts
    skipped: list = field(default_factory=list)  # files in the folders not checked (validators.read.inputs.Skipped)

    def summary(self) -> dict:
        statuses = [f.status for f in self.files]
        return {"files": len(self.files), "ok": statuses.count(OK),
                "invalid": statuses.count(INVALID), "unreadable": statuses.count(UNREADABLE),
                "errors": sum(f.errors for f in self.files),
                "warnings": sum(f.warnings for f in self.files)}

    @property
    def has_errors(self) -> bool:
        return any(f.errors for f in self.files) or bool(self.missing)

    def to_dict(self) -> dict:
        return {"files": [f.to_dict() for f in self.files], "missing": list(self.missing),
                "summary": self.summary()}
