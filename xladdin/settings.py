"""Where the add-in finds fenjie.toml and where it writes its log.

fenjie.toml, first found wins:
  1. the file named by the environment variable FENJIE_CONFIG;
  2. fenjie.toml in the same folder as the workbook being checked;
  3. fenjie.toml in the user's fenjie folder: %LOCALAPPDATA%\\fenjie on Windows, ~/.fenjie elsewhere.
With none of them the sheet is still checked: a fenjie template carries its kind and the
county's targets in its identity block; only the township/unit name checks need the config.

The log is xladdin.log in that same fenjie folder (FENJIE_LOG_DIR overrides the folder).
"""
from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

CONFIG_NAME = "fenjie.toml"
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
