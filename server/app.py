"""The ASGI app of `fenjie serve`: township and county pages, the JSON interface, the downloads.

Links are capabilities: /t/<token> is one township of one round, /c/<token> the county. An
unknown token is a plain 404; a township token reaches nothing but its own template, uploads
and results.
"""
from __future__ import annotations

import asyncio
import io
import os
import re
import time
import zipfile
from collections import defaultdict, deque
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from server.checker import CheckPool
from server.rounds import RoundProblem, lines_of, open_round, township_template
from server.store import Round, Store, Upload, safe_file_name, suffix_of
from templates.config import Config
from templates.kinds import TableKind, get_kind, kinds_for
from templates.labels import FINDING_COLUMNS, STATUS_LABELS, level_label, status_label
from validators.check.context import figures_of
from validators.findings import BatchResult
from validators.output.render import json_document, location

HERE = Path(__file__).parent
ENVELOPE = 64 * 1024               # multipart headers and boundaries around the file
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()), (b"referrer-policy", b"no-referrer"),
                    (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"cache-control", b"no-store")]


class Problem(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


# -- middleware ------------------------------------------------------------------------------

class SecurityHeaders:
    """Every answer: CSP, no Referer (the token is in the URL), no sniffing, no framing."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in SECURITY_HEADERS if h[0] not in names]
            await send(message)
        await self.app(scope, receive, with_headers)


class BodyLimit:
    """413 with a Chinese message for a POST larger than the limit, before its body is read:
    at once from Content-Length, or as soon as a chunked body passes the limit."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit + ENVELOPE:
            return await too_large(scope, send, self.limit)
        seen, started = 0, False

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit + ENVELOPE:
                raise _TooLarge()
            return message

        async def watch(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)
        try:
            await self.app(scope, counted, watch)
        except _TooLarge:
            if not started:
                await too_large(scope, send, self.limit)


class _TooLarge(Exception):
    pass


def too_large_message(limit: int) -> str:
    return (f"文件太大：超过了 {limit / 1048576:g} MB 的上限。请删去无关的工作表和图片后"
            f"另存为 .xlsx 再上传。")


async def too_large(scope, send, limit: int) -> None:
    request = Request(scope)
    response = problem_response(request, Problem(413, too_large_message(limit)))
    response.headers["connection"] = "close"
    await response(scope, _no_body, send)


async def _no_body():
    return {"type": "http.disconnect"}


# -- helpers ---------------------------------------------------------------------------------

def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def problem_response(request: Request, problem: Problem) -> Response:
    if wants_json(request) or request.url.path.endswith(".json"):
        return JSONResponse({"error": problem.message}, status_code=problem.status)
    pages = request.app.state.pages if "app" in request.scope else None
    if pages is None:
        return Response(problem.message, status_code=problem.status, media_type="text/plain; charset=utf-8")
    return pages.TemplateResponse(request, "message.html", {"message": problem.message},
                                  status_code=problem.status)


def attachment(name: str) -> str:
    """Content-Disposition for a download: an ASCII fallback and the real name per RFC 5987."""
    stem, suffix = os.path.splitext(name)
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")
    fallback = (ascii_stem if len(ascii_stem) >= 3 else "fenjie") + re.sub(r"[^A-Za-z0-9.]", "", suffix)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(content: bytes | Path, name: str, media_type: str) -> Response:
    headers = {"content-disposition": attachment(name)}
    if isinstance(content, Path):
        return FileResponse(content, media_type=media_type, headers=headers)
    return Response(content, media_type=media_type, headers=headers)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def same_site_only(request: Request) -> None:
    """Forms cannot be posted from another site. Browsers say where a request comes from in
    Sec-Fetch-Site; with Referrer-Policy no-referrer their Origin is "null", so Origin decides
    only for browsers without Sec-Fetch-Site. Scripts (curl) send neither and may post."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if site is not None:
        allowed = site in ("same-origin", "none")
    else:
        allowed = origin is None or urlsplit(origin).netloc == request.headers.get("host")
    if not allowed:
        raise Problem(403, "不能从其他网站提交这个表单。")


class RateLimit:
    """At most `per_minute` uploads a minute from one link."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._times: dict[str, deque] = defaultdict(deque)

    def allow(self, token: str) -> bool:
        now, times = time.monotonic(), self._times[token]
        while times and now - times[0] > 60:
            times.popleft()
        if len(times) >= self.per_minute:
            return False
        times.append(now)
        return True


# -- the app ---------------------------------------------------------------------------------

def create_app(config: Config, data: str | Path, *, workers: int = 2, time_limit: float = 30.0,
               uploads_per_minute: int = 30) -> Starlette:
    store = Store(data)
    store.county_token()
    store.clear_spool()
    limits = config.limits
    pool = CheckPool({"config": config}, workers=workers, time_limit=time_limit)

    @asynccontextmanager
    async def lifespan(app):
        await pool.start()
        try:
            yield
        finally:
            pool.close()
            store.close()

    app = Starlette(routes=ROUTES, lifespan=lifespan,
                    exception_handlers={Problem: _on_problem, HTTPException: _on_http_error, 500: _on_crash})
    app.state.store, app.state.config, app.state.pool = store, config, pool
    app.state.rate = RateLimit(uploads_per_minute)
    app.state.check_locks = defaultdict(asyncio.Lock)
    pages = Jinja2Templates(directory=HERE / "pages")
    pages.env.filters["when"] = lambda text: (text or "").replace("T", " ")[:19]
    pages.env.globals.update(status_labels=STATUS_LABELS, column_labels={c.key: c.label for c in FINDING_COLUMNS})
    app.state.pages = pages
    app.add_middleware(BodyLimit, limit=limits.max_bytes)
    app.add_middleware(SecurityHeaders)
    return app


async def _on_problem(request: Request, exc: Problem) -> Response:
    return problem_response(request, exc)


HTTP_ZH = {404: "找不到这个页面。请核对县里发来的链接是否完整。",
           405: "不能这样打开这个地址（上传请用页面上的「上传并核对」按钮）。"}


async def _on_http_error(request: Request, exc: HTTPException) -> Response:
    """Starlette's own errors (no route, wrong method) in Chinese, through the message page."""
    message = HTTP_ZH.get(exc.status_code, f"请求无法处理（{exc.status_code}）。")
    response = problem_response(request, Problem(exc.status_code, message))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _on_crash(request: Request, exc: Exception) -> Response:
    return problem_response(request, Problem(500, "服务出了内部错误，这次操作没有完成。请稍后再试，或告诉县里。"))


def state(request: Request):
    return request.app.state


def township_link(request: Request):
    link = state(request).store.link(request.path_params["token"])
    if link is None or link.is_county:
        raise Problem(404, "没有这个链接。请核对县里发来的链接是否完整。")
    return link, state(request).store.round(link.round_id)


def newer_round(request: Request, round_: Round, name: str) -> dict | None:
    """The round that superseded `round_` (a later one of its kind) and `name`'s link in it."""
    s = state(request).store
    current = s.current_round(round_.kind)
    if current is None or current.id == round_.id:
        return None
    link = next((l for l in s.links(current.id) if l.name == name), None)
    base = str(request.base_url).rstrip("/")
    return {"label": current.label, "url": f"{base}/t/{link.token}" if link else None}


OLD_ROUND_CONSEQUENCE = {"上传": "在这里上传不会计入", "下载模板": "这里的模板是旧一轮的，不能再用"}


def refuse_old_round(request: Request, round_: Round, name: str, action: str = "上传") -> None:
    """409 with the new round's link when `round_` has been superseded (`action`: 上传 or 下载模板)."""
    newer = newer_round(request, round_, name)
    if newer is None:
        return
    where = (f"请用新一轮的链接{action}：{newer['url']}" if newer["url"]
             else "新一轮里没有本单位，请向县里核实。")
    raise Problem(409, f"这个链接属于旧的一轮（{round_.label}），县里已开了新的一轮（{newer['label']}），"
                       f"{OLD_ROUND_CONSEQUENCE[action]}。{where}")


def county_round(request: Request) -> Round:
    s = state(request).store
    if request.path_params["token"] != s.county_token():
        raise Problem(404, "没有这个链接。请核对县里发来的链接是否完整。")
    rounds = s.rounds()
    wanted = request.query_params.get("round")
    if wanted:
        chosen = next((r for r in rounds if str(r.id) == wanted), None)
        if chosen is None:
            raise Problem(404, f"没有第 {wanted} 轮收表。")
        return chosen
    return rounds[-1] if rounds else None


def finding_rows(result) -> list[dict]:
    return [{"where": location(result, f), "code": f.code, "level": level_label(f.severity),
             "severity": f.severity, "message": f.message, "value": f.value, "suggestion": f.suggestion}
            for f in result.findings]


def upload_view(upload: Upload) -> dict:
    return {"id": upload.id, "file_name": upload.file_name, "received": upload.received,
            "status": upload.status, "status_zh": status_label(upload.status), "errors": upload.errors,
            "warnings": upload.warnings, "findings": finding_rows(upload.result)}


def upload_json(upload: Upload) -> dict:
    """One file object of `fenjie check --format json`, plus township, round and id."""
    entry = json_document(BatchResult(files=[upload.result]))["files"][0]
    entry.update(township=upload.name, round=upload.round_id, id=upload.id)
    return entry


def figures(round_: Round, spec: TableKind, name: str) -> list[dict]:
    mine = figures_of(name, round_.assigned)
    return [{"header": c.header, "unit": c.unit or "", "value": _number(mine.get(c.key))}
            for c in spec.summed_columns if mine.get(c.key) is not None]


def _number(value) -> str:
    return "" if value is None else f"{value:g}"


# -- township --------------------------------------------------------------------------------

async def township_page(request: Request, shown: Upload | None = None, status_code: int = 200):
    link, round_ = township_link(request)
    s = state(request).store
    uploads = await run_in_threadpool(s.uploads, round_.id, link.name)
    shown = shown or (uploads[0] if uploads else None)
    spec = get_kind(round_.kind, state(request).config)
    context = {"round": round_, "newer": newer_round(request, round_, link.name),
               "party": spec.party,
               "name": link.name, "token": link.token, "figures": figures(round_, spec, link.name),
               "uploads": [upload_view(u) for u in uploads], "latest_id": uploads[0].id if uploads else None,
               "shown": upload_view(shown) if shown else None, "limit_mb": f"{state(request).config.limits.max_bytes / 1048576:g}"}
    return state(request).pages.TemplateResponse(request, "township.html", context, status_code=status_code)


async def township_upload(request: Request):
    link, round_ = township_link(request)
    same_site_only(request)
    refuse_old_round(request, round_, link.name)
    if not state(request).rate.allow(link.token):
        raise Problem(429, "上传太频繁：每分钟最多上传 "
                           f"{state(request).rate.per_minute} 次，请稍后再试。")
    upload = await receive_upload(request, link, round_)
    if wants_json(request):
        return JSONResponse(upload_json(upload))
    return RedirectResponse(f"/t/{link.token}/u/{upload.id}", status_code=303)   # reload does not re-send


async def receive_upload(request: Request, link, round_: Round) -> Upload:
    """Spool the file into the data folder, keep it by hash (fsynced), check it, record it."""
    s, limit = state(request).store, state(request).config.limits.max_bytes
    form = await request.form(max_files=1, max_fields=4)
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            raise Problem(400, "请选择要上传的表格文件。")
        file_name = safe_file_name(file.filename)
        fd, spooled = s.spool_file()
        size = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := await file.read(1 << 16):
                size += len(chunk)
                if size > limit:
                    break
                out.write(chunk)
        if size > limit:
            os.unlink(spooled)
            raise Problem(413, too_large_message(limit))
    finally:
        await form.close()
    suffix = suffix_of(file_name)
    sha, stored, size = await run_in_threadpool(s.keep, spooled, suffix)
    result = await state(request).pool.check(s.path(stored), link.name, file_name, suffix, round_.assigned)
    return await run_in_threadpool(s.add_upload, round_.id, link.name, file_name, sha, stored, size, result)


def own_upload(request: Request, link) -> Upload:
    upload = state(request).store.upload(_int(request.path_params["upload"]))
    if upload is None or upload.round_id != link.round_id or (not link.is_county and upload.name != link.name):
        raise Problem(404, "没有这次上传。")
    return upload


SQLITE_MAX_INT = 2**63 - 1


def _int(text: str) -> int:
    """An id from the URL; -1 (no such row) for anything but a number SQLite can hold."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return -1
    number = int(text)
    return number if number <= SQLITE_MAX_INT else -1


async def township_upload_page(request: Request):
    link, _ = township_link(request)
    return await township_page(request, shown=own_upload(request, link))


async def township_template_download(request: Request):
    link, round_ = township_link(request)
    refuse_old_round(request, round_, link.name, "下载模板")
    s = state(request)
    path, name = await run_in_threadpool(township_template, s.store, s.config, round_, link.name)
    return download(path, name, XLSX)


async def annotated_copy(request: Request, upload: Upload) -> Response:
    s = state(request)
    if upload.status == "unreadable":
        raise Problem(404, "这份文件无法读取，没有标注副本。")
    folder = s.store.folder / "annotated"
    folder.mkdir(exist_ok=True)
    copy = folder / f"{upload.id}.xlsx"
    async with s.check_locks[upload.id]:
        if not copy.exists():
            partial = folder / f"{upload.id}.part.xlsx"
            if not await s.pool.annotate(upload.result, s.store.path(upload.stored), partial):
                raise Problem(500, "无法生成标注副本，请直接对照上面的问题清单修改。")
            partial.replace(copy)
    return download(copy, f"标注-{Path(upload.file_name).stem}.xlsx", XLSX)


async def township_annotated(request: Request):
    link, _ = township_link(request)
    return await annotated_copy(request, own_upload(request, link))


# -- county ----------------------------------------------------------------------------------

def county_link(request: Request):
    from server.store import Link
    round_ = county_round(request)
    return Link(request.path_params["token"], round_.id if round_ else 0, ""), round_


def round_lines(store: Store, round_: Round) -> dict[str, list[str]]:
    """line -> the links that return it, as `fenjie merge` counts them (server.rounds.lines_of):
    the row 「财政局、发改局」 is one line, returned through either unit's link."""
    return lines_of(round_, [link.name for link in store.links(round_.id)])


def counted_upload(uploads: list[Upload]) -> Upload | None:
    """Of the latest uploads through a line's links, the one that counts: the latest without
    errors, else the latest (the merge counts the latest clean return of a line)."""
    if not uploads:
        return None
    clean = [u for u in uploads if u.status == "ok"]
    return max(clean or uploads, key=lambda u: u.id)


def round_status(store: Store, round_: Round) -> dict:
    latest, counts = store.latest(round_.id), store.counts(round_.id)
    townships = []
    for line, names in round_lines(store, round_).items():
        up = counted_upload([latest[n] for n in names if n in latest])
        status = "missing" if up is None else ("ok" if up.status == "ok" else "invalid")
        townships.append({"name": line, "status": status, "errors": up.errors if up else 0,
                          "warnings": up.warnings if up else 0, "uploads": sum(counts.get(n, 0) for n in names),
                          "latest": None if up is None else {"id": up.id, "time": up.received,
                                                             "file": up.file_name, "status": up.status}})
    statuses = [t["status"] for t in townships]
    summary = {"townships": len(townships), "ok": statuses.count("ok"), "invalid": statuses.count("invalid"),
               "missing": statuses.count("missing"), "uploads": sum(counts.values()),
               "errors": sum(t["errors"] for t in townships), "warnings": sum(t["warnings"] for t in townships)}
    return {"round": {"id": round_.id, "kind": round_.kind, "title": round_.label, "deadline": round_.deadline},
            "townships": townships, "summary": summary}


async def county_page(request: Request, message: str | None = None, status_code: int = 200):
    link, round_ = county_link(request)
    s = state(request)
    base = str(request.base_url).rstrip("/")
    context = {"token": link.token, "round": round_, "rounds": s.store.rounds(), "message": message,
               "kinds": [k for k in kinds_for(s.config).values() if k.by_place],
               "status": round_status(s.store, round_) if round_ else None,
               "links": [{"name": l.name, "url": f"{base}/t/{l.token}"} for l in s.store.links(round_.id)]
               if round_ else []}
    return s.pages.TemplateResponse(request, "county.html", context, status_code=status_code)


async def county_status(request: Request):
    _, round_ = county_link(request)
    if round_ is None:
        raise Problem(404, "还没有收表轮次。")
    return JSONResponse(await run_in_threadpool(round_status, state(request).store, round_))


def latest_results(store: Store, round_: Round):
    """The latest upload of each township (unit) as the engine's results, counted for that
    township, and the lines nobody has returned (a row two units share: neither unit)."""
    from dataclasses import replace
    latest = store.latest(round_.id)
    lines = round_lines(store, round_)
    files = [replace(latest[n].result, scope=n) for names in lines.values() for n in names if n in latest]
    return files, [line for line, names in lines.items() if not any(n in latest for n in names)]


def latest_batch(store: Store, round_: Round) -> BatchResult:
    """The latest uploads as `fenjie merge` of a folder of them sees them: files in name order
    (a folder is read sorted), the townships without an upload as missing (S001)."""
    files, missing = latest_results(store, round_)
    return BatchResult(files=sorted(files, key=lambda r: Path(r.path)), missing=missing)


def summary_bytes(store: Store, config: Config, round_: Round) -> bytes:
    """`fenjie merge` of the latest returns: consolidate + write_summary, as in the CLI."""
    from validators.merge import consolidate
    from validators.output.summary import write_summary
    batch = latest_batch(store, round_)
    spec = get_kind(round_.kind, config)
    merged = consolidate(batch, spec, config, round_.assigned or None)
    return _written(store, lambda out: write_summary(merged, batch, out, source=round_.county_table_name))


def report_bytes(store: Store, round_: Round) -> bytes:
    from validators.output.report import write_report
    return _written(store, lambda out: write_report(latest_batch(store, round_), out))


def _written(store: Store, write) -> bytes:
    fd, path = store.spool_file()
    os.close(fd)
    out = Path(path).with_suffix(".xlsx")
    try:
        write(out)
        return out.read_bytes()
    finally:
        out.unlink(missing_ok=True)
        Path(path).unlink(missing_ok=True)


def returns_zip(store: Store, round_: Round) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, upload in store.latest(round_.id).items():
            z.write(store.path(upload.stored), f"{name}-{upload.file_name}")
    return buffer.getvalue()


def _round_or_404(request: Request) -> Round:
    _, round_ = county_link(request)
    if round_ is None:
        raise Problem(404, "还没有收表轮次。")
    return round_


async def county_summary(request: Request):
    round_ = _round_or_404(request)
    data = await run_in_threadpool(summary_bytes, state(request).store, state(request).config, round_)
    return download(data, f"{round_.label}-汇总.xlsx", XLSX)


async def county_report(request: Request):
    round_ = _round_or_404(request)
    data = await run_in_threadpool(report_bytes, state(request).store, round_)
    return download(data, f"{round_.label}-核对报告.xlsx", XLSX)


async def county_zip(request: Request):
    round_ = _round_or_404(request)
    data = await run_in_threadpool(returns_zip, state(request).store, round_)
    return download(data, f"{round_.label}-报送文件.zip", "application/zip")


def county_upload(request: Request) -> Upload:
    county_link(request)
    upload = state(request).store.upload(_int(request.path_params["upload"]))
    if upload is None:
        raise Problem(404, "没有这次上传。")
    return upload


async def county_upload_page(request: Request):
    county_link(request)
    upload = county_upload(request)
    store = state(request).store
    history = await run_in_threadpool(store.uploads, upload.round_id, upload.name)
    return state(request).pages.TemplateResponse(request, "upload.html", {
        "token": request.path_params["token"], "upload": upload_view(upload), "name": upload.name,
        "round": store.round(upload.round_id), "uploads": [upload_view(u) for u in history]})


async def county_upload_file(request: Request):
    upload = county_upload(request)
    return download(state(request).store.path(upload.stored), f"{upload.name}-{upload.file_name}",
                    "application/octet-stream")


async def county_annotated(request: Request):
    return await annotated_copy(request, county_upload(request))


async def county_open_round(request: Request):
    county_link(request)
    same_site_only(request)
    s = state(request)
    form = await request.form(max_files=1, max_fields=6)
    try:
        kind = str(form.get("kind") or "")
        deadline = str(form.get("deadline") or "").strip()[:40] or None
        table = form.get("county_table")
        path, name = None, None
        if isinstance(table, UploadFile) and table.filename:
            name = safe_file_name(table.filename)
            fd, spooled = s.store.spool_file()
            with os.fdopen(fd, "wb") as out:
                out.write(await table.read(s.config.limits.max_bytes + 1))
            path = Path(spooled)
        try:
            round_ = await run_in_threadpool(open_round, s.store, s.config, kind, path, name, deadline)
        except RoundProblem as exc:
            return await county_page(request, message=str(exc), status_code=400)
        finally:
            if path:
                path.unlink(missing_ok=True)
    finally:
        await form.close()
    return RedirectResponse(f"/c/{request.path_params['token']}?round={round_.id}", status_code=303)


ROUTES = [
    Route("/t/{token}", township_page),
    Route("/t/{token}/upload", township_upload, methods=["POST"]),
    Route("/t/{token}/template.xlsx", township_template_download),
    Route("/t/{token}/u/{upload}", township_upload_page),
    Route("/t/{token}/u/{upload}/annotated.xlsx", township_annotated),
    Route("/c/{token}", county_page),
    Route("/c/{token}/status.json", county_status),
    Route("/c/{token}/summary.xlsx", county_summary),
    Route("/c/{token}/report.xlsx", county_report),
    Route("/c/{token}/returns.zip", county_zip),
    Route("/c/{token}/rounds", county_open_round, methods=["POST"]),
    Route("/c/{token}/u/{upload}", county_upload_page),
    Route("/c/{token}/u/{upload}/file", county_upload_file),
    Route("/c/{token}/u/{upload}/annotated.xlsx", county_annotated),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]
