"""`fenjie serve`: collect the returns on the office network, checked the moment they arrive."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from cli.options import ChineseCommand, UsageProblem, checked_county_table_or_exit, load_config_or_exit
from cli.running import run_guarded

EXAMPLE = "fenjie serve --config fenjie.toml --from 县分解表.xlsx"
ALL_ADDRESSES = ("0.0.0.0", "::", "")


@click.command(cls=ChineseCommand)
@click.option("--config", "config_path", metavar="FILE", help="县配置文件 fenjie.toml（必需）。")
@click.option("--kind", metavar="KIND", help="表格类型；不给时用 --from 县分解表的类型，没有 --from 时用 grain-plan。")
@click.option("--from", "county_table", metavar="COUNTY_TABLE", help="已填好的县分解表：开一轮收表。")
@click.option("--data", "data_dir", default="fenjie-收表", show_default=True, metavar="DIR",
              help="保存上传文件和记录的文件夹。")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听的地址；0.0.0.0 让本单位网络里的电脑都能访问。")
@click.option("--port", default=8000, show_default=True, type=int, help="端口。")
@click.option("--links", "print_links", is_flag=True,
              help="只打印每个单位的链接（CSV：round,单位,url；县里的链接在最后一行）后退出。")
@click.option("--url", "link_base", metavar="URL",
              help="与 --links 一起用：收表服务在本单位网络里的地址，如 http://192.168.1.20:8000。")
@click.pass_context
def serve(ctx, config_path, kind, county_table, data_dir, host, port, print_links, link_base):
    """在本机开一个收表网页：乡镇用各自的链接上传报表，立即看到核对结果；县里看谁报了、谁有错，下载汇总。

    \b
    例：fenjie serve --config fenjie.toml --from 县分解表.xlsx --host 0.0.0.0
        fenjie serve --config fenjie.toml --links > 链接.csv
    """
    ctx.exit(run_guarded("serve", lambda: _serve(config_path, kind, county_table, data_dir, host, port,
                                                 print_links, link_base)))


def _serve(config_path, kind, county_table, data_dir, host, port, print_links, link_base=None) -> int:
    if config_path is None:
        raise UsageProblem(f"请用 --config 指定本县的配置文件 fenjie.toml，例如：\n  {EXAMPLE}")
    config = load_config_or_exit(config_path)
    check_serve_options(data_dir, host, port, print_links)
    base = base_url(host, port)
    from server.store import Store
    store = Store(data_dir)
    try:
        if county_table or kind:
            open_first_round(store, config, kind, county_table)
        if print_links:
            base = links_base(link_base, host, port)
            write_links(store, base, sys.stdout)
            return 0
    finally:
        store.close()
    run(config, data_dir, host, port, base)
    return 0


def check_serve_options(data_dir, host: str, port: int, print_links: bool) -> None:
    """Exit status 2 with a Chinese message for a bad port, address or data folder, before the
    data folder or anything else is created."""
    from templates.outputs import writable_folder_problem
    if not 1 <= port <= 65535:
        raise UsageProblem(f"--port {port} 不是有效的端口：端口应是 1 到 65535 之间的整数，例如 --port 8000。")
    problem = writable_folder_problem(Path(data_dir))
    if problem:
        raise UsageProblem(f"--data「{data_dir}」无法使用：{problem}。请换一个文件夹。")
    if not print_links and not port_free(host, port):
        raise UsageProblem(f"端口 {port} 已被占用（或地址 {host} 不可用）：请用 --port 换一个端口，例如 --port 8001。")


def open_first_round(store, config, kind, county_table) -> None:
    from cli.merge_cmd import merge_kind
    from server.rounds import RoundProblem, open_round
    if county_table and not Path(county_table).is_file():
        raise UsageProblem(f"找不到县分解表 {county_table}。")
    if kind is None and county_table:       # the county table tells the kind, as for merge --from
        spec = merge_kind(checked_county_table_or_exit(county_table, None, config).result.kind, config)
    else:
        spec = merge_kind(kind, config)
    try:
        open_round(store, config, spec.name, Path(county_table) if county_table else None)
    except RoundProblem as exc:
        raise UsageProblem(str(exc)) from None


def base_url(host: str, port: int) -> str:
    shown = lan_address() if host in ALL_ADDRESSES else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}"


def lan_address() -> str:
    """This PC's address on the office network (no packet is sent)."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def links_base(url: str | None, host: str, port: int) -> str:
    """The address the links start with: --url, else --host and --port (the server's own)."""
    from urllib.parse import urlsplit
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageProblem(f"--url 应是收表服务的网址，例如 http://192.168.1.20:8000，现在是「{url}」。")
        base, shown = url.rstrip("/"), parts.hostname or ""
    else:
        base = base_url(host, port)
        shown = urlsplit(base).hostname or ""
    if shown in ("127.0.0.1", "localhost", "::1", "0.0.0.0"):
        click.echo(f"注意：链接以 {base} 开头，只有本机能打开；其他电脑要用本机在单位网络里的地址，"
                   f"请加上 --host 192.168.x.y --port {port}（与收表服务运行时相同）或 --url。", err=True)
    return base


def link_rows(store, base: str) -> list[tuple]:
    """round,单位,url for every round's units, then the county's line (单位 = 县里) last."""
    county = store.county_token()
    rows = []
    for round_ in store.rounds():
        rows.extend((round_.id, link.name, f"{base}/t/{link.token}") for link in store.links(round_.id))
    if rows:
        latest = store.rounds()[-1].id
        rows.append((latest, "县里", f"{base}/c/{county}?round={latest}"))
    return rows


def write_links(store, base: str, out) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("round", "单位", "url"))
    writer.writerows(link_rows(store, base))
    click.echo("最后一行「县里」是县里的页面：能看到全部上传、开新的一轮，不要发给乡镇或单位。", err=True)


def port_free(host: str, port: int) -> bool:
    import socket
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def run(config, data_dir, host: str, port: int, base: str) -> None:
    import uvicorn

    from server.app import create_app
    app = create_app(config, data_dir)
    store = app.state.store
    click.echo(f"fenjie 收表服务：{base}（数据保存在 {Path(data_dir).resolve()}）")
    if host in ALL_ADDRESSES:
        click.echo("注意：正在监听本机的所有网络地址，同一网络里的任何电脑都能打开这些链接。"
                   "链接就是钥匙，只发给对应的单位；不要在连着互联网、没有防火墙的电脑上这样运行。", err=True)
    if store.rounds():
        click.echo(f"县里的页面：{base}/c/{store.county_token()}")
        click.echo("各单位的链接：fenjie serve --config … --data … --links（或在县里的页面上查看）")
    else:
        click.echo(f"还没有收表轮次。县里的页面（在那里开一轮）：{base}/c/{store.county_token()}")
    click.echo("按 Ctrl+C 停止。")
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
