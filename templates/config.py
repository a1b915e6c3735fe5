"""fenjie.toml: the county's directory (townships, units, villages) and its targets.

Errors are `ConfigError` with a Chinese message; the CLI turns them into exit status 2.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from templates.kinds import KINDS
from templates.names import normalize_name

# Group names accepted in 牵头单位 / 相关单位 in every county.
BUILTIN_COLLECTIVES = (
    "各乡镇", "各乡镇(街道)", "各乡镇（街道）", "相关乡镇", "各乡镇街道", "各乡镇、街道",
    "相关乡镇(街道)", "县直各单位", "各相关单位", "相关单位", "各成员单位",
)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_CELLS = 5_000_000


class ConfigError(Exception):
    """A config file that cannot be used; the message is Chinese and names the fix."""


@dataclass
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_cells: int = DEFAULT_MAX_CELLS


@dataclass
class Config:
    county: str
    year: int
    townships: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    collectives: list[str] = field(default_factory=list)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    villages: dict[str, list[str]] = field(default_factory=dict)
    targets: dict[str, dict[str, float]] = field(default_factory=dict)
    password: str | None = None     # sheet protection password for templates; none by default
    limits: Limits = field(default_factory=Limits)
    path: Path | None = None
    leaders: dict[str, str] = field(default_factory=dict)   # unit -> 分管领导 ([leaders], for fenjie draft)
    kinds: list[str] = field(default_factory=list)          # the county's kind files, relative to the config
    county_kinds: dict = field(default_factory=dict)        # name -> TableKind read from `kinds`

    # -- the name directory ------------------------------------------------
    @cached_property
    def _directory(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for name in [*self.units, *self.townships, *self.collectives, *BUILTIN_COLLECTIVES]:
            table.setdefault(normalize_name(name), name)
        for unit, variants in self.aliases.items():
            for variant in variants:
                table.setdefault(normalize_name(variant), unit)
        return table

    def canonical_names(self) -> dict[str, str]:
        """normalised name -> canonical name, for units, aliases, townships and groups."""
        return self._directory

    def resolve(self, name: str) -> str | None:
        """The canonical name for `name`, or None when the directory does not know it."""
        return self._directory.get(normalize_name(name))

    def targets_for(self, kind: str) -> dict[str, float]:
        """Column key -> county target for `kind`."""
        if not self.targets.get(kind):
            return {}
        from templates.kinds import get_kind
        spec = get_kind(kind, self)
        columns = {header: spec.target_column(header) for header in self.targets.get(kind, {})}
        return {col.key: self.targets[kind][header] for header, col in columns.items() if col}


def _require(data: dict, key: str, kind: type, where: str):
    if key not in data:
        raise ConfigError(f"{where}缺少必填项「{key}」。")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ConfigError(f"{where}「{key}」的写法不对：应为{_TYPE_ZH[kind]}，现在是 {value!r}。")
    return value


_TYPE_ZH = {str: "文字", int: "整数", list: "列表", dict: "表"}


def _names(data: dict, key: str, where: str, required: bool = False) -> list[str]:
    if key not in data and not required:
        return []
    values = _require(data, key, list, where)
    seen: dict[str, str] = {}
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}「{key}」中有一项不是名称：{value!r}。")
        norm = normalize_name(value)
        if norm in seen:
            raise ConfigError(f"{where}「{key}」中「{value}」重复出现，请删去一处。")
        seen[norm] = value
    return [v.strip() for v in values]


def parse_config(data: dict, where: str = "配置文件", base: Path | None = None) -> Config:
    county = _require(data, "county", str, where).strip()
    year = _require(data, "year", int, where)
    townships = _names(data, "townships", where, required=True)
    if not townships:
        raise ConfigError(f"{where}「townships」不能为空：请列出本县的乡镇（街道）。")
    units = _names(data, "units", where)
    collectives = _names(data, "collectives", where)
    aliases = {}
    for unit, variants in (data.get("aliases") or {}).items():
        if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            raise ConfigError(f"{where}[aliases]「{unit}」应为名称列表，例如 [\"县发改局\"]。")
        aliases[unit] = variants
    villages = {}
    known_townships = {normalize_name(t) for t in townships}
    for township, names in (data.get("villages") or {}).items():
        if normalize_name(township) not in known_townships:
            raise ConfigError(f"{where}[villages] 中的「{township}」不在 townships 列表里。")
        villages[township] = _names({"villages": names}, "villages", f"{where}[villages]「{township}」")
    kind_files = _require(data, "kinds", list, where) if "kinds" in data else []
    county_kinds = _load_kinds(kind_files, base, where)
    targets = _parse_targets(data.get("targets") or {}, where, {**KINDS, **county_kinds})
    password = data.get("password")
    limits = Limits(**{k: int(v) for k, v in (data.get("limits") or {}).items()
                       if k in ("max_bytes", "max_cells")})
    leaders = data.get("leaders") or {}
    if not isinstance(leaders, dict) or not all(isinstance(v, str) for v in leaders.values()):
        raise ConfigError(f"{where}[leaders] 应为「单位 = \"分管领导\"」的表，例如 \"发改局\" = \"姜华\"。")
    return Config(county, year, townships, units, collectives, aliases, villages, targets,
                  password, limits, leaders=leaders, kinds=kind_files, county_kinds=county_kinds)


def _load_kinds(files: list, base: Path | None, where: str) -> dict:
    """The county's own table kinds, read from the kind files `kinds = [...]` names."""
    if not files:
        return {}
    from templates.kindfile import KindFileError, load_kind_file
    from templates.kinds import remember
    kinds = {}
    for file in files:
        if not isinstance(file, str) or not file.strip():
            raise ConfigError(f"{where}「kinds」中有一项不是文件路径：{file!r}。")
        path = (base or Path.cwd()) / file
        try:
            kind = load_kind_file(path)
        except KindFileError as exc:
            raise ConfigError(f"{where}「kinds」：{exc}") from None
        if kind.name in kinds:
            raise ConfigError(f"{where}「kinds」中有两个文件都叫「{kind.name}」，请改名。")
        kinds[kind.name] = kind
        remember(kind)
    return kinds


def _parse_targets(raw: dict, where: str, known: dict) -> dict[str, dict[str, float]]:
    targets: dict[str, dict[str, float]] = {}
    for kind_name, columns in raw.items():
        if kind_name not in known:
            raise ConfigError(f"{where}[targets.{kind_name}]：没有这种表格类型，可用：{'、'.join(known)}。")
        kind = known[kind_name]
        if not isinstance(columns, dict):
            raise ConfigError(f"{where}[targets.{kind_name}] 应为「列名 = 数值」的表。")
        for header, value in columns.items():
            if kind.target_column(header) is None:
                names = "、".join(c.header for c in kind.summed_columns)
                raise ConfigError(
                    f"{where}[targets.{kind_name}] 中的列「{header}」在{kind.title}里不存在；"
                    f"可设目标的列：{names}。")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{where}[targets.{kind_name}]「{header}」的目标应为数字，现在是 {value!r}。")
        targets[kind_name] = {h: float(v) for h, v in columns.items()}
    return targets


def load_config(path: str | Path) -> Config:
    path = Path(path)
    where = f"配置文件 {path.name} "
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {path}。") from None
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {path}：{exc.strerror}。") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{where}不是 UTF-8 编码，请用 UTF-8 另存。") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}格式有误（TOML）：{exc}。") from None
    config = parse_config(data, where, path.parent)
    config.path = path
    return config
