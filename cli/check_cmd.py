"""`fenjie check`: check returned sheets."""
from __future__ import annotations

import click

from cli.main import UsageProblem


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def check(paths):
    """核对报回的表格（文件或文件夹）。"""
    raise UsageProblem("fenjie check 尚未完成。")
