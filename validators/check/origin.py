"""Is this return one of this round's: the county, year and kind version of its template, its
title, a township of the config, and the figures the county table gives it now."""
from __future__ import annotations

import re

from templates.cells import a1
from templates.config import Config
from templates.identity import Identity
from templates.kinds import TableKind
from templates.names import line_of, normalize_name
from validators.check.locate import LocatedTable
from validators.check.numbers import decimals, format_number, parse_number, within_half_unit
from validators.check.rules import RULES
from validators.findings import Finding


def round_findings(table: LocatedTable, identity: Identity | None, config: Config | None,
                   township: str | None, assigned) -> list[Finding]:
    """Is this return one of this round's: the county and year of its template, a township
    of the config, and (with a county table) a township the county table can check."""
    findings = []
    if config is None:
        return findings
    if identity and (normalize_name(identity.county) != normalize_name(config.county)
                     or identity.year != config.year):
        findings.append(RULES["S005"].finding(found=f"{identity.county}{identity.year}年",
                                              wanted=f"{config.county}{config.year}年"))
    if identity is None:
        findings += _title_findings(table, config)
    else:
        findings += _visible_target_findings(table, identity)
    if township is not None and township not in config.townships and table.kind.rows_from != "units":
        findings.append(RULES["S004"].finding(name=township, county=config.county))
    if assigned is not None and township is None and table.scope == "township":
        findings.append(RULES["S007"].finding())
    line = line_of(township, assigned or {})
    if identity and identity.is_township and line is not None:
        findings += _reallocations(table.kind, identity.targets, assigned[line])
    return findings


def _same_target(shown: float, hidden: float, factor: float | None) -> bool:
    """The row's figure is the hidden target as the template wrote it, or in the unit a header
    the clerk changed now states (1180000 under 粮食总面积(亩) for 118 万亩)."""
    if within_half_unit(shown, hidden, max(decimals(shown), decimals(hidden))):
        return True
    if factor is None or factor == 1:
        return False
    converted = round(shown * factor, 9)
    return within_half_unit(converted, hidden, max(decimals(converted), decimals(hidden)))


def kind_changed(kind: TableKind, identity: Identity | None) -> list[Finding]:
    """A 提醒 when the template was made from another version of the kind's declaration."""
    if identity is None or identity.kind != kind.name:
        return []
    changed_hash = identity.kind_hash and kind.digest and identity.kind_hash != kind.digest
    if identity.version == kind.version and not changed_hash:
        return []
    made = f"第 {identity.version} 版" + (f" {identity.kind_hash}" if identity.kind_hash else "")
    now = f"第 {kind.version} 版 {kind.digest}"
    return [RULES["S010"].finding(name=kind.title, made=made, now=now)]


def _visible_target_findings(table: LocatedTable, identity: Identity) -> list[Finding]:
    """The template's locked 县下达任务 (全县目标) row against the hidden identity's targets:
    one of the two was edited when they differ."""
    from templates.layout import TARGET_LABEL

    label = TARGET_LABEL["township" if identity.is_township or identity.party else "county"]
    sheet, key_col = table.sheet, table.columns.get(table.kind.key)
    if key_col is None:
        return []
    last = max([r.row for r in table.rows] + [table.header_rows[-1]]
               + ([table.total_row.row] if table.total_row else []))
    for number in range(last + 1, sheet.origin_row + len(sheet.rows)):
        if normalize_name(sheet.value(number, key_col) or "") != normalize_name(label):
            continue
        findings = []
        for col in table.kind.summed_columns:
            hidden, excel_col = identity.targets.get(col.key), table.columns.get(col.key)
            if hidden is None or excel_col is None:
                continue
            shown = parse_number(sheet.value(number, excel_col)).number
            if shown is None or not _same_target(shown, hidden, table.unit_factor(col.key)):
                findings.append(RULES["S009"].finding(
                    sheet=sheet.name, cell=a1(number, excel_col), column=col.header, label=label,
                    shown="空" if shown is None else format_number(shown), hidden=format_number(hidden),
                    value=sheet.value(number, excel_col)))
        return findings
    return []


_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})年")


_TITLE_COUNTY = re.compile(r"[\u4e00-\u9fff]{1,6}?[县市区]")


def _title_lines(table: LocatedTable):
    """(text, its year) of each line above the header that names a year (2025年)."""
    sheet = table.sheet
    for index in range(min(table.header_rows[0] - sheet.origin_row, len(sheet.rows))):
        for value in sheet.rows[index]:
            if isinstance(value, str):
                year = _TITLE_YEAR.search(normalize_name(value))
                if year is not None:
                    yield value, year


def title_year(table: LocatedTable) -> int | None:
    """The year the table's title names (湘阴县2025年…), or None."""
    return next((int(year.group(1)) for _, year in _title_lines(table)), None)


def _title_findings(table: LocatedTable, config: Config) -> list[Finding]:
    """A hand-made table's title (南县三塘镇2024年…) names its county and year: another
    county's or year's table is not this round's, whatever its numbers."""
    for value, year in _title_lines(table):
        text = normalize_name(value)
        county = normalize_name(config.county)
        named = None if county in text else _TITLE_COUNTY.match(text)
        if named is not None and not _names_a_county(named.group(0), county, config):
            named = None
        wrong_year = int(year.group(1)) != config.year
        if wrong_year or (named is not None and named.group(0) != county):
            found = f"{named.group(0) if named else config.county}{year.group(1)}年"
            return [RULES["S008"].finding(title=value.strip()[:60], found=found,
                                          wanted=f"{config.county}{config.year}年")]
        return []
    return []


def _names_a_county(name: str, county: str, config: Config) -> bool:
    """南县 in 南县三塘镇…, not a township (高新区) nor a place inside one (三塘镇社区)."""
    if not (name.endswith("县") or name[-1] == county[-1]):
        return False
    return not any(normalize_name(t) in name for t in config.townships) \
        and config.resolve(name) not in config.townships


def _reallocations(kind: TableKind, carried: dict[str, float], county: dict[str, float]) -> list[Finding]:
    """A 提醒 for each column whose figure in the template differs from the county table's."""
    findings = []
    for col in kind.summed_columns:
        old, new = carried.get(col.key), county.get(col.key)
        if old is None or new is None:
            continue
        if not within_half_unit(old, new, max(decimals(old), decimals(new))):
            findings.append(RULES["S006"].finding(column=col.header, old=format_number(old),
                                                  new=format_number(new)))
    return findings
