"""The add-in as on a clerk's fresh PC, for tests that press 校验: its home and log folder in the
test's own folder, no LOCALAPPDATA, no county table setting, and fenjie.toml named or not."""
from __future__ import annotations

from pathlib import Path


def isolate_addin(monkeypatch, folder: Path, config: Path | None = None) -> None:
    """Nothing from the developer's home reaches the add-in; FENJIE_CONFIG is `config` or unset."""
    monkeypatch.setenv("HOME", str(folder / "home"))
    monkeypatch.setenv("FENJIE_LOG_DIR", str(folder / "log"))
    monkeypatch.delenv("LOCALAPPDATA", raising=False)
    monkeypatch.delenv("FENJIE_COUNTY_TABLE", raising=False)
    if config is None:
        monkeypatch.delenv("FENJIE_CONFIG", raising=False)
    else:
        monkeypatch.setenv("FENJIE_CONFIG", str(config))
