"""`fenjie serve` as a real process under stress: 50 uploads at once (hostile files among them),
SIGKILL at any moment keeps every acknowledged upload, 413 before the body is read."""
from __future__ import annotations

import hashlib
import socket
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.badinput import build_all
from tests.serving import RETURNS, Server, open_example_round, return_of

JSON = {"accept": "application/json"}


def post(base: str, token: str, path: Path, timeout: float = 120) -> httpx.Response:
    with open(path, "rb") as f:
        return httpx.post(f"{base}/t/{token}/upload", files={"file": (path.name, f)}, headers=JSON,
                          timeout=timeout)


def test_fifty_uploads_at_once_hostile_files_among_them(tmp_path):
    data = tmp_path / "data"
    _, links = open_example_round(data)
    hostile = sorted(p for p in build_all(tmp_path / "bad", with_soffice=False).values() if p.exists())
    townships = [n for n in links if n != "县里"]
    good = [return_of(t) for t in townships if any(p.name.startswith(t) for p in RETURNS.iterdir())]
    jobs = []
    for i in range(50):
        path = hostile[i % len(hostile)] if i % 3 == 2 else good[i % len(good)]
        jobs.append((townships[i % len(townships)], path))
    server = Server(data)
    try:
        start = threading.Barrier(len(jobs))

        def send(job):
            start.wait()
            township, path = job
            return post(server.base, links[township], path)
        with ThreadPoolExecutor(len(jobs)) as pool:
            answers = list(pool.map(send, jobs))
        assert [a.status_code for a in answers] == [200] * 50
        ids = {a.json()["id"] for a in answers}
        assert len(ids) == 50
        for (township, path), answer in zip(jobs, answers):
            body = answer.json()
            assert body["township"] == township and body["path"] == path.name
            if path.parent == RETURNS and path.name.startswith(township):
                assert body["status"] in ("ok", "invalid") and all(f["code"] != "F001" for f in body["findings"])
        status = httpx.get(f"{server.base}/c/{links['县里']}/status.json").json()
        assert status["summary"]["uploads"] == 50
    finally:
        server.stop()


def test_sigkill_at_any_moment_keeps_every_acknowledged_upload(tmp_path):
    data = tmp_path / "data"
    _, links = open_example_round(data)
    townships = [n for n in links if n != "县里" and n != "岭北镇"]
    server = Server(data)
    acknowledged: dict[int, dict] = {}
    stop = threading.Event()

    def keep_sending(township):
        while not stop.is_set():
            try:
                answer = post(server.base, links[township], return_of(township), timeout=10)
            except httpx.HTTPError:
                return
            if answer.status_code == 200:
                acknowledged[answer.json()["id"]] = answer.json()
            elif answer.status_code == 429:
                return
    threads = [threading.Thread(target=keep_sending, args=(t,)) for t in townships[:6]]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.stop(kill=True)                                   # SIGKILL in the middle of uploads
    stop.set()
    for t in threads:
        t.join()
    assert len(acknowledged) >= 12

    db = sqlite3.connect(data / "store.sqlite3")
    rows = db.execute("SELECT id, sha256, stored, status FROM uploads").fetchall()
    db.close()
    for _, sha, stored, _ in rows:                           # no half-recorded upload
        assert hashlib.sha256((data / stored).read_bytes()).hexdigest() == sha
    restarted = Server(data)
    try:
        status = httpx.get(f"{restarted.base}/c/{links['县里']}/status.json").json()
        assert status["summary"]["uploads"] == len(rows) >= len(acknowledged)
        for upload_id, body in acknowledged.items():
            page = httpx.get(f"{restarted.base}/t/{links[body['township']]}/u/{upload_id}")
            assert page.status_code == 200
            for finding in body["findings"]:
                assert finding["code"] in page.text
    finally:
        restarted.stop()


def raw_request(port: int, head: str, body: bytes = b"") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode() + body)
        return read_answer(s)


def read_answer(s: socket.socket) -> bytes:
    """The whole answer: the server closes the connection after a 413."""
    answer = b""
    while chunk := s.recv(65536):
        answer += chunk
    return answer


def test_too_large_is_refused_before_the_body_is_read(tmp_path):
    data = tmp_path / "data"
    _, links = open_example_round(data)
    server = Server(data)
    try:
        path = f"/t/{links['东塘镇']}/upload"
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAccept: application/json\r\n"
                "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 4000000000\r\n\r\n")
        began = time.monotonic()
        answer = raw_request(server.port, head, b"--x\r\n")        # 4 GB announced, 5 bytes sent
        assert time.monotonic() - began < 5
        assert answer.startswith(b"HTTP/1.1 413")
        assert "上限".encode() in answer

        chunked = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAccept: application/json\r\n"
                   "Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (1 << 20, b"0" * (1 << 20))
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as s:
            s.sendall(chunked.encode())
            part = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n'
                    b"Content-Type: application/octet-stream\r\n\r\n")
            s.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            sent = 0
            try:
                while sent < 200:                            # 200 MB, far over the 50 MB limit
                    s.sendall(chunk)
                    sent += 1
            except OSError:
                pass                                          # the server stopped reading
            answer = read_answer(s)
        assert answer.startswith(b"HTTP/1.1 413") and sent < 200 and "上限".encode() in answer
    finally:
        server.stop()


def test_latency_benchmark_smoke_run_prints_its_table():
    import subprocess
    import sys

    from tests.conftest import ROOT
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "serve_latency.py"), "--smoke"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    rows = [line for line in run.stdout.splitlines() if line.startswith("| cold") or line.startswith("| serve")]
    assert len(rows) == 2
    for row in rows:
        median, p95 = (float(x) for x in row.strip("|").split("|")[1:3])
        assert 0 < median <= p95


def test_a_worker_that_dies_is_replaced_and_the_others_go_on():
    import asyncio
    import os
    import signal

    from server.checker import CheckPool
    from templates.config import load_config
    from tests.serving import CONFIG

    async def scenario():
        pool = CheckPool({"config": load_config(CONFIG)}, workers=2, time_limit=60)
        await pool.start()
        try:
            os.kill(pool._all[0].process.pid, signal.SIGKILL)       # as a native crash would
            pool._all[0].process.join(5)
            path = return_of("东塘镇")
            both = await asyncio.gather(*(pool.check(path, "东塘镇", path.name, ".xlsx") for _ in range(2)))
            after = await asyncio.gather(*(pool.check(path, "东塘镇", path.name, ".xlsx") for _ in range(2)))
            return both, after, [w.process.is_alive() for w in pool._all]
        finally:
            pool.close()
    both, after, alive = asyncio.run(scenario())
    codes = sorted(tuple(f.code for f in r.findings) for r in both)
    assert codes == [("F001",), ("N002", "T001", "T003")]
    assert "异常退出" in next(r for r in both if r.unreadable).findings[0].message
    assert [tuple(f.code for f in r.findings) for r in after] == [("N002", "T001", "T003")] * 2
    assert alive == [True, True]
