"""`fenjie template`: write canonical templates."""
from __future__ import annotations

from pathlib import Path

import click

from cli.main import (ChineseCommand, UsageProblem, county_table_or_exit, kind_or_exit,
                      load_config_or_exit)

EXAMPLE = "fenjie template grain-plan --config examples/xiangyin-2025/fenjie.toml -o 模板/"


@click.command(cls=ChineseCommand)
@click.argument("kind")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="配置文件 fenjie.toml")
@click.option("--from", "county_table", type=click.Path(dir_okay=False),
              help="已填好的县分解表（--per-township 时必需），或用来填行的任务清单（.tsv 或已填的表）")
@click.option("--per-township", is_flag=True, help="为每个乡镇各生成一份，带上县里下达给它的任务数")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default=".",
              show_default=True, help="输出文件夹")
def template(kind, config_path, county_table, per_township, out_dir):
    """生成 KIND 类型的标准 Excel 模板（KIND 见 fenjie kinds）。

    \b
    例：fenjie template grain-plan --config fenjie.toml -o 模板/
        fenjie template task-breakdown --config fenjie.toml --from 任务清单.tsv
        fenjie template grain-plan --per-township --from 县分解表.xlsx --config fenjie.toml -o 乡镇/
    """
    if config_path is None:
        raise UsageProblem(f"请用 --config 指定本县的配置文件 fenjie.toml，例如：\n  {EXAMPLE}")
    config = load_config_or_exit(config_path)
    spec = kind_or_exit(kind, config)
    out = _output_dir(out_dir)
    if per_township:
        paths = _township_templates(spec, config, county_table, out)
    else:
        paths = [_county_template(spec, config, county_table, out)]
    for path in paths:
        click.echo(str(path))


def _output_dir(out_dir: str) -> Path:
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageProblem(f"无法创建输出文件夹 {out}：{exc.strerror or exc}。") from None
    return out


def _county_template(spec, config, source, out: Path) -> Path:
    from templates.records import RecordsProblem, read_records
    from templates.writer import WriteProblem, write_template
    try:
        records = read_records(source, spec) if source else None
        return write_template(spec, config, out, records, keep=source)
    except (RecordsProblem, WriteProblem) as exc:
        raise UsageProblem(str(exc)) from None


def _township_templates(spec, config, source, out: Path) -> list[Path]:
    if spec.rows_from != "townships":
        raise UsageProblem(f"{spec.title}不按乡镇分解，不能用 --per-township。")
    if not source:
        raise UsageProblem("--per-township 需要用 --from 给出已填好的县分解表，"
                           "每个乡镇的模板才能带上县里下达给它的任务数。")
    from templates.writer import WriteProblem, write_township_templates
    assigned = county_table_or_exit(source, spec, config)      # every township, or exit 2
    try:
        return write_township_templates(spec, config, assigned, out, keep=source)
    except WriteProblem as exc:
        raise UsageProblem(str(exc)) from None
