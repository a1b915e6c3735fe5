"""The `fenjie` command. Only option parsing and rendering live here.

Heavy modules (pandas, pandera, openpyxl) are imported inside the commands that need them,
so `fenjie --help`, `fenjie kinds` and `fenjie rules` start fast.
"""
from __future__ import annotations

import gc
import sys

import click

from cli.check_cmd import check
from cli.draft_cmd import draft
from cli.kind_cmd import kind_group
from cli.merge_cmd import merge
from cli.options import (
    CONTEXT,
    ChineseCommand,
    ChineseGroup,
    UsageProblem,
    aligned,
    kind_or_exit,
    load_config_or_exit,
    usage_in_chinese,
)
from cli.running import run_guarded
from cli.serve_cmd import serve
from cli.template_cmd import template


@click.group(cls=ChineseGroup, context_settings=CONTEXT)
@click.version_option(package_name="fenjie", message="fenjie %(version)s", help="显示版本号并退出。")
def main():
    """fenjie（分解）：生成县级目标任务分解表模板，核对乡镇报回的表格。

    \b
    fenjie kinds                      列出表格类型
    fenjie template grain-plan ...    生成模板
    fenjie check 报送文件夹/ ...       核对报回的表格
    fenjie merge 报送文件夹/ ...       汇总
    fenjie rules [CODE]               查看核对规则
    """


CONFIG_HELP = "县配置文件 fenjie.toml：连同其中 kinds = [...] 列出的本县表格类型。"


@main.command(cls=ChineseCommand)
@click.argument("name", required=False)
@click.option("--config", "config_path", metavar="FILE", help=CONFIG_HELP)
@click.option("--toml", "as_toml", is_flag=True, help="把 NAME 这种表格类型打印成表格类型文件（可另存后修改）。")
@click.pass_context
def kinds(ctx, name, config_path, as_toml):
    """列出表格类型（内置的和本县的）；--toml 打印一种类型的声明。

    \b
    例：fenjie kinds --config fenjie.toml
        fenjie kinds grain-plan --toml > kinds/我的粮食表.toml
    """
    ctx.exit(run_guarded("kinds", lambda: _print_kinds(name, config_path, as_toml)))


def _print_kinds(name, config_path, as_toml) -> int:
    from templates.kinds import kinds_for
    config = load_config_or_exit(config_path)
    if as_toml or name:
        kind = kind_or_exit(name, config) if name else None
        if kind is None:
            raise UsageProblem("--toml 需要给出表格类型名，例如：fenjie kinds grain-plan --toml")
        from templates.kindfile import kind_file_text
        click.echo(kind_file_text(kind) if as_toml else _kind_lines(kind, config), nl=not as_toml)
        return 0
    for kind in kinds_for(config).values():
        click.echo(_kind_lines(kind, config))
    return 0


def _kind_lines(kind, config) -> str:
    county = config is not None and kind.name in config.county_kinds
    origin = f"本县，{kind.source}" if county else "内置"
    headers = "、".join(c.label if not c.parent else f"{c.parent}/{c.header}" for c in kind.columns)
    return "\n".join([f"{kind.name:<16}{kind.title}（第 {kind.version} 版，{origin}）",
                      f"{'':<16}{kind.description}" if kind.description else f"{'':<16}每行：{ROWS_ZH[kind.rows_from]}",
                      f"{'':<16}列：{headers}"])


ROWS_ZH = {"townships": "乡镇（乡镇表里是村）", "units": "单位", "tasks": "任务"}


@main.command(cls=ChineseCommand)
@click.argument("code", required=False)
@click.option("--config", "config_path", metavar="FILE", help=CONFIG_HELP)
@click.pass_context
def rules(ctx, code, config_path):
    """列出核对规则；给出 CODE 时显示该规则的详细说明。"""
    ctx.exit(run_guarded("rules", lambda: _print_rules(code, config_path)))


def _print_rules(code, config_path) -> int:
    from templates.labels import level_label
    from validators.check.rules import rules_for
    config = load_config_or_exit(config_path)
    RULES = rules_for(config)

    def applies_to(rule) -> str:
        return "、".join(rule.kinds) or "通用"

    if code is None:
        table = [("代码", "级别", "名称", "适用", "消息")] + [
            (r.code, level_label(r.severity), r.name, applies_to(r), r.message)
            for r in RULES.values()]
        for line in aligned(table):
            click.echo(line)
        return 0
    rule = RULES.get(code.upper())
    if rule is None:
        raise UsageProblem(f"没有规则 {code}。运行 fenjie rules 查看全部规则。")
    level = level_label(rule.severity, explained=True)
    click.echo(f"{rule.code} ({rule.name})  {level}")
    click.echo(f"消息：{rule.message}")
    click.echo(f"适用：{applies_to(rule)}")
    click.echo("")
    click.echo(rule.explanation)
    from cli.example_text import example_text
    click.echo("\n".join(example_text(rule.code, config)))
    return 0


for command in (template, check, merge, serve, draft, kind_group):
    main.add_command(command)


def run():
    """Console-script entry: never show a traceback or click's English to a clerk."""
    from cli.running import interrupted_message
    try:
        code = main.main(standalone_mode=False, prog_name="fenjie")
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help(), err=True)
        sys.exit(2)
    except click.ClickException as exc:
        if isinstance(exc, click.UsageError) and not isinstance(exc, UsageProblem):
            exc = usage_in_chinese(exc, exc.ctx or click.Context(main, info_name="fenjie"))
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo(interrupted_message(), err=True)
        sys.exit(130)
    # The command is done and its files written and closed. Python's shutdown would still run the
    # cyclic collector over every object left (a 100 000-row check: 0.2 s of a 1.6 s run);
    # frozen objects are freed as usual, only not searched for cycles.
    gc.freeze()
    sys.exit(code if isinstance(code, int) else 0)
