"""`fenjie draft`: a 目标任务分解表 drafted from the policy documents it comes from."""
from __future__ import annotations

import json
from pathlib import Path

import click

from cli.options import ChineseCommand, UsageProblem, load_config_or_exit

TASK_PREVIEW = 36


@click.command(cls=ChineseCommand)
@click.argument("paths", nargs=-1, required=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="配置文件 fenjie.toml：单位名称按本县名录统一，[leaders] 填责任领导")
@click.option("-o", "--output", "output", help="写出目标任务分解表（新文件，如 分解表.xlsx）")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="输出格式")
def draft(paths, config_path, output, output_format):
    """从政策文件（.txt、.docx、文字版 PDF）起草目标任务分解表。

    \b
    找出每一项带责任分工的任务（如「（牵头单位：县农业农村局；责任单位：各乡镇、街道）」
    「（县财政局牵头，县发改局等配合）」），列出牵头单位、相关单位和其中的量化指标；
    给了 -o 时写出 fenjie 标准格式的目标任务分解表，责任领导、责任人留给经办人填写。
    例：fenjie draft 实施方案.docx --config fenjie.toml -o 分解表.xlsx
    退出状态：0 完成；1 有文件里没有找到带责任分工的任务；2 用法有误或文件无法读取。
    """
    from cli.running import run_guarded
    raise SystemExit(run_guarded("draft", lambda: _draft(paths, config_path, output, output_format)))


def _draft(paths, config_path, output, output_format) -> int:
    config = load_config_or_exit(config_path)
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UsageProblem(f"找不到文件 {'、'.join(missing)}：请检查路径和文件名。")
    target = _new_output(output) if output else None
    from drafting.draft import draft_documents, write_draft
    result = draft_documents(list(paths), config)
    written = None
    if target is not None and result.tasks:
        from templates.writer import WriteProblem
        try:
            written = write_draft(result, config, target)
        except WriteProblem as exc:
            raise UsageProblem(str(exc)) from None
    if output_format == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    elif result.tasks or result.without_tasks:      # nothing read at all: the errors alone
        _print_text(result)
    for _, reason in result.unreadable:
        click.echo(f"错误：{reason}", err=True)
    for file in result.without_tasks:
        click.echo(f"{file}：没有找到带责任分工（牵头单位）的任务。", err=True)
    if written is not None:
        click.echo(f"分解表已写入 {written}（责任领导、责任人请经办人填写；可用 fenjie check 核对）", err=True)
    elif target is not None:
        click.echo("没有任务，未写出分解表。", err=True)
    return 2 if result.unreadable else 1 if result.without_tasks else 0


def _new_output(output: str) -> Path:
    """-o must name a new .xlsx: an existing file (a clerk's table, an input) is never overwritten."""
    path = Path(output)
    if path.suffix.lower() != ".xlsx":
        raise UsageProblem(f"-o 应为 .xlsx 文件，例如 -o 分解表.xlsx（现在是 {output}）。")
    if path.exists():
        raise UsageProblem(f"{output} 已经存在，fenjie 不覆盖已有的文件：请换一个文件名，或先移走它。")
    if not path.parent.is_dir():
        raise UsageProblem(f"输出文件夹 {path.parent} 不存在。")
    return path


def _print_text(result) -> None:
    by_file: dict[str, list] = {}
    for task in result.tasks:
        by_file.setdefault(task.file, []).append(task)
    for file, tasks in by_file.items():
        for task in tasks:
            text = task.task if len(task.task) <= TASK_PREVIEW else task.task[:TASK_PREVIEW] + "…"
            related = f"；相关：{'、'.join(task.related_units)}" if task.related_units else ""
            click.echo(f"{file}:{task.line}: {task.seq}. {text}")
            click.echo(f"    牵头：{'、'.join(task.lead_units)}{related}")
            if task.figures:
                click.echo(f"    指标：{'；'.join(f.text for f in task.figures)}")
    if result.warnings:
        click.echo("")
        click.echo(f"需要核对（{len(result.warnings)}）：")
        for warning in result.warnings:
            where = f"{warning.file}:{warning.line}" if warning.line else warning.file
            click.echo(f"{where}: {warning.message}")
    files = len(by_file)
    click.echo("")
    click.echo(f"共 {len(result.tasks)} 项任务（{files} 个文件），需要核对 {len(result.warnings)} 处。")
