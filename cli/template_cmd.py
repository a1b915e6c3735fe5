"""`fenjie template`: write canonical templates."""
from __future__ import annotations

from pathlib import Path

import click

from cli.options import (
    ChineseCommand,
    UsageProblem,
    county_table_or_exit,
    kind_or_exit,
    load_config_or_exit,
    output_folder_or_exit,
)
from cli.running import pending_output, run_guarded
from templates.outputs import kept_message

EXAMPLE = "fenjie template grain-plan --config examples/xiangyin-2025/fenjie.toml -o 模板/"


@click.command(cls=ChineseCommand)
@click.argument("kind")
@click.option("--config", "config_path", metavar="FILE", help="配置文件 fenjie.toml")
@click.option("--from", "county_table", metavar="FILE",
              help="已填好的县分解表（--per-township 时必需；按单位分解的表也可以是任务清单 .tsv），"
                   "或用来填行的任务清单（.tsv 或已填的表）")
@click.option("--per-township", is_flag=True,
              help="为每个乡镇（按单位分解的表：每个单位）各生成一份，带上县里下达给它的任务数")
@click.option("-o", "--output", "out_dir", metavar="DIR", default=".", help="输出文件夹（默认为当前文件夹）")
@click.option("--force", is_flag=True,
              help="覆盖输出文件夹里的同名文件（默认只替换 fenjie 生成后没人改过的文件，其余保留）")
@click.pass_context
def template(ctx, kind, config_path, county_table, per_township, out_dir, force):
    """生成 KIND 类型的标准 Excel 模板（KIND 见 fenjie kinds）。

    \b
    例：fenjie template grain-plan --config fenjie.toml -o 模板/
        fenjie template task-breakdown --config fenjie.toml --from 任务清单.tsv
        fenjie template grain-plan --per-township --from 县分解表.xlsx --config fenjie.toml -o 乡镇/
        fenjie template funding-targets --per-township --from 任务清单.tsv --config fenjie.toml -o 单位/
    """
    ctx.exit(run_guarded("template", lambda: _template(kind, config_path, county_table, per_township,
                                                       out_dir, force)))


def _template(kind, config_path, county_table, per_township, out_dir, force) -> int:
    if config_path is None:
        raise UsageProblem(f"请用 --config 指定本县的配置文件 fenjie.toml，例如：\n  {EXAMPLE}")
    config = load_config_or_exit(config_path)
    spec = kind_or_exit(kind, config)
    out = output_folder_or_exit(out_dir, "-o")
    with pending_output(f"模板（{out}）：尚未写出") as progress:
        if per_township:
            written = _township_templates(spec, config, county_table, out, force, progress)
        else:
            written = _county_template(spec, config, county_table, out, force)
    for path in written:
        click.echo(str(path))
    if written.kept:
        click.echo(kept_message(written.kept), err=True)
        return 1
    return 0


def _county_template(spec, config, source, out: Path, force: bool):
    from templates.plan import county_plan
    from templates.writer import WriteProblem, write_plans
    from validators.records import RecordsProblem, read_records
    try:
        records = read_records(source, spec, config) if source else None
        return write_plans([county_plan(spec, config, records)], out, keep=source, force=force)
    except (RecordsProblem, WriteProblem) as exc:
        raise UsageProblem(str(exc)) from None


def _township_templates(spec, config, source, out: Path, force: bool, progress):
    if spec.rows_from not in ("townships", "units"):
        raise UsageProblem(f"{spec.title}不按乡镇或单位分解，不能用 --per-township。")
    party = spec.party
    if not source:
        raise UsageProblem(f"--per-township 需要用 --from 给出已填好的县分解表"
                           f"{'（或任务清单 .tsv）' if party == '单位' else ''}，"
                           f"每个{party}的模板才能带上县里下达给它的任务数。")
    from templates.writer import WriteProblem, township_plans, write_plans
    if spec.rows_from == "units":
        plans = _unit_plans(spec, config, source)
    else:
        plans = township_plans(spec, config, county_table_or_exit(source, spec, config))  # or exit 2

    def report(done: int, total: int) -> None:
        progress(f"{party}模板（{out}）：{done} / {total} 份已写出，其余未写")
    try:
        return write_plans(plans, out, keep=source, force=force, progress=report)
    except WriteProblem as exc:
        raise UsageProblem(str(exc)) from None


def _unit_plans(spec, config, source):
    """One template per unit the county table (or the task list) assigns figures to: its own
    line, the figures as its 县下达任务, the line's text (资金来源构成) filled in."""
    from templates.plan import unit_plans
    from templates.records import TEXT_SUFFIXES
    from validators.county import TableProblem, assigned_from_records, records_by_line
    from validators.records import RecordsProblem, read_records
    name = Path(source).name
    task_list = Path(source).suffix.lower() in TEXT_SUFFIXES
    assigned = None if task_list else county_table_or_exit(source, spec, config)   # checked, or exit 2
    try:
        by_line = records_by_line(read_records(source, spec, config), spec, config, name)
        if task_list:
            assigned = assigned_from_records(by_line, spec, name)
    except (RecordsProblem, TableProblem) as exc:
        raise UsageProblem(str(exc)) from None
    if not assigned:
        raise UsageProblem(f"{name} 里没有任何单位的任务数，不能为各单位生成模板。")
    return unit_plans(spec, config, assigned, by_line)
