"""Responsibility clauses: who leads a task and who takes part, exactly as the document writes them.

The shapes (full-width or ASCII brackets, commas, colons, semicolons):
    （牵头单位：县农业农村局；责任单位：各乡镇、街道）
    （县商务局牵头，县文化旅游广电体育局、县农业农村局等按职责分工负责）
    （县财政局牵头，县发展和改革局等配合）
    （县应急管理局、县消防救援大队分别牵头）       （县教育局牵头）
    （县文旅广体局、县科技局负责）               （县司法局、县优化办等按职责分工负责）
Group words (各乡镇、街道, 各单位, 各行业主管部门) stay whole; 等 and the verbs are dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

OPEN, CLOSE = "（(", "）)"
TRAILING = " \t\u3000。．.；;，,"
MAX_NAME = 30
CLAUSE_REACH = 400          # a clause is looked for this many characters back from its closing bracket

# labels of the labelled shape; the first group leads, the others take part
LEAD_LABELS = ("牵头单位", "牵头部门")
RELATED_LABELS = ("责任单位", "责任部门", "配合单位", "配合部门", "相关单位", "参与单位", "协办单位", "协作单位")
_LABEL = re.compile(rf"({'|'.join(LEAD_LABELS + RELATED_LABELS)})\s*[:：]")
_LEAD_VERB = re.compile(r"^(?:由)?(?P<lead>.+?)(?:分别|共同|联合)?牵头(?:[，,；;、\s]+(?P<rest>.+))?$")
_DUTY = r"(?:按(?:职责|职能)(?:职责)?(?:分工)?(?:负责|抓好落实)|分工负责|负责)"
_RELATED_VERB = re.compile(rf"(?:{_DUTY}|协同配合|配合|参与|协助|协同)$")
_OWN_VERB = re.compile(rf"^(?P<units>.+?){_DUTY}$")
_NOT_A_NAME = re.compile(r"[。！？：:“”\"《》]|牵头|负责")


@dataclass(frozen=True)
class Clause:
    lead: tuple[str, ...]
    related: tuple[str, ...]
    text: str                  # the clause as written, brackets included


def split_trailing_clause(text: str) -> tuple[str, Clause] | None:
    """(the text before it, the clause) when `text` ends with a responsibility clause."""
    end = len(text.rstrip(TRAILING))
    if end == 0 or text[end - 1] not in CLOSE:
        return None
    start = _opening_bracket(text, end - 1)
    if start is None:
        return None
    clause = parse_clause(text[start + 1:end - 1])
    if clause is None:
        return None
    return text[:start].rstrip(), Clause(clause.lead, clause.related, text[start:end])


def last_bracket(text: str) -> str | None:
    """The last bracketed group of `text` (to show a clause that could not be parsed)."""
    close = max(text.rfind("）"), text.rfind(")"))
    if close < 0:
        return None
    start = _opening_bracket(text, close)
    return None if start is None else text[start:close + 1]


def _opening_bracket(text: str, close: int) -> int | None:
    depth = 0
    for index in range(close, max(close - CLAUSE_REACH, -1), -1):
        if text[index] in CLOSE:
            depth += 1
        elif text[index] in OPEN:
            depth -= 1
            if depth == 0:
                return index
    return None


def parse_clause(inner: str) -> Clause | None:
    """Lead and related units of a clause's inside, or None when it is not a clause."""
    inner = inner.strip()
    if _LABEL.search(inner):
        return _labelled(inner)
    match = _LEAD_VERB.match(inner)
    if match:
        lead = split_units(match["lead"])
        rest = match["rest"] or ""
        related = split_units(_RELATED_VERB.sub("", rest.rstrip(TRAILING))) if rest else []
        return _checked(lead, related, inner)
    match = _OWN_VERB.match(inner)
    if match:
        return _checked(split_units(match["units"]), [], inner)
    return None


def _labelled(inner: str) -> Clause | None:
    parts = _LABEL.split(inner)
    if parts[0].strip(TRAILING):
        return None            # text before the first label: not a clause
    groups: dict[str, list[str]] = {}
    for label, names in zip(parts[1::2], parts[2::2]):
        groups.setdefault(label, []).extend(split_units(_RELATED_VERB.sub("", names.strip(TRAILING))))
    lead = [n for label in LEAD_LABELS for n in groups.get(label, [])]
    related = [n for label in RELATED_LABELS for n in groups.get(label, [])]
    if not lead:               # （责任单位：县教育局）: the responsible units lead
        lead, related = related, []
    return _checked(lead, related, inner)


def _checked(lead: list[str], related: list[str], inner: str) -> Clause | None:
    if not lead or any(len(n) > MAX_NAME or _NOT_A_NAME.search(n) for n in lead + related):
        return None
    return Clause(tuple(lead), tuple(related), inner)


def split_units(text: str) -> list[str]:
    """Names in a list, as written and as `fenjie check` splits them; 等 at the end dropped,
    各乡镇、街道 kept as one group (templates.names.split_unit_names)."""
    from templates.names import split_unit_names
    text = text.strip().rstrip(TRAILING)
    text = text[:-1] if text.endswith("等") and len(text) > 1 else text
    return split_unit_names(text)
