"""How fast `fenjie draft` is on a long document: the gazette's plans repeated to N pages.

    .venv/bin/python benchmarks/draft_speed.py                  # 100 pages as .txt, .docx and PDF
    .venv/bin/python benchmarks/draft_speed.py --pages 10 --formats txt

A page is 1 600 characters: the .txt of N pages makes a PDF of at least N pages in LibreOffice's
default layout (A4, 12 pt), which makes the .docx and PDF from the .txt. "Work" is reading, finding the tasks and writing the .xlsx in this process
(the median of several runs); "command" is a fresh `fenjie draft` process, start-up included,
next to `fenjie --help` (start-up alone). CPU seconds are given beside wall-clock seconds: on a
shared machine the wall clock mostly measures the other processes.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GAZETTE = ROOT / "examples" / "xiangyin-2025" / "gazette"
PLANS = ("人才工作三年行动计划.txt", "粮食生产工作实施方案.txt", "七大攻坚总体方案.txt")
CHARS_PER_PAGE = 1600
FENJIE = Path(sys.executable).parent / "fenjie"


def long_document(pages: int, folder: Path) -> Path:
    plans = "\n".join(path.read_text(encoding="utf-8") for path in (GAZETTE / name for name in PLANS))
    copies = -(-pages * CHARS_PER_PAGE // len(plans))
    path = folder / f"长文件-{pages}页.txt"
    path.write_text("\n".join([plans] * copies), encoding="utf-8")
    return path


def convert(source: Path, target: str, infilter: str | None) -> Path:
    from scripts.libreoffice import convert as soffice_convert
    return soffice_convert([source], target, source.parent, infilter=infilter)[0]


def work(path: Path, out: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, tasks) of reading, finding the tasks and writing the .xlsx."""
    from drafting.draft import draft_documents, write_draft
    start, cpu = time.perf_counter(), time.process_time()
    draft = draft_documents([str(path)])
    write_draft(draft, None, out)
    return time.perf_counter() - start, time.process_time() - cpu, len(draft.tasks)


def command(args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a fresh fenjie process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(FENJIE), *args], check=False, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def medians(samples: list[tuple[float, ...]]) -> list[float]:
    return [statistics.median(column) for column in zip(*samples)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--formats", default="txt,docx,pdf")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fenjie-draft-bench-") as folder:
        folder = Path(folder)
        text = long_document(options.pages, folder)
        documents = {"txt": text}
        if "docx" in options.formats or "pdf" in options.formats:
            documents["docx"] = convert(text, "docx:MS Word 2007 XML", "Text (encoded):UTF8,LF,,,")
        if "pdf" in options.formats:
            documents["pdf"] = convert(documents["docx"], "pdf", None)
        chars = len(text.read_text(encoding="utf-8"))
        pdf_pages = ""
        if "pdf" in documents:
            import pypdfium2 as pdfium
            pdf_pages = f"，PDF {len(pdfium.PdfDocument(str(documents['pdf'])))} 页（LibreOffice 默认版式）"
        startup_wall, startup_cpu = medians([command(["--help"]) for _ in range(options.runs)])
        print(f"{options.pages} 页（{chars} 字{pdf_pages}）；"
              f"fenjie --help（启动）中位数 {startup_wall:.3f} s，CPU {startup_cpu:.3f} s；"
              f"负载 {os.getloadavg()[0]:.1f}（{os.cpu_count()} 核）")
        print("| 格式 | 任务 | 工作 CPU s | 工作 墙钟 s（最小–最大） | 命令 CPU s | 命令 墙钟 s |")
        print("|---|---:|---:|---:|---:|---:|")
        tasks = 0
        for name in options.formats.split(","):
            path = documents[name]
            runs = [work(path, folder / f"{name}-{run}.xlsx") for run in range(options.runs)]
            tasks = runs[0][2]
            walls = [wall for wall, _, _ in runs]
            wall, cpu, _ = medians(runs)
            outputs = [folder / f"{name}-cmd-{run}.xlsx" for run in range(3)]
            command_wall, command_cpu = medians([command(["draft", str(path), "-o", str(out)]) for out in outputs])
            print(f"| {name} | {tasks} | {cpu:.3f} | {wall:.3f}（{min(walls):.3f}–{max(walls):.3f}） "
                  f"| {command_cpu:.3f} | {command_wall:.3f} |")
        print(f"共 {tasks} 项任务")


if __name__ == "__main__":
    main()
