"""Checks off the event loop: warm worker processes, one job each, with a time limit.

Like the batch in validators/batch.py a file is checked in a separate process, so a file that
hangs or kills the reader costs its own worker only: that worker is killed and replaced and the
upload gets an F001 finding; the other workers go on. Workers are forked from a forkserver that
has imported the engine (pandas, pandera) once, so a replacement is ready at once (Windows: spawn).
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from validators.check.rules import RULES
from validators.findings import FileResult

log = logging.getLogger("fenjie")
PRELOAD = ["validators.batch", "validators.check.schema", "validators.output.annotate"]
TIMED_OUT = "核对超过 {seconds:g} 秒仍未完成（文件可能过大或结构异常）：请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。"
CRASHED = "读取这个文件时程序异常退出（文件可能已损坏）：请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。"


def other_township_finding(result: FileResult, name: str, assigned: dict | None = None):
    """W001 when the file says it is another township's (unit's) return than the link's; the two
    units of a row they share (财政局、发改局) may send each other's return of it."""
    from templates.names import line_of
    line = line_of(name, assigned or {})
    if result.scope and result.scope != name and not (line and line_of(result.scope, assigned) == line):
        return RULES["W001"].finding(other=result.scope, name=name)
    return None


def _worker(conn, options: dict) -> None:
    """A worker's loop: (job, args) in, the answer out, until the pipe closes."""
    from validators.batch import check_file
    from validators.output.annotate import annotate_file
    while True:
        try:
            job, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if job == "check":
                answer = _check_as(check_file, options, *args)
            else:
                annotate_file(*args)
                answer = True
        except Exception as exc:           # noqa: BLE001  the server decides what to say
            log.exception("serve worker: %s", job)
            answer = exc
        conn.send(answer)


def _check_as(check_file, options: dict, stored: str, name: str, file_name: str, suffix: str,
              assigned: dict | None = None):
    """Check the stored file through a link named after the link's township (the engine matches
    a return without identity block or 填报单位 line by its file name), against the round's
    county table when it has one (as `fenjie check --from`); report the upload's name."""
    from validators.batch import unfilled
    from validators.read.inputs import untouched_template
    with tempfile.TemporaryDirectory(prefix="fenjie-check-") as folder:
        alias = Path(folder) / f"{name or 'return'}{suffix}"
        _alias(stored, alias)
        result = check_file(alias, assigned=assigned or None, **options)
    if untouched_template(stored):          # the template downloaded and sent back as it came
        result = unfilled(result, result.scope or name)
    result.path = file_name
    return result


def _context():
    """forkserver (Linux, macOS): workers fork from a process that has imported the engine.
    Windows has only spawn: each new worker imports the engine itself (about a second)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _alias(stored: str, alias: Path) -> None:
    """A second name for the stored file: a symlink, else (Windows without the privilege) a hard
    link, else a byte-for-byte copy."""
    try:
        os.symlink(stored, alias)
    except OSError:
        try:
            os.link(stored, alias)
        except OSError:
            import shutil
            shutil.copyfile(stored, alias)


class Worker:
    def __init__(self, context, options: dict):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, options), daemon=True)
        self.process.start()
        child.close()

    def call(self, job):
        self.conn.send(job)
        return self.conn.recv()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class CheckPool:
    """`workers` warm processes; `check` and `annotate` wait for a free one."""

    def __init__(self, options: dict, workers: int = 2, time_limit: float = 30.0):
        self.options, self.time_limit = options, time_limit
        self.context = _context()
        self.size = workers
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fenjie-pool")
        self._idle: asyncio.Queue | None = None
        self._all: list[Worker] = []

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        workers = await loop.run_in_executor(None, lambda: [self._new() for _ in range(self.size)])
        for w in workers:
            self._idle.put_nowait(w)

    def _new(self) -> Worker:
        worker = Worker(self.context, self.options)
        self._all.append(worker)
        return worker

    async def _run(self, job):
        """The worker's answer, or TimeoutError / ConnectionError (its worker replaced)."""
        worker = await self._idle.get()
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self._threads, worker.call, job),
                                          self.time_limit)
        except (asyncio.TimeoutError, EOFError, OSError) as exc:
            log.error("serve worker %s: %s", job[0], type(exc).__name__)
            await loop.run_in_executor(None, worker.kill)
            self._all.remove(worker)
            worker = await loop.run_in_executor(None, self._new)
            raise (TimeoutError() if isinstance(exc, asyncio.TimeoutError) else ConnectionError()) from None
        finally:
            self._idle.put_nowait(worker)

    async def check(self, stored: Path, name: str, file_name: str, suffix: str,
                    assigned: dict | None = None) -> FileResult:
        """The engine's result for one stored file, as a return of `name` (held to `assigned`,
        the round's county table, when given); never raises."""
        try:
            answer = await self._run(("check", (str(stored), name, file_name, suffix, assigned)))
        except (TimeoutError, ConnectionError) as exc:
            reason = TIMED_OUT.format(seconds=self.time_limit) if isinstance(exc, TimeoutError) else CRASHED
            answer = FileResult(path=file_name, unreadable=True, scope=name,
                                findings=[RULES["F001"].finding(reason=reason)])
        if isinstance(answer, Exception):
            answer = FileResult(path=file_name, findings=[RULES["F008"].finding(detail=type(answer).__name__)])
        wrong = other_township_finding(answer, name, assigned)
        if wrong:
            answer.findings.insert(0, wrong)
        return answer

    async def annotate(self, result: FileResult, source: Path, copy: Path) -> bool:
        """Write the annotated copy of `source`; False when it cannot be made."""
        from dataclasses import replace
        try:
            answer = await self._run(("annotate", (replace(result, path=str(source)), copy)))
        except (TimeoutError, ConnectionError):
            return False
        return answer is True

    def close(self) -> None:
        for worker in self._all:
            worker.kill()
        self._all.clear()
        self._threads.shutdown(wait=False)
