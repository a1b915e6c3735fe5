"""The `fenjie` command. Only option parsing and rendering live here.

Heavy modules (pandas, pandera, openpyxl) are imported inside the commands that need them,
so `fenjie --help`, `fenjie kinds` and `fenjie rules` start fast.
"""
from __future__ import annotations

import sys

import click

from cli.check_cmd import check
from cli.draft_cmd import draft
from cli.merge_cmd import merge
from cli.options import CONTEXT, ChineseCommand, ChineseGroup, UsageProblem, usage_in_chinese
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


@main.command(cls=ChineseCommand)
@click.pass_context
def kinds(ctx):
    """列出支持的表格类型。"""
    ctx.exit(run_guarded("kinds", _print_kinds))


def _print_kinds() -> int:
    from templates.kinds import KINDS
    for kind in KINDS.values():
        click.echo(f"{kind.name:<16}{kind.title}（第 {kind.version} 版）")
        click.echo(f"{'':<16}{kind.description}")
        headers = "、".join(c.label if not c.parent else f"{c.parent}/{c.header}" for c in kind.columns)
        click.echo(f"{'':<16}列：{headers}")
    return 0


@main.command(cls=ChineseCommand)
@click.argument("code", required=False)
@click.pass_context
def rules(ctx, code):
    """列出核对规则；给出 CODE 时显示该规则的详细说明。"""
    ctx.exit(run_guarded("rules", lambda: _print_rules(code)))


def _print_rules(code) -> int:
    from validators.rules import RULES

    def applies_to(rule) -> str:
        return "、".join(rule.kinds) or "通用"

    if code is None:
        from rich.cells import cell_len      # display width: a CJK character takes two columns
        table = [("代码", "级别", "名称", "适用", "消息")] + [
            (r.code, "错误" if r.severity == "error" else "提醒", r.name, applies_to(r), r.message)
            for r in RULES.values()]
        widths = [max(cell_len(row[i]) for row in table) for i in range(4)]
        for *padded, message in table:
            click.echo("  ".join([*(text + " " * (width - cell_len(text))
                                    for text, width in zip(padded, widths)), message]))
        return 0
    rule = RULES.get(code.upper())
    if rule is None:
        raise UsageProblem(f"没有规则 {code}。运行 fenjie rules 查看全部规则。")
    level = "错误" if rule.severity == "error" else "提醒（不影响通过）"
    click.echo(f"{rule.code} ({rule.name})  {level}")
    click.echo(f"消息：{rule.message}")
    click.echo(f"适用：{applies_to(rule)}")
    click.echo("")
    click.echo(rule.explanation)
    return 0


for command in (template, check, merge, serve, draft):
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
    sys.exit(code if isinstance(code, int) else 0)
