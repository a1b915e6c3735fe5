"""`fenjie kind new TABLE.xlsx`: a kind file inferred from a table the county already has."""
from __future__ import annotations

from pathlib import Path

import click

from cli.options import CONTEXT, ChineseCommand, ChineseGroup, UsageProblem, load_config_or_exit


@click.group(name="kind", cls=ChineseGroup, context_settings=CONTEXT)
def kind_group():
    """表格类型文件：fenjie kind new 从已填好的表推断一种新的表格类型。"""


@kind_group.command(name="new", cls=ChineseCommand)
@click.argument("table")
@click.option("--config", "config_path", metavar="FILE",
              help="县配置文件 fenjie.toml：用其中的乡镇、单位名录判断每行是什么。")
@click.option("-o", "--output", metavar="FILE.toml", help="写入的表格类型文件（不给时打印出来）。")
def new(table, config_path, output):
    """从已填好的表 TABLE 推断表格类型，写成带中文注释的表格类型文件。

    \b
    例：fenjie kind new 生猪出栏任务表.xlsx --config fenjie.toml -o kinds/生猪出栏.toml
    然后在 fenjie.toml 中写 kinds = ["kinds/生猪出栏.toml"]，即可 fenjie template / check / merge。
    """
    from templates.kindfile import kind_file_text
    from validators.infer import InferProblem, infer_kind
    from validators.read.errors import UnreadableFile

    config = load_config_or_exit(config_path)
    out = _output_or_exit(output)
    if not Path(table).is_file():
        raise UsageProblem(f"找不到表格 {table}。")
    try:
        inferred = infer_kind(table, config)
    except (InferProblem, UnreadableFile) as exc:
        raise UsageProblem(f"{Path(table).name}：{exc}") from None
    problems = _self_check(table, inferred.kind, config)
    notes = ["由 fenjie kind new 从 " + Path(table).name + " 推断；请核对后再用。",
             *("已确定：" + d for d in inferred.decided),
             *("未能确定：" + u for u in [*inferred.undecided, *problems])]
    text = kind_file_text(inferred.kind, notes)
    say = (lambda line: click.echo(line, err=True)) if out is None else click.echo
    say(f"表格类型「{inferred.kind.name}」（{len(inferred.kind.columns)} 列）：")
    for line in inferred.decided:
        say(f"  {line}")
    for line in [*inferred.undecided, *problems]:
        say(f"  未能确定：{line}")
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "x", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise UsageProblem(f"无法写入 {out}：{exc.strerror or exc}。") from None
    click.echo(f"表格类型文件已写入 {out}；在 fenjie.toml 中写 kinds = [\"{out.name}\"]（路径相对于配置文件）。")


def _output_or_exit(output: str | None) -> Path | None:
    if output is None:
        return None
    path = Path(output)
    if path.suffix.lower() != ".toml":
        raise UsageProblem(f"-o 应是一个 .toml 文件名，现在是「{output}」。")
    if path.exists():
        raise UsageProblem(f"{output} 已经存在，不覆盖；请换一个文件名。")
    return path


def _self_check(table: str, kind, config) -> list[str]:
    """The source table checked against the kind inferred from it: what would still be flagged."""
    from validators.batch import check_file
    result = check_file(table, kind=kind, config=config)
    return [f"用推断的类型核对原表，{f.cell or ''} {f.message}（{f.code}）".replace(" （", "（")
            for f in result.findings if f.severity == "error"]
