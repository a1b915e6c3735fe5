"""Where the add-in finds fenjie.toml and where it writes its log.

fenjie.toml, first found wins:
  1. the file named by the environment variable FENJIE_CONFIG;
  2. fenjie.toml in the same folder as the workbook being checked;
  3. fenjie.toml in the user's fenjie folder: %LOCALAPPDATA%\\fenjie on Windows, ~/.fenjie elsewhere.
With none of them the sheet is still checked: a fenjie template carries its kind and the
county's targets in its identity block; only the township/unit name checks need the config.

The log is xladdin.log in that same fenjie folder (FENJIE_LOG_DIR overrides the folder).

The county table (what `fenjie check --from` is given), when one is named, first found wins:
  1. the environment variable FENJIE_COUNTY_TABLE;
  2. a "FENJIE_COUNTY_TABLE" line in the add-in's conf file, myaddin.conf, beside the workbook,
     then the user's (%USERPROFILE%\\.myaddin\\myaddin.conf; macOS: Excel's container);
     a relative path is relative to that conf file's folder.
A press then checks a township's sheet against its row of the county table, as check --from.
"""
from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

CONFIG_NAME = "fenjie.toml"
COUNTY_TABLE_SETTING = "FENJIE_COUNTY_TABLE"
ADDIN_CONF = "myaddin.conf"          # xlwings' settings file for this add-in (README: 安装)
LOG_NAME = "xladdin.log"
_loaded: dict[tuple[str, float], object] = {}


def user_dir() -> Path:
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "fenjie"
    return Path.home() / ".fenjie"


def log_path() -> Path:
    folder = os.environ.get("FENJIE_LOG_DIR")
    return (Path(folder) if folder else user_dir()) / LOG_NAME


def logger() -> logging.Logger:
    """The add-in's logger, writing to log_path() (re-pointed when FENJIE_LOG_DIR changes)."""
    log = logging.getLogger("fenjie.xladdin")
    path = log_path()
    if getattr(log, "fenjie_log_path", None) != path:
        for old in list(log.handlers):
            log.removeHandler(old)
            old.close()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler: logging.Handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2,
                                                           encoding="utf-8")
        except OSError:         # no writable home: better no log than no check
            handler = logging.NullHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
        log.fenjie_log_path = path
    return log


def config_candidates(workbook_path: str) -> list[Path]:
    paths = []
    if os.environ.get("FENJIE_CONFIG"):
        paths.append(Path(os.environ["FENJIE_CONFIG"]))
    folder = Path(workbook_path).parent
    if workbook_path and folder != Path(".") and "://" not in workbook_path:
        paths.append(folder / CONFIG_NAME)
    paths.append(user_dir() / CONFIG_NAME)
    return paths


def find_config(workbook_path: str):
    """The Config to check with, or None; raises ConfigError for a config that is wrong.

    A FENJIE_CONFIG that does not exist is an error (the clerk asked for that file); the
    other places are simply skipped when empty. Configs are cached by path and mtime, so a
    warm press (UDF server) does not parse the file again.
    """
    from templates.config import ConfigError, load_config

    for index, path in enumerate(config_candidates(workbook_path)):
        explicit = index == 0 and bool(os.environ.get("FENJIE_CONFIG"))
        try:
            mtime = path.stat().st_mtime
        except OSError:
            if explicit:
                raise ConfigError(f"环境变量 FENJIE_CONFIG 指向的配置文件不存在：{path}。") from None
            continue
        key = (str(path.resolve()), mtime)
        if key not in _loaded:
            _loaded[key] = load_config(path)
        return _loaded[key]
    return None


def find_county_table(workbook_path: str) -> Path | None:
    """The county table named for a press (see the module docstring), or None."""
    if os.environ.get(COUNTY_TABLE_SETTING):
        return Path(os.path.expandvars(os.environ[COUNTY_TABLE_SETTING]))
    folder = Path(workbook_path).parent
    confs = [folder / ADDIN_CONF] if workbook_path and folder != Path(".") and "://" not in workbook_path else []
    confs += [Path.home() / ".myaddin" / ADDIN_CONF,
              Path.home() / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / ADDIN_CONF]
    for conf in confs:
        value = _conf_setting(conf, COUNTY_TABLE_SETTING)
        if value:
            return conf.parent / os.path.expandvars(value)     # an absolute value stays as it is
    return None


def _conf_setting(conf: Path, name: str) -> str | None:
    """A setting in an xlwings conf file: lines of "名称","值" (UTF-8 or ANSI, as xlwings reads)."""
    import csv
    try:
        raw = conf.read_bytes()
    except OSError:
        return None
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    for row in csv.reader(text.splitlines()):
        if len(row) >= 2 and row[0].strip().upper() == name:
            return row[1].strip() or None
    return None


def county_assignments(path: Path, config) -> dict[str, dict[str, float]]:
    """Each township's figures in the county table, checked first (validators.county.read_assigned
    raises CountyTableProblem with its findings); cached by path and mtime for a warm press."""
    from validators.county import read_assigned

    key = ("county table", str(Path(path).resolve()), Path(path).stat().st_mtime, id(config))
    if key not in _loaded:
        _loaded[key] = read_assigned(path, None, config)
    return _loaded[key]
