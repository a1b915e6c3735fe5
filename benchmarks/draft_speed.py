"""How fast `fenjie draft` is on a long document: the gazette's plans repeated to N pages.

    .venv/bin/python benchmarks/draft_speed.py                  # 100 pages as .txt, .docx and PDF
    .venv/bin/python benchmarks/draft_speed.py --pages 10 --formats txt

A page is 1 600 characters: the .txt of N pages makes a PDF of at least N pages in LibreOffice's
default layout (A4, 12 pt), which makes the .docx and PDF from the .txt. "Work" is reading, finding the tasks and writing the .xlsx in this process
(the median of several runs); "command" is a fresh `fenjie draft` process, start-up included,
next to `fenjie --help` (start-up alone).
"""
from __future__ import annotations

import argparse
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


def convert(source: Path, target: str, infilter: list[str]) -> Path:
    with tempfile.TemporaryDirectory(prefix="fenjie-lo-") as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", *infilter,
                        "--convert-to", target, "--outdir", str(source.parent), str(source)],
                       check=True, capture_output=True, timeout=600)
    return source.with_suffix("." + target.split(":")[0])


def work(path: Path, out: Path) -> tuple[float, int]:
    from drafting.draft import draft_documents, write_draft
    start = time.perf_counter()
    draft = draft_documents([str(path)])
    write_draft(draft, None, out)
    return time.perf_counter() - start, len(draft.tasks)


def command(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([str(FENJIE), *args], check=False, capture_output=True)
    return time.perf_counter() - start


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
            documents["docx"] = convert(text, "docx:MS Word 2007 XML", ["--infilter=Text (encoded):UTF8,LF,,,"])
        if "pdf" in options.formats:
            documents["pdf"] = convert(documents["docx"], "pdf", [])
        chars = len(text.read_text(encoding="utf-8"))
        startup = statistics.median(command(["--help"]) for _ in range(options.runs))
        pdf_pages = ""
        if "pdf" in documents:
            import pypdfium2 as pdfium
            pdf_pages = f"，PDF {len(pdfium.PdfDocument(str(documents['pdf'])))} 页（LibreOffice 默认版式）"
        print(f"{options.pages} 页（{chars} 字{pdf_pages}）；fenjie --help（启动）中位数 {startup:.3f} s")
        print("| 格式 | 任务 | 工作 中位数 s | 最小 s | 最大 s | 命令（新进程）中位数 s |")
        print("|---|---:|---:|---:|---:|---:|")
        for name in options.formats.split(","):
            path = documents[name]
            times, tasks = [], 0
            for run in range(options.runs):
                seconds, tasks = work(path, folder / f"{name}-{run}.xlsx")
                times.append(seconds)
            whole = statistics.median(command(["draft", str(path), "-o", str(folder / f"{name}-cmd-{run}.xlsx")])
                                      for run in range(3))
            print(f"| {name} | {tasks} | {statistics.median(times):.3f} | {min(times):.3f} | {max(times):.3f} "
                  f"| {whole:.3f} |")
        print(f"共 {tasks} 项任务")


if __name__ == "__main__":
    main()
