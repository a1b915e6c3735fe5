"""What every batch command shares: a log file for error details and a progress bar."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

PROGRESS_FROM = 6          # files; fewer are checked before a bar would be worth drawing
LOG_NAME = "fenjie-check.log"


def log_path() -> Path:
    """Where error details go: $FENJIE_LOG, else ~/.cache/fenjie/fenjie-check.log."""
    import os
    return Path(os.environ.get("FENJIE_LOG") or Path.home() / ".cache" / "fenjie" / LOG_NAME)


@contextmanager
def errors_logged_to(path: Path):
    """While checking, the engine's error details go to a log file, never to the terminal."""
    import logging

    class QuietFileHandler(logging.FileHandler):
        def handleError(self, record):       # an unwritable log must not print a traceback
            pass

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    logger = logging.getLogger("fenjie")
    handler = QuietFileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    saved = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = saved
        handler.close()



# -- running --------------------------------------------------------------------------------


class ProgressBar:
    """A rich progress bar on stderr, only when stderr is a terminal and the batch is large."""

    def __init__(self):
        self._bar = None
        self._task = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if total < PROGRESS_FROM or not sys.stderr.isatty():
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
            self._bar = Progress(TextColumn("核对中"), BarColumn(), MofNCompleteColumn(),
                                 console=Console(stderr=True), transient=True)
            self._task = self._bar.add_task("check", total=total)
            self._bar.start()
        self._bar.update(self._task, completed=done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def run_guarded(command: str, work) -> int:
    """Run a command's work with error details going to the log file: an unexpected error is a
    Chinese message and exit status 1, never a traceback; `… | head` ends quietly."""
    log_file = log_path()
    with errors_logged_to(log_file):
        try:
            return work()
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:          # the reader of our output has gone
            _silence_stdout()
            return 1
        except Exception as exc:
            import logging
            logging.getLogger("fenjie").exception("fenjie %s", command)
            click.echo(f"错误：fenjie {command} 运行时出错（{type(exc).__name__}），这是程序的问题，"
                       f"不是表格的问题。详细信息已写入 {log_file}，请发给维护人员。", err=True)
            return 1


def _silence_stdout() -> None:
    import os
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


# -- what an interrupt leaves incomplete ----------------------------------------------------

_PENDING: dict[int, str] = {}        # outputs being written: id -> Chinese state for Ctrl-C


@contextmanager
def pending_output(state: str):
    """Register an output this run is writing; yields a function that updates its state
    (e.g. "标注副本：248 / 500 份已写入"). Done or failed, it is no longer pending."""
    key = object()
    _PENDING[id(key)] = state

    def update(new_state: str) -> None:
        _PENDING[id(key)] = new_state
    try:
        yield update
    except KeyboardInterrupt:
        raise
    except BaseException:
        _PENDING.pop(id(key), None)
        raise
    else:
        _PENDING.pop(id(key), None)


def interrupted_message() -> str:
    """What Ctrl-C leaves behind, in Chinese."""
    if not _PENDING:
        return "已中断（Ctrl-C）。"
    states = "；".join(_PENDING.values())
    return f"已中断（Ctrl-C）。没有完成的输出：{states}。不会留下只写了一半的文件；请重新运行。"
