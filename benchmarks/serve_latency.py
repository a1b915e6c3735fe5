"""`fenjie serve`: latency of one upload → result for a 30-row return, 16 clients at once.

Starts `fenjie serve` (the installed console script) on a free port with a round of the example
county, sends the same 30-row township return from 16 clients at once (each through its own
township link, one upload after the other), and reports the median and p95 of upload → JSON
result, next to the cold `fenjie check` of the same file (a new process each time).

    .venv/bin/python benchmarks/serve_latency.py            # 16 clients × 10 uploads
    .venv/bin/python benchmarks/serve_latency.py --smoke    # 4 clients × 2 uploads, 1 cold run
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import inputs  # noqa: E402  (benchmarks/inputs.py: the example county)

ROWS = 30
TOWNSHIP = "岭北镇"


def thirty_row_return(folder: Path) -> Path:
    """岭北镇's own template with 30 places filled in (its villages and a few farm groups)."""
    from templates.kinds import GRAIN_PLAN
    from templates.plan import township_plan
    from templates.writer import write_plan

    config, assigned = inputs.example_county()
    villages = list(config.villages.get(TOWNSHIP, []))[:ROWS]
    places = villages + [f"第{n}组" for n in range(1, ROWS - len(villages) + 1)]
    figures = assigned[TOWNSHIP]
    records = []
    for i, place in enumerate(places):
        records.append({"unit": place, **{k: round(v / ROWS, 4) if i else round(v - (ROWS - 1) * round(v / ROWS, 4), 4)
                                          for k, v in figures.items() if v is not None}})
    plan = township_plan(GRAIN_PLAN, config, TOWNSHIP, figures, records)
    folder.mkdir(parents=True, exist_ok=True)
    return write_plan(plan, folder / f"{TOWNSHIP}.xlsx")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fenjie() -> str:
    candidate = Path(sys.executable).parent / "fenjie"
    return str(candidate) if candidate.exists() else "fenjie"


def cold_checks(path: Path, runs: int) -> list[float]:
    argv = [fenjie(), "check", str(path), "--config", str(inputs.EXAMPLE_CONFIG)]
    subprocess.run(argv, capture_output=True)                  # untimed: fills the caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def start_server(data: Path, port: int) -> tuple[subprocess.Popen, dict[str, str]]:
    base = [fenjie(), "serve", "--config", str(inputs.EXAMPLE_CONFIG), "--data", str(data), "--port", str(port)]
    listed = subprocess.run([*base, "--from", str(inputs.COUNTY_TABLE), "--links"], capture_output=True,
                            text=True, check=True).stdout
    links = {row["单位"]: row["url"] for row in csv.DictReader(io.StringIO(listed))}
    server = subprocess.Popen(base, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import httpx
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/app.css", timeout=1)
            return server, links
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("fenjie serve 没有启动")


def upload_latencies(path: Path, urls: list[str], per_client: int) -> list[float]:
    import httpx
    content = path.read_bytes()
    times: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(len(urls))

    def client(url: str) -> None:
        with httpx.Client(timeout=120) as http:
            start.wait()
            for _ in range(per_client):
                began = time.perf_counter()
                answer = http.post(f"{url}/upload", files={"file": (path.name, content)},
                                   headers={"accept": "application/json"})
                elapsed = time.perf_counter() - began
                answer.raise_for_status()
                assert answer.json()["kind"] == "grain-plan"
                with lock:
                    times.append(elapsed)
    threads = [threading.Thread(target=client, args=(u,)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny run (the test suite uses it)")
    args = parser.parse_args(argv)
    clients, per_client, cold_runs = (4, 2, 1) if args.smoke else (16, 10, 5)
    with tempfile.TemporaryDirectory(prefix="fenjie-serve-bench-") as scratch:
        folder = Path(scratch)
        path = thirty_row_return(folder / "return")
        cold = cold_checks(path, cold_runs)
        server, links = start_server(folder / "data", free_port())
        try:
            urls = [url for name, url in links.items() if name != "县里"][:clients]
            upload_latencies(path, urls[:2], 1)                # untimed: warm the workers
            times = upload_latencies(path, urls, per_client)
        finally:
            server.terminate()
            server.wait(30)
    cold_median = statistics.median(cold)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print("| what | median s | p95 s | max s | runs |")
    print("|---|---:|---:|---:|---:|")
    print(f"| cold fenjie check, {ROWS}-row return | {cold_median:.3f} | {p95(cold):.3f} | {max(cold):.3f} | {len(cold)} |")
    print(f"| serve upload → result, {clients} clients at once | {statistics.median(times):.3f} | "
          f"{p95(times):.3f} | {max(times):.3f} | {len(times)} |")
    print(f"p95 / cold check: {p95(times) / cold_median:.2f} (aim: < 0.25)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
