"""`fenjie template`: write canonical templates."""
from __future__ import annotations

import click

from cli.main import UsageProblem


@click.command()
@click.argument("kind")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="配置文件 fenjie.toml")
@click.option("--from", "county_table", type=click.Path(dir_okay=False), help="已填好的县分解表")
@click.option("--per-township", is_flag=True, help="为每个乡镇各生成一份")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default=".", help="输出文件夹")
def template(kind, config_path, county_table, per_township, out_dir):
    """生成 KIND 类型的标准 Excel 模板。"""
    raise UsageProblem("fenjie template 尚未完成。")
