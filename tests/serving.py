"""Helpers for the `fenjie serve` tests: a round of the example county, links by name."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import EXAMPLE

CONFIG = EXAMPLE / "fenjie.toml"
COUNTY_TABLE = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
RETURNS = EXAMPLE / "报送"


def open_example_round(data: Path):
    """A data folder with round 1 of grain-plan from the example county table; (config, links)."""
    from server.rounds import open_round
    from server.store import Store
    from templates.config import load_config
    config = load_config(CONFIG)
    store = Store(data)
    try:
        round_ = open_round(store, config, "grain-plan", COUNTY_TABLE)
        links = {link.name: link.token for link in store.links(round_.id)}
        links["县里"] = store.county_token()
    finally:
        store.close()
    return config, links


def return_of(township: str) -> Path:
    """The example return of `township` (the first, for 新泉镇's two)."""
    return sorted(p for p in RETURNS.iterdir() if p.name.startswith(township))[0]
