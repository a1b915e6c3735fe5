"""fenjie.toml: the county's directory (townships, units, villages) and its targets.

The file is checked against the schema in templates/config_schema.py (pydantic, imported only
when a config is loaded). Errors are `ConfigError` with a Chinese message naming the file, the
line and the key; the CLI turns them into exit status 2.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

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
    kinds: list[str] = field(default_factory=list)  # the county's kind files, relative to the config
    leaders: dict[str, str] = field(default_factory=dict)  # unit -> 分管领导
    path: Path | None = None
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


def parse_config(data: dict, where: str = "配置文件", base: Path | None = None) -> Config:
    """The Config for parsed TOML `data` (kind files relative to `base`); ConfigError (Chinese,
    every problem) when it is wrong."""
    from templates.config_schema import validated_config
    return validated_config(data, where=where, base=base)


# tomllib's messages, in Chinese; "(at line 3, column 5)" is kept as 第 3 行第 5 列.
_TOML_MESSAGES = (
    (r"Cannot (declare|redefine|mutate|overwrite)|Duplicate inline table key", "同一项写了两次"),
    (r"Expected '=' after a key", "名称后面缺少「=」"),
    (r"Invalid initial character for a key part|Invalid statement", "这一行不是「名称 = 值」或 [表名]"),
    (r"Unclosed array", "列表的方括号没有合上"),
    (r"Unclosed inline table", "花括号没有合上"),
    (r"Unterminated string", "引号没有合上（文字要用一对英文双引号括起来）"),
    (r"Expected '\]\]?' at the end", "表名的方括号没有合上"),
    (r"Illegal character|Found invalid character|Unescaped", "有不能出现在这里的字符（文字要用英文双引号括起来）"),
    (r"Invalid value|Invalid date|Invalid hex", "值的写法不对（文字要加英文双引号，数字不加）"),
    (r"Expected newline or end of document", "一行只能写一项"),
)


def _toml_problem(exc: tomllib.TOMLDecodeError) -> str:
    import re
    text = str(exc)
    where = re.search(r"line (\d+), column (\d+)", text)
    what = next((zh for pattern, zh in _TOML_MESSAGES if re.search(pattern, text)), "写法不对")
    at = f"第 {where[1]} 行第 {where[2]} 列" if where else "文件末尾"
    return f"{at}：格式有误（TOML），{what}"


def load_config(path: str | Path) -> Config:
    """The county's config from a fenjie.toml; ConfigError naming the file, line and key."""
    path = Path(path)
    where = f"配置文件 {path}"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {path}。") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} 是文件夹，请给出其中的配置文件，如 {path / 'fenjie.toml'}。") from None
    except OSError as exc:
        reason = "没有读取权限" if isinstance(exc, PermissionError) else f"系统错误 {exc.errno}"
        raise ConfigError(f"无法读取配置文件 {path}：{reason}。") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{where} 不是 UTF-8 编码，请用 UTF-8 另存。") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} {_toml_problem(exc)}。") from None
    from templates.config_schema import validated_config
    config = validated_config(data, where=where, text=text, base=path.parent)
    config.path = path
    return config
