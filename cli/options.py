"""What every `fenjie` command shares: Chinese usage errors and help, and the helpers that turn a
config, a kind or a county table given on the command line into objects or exit status 2.

Command modules import these from here, never from cli.main (which imports the commands)."""
from __future__ import annotations

from pathlib import Path

import click

from templates.config import ConfigError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class UsageProblem(click.ClickException):
    """A usage or config error: Chinese message on stderr, exit status 2."""
    exit_code = 2

    def show(self, file=None):
        click.echo(f"错误：{self.format_message()}", err=True)


PARAMETER_ZH = {"paths": "要处理的文件或文件夹", "table": "已填好的表 TABLE", "kind": "表格类型 KIND（见 fenjie kinds）", "code": "规则代码"}
HEADINGS_ZH = {"Options": "选项", "Commands": "命令", "Positional arguments": "参数", "Arguments": "参数"}
HELP_EXTRAS_ZH = {"[default: ": "[默认：", "[required]": "[必需]", "[env var: ": "[环境变量："}


def commands_hint(ctx) -> str:
    """The commands of the group that failed to find one (`fenjie`, or `fenjie kind`)."""
    group = ctx.command if ctx is not None else None
    names = list(getattr(group, "commands", {}) or {})
    return "可用的命令：" + "、".join(names) if names else "可用的命令见 fenjie --help"


class ChineseHelpFormatter(click.HelpFormatter):
    """`--help` with Chinese headings: 用法、选项、命令."""

    def write_usage(self, prog, args="", prefix=None):
        super().write_usage(prog, args, prefix="用法：" if prefix is None else prefix)

    def write_heading(self, heading):
        self.write(f"{'':>{self.current_indent}}{HEADINGS_ZH.get(heading, heading)}：\n")

    def write_dl(self, rows, *args, **kwargs):
        """Option help with click's own "[default: x]" and "[required]" in Chinese."""
        super().write_dl([(term, _extras_in_chinese(text)) for term, text in rows], *args, **kwargs)


def _extras_in_chinese(text: str) -> str:
    for english, chinese in HELP_EXTRAS_ZH.items():
        text = text.replace(english, chinese)
    return text


class ChineseContext(click.Context):
    formatter_class = ChineseHelpFormatter


def usage_in_chinese(exc: click.UsageError, ctx) -> UsageProblem:
    """click's own usage errors (always English) as a Chinese UsageProblem, exit status 2."""
    see = f"运行 {ctx.command_path} --help 查看用法。"
    if isinstance(exc, click.NoSuchOption):
        return UsageProblem(f"没有选项 {exc.option_name}。{see}")
    if isinstance(exc, click.MissingParameter):
        name = exc.param.name if exc.param else ""
        return UsageProblem(f"缺少{PARAMETER_ZH.get(name, name)}。{see}")
    if isinstance(exc, click.BadOptionUsage):
        need = "需要一个值" if "requires" in exc.format_message() else "不带值"
        return UsageProblem(f"选项 {exc.option_name} {need}。{see}")
    if isinstance(exc, click.BadParameter):
        hint = exc.param.get_error_hint(ctx) if exc.param else "参数"
        return UsageProblem(f"{hint} 的值不对。{see}")
    message = exc.format_message()
    if message.startswith("No such command"):
        name = message.split("'")[1] if message.count("'") >= 2 else ""
        return UsageProblem(f"没有命令「{name}」。{commands_hint(ctx)}；{see}")
    if message.startswith("Missing command"):
        return UsageProblem(f"缺少命令。{commands_hint(ctx)}；{see}")
    if message.startswith("Got unexpected extra argument"):
        extra = message[message.find("(") + 1:message.rfind(")")] if "(" in message else ""
        return UsageProblem(f"多余的参数：{extra}。{see}")
    return UsageProblem(f"命令行的写法不对。{see}")


class ChineseMixin:
    """click's parse errors (unknown option or command, missing argument …), help headings and
    help-option text in Chinese; usage errors exit with status 2."""
    context_class = ChineseContext

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:
            raise usage_in_chinese(exc, ctx) from None


class ChineseCommand(ChineseMixin, click.Command):
    pass


class ChineseGroup(ChineseMixin, click.Group):
    command_class = ChineseCommand

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            raise usage_in_chinese(exc, ctx) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (UsageProblem, click.exceptions.NoArgsIsHelpError):
            raise
        except click.UsageError as exc:
            raise usage_in_chinese(exc, exc.ctx or ctx) from None


def output_folder_or_exit(folder, option: str) -> Path:
    """`folder` as a Path, or exit status 2 when files cannot be written there (checked before
    any work, so a long run does not end in a write error)."""
    from templates.outputs import writable_folder_problem
    from validators.read.inputs import SPREADSHEET_SUFFIXES
    path = Path(folder)
    if path.suffix.lower() in SPREADSHEET_SUFFIXES and not path.is_dir():
        raise UsageProblem(f"{option} 给的是输出文件夹（文件名由 fenjie 按县名、乡镇名生成），「{folder}」像一个"
                           f"文件名；请给出文件夹，例如 {option} {path.with_suffix('')}/")
    problem = writable_folder_problem(path)
    if problem:
        raise UsageProblem(f"{option}「{folder}」无法写入：{problem}。请换一个文件夹。")
    return path


def load_config_or_exit(path):
    """The parsed config, or exit status 2 with a Chinese message."""
    if path is None:
        return None
    from templates.config import load_config
    try:
        return load_config(path)
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None


def county_table_or_exit(path, kind, config) -> dict[str, dict[str, float]]:
    """Each township's figures in a filled county table, or exit status 2 saying what is wrong."""
    return checked_county_table_or_exit(path, kind, config).assigned


def checked_county_table_or_exit(path, kind, config):
    """The county table checked with the rules every table gets (validators.county.CountyTable);
    exit status 2 with its errors when it has any, or saying why it cannot be used."""
    from validators.county import TableProblem, check_county_table
    from validators.output.refusal import county_table_refusal
    from validators.read.errors import UnreadableFile
    if not Path(path).is_file():
        raise UsageProblem(f"找不到县分解表 {path}。")
    try:
        county = check_county_table(path, kind, config)
    except (UnreadableFile, TableProblem) as exc:
        raise UsageProblem(f"县分解表 {Path(path).name} 无法使用：{exc}") from None
    if county.result.errors:
        raise UsageProblem(county_table_refusal(county.result))
    return county


def kind_or_exit(name, config=None):
    """The kind --kind names (built-in or the county's own), or exit status 2."""
    if name is None:
        return None
    from templates.kinds import get_kind
    try:
        return get_kind(name, config, remembered=False)
    except KeyError as exc:
        raise UsageProblem(exc.args[0]) from None


def refuse_county_table_as_the_returns(paths, county_table: str | None, example: str) -> None:
    """UsageProblem when the only table named is the --from county table itself: it was checked
    (no errors, else we would not be here) and is never a return; `example` shows the right call."""
    if county_table is None:
        return
    table = Path(county_table).resolve()
    if any(Path(p).is_file() and Path(p).resolve() == table for p in paths):
        raise UsageProblem(f"{county_table} 是 --from 给出的县分解表，已按同样的规则核对，没有错误；"
                           f"--from 之前应给出乡镇报回的表或报送文件夹，例如：\n  {example}")


def aligned(rows: list, measured: list | None = None) -> list[str]:
    """Rows of texts as lines whose columns line up on a terminal, where a CJK character takes two
    columns; `measured`, the rows that set the widths (all by default). The last column is not padded."""
    from rich.cells import cell_len
    measured = rows if measured is None else measured
    count = max((len(row) for row in rows), default=1) - 1
    widths = [max((cell_len(row[i]) for row in measured if i < len(row)), default=0) for i in range(count)]
    return ["  ".join([*(text + " " * (width - cell_len(text)) for text, width in zip(row[:-1], widths)),
                       *row[-1:]]) for row in rows]
