"""Comparing names and header texts the way a clerk reads them."""
from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_UNIT_SUFFIX = re.compile(r"(?<=.)(\((万亩|亩|吨|万吨|万元|元|公斤|个|%)\)|万亩|吨|万元|公斤)$")
# separators between names in one 牵头单位 / 相关单位 cell
NAME_SEPARATORS = re.compile(r"[\s、，,；;/／]+")


def normalize_name(text: object) -> str:
    """NFKC, no whitespace: （ ） and ( ) compare equal, 地方金融服务 中心 == 地方金融服务中心."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(text or "")))


def normalize_header(text: object) -> str:
    """A header cell compared loosely: NFKC, no spaces or line breaks, unit suffix dropped."""
    name = normalize_name(text)
    return _UNIT_SUFFIX.sub("", name)


def split_names(cell: object) -> list[str]:
    """The names in one cell: 工信局 农业农村局、商务粮食局 -> three names."""
    text = unicodedata.normalize("NFKC", str(cell or "")).strip()
    return [part for part in NAME_SEPARATORS.split(text) if part]
