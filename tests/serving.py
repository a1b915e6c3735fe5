"""Helpers for the `fenjie serve` tests: a round of the example county, links by name."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import EXAMPLE

CONFIG = EXAMPLE / "fenjie.toml"
COUNTY_TABLE = EXAMPLE / "县分解表" / "湘阴县2025年粮食生产计划任务分解表.xlsx"
RETURNS = EXAMPLE / "报送"


def open_example_round(data: Path):
    """A data folder with round 1 of grain-plan from the example county table; (config, links)."""
    config, links, _ = open_round_of(data, "grain-plan", COUNTY_TABLE)
    return config, links


def open_round_of(data: Path, kind: str, county_table: Path):
    """A round of `kind` from `county_table` for the example county: (config, links by name with
    the county's as 县里, the round)."""
    from server.rounds import open_round
    from server.store import Store
    from templates.config import load_config
    config = load_config(CONFIG)
    store = Store(data)
    try:
        round_ = open_round(store, config, kind, county_table)
        links = {link.name: link.token for link in store.links(round_.id)}
        links["县里"] = store.county_token()
    finally:
        store.close()
    return config, links, round_


def return_of(township: str) -> Path:
    """The example return of `township` (the first, for 新泉镇's two)."""
    return sorted(p for p in RETURNS.iterdir() if p.name.startswith(township))[0]


def clean_return(township: str, folder: Path) -> Path:
    """A correct return of `township`, written by fenjie's own writer: its assigned figures on its
    first village, 0 on the others (the 合计 formulas carry their results)."""
    from templates.config import load_config
    from templates.kinds import KINDS
    from tests.support.grain_round import township_return
    from validators.county import read_assigned
    config = load_config(CONFIG)
    figures = read_assigned(COUNTY_TABLE, KINDS["grain-plan"], config)[township]
    return township_return(folder, config, township, figures, name=f"{township}-改正.xlsx")


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`fenjie serve` as a real process on a free port (the round opened by --from)."""

    def __init__(self, data: Path, *extra: str, county_table: Path = COUNTY_TABLE):
        import subprocess
        import sys
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "cli", "serve", "--config", str(CONFIG), "--from", str(county_table),
                        "--data", str(data), "--port", str(self.port), *extra]
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.wait_ready()

    def wait_ready(self, seconds: float = 60) -> None:
        import time
        import urllib.request
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())
            try:
                urllib.request.urlopen(f"{self.base}/static/app.css", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("fenjie serve did not start")

    def stop(self, kill: bool = False) -> None:
        if self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
        self.process.wait(30)
