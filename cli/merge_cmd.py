"""`fenjie merge`: consolidate the returns."""
from __future__ import annotations

import click

from cli.main import UsageProblem


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def merge(paths):
    """把各乡镇报回的表格汇总成一个工作簿。"""
    raise UsageProblem("fenjie merge 尚未完成。")
