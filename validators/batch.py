"""Checking files: each file read and checked (a process pool for many, a file that kills its
worker found by bisection), and the S-rules over the batch: who has not sent, who sent twice.

The only module that runs processes; the checks themselves are validators.check.
"""
from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
import threading
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from templates.config import Config, Limits
from templates.names import line_of
from validators.check.context import match_township
from validators.check.rules import RULES
from validators.check.workbook import check_workbook
from validators.findings import OK, BatchResult, FileResult
from validators.read.inputs import Skipped, untouched_templates
from validators.read.sheet import WorkbookData

log = logging.getLogger("fenjie")
log.addHandler(logging.NullHandler())   # without a handler set up (a spawned worker), stay quiet

PARALLEL_FROM = 8            # files; below this a process pool costs more than it saves
CHUNK_FILES = 8              # files handed to a worker at a time


def check_file(path, *, kind=None, config: Config | None = None, targets=None, assigned=None,
               ignore=()) -> FileResult:
    """Check one file; never raises: an unreadable file is a result with an F001 finding."""
    with _collector_paused():
        return _check_file(path, kind=kind, config=config, targets=targets, assigned=assigned,
                           ignore=ignore)


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while one file is read and checked.

    A check makes a few objects per cell and drops them all at the end; meanwhile the collector
    walked the whole sheet over and over (a third of the time of a 100 000-row check). Reference
    counting still frees everything as usual; only cycles wait until the file is done."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _check_file(path, *, kind, config, targets, assigned, ignore) -> FileResult:
    from validators.read.errors import UnreadableFile
    from validators.read.workbook import read_workbook

    limits = config.limits if config else Limits()
    try:
        book = read_workbook(path, limits=limits, meanwhile=_load_checks_meanwhile)
    except UnreadableFile as exc:
        return _unreadable(path, str(exc), config)
    except Exception as exc:                      # a reader bug must not stop the batch
        log.exception("reading %s", path)
        reason = f"读取时出现意外错误（{type(exc).__name__}），请用 Excel 或 WPS 另存为 .xlsx 后重试"
        return _unreadable(path, reason, config)
    try:
        return check_workbook(book, kind=kind, config=config, targets=targets, assigned=assigned,
                              ignore=ignore)
    except Exception as exc:
        log.exception("checking %s", path)
        result = FileResult(path=str(path))
        result.findings = [RULES["F008"].finding(detail=type(exc).__name__)]
        return result


def _unreadable(path, reason: str, config: Config | None) -> FileResult:
    """An unreadable return still counts as sent by the township its file name names."""
    township = match_township(WorkbookData(str(path), []), config)
    return FileResult(path=str(path), unreadable=True, scope=township,
                      findings=[RULES["F001"].finding(reason=reason)])


_worker_options: dict = {}
_loader: threading.Thread | None = None


def _start_worker(options: dict) -> None:
    _quit_quietly_on_interrupt()
    _worker_options.update(options)
    _load_checks_meanwhile()


def _quit_quietly_on_interrupt() -> None:
    """Ctrl-C reaches the workers too: they stop at once, without a traceback each; the main
    process says which outputs are incomplete."""
    import signal
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))


def _load_checks_meanwhile() -> None:
    """Import pandas and pandera (validators.check.schema: about half a second) in a background
    thread, started when python-calamine begins to parse the first file (read_workbook's
    `meanwhile`), which it does without holding the GIL: the import then has a core to itself,
    where started before the package checks it took the GIL from them. An import that fails
    here fails again, with its message, where the check needs the module."""
    global _loader
    if "validators.check.schema" in sys.modules or (_loader is not None and _loader.is_alive()):
        return

    def load() -> None:
        try:
            importlib.import_module("validators.check.schema")
        except BaseException:          # noqa: BLE001  (reported by the import in check_table)
            pass
    _loader = threading.Thread(target=load, name="fenjie-load-checks")
    _loader.start()


def _loader_done() -> None:
    """No process may be forked while another thread is half-way through an import."""
    if _loader is not None:
        _loader.join()


def _check_in_worker(path: str) -> FileResult:
    return check_file(path, **_worker_options)


def _pool_context():
    """fork where there is one: workers start at once and inherit the log handler the CLI set
    up. In the CLI the parent has not imported numpy (no BLAS threads yet), and the import
    thread is joined first (_loader_done), so no thread is half-way through anything."""
    import multiprocessing
    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def check_paths(paths, *, kind=None, config: Config | None = None, targets=None, assigned=None,
                ignore=(), progress=None, workers: int | None = None, skipped=()) -> BatchResult:
    """Check every file under `paths` in input order; both cores for many files. `skipped`: the
    files the caller's folders held that are not returns (validators.read.inputs), besides those
    of folders among `paths`; an unfilled template of them may be a return (S011)."""
    from validators.read.inputs import collect_inputs

    inputs = collect_inputs(paths)
    inputs.skipped.extend(skipped)
    files = [str(f) for f in inputs.files]
    options = dict(kind=kind, config=config, targets=targets, assigned=assigned, ignore=ignore)
    workers = workers or min(2, os.cpu_count() or 1)
    results: list[FileResult] = []
    if workers > 1 and len(files) >= PARALLEL_FROM:
        _loader_done()
        _check_in_pool(files, options, workers, results, progress)
    else:
        for path in files:
            results.append(check_file(path, **options))
            if progress:
                progress(len(results), len(files))
    returned = _unfilled_templates(inputs.skipped, results, options)
    batch = _batch(results + returned, config, ignore, assigned)
    taken = {r.path for r in returned}
    batch.skipped = [s for s in inputs.skipped if str(s.path) not in taken]
    return batch


def _check_in_pool(files: list[str], options: dict, workers: int, results: list[FileResult],
                   progress) -> None:
    """Check `files` on `workers` processes, appending results in input order.

    A file that kills its worker (a native crash no Python code can catch) must not end the
    batch: the files the broken pool did not return are checked one at a time, each in a pool
    of its own, until the one that kills its worker is found and becomes an unreadable result;
    then the rest go on in a full pool again.
    """
    from concurrent.futures.process import BrokenProcessPool

    total, pending = len(files) + len(results), list(files)

    def done(result: FileResult) -> None:
        results.append(result)
        pending.pop(0)
        if progress:
            progress(len(results), total)

    suspects = 0                 # files to check alone after a pool broke
    while pending:
        size, chunk = (1, 1) if suspects else (workers, _chunk(len(pending), workers))
        batch = pending[:1] if suspects else list(pending)
        try:
            with ProcessPoolExecutor(max_workers=size, mp_context=_pool_context(),
                                     initializer=_start_worker, initargs=(options,)) as pool:
                for result in pool.map(_check_in_worker, batch, chunksize=chunk):
                    done(result)
            suspects = max(0, suspects - 1)
        except BrokenProcessPool:
            if suspects:                          # this file alone killed its worker
                log.error("checking %s killed its worker process", pending[0])
                done(_unreadable(pending[0], _CRASHED, options.get("config")))
                suspects = 0
            else:
                suspects = min(len(pending), 2 * workers * CHUNK_FILES)


_CRASHED = "读取这个文件时程序异常退出（文件可能已损坏）：请用 Excel 或 WPS 打开后另存为 .xlsx 再报送。"


def _chunk(files: int, workers: int) -> int:
    """Small chunks keep both workers busy to the end; options go to each worker only once."""
    return max(1, min(CHUNK_FILES, files // (workers * 4)))


def _batch(results: list[FileResult], config: Config | None, ignore, assigned=None) -> BatchResult:
    """What the batch as a whole lacks or has twice; an ignored rule is left out everywhere."""
    batch = BatchResult(files=results)
    if config is None:
        return batch
    by_township: dict[str, list[FileResult]] = defaultdict(list)
    for result in results:
        if result.scope:
            by_township[result.scope].append(result)
    ignored = {c.upper() for c in ignore}
    # returns are expected from every township and each must be someone's, whatever the other
    # files are: a batch none of whose returns can be matched is not a clean batch (a county
    # table checked on its own is no township's return)
    returns = bool(by_township) or any(r.township_table or r.unreadable for r in results)
    if returns and "S001" not in ignored:
        batch.missing = _not_sent(by_township, config, assigned)
    if returns and "S003" not in ignored:
        _mark_unmatched(results, bool(by_township))
    if "S002" not in ignored:
        _mark_sent_twice(batch, _by_line(by_township, assigned))
    return batch


def unfilled(result: FileResult, name: str | None = None) -> FileResult:
    """S011 for a return that is fenjie's untouched template, in place of its findings: its
    empty cells are one fact, not a finding each."""
    result.findings = [RULES["S011"].finding(name=name or result.scope or Path(result.path).name)]
    return result


def _unfilled_templates(skipped: list[Skipped], results: list[FileResult], options: dict) -> list[FileResult]:
    """S011: an untouched template in the folder that is a township's or unit's (its identity
    block, 填报单位 line or file name says whose) when that party sent nothing else — it returned
    the template as it came. A template whose party did send a return is the county's own copy,
    and one that is nobody's is the blank county table: both stay skipped."""
    config, assigned = options.get("config"), options.get("assigned")
    if config is None or "S011" in {c.upper() for c in options.get("ignore") or ()}:
        return []

    def line(name: str) -> str:                  # 财政局 and 发改局 return the line they share
        return (line_of(name, assigned) or name) if assigned else name
    sent = {line(r.scope) for r in results if r.scope}
    found = []
    for item in untouched_templates(skipped):
        result = check_file(item.path, **options)
        if result.scope and line(result.scope) not in sent:
            sent.add(line(result.scope))
            found.append(unfilled(result))
    return found


def _not_sent(by_township: dict[str, list[FileResult]], config: Config, assigned) -> list[str]:
    """S001: the townships with no return; for a units table, the units the county table assigns."""
    by_unit = by_township and not set(by_township) & set(config.townships)
    expected = list(assigned or []) if by_unit else config.townships
    sent = {line_of(name, expected) for name in by_township}     # 财政局 sends for 财政局、发改局
    return [t for t in expected if t not in sent]


def _by_line(by_township: dict[str, list[FileResult]], assigned) -> dict[str, list[FileResult]]:
    """The returns by the county table's line: 财政局's and 发改局's are two returns of the row
    「财政局、发改局」 they share, as `fenjie merge` counts them."""
    if not assigned:
        return by_township
    grouped: dict[str, list[FileResult]] = defaultdict(list)
    for name, returns in by_township.items():
        grouped[line_of(name, assigned) or name].extend(returns)
    return grouped


def _mark_unmatched(results: list[FileResult], any_matched: bool) -> None:
    """S003 on each readable return no township's name can be found for."""
    for result in results:
        if result.scope is None and not result.unreadable and not _has(result, "S007") \
                and (any_matched or result.township_table):
            result.findings.append(RULES["S003"].finding())


def _mark_sent_twice(batch: BatchResult, by_township: dict[str, list[FileResult]]) -> None:
    """S002 on each of a township's several returns, naming the one counted (the latest clean)."""
    for township, returns in by_township.items():
        if len(returns) < 2:
            continue
        batch.duplicates[township] = [r.path for r in returns]
        counted = latest_clean(returns)
        if counted is not None:
            batch.counted[township] = counted.path
            note = f"汇总时计入无错的最新一份 {Path(counted.path).name}"
        else:
            note = "份份有错，汇总时一份也不计入"
        names = "、".join(Path(r.path).name for r in returns)
        for r in returns:
            r.findings.append(RULES["S002"].finding(name=township, count=len(returns), files=names,
                                                    counted=note))


def _has(result: FileResult, code: str) -> bool:
    return any(f.code == code for f in result.findings)


def latest_clean(returns: list[FileResult]) -> FileResult | None:
    """Of one township's returns, the one to count: the latest without errors, by the time the
    workbook says it was saved (docProps/core.xml), then by the file's own time; None when
    every one has errors."""
    clean = [r for r in returns if r.status == OK]
    if len(clean) < 2:
        return clean[0] if clean else None

    def when(result: FileResult) -> tuple[float, float]:
        try:
            mtime = os.stat(result.path).st_mtime
        except OSError:
            mtime = 0.0
        saved = saved_time(result.path)
        return (mtime if saved is None else saved, mtime)
    return max(clean, key=when)


CORE_PROPERTIES = "docProps/core.xml"
MODIFIED = "{http://purl.org/dc/terms/}modified"


def saved_time(path) -> float | None:
    """When Excel, WPS or LibreOffice last saved an .xlsx/.xlsm (core.xml `modified`), as a
    timestamp; None for other formats or when the workbook does not say."""
    import zipfile
    from datetime import datetime

    from defusedxml import ElementTree
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(CORE_PROPERTIES)
            if info.file_size > 1_000_000:
                return None
            root = ElementTree.fromstring(archive.read(info))
        text = root.findtext(MODIFIED)
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).timestamp() if text else None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, ElementTree.ParseError):
        return None
