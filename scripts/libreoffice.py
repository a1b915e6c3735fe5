"""Drive headless LibreOffice: the one place that finds soffice and runs it (tests, benchmarks and
the example's build script import it; fenjie itself never starts LibreOffice).

* `convert(sources, target, out_dir)`: `soffice --convert-to` in one run for many files, with a
  throwaway profile and a time limit (several runs at once never share a profile, and a hung
  soffice is killed with its children);
* `run_jobs(jobs, work_dir)`: Calc driven over UNO with a list of jobs, one soffice session for all.

Two sides for run_jobs in one file:

* in the project's venv, `run_jobs(jobs, work_dir)` writes the jobs as JSON, runs this file with the
  system python3 (which has python3-uno; the venv has not) and returns its report;
* run by /usr/bin/python3 (`python3 scripts/libreoffice.py JOBS.json REPORT.json`), this file starts
  soffice with a throwaway profile, carries out the jobs over UNO and writes the report.

A job: {"path": file to open, "ops": [operation, ...], "save": where to store it as .xlsx (optional)}.
Operations act on the first sheet, in order:

    {"op": "type", "cells": {"B5": 12.5, "C5": "9"}}   a number is set as a value, a str as text
    {"op": "unprotect"}                                  sheet protection without a password
    {"op": "insert_rows", "at": 24, "count": 1}          rows inserted above row `at` (1-based)
    {"op": "recalculate"}
    {"op": "inspect", "cells": ["A5", ...]}              -> protected, cells (locked, formula,
                                                            validation, formula1), hidden_sheets, named
    {"op": "read", "cells": ["B21", ...]}                -> shown: the text each cell displays

The report is one dict per job holding what its inspect and read operations saw.
Only the standard library is imported at the top: the system python3 runs this file.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UNO_PYTHON = "/usr/bin/python3"
XLSX_FILTER = "Calc MS Excel 2007 XML"
TIMEOUT_SECONDS = 600


class LibreOfficeError(Exception):
    """LibreOffice is missing, or the jobs failed; the message carries LibreOffice's stderr."""


def soffice() -> str:
    """The soffice program; LibreOfficeError when LibreOffice is not installed."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise LibreOfficeError("需要 LibreOffice（soffice）：请先运行 bash scripts/setup.sh。")
    return found


def profile_option(profile: str | Path) -> str:
    """The option that gives soffice its own user profile (settings, locks) in `profile`."""
    return f"-env:UserInstallation={Path(profile).resolve().as_uri()}"


def convert(sources, target: str, out_dir, *, infilter: str | None = None,
            timeout: float = TIMEOUT_SECONDS) -> list[Path]:
    """`sources` converted by one headless soffice run into `out_dir`; the converted files, in order.

    `target` is what --convert-to takes: "xlsx", "ods", "xls:MS Excel 97", "docx:MS Word 2007 XML";
    `infilter` what --infilter takes (e.g. "Text (encoded):UTF8,LF,,," for a UTF-8 .txt)."""
    sources = [Path(source) for source in sources]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fenjie-lo-") as profile:
        command = [soffice(), profile_option(profile), "--headless", "--norestore",
                   *([f"--infilter={infilter}"] if infilter else []),
                   "--convert-to", target, "--outdir", str(out_dir), *map(str, sources)]
        status, stderr = _run_killing_group(command, timeout)
    suffix = target.split(":")[0]
    converted = [out_dir / f"{source.stem}.{suffix}" for source in sources]
    missing = [path.name for path in converted if not path.is_file()]
    if status != 0 or missing:
        raise LibreOfficeError(f"soffice --convert-to {target} failed (status {status}, not written: "
                               f"{missing}):\n{stderr[-3000:]}")
    return converted


def _run_killing_group(command: list[str], timeout: float, env: dict | None = None) -> tuple[int, str]:
    """(exit status, stderr) of `command`; past `timeout` seconds it is killed with the processes
    it started (soffice runs soffice.bin as a child) and LibreOfficeError is raised."""
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                          start_new_session=True) as office:
        try:
            _, stderr = office.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(office.pid, signal.SIGKILL)
            office.communicate()
            raise LibreOfficeError(f"LibreOffice did not finish in {timeout:g} s: {command}") from None
    return office.returncode, stderr


# -- venv side ---------------------------------------------------------------------------------

def run_jobs(jobs: list[dict], work_dir: Path) -> list[dict]:
    """Carry out `jobs` in one headless LibreOffice; the report, one dict per job."""
    soffice()
    if not Path(UNO_PYTHON).exists():
        raise LibreOfficeError("需要 LibreOffice（soffice）和系统的 python3-uno：请先运行 bash scripts/setup.sh。")
    work_dir = Path(work_dir)
    job_file, report_file = work_dir / "lo_jobs.json", work_dir / "lo_report.json"
    job_file.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    report_file.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["HOME"] = str(work_dir)
    command = [UNO_PYTHON, str(Path(__file__).resolve()), str(job_file), str(report_file)]
    status, stderr = _run_killing_group(command, TIMEOUT_SECONDS, env)
    if status != 0 or not report_file.is_file():
        raise LibreOfficeError(f"LibreOffice (python3-uno) failed with status {status}:\n{stderr[-3000:]}")
    return json.loads(report_file.read_text(encoding="utf-8"))


# -- UNO side (system python3) -----------------------------------------------------------------

def prop(name, value):
    from com.sun.star.beans import PropertyValue
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe: str, office: subprocess.Popen):
    import uno
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if office.poll() is not None:
                raise SystemExit(f"soffice exited with status {office.returncode}")
            time.sleep(0.2)


def inspect(doc, sheet, addresses: list[str]) -> dict:
    sheets = [doc.Sheets.getByIndex(i) for i in range(doc.Sheets.Count)]
    seen = {"protected": sheet.isProtected(), "cells": {},
            "hidden_sheets": [s.Name for s in sheets if not s.IsVisible]}
    for address in addresses:
        cell = sheet.getCellRangeByName(address)
        rule = cell.Validation
        seen["cells"][address] = {"locked": cell.CellProtection.IsLocked, "formula": cell.getFormula(),
                                  "validation": rule.Type.value, "formula1": rule.getFormula1()}
    names = doc.NamedRanges
    seen["named"] = {n: names.getByName(n).getContent() for n in names.ElementNames}
    return seen


def apply(doc, sheet, op: dict, seen: dict) -> None:
    kind = op["op"]
    if kind == "type":
        for address, value in op["cells"].items():
            cell = sheet.getCellRangeByName(address)
            cell.setString(value) if isinstance(value, str) else cell.setValue(value)
    elif kind == "unprotect":
        sheet.unprotect("")
    elif kind == "insert_rows":
        sheet.Rows.insertByIndex(op["at"] - 1, op["count"])
    elif kind == "recalculate":
        doc.calculateAll()
    elif kind == "inspect":
        seen.update(inspect(doc, sheet, op.get("cells", [])))
    elif kind == "read":
        seen["shown"] = {a: sheet.getCellRangeByName(a).getString() for a in op["cells"]}
    else:
        raise SystemExit(f"unknown operation {kind!r}")


def run_job(desktop, job: dict) -> dict:
    import uno
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["path"]), "_blank", 0,
                                       (prop("Hidden", True),))
    try:
        sheet, seen = doc.Sheets.getByIndex(0), {}
        for op in job.get("ops", []):
            apply(doc, sheet, op, seen)
        if job.get("save"):
            doc.storeToURL(uno.systemPathToFileUrl(job["save"]), (prop("FilterName", XLSX_FILTER),))
    finally:
        doc.close(True)
    return seen


def uno_main(job_file: str, report_file: str) -> None:
    jobs = json.loads(Path(job_file).read_text(encoding="utf-8"))
    profile = tempfile.mkdtemp(prefix="fenjie-lo-")
    pipe = f"fenjie{os.getpid()}"
    office = subprocess.Popen(
        [soffice(), "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
         profile_option(profile), f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    desktop = None
    try:
        ctx = connect(pipe, office)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        report = [run_job(desktop, job) for job in jobs]
    finally:
        if desktop is not None:
            try:
                desktop.terminate()
            except Exception:       # the bridge drops as soffice quits
                pass
        try:
            office.wait(timeout=60)
        except subprocess.TimeoutExpired:
            office.kill()
        shutil.rmtree(profile, ignore_errors=True)
    Path(report_file).write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    uno_main(*sys.argv[1:3])
