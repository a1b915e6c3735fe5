"""A draft 目标任务分解表: the tasks of one or more documents, names matched to the county's directory.

`draft_documents` reads and parses; `task_records` gives the rows in the shape fenjie's own
template writer takes (templates.plan / templates.writer), so the draft is a task-breakdown
template like any other, and `fenjie check` on it reports the blanks left to fill.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from drafting.documents import DocumentProblem, read_document
from drafting.figures import Figure, extract_figures
from drafting.tasks import find_tasks
from templates.config import Config
from templates.names import closest_name

_YEAR = re.compile(r"(20\d\d)\s*年")
UNNAMED_COUNTY = "本县"      # the title and identity block of a draft made without --config
NAME_JOINER = "、"          # between names in one 牵头单位 / 相关单位 cell, as clerks write them
CELL_CHARS = 32_767         # Excel's limit for one cell: a longer text is cut when written


@dataclass
class DraftTask:
    seq: int
    section: str
    task: str
    lead_units: list[str]
    related_units: list[str]
    figures: list[Figure]
    file: str
    line: int

    def to_json(self) -> dict:
        return {"seq": self.seq, "section": self.section, "task": self.task, "lead_units": self.lead_units,
                "related_units": self.related_units, "figures": [f.to_json() for f in self.figures],
                "source": {"file": self.file, "line": self.line}}


@dataclass
class DraftWarning:
    file: str
    line: int | None
    message: str

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass
class Draft:
    tasks: list[DraftTask] = field(default_factory=list)
    warnings: list[DraftWarning] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)   # (file, Chinese reason)
    without_tasks: list[str] = field(default_factory=list)            # files with no clause at all
    years: list[int] = field(default_factory=list)                   # the first year each document names

    def to_json(self) -> dict:
        return {"tasks": [t.to_json() for t in self.tasks], "warnings": [w.to_json() for w in self.warnings]}


def draft_documents(paths: list[str], config: Config | None = None) -> Draft:
    """Every task of every document, in document order; a document that cannot be read is noted."""
    draft = Draft()
    matcher = NameMatcher(config) if config else None
    for path in paths:
        try:
            lines = read_document(path)
        except DocumentProblem as exc:
            draft.unreadable.append((str(path), str(exc)))
            continue
        found, unparsed = find_tasks(lines)
        draft.years += first_year(lines)
        if not found:
            draft.without_tasks.append(str(path))
        for item in unparsed:
            draft.warnings.append(DraftWarning(str(path), item.line, item.message))
        for task in found:
            if not task.numbered:
                draft.warnings.append(DraftWarning(
                    str(path), task.line, f"这一段没有编号，但带有责任分工「{task.clause.text}」，已作为一项任务列入"))
            lead, related = list(task.clause.lead), list(task.clause.related)
            if matcher:
                lead = matcher.match(lead, str(path), task.line, draft.warnings)
                related = matcher.match(related, str(path), task.line, draft.warnings)
            if len(task.text) > CELL_CHARS:
                draft.warnings.append(DraftWarning(
                    str(path), task.line, f"这一项任务有 {len(task.text)} 字，超过了 Excel 一格最多 {CELL_CHARS} 字的上限，"
                                          f"分解表里只能放下前 {CELL_CHARS} 字：请把它拆成几项或删减后再生成"))
            draft.tasks.append(DraftTask(len(draft.tasks) + 1, task.section, task.text, lead, related,
                                         extract_figures(task.text), str(path), task.line))
    return draft


class NameMatcher:
    """Names to the county's units, townships, groups and aliases (县发展和改革局 -> 发改局)."""

    def __init__(self, config: Config):
        self.config = config
        self.directory = config.canonical_names()

    def resolve(self, name: str) -> str | None:
        known = self.config.resolve(name)
        if known is None and name.startswith("县") and len(name) > 2:
            known = self.config.resolve(name[1:])      # 县人社局 where the county lists 人社局
        return known

    def match(self, names: list[str], file: str, line: int, warnings: list[DraftWarning]) -> list[str]:
        matched = []
        for name in names:
            known = self.resolve(name)
            if known is None:
                closest = self.closest(name)
                hint = f"，最接近的是「{closest}」" if closest else ""
                warnings.append(DraftWarning(file, line, f"「{name}」不在本县的单位名录中，按原文保留{hint}"))
            matched.append(known or name)
        return matched

    def closest(self, name: str) -> str | None:
        return closest_name(name, self.directory)


def task_records(draft: Draft, config: Config) -> list[dict[str, object]]:
    """One row per task for the task-breakdown template; 责任领导 from [leaders] when every lead unit has one."""
    leaders = {(config.resolve(unit) or unit): leader for unit, leader in config.leaders.items()}
    records = []
    for task in draft.tasks:
        record: dict[str, object] = {"seq": task.seq, "task": task.task, "lead_unit": NAME_JOINER.join(task.lead_units)}
        if task.related_units:
            record["related_units"] = NAME_JOINER.join(task.related_units)
        found = [leaders.get(config.resolve(unit) or unit) for unit in task.lead_units]
        if found and all(found):
            record["leader"] = NAME_JOINER.join(dict.fromkeys(found))
        records.append(record)
    return records


def output_config(config: Config | None, draft: Draft) -> Config:
    """The county config, or (without --config) 本县 for the year the documents name."""
    if config is not None:
        return config
    from datetime import date
    return Config(county=UNNAMED_COUNTY, year=draft.years[0] if draft.years else date.today().year, townships=[])


def first_year(lines) -> list[int]:
    """The first year a document names (its title or date line): [2025], or []."""
    for line in lines:
        match = _YEAR.search(line.text)
        if match:
            return [int(match[1])]
    return []


def write_draft(draft: Draft, config: Config | None, path: str | Path) -> Path:
    """The draft as a task-breakdown template at `path` (a new file), through fenjie's template writer."""
    from templates.kinds import get_kind
    from templates.plan import county_plan
    from templates.writer import write_plan
    config = output_config(config, draft)
    plan = county_plan(get_kind("task-breakdown"), config, task_records(draft, config))
    return write_plan(plan, path)
