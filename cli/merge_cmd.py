"""`fenjie merge`: check every township's return and consolidate them into one new workbook.

Only option parsing and output live here: checking is validators.batch, consolidating
validators.merge, writing validators.output.summary. Exit status: 0 every township sent exactly one
valid return (on its target) and no file is unaccounted for; 1 otherwise (a township missing,
a return with errors, a township that sent twice, a file matched to no township);
2 a usage or config error.
"""
from __future__ import annotations

from pathlib import Path

import click

from cli.options import (
    ChineseCommand,
    UsageProblem,
    checked_county_table_or_exit,
    county_table_or_exit,
    kind_or_exit,
    load_config_or_exit,
    refuse_county_table_as_the_returns,
)

EXAMPLE = "fenjie merge 报送/ --config fenjie.toml --from 县分解表.xlsx -o 汇总.xlsx"


@click.command(cls=ChineseCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--config", "config_path", metavar="FILE", help="县配置文件 fenjie.toml（必需）。")
@click.option("--from", "county_table", metavar="COUNTY_TABLE",
              help="已填好的县分解表：各乡镇的下达数从这里取。不给时只用配置文件中的全县目标。")
@click.option("--kind", metavar="KIND", help="表格类型；不给时用 --from 县分解表的类型，没有 --from 时用唯一按乡镇分解的类型（grain-plan）。")
@click.option("--include-invalid", is_flag=True, help="有错或重复报送的乡镇也计入合计（默认不计入）。")
@click.option("-o", "--output", metavar="FILE.xlsx", help="汇总工作簿（新文件，必需）。")
@click.option("--force", is_flag=True,
              help="可以覆盖已有的同名文件（默认只替换 fenjie 生成后没人改过的汇总）。")
@click.pass_context
def merge(ctx, paths, config_path, county_table, kind, include_invalid, output, force):
    """把各乡镇报回的表格核对后汇总成一个新工作簿（汇总表、图表、校验明细）。

    \b
    例：fenjie merge 报送/ --config fenjie.toml --from 县分解表.xlsx -o 汇总.xlsx
    退出状态：0 每个乡镇都报送了一份无错的表；1 有未报送、有错、重复报送或无法对应的文件；
    2 用法或配置有误。
    """
    from cli.running import run_guarded
    code = run_guarded("merge", lambda: _merge(paths, config_path, county_table, kind,
                                               include_invalid, output, force))
    ctx.exit(code)


def _merge(paths, config_path, county_table, kind, include_invalid, output, force=False) -> int:
    if config_path is None:
        raise UsageProblem(f"请用 --config 指定本县的配置文件 fenjie.toml，例如：\n  {EXAMPLE}")
    config = load_config_or_exit(config_path)
    spec = merge_kind(kind, config) if kind is not None or county_table is None else None
    inputs = input_files(paths, county_table)
    out = output_or_exit(output, inputs, county_table, force)
    if spec is None:            # the county table tells the kind, as for check --from
        county = checked_county_table_or_exit(county_table, None, config)
        spec, assigned = merge_kind(county.result.kind, config), county.assigned
    else:
        assigned = assigned_or_exit(county_table, spec, config)
    return run_merge(inputs, spec, config, assigned, include_invalid, out, county_table, paths)


# -- options --------------------------------------------------------------------------------

def merge_kind(name: str | None, config=None):
    """The kind to consolidate: --kind, else the only kind whose rows are townships."""
    from templates.kinds import kinds_for
    mergeable = [k for k in kinds_for(config).values() if k.by_place and k.summed_columns]
    by_township = [k for k in mergeable if k.rows_from == "townships"]
    spec = kind_or_exit(name, config)
    if spec is None:
        if len(by_township) != 1:
            names = "、".join(k.name for k in mergeable)
            raise UsageProblem(f"请用 --kind 指定要汇总的表格类型：{names}。")
        return by_township[0]
    if spec not in mergeable:
        raise UsageProblem(f"{spec.title}不按乡镇分解、没有合计，不能汇总；fenjie check 可以核对它。")
    return spec


def input_files(paths, county_table: str | None) -> list[Path]:
    """The returns under `paths`, without the county table itself when it lies among them."""
    from validators.read.inputs import find_input_files
    skip = Path(county_table).resolve() if county_table and Path(county_table).exists() else None
    files = [f for f in find_input_files(paths) if not (skip and f.exists() and f.resolve() == skip)]
    if not files:
        from validators.read.inputs import collect_inputs, untouched_templates
        skipped = collect_inputs(paths).skipped
        refuse_county_table_as_the_returns(paths, county_table, f"fenjie merge 报送/ --config fenjie.toml "
                                           f"--from {county_table} -o 汇总.xlsx")
        if not untouched_templates(skipped):          # one may be a return sent back unfilled (S011)
            raise UsageProblem(nothing_returned(paths, skipped))
    return files


def nothing_returned(paths, skipped) -> str:
    from validators.read.inputs import skipped_summary
    return (f"在 {'、'.join(map(str, paths))} 中没有找到报回的表格（.xlsx .xlsm .xls .et .ods .csv）。"
            + (skipped_summary(skipped) if skipped else ""))


def output_or_exit(output: str | None, inputs: list[Path], county_table: str | None,
                   force: bool = False) -> Path:
    if not output:
        raise UsageProblem(f"请用 -o 指定汇总工作簿的文件名，例如：\n  {EXAMPLE}")
    path = Path(output)
    if path.suffix.lower() != ".xlsx":
        raise UsageProblem(f"-o 应是一个 .xlsx 文件名，现在是「{output}」。")
    if path.is_dir():
        raise UsageProblem(f"-o「{output}」是一个文件夹，请给出文件名，例如 汇总.xlsx。")
    if path.exists():
        protected = {p.resolve() for p in inputs if p.exists()}
        if county_table and Path(county_table).exists():
            protected.add(Path(county_table).resolve())
        if path.resolve() in protected:
            raise UsageProblem(f"-o「{output}」是要汇总的文件之一（或在报送文件夹里），汇总不能覆盖报回的表格；"
                               f"请把汇总写到别处，例如 -o 汇总/汇总.xlsx。")
    from cli.check_cmd import new_output_or_exit
    return new_output_or_exit(path, "-o", force)


def assigned_or_exit(county_table: str | None, spec, config) -> dict[str, dict[str, float]] | None:
    if county_table is None:
        return None
    return county_table_or_exit(county_table, spec, config)


# -- running --------------------------------------------------------------------------------

def run_merge(inputs, spec, config, assigned, include_invalid, out: Path, county_table, paths=()) -> int:
    """Check the returns `inputs` (with the unfilled templates among what the folders `paths`
    held, S011) and write the 汇总 workbook."""
    from cli.running import ProgressBar
    from templates.writer import WriteProblem
    from validators.batch import check_paths
    from validators.merge import consolidate, summary_lines
    from validators.output.summary import write_summary
    from validators.read.inputs import collect_inputs, skipped_summary

    progress = ProgressBar()
    try:
        batch = check_paths(inputs, kind=spec.name, config=config, assigned=assigned, progress=progress,
                            skipped=collect_inputs(paths).skipped)
    finally:
        progress.close()
    if not batch.files:                      # only templates, none a township's or unit's return
        raise UsageProblem(nothing_returned(paths, batch.skipped))
    if batch.skipped:                        # the files in the folders that are not merged, and why
        click.echo(skipped_summary(batch.skipped), err=True)
    merged = consolidate(batch, spec, config, assigned, include_invalid)
    source = Path(county_table).name if county_table else None
    from cli.running import pending_output
    try:
        with pending_output(f"汇总工作簿 {out} 未写入"):
            write_summary(merged, batch, out, source=source, base=Path.cwd())
    except WriteProblem as exc:
        raise UsageProblem(str(exc)) from None
    for line in summary_lines(merged):
        click.echo(line)
    click.echo(f"汇总工作簿已写入 {out}")
    return 0 if merged.complete else 1
