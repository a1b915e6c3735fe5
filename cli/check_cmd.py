"""`fenjie check`: check returned sheets and report what is wrong, cell by cell.

Only option parsing and output live here; the checking is validators.batch, the rendering
validators.output.render / report / annotate. Exit status: 0 no error finding, 1 an error finding
(an unreadable file or a township that sent nothing included), 2 a usage or config error.
"""
from __future__ import annotations

import os
import sys
import unicodedata
from pathlib import Path

import click

from cli.options import (
    ChineseCommand,
    UsageProblem,
    checked_county_table_or_exit,
    kind_or_exit,
    load_config_or_exit,
    refuse_county_table_as_the_returns,
)
from cli.running import ProgressBar, run_guarded
from templates.cells import plain_number

FORMATS = ("text", "json")


@click.command(cls=ChineseCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--kind", metavar="KIND", help="表格类型（见 fenjie kinds）；不给时自动识别。")
@click.option("--config", "config_path", metavar="FILE", help="县配置文件 fenjie.toml（乡镇、单位名单和目标）。")
@click.option("--from", "county_table", metavar="COUNTY_TABLE",
              help="已填好的县分解表：每份报回的表与本乡镇在其中的下达数核对（需要 --config）。")
@click.option("--target", "targets", multiple=True, metavar="COLUMN=N",
              help="县下达目标（列名=数值），例如 --target 粮食总面积=118；可重复。")
@click.option("--format", "output_format", default="text", metavar="text|json",
              help="输出格式：text（默认）或 json。")
@click.option("--report", metavar="FILE.xlsx", help="把结果写成 Excel 报告（汇总 + 问题清单）。")
@click.option("--annotate", metavar="DIR", help="在 DIR 中为每个文件生成标出问题单元格的副本。")
@click.option("--ignore", multiple=True, metavar="CODE", help="不报告这条规则，例如 --ignore P001；可重复。")
@click.option("--force", is_flag=True,
              help="报告、标注副本可以覆盖已有的同名文件（默认只替换 fenjie 生成后没人改过的文件）。")
@click.pass_context
def check(ctx, paths, kind, config_path, county_table, targets, output_format, report, annotate,
          ignore, force):
    """核对报回的表格（文件或文件夹）。

    \b
    退出状态：0 没有错误（可有提醒）；1 有错误、无法读取的文件或未报送的乡镇；2 用法或配置有误。
    """
    code = run_guarded("check", lambda: _check(paths, kind, config_path, county_table, targets,
                                               output_format, report, annotate, ignore, force))
    ctx.exit(code)


def _check(paths, kind, config_path, county_table, targets, output_format, report, annotate,
           ignore, force=False) -> int:
    """Validate every option (UsageProblem, exit 2) before checking anything, then check."""
    if output_format not in FORMATS:
        raise UsageProblem(f"--format 只能是 text 或 json，现在是「{output_format}」。")
    config = load_config_or_exit(config_path)
    spec = kind_or_exit(kind, config)
    target_values = parse_targets(targets, spec, config)
    ignored = parse_ignore(ignore, config)
    assigned = None
    if county_table is not None:
        if config is None:
            raise UsageProblem("--from 需要同时用 --config 给出本县的配置文件 fenjie.toml，例如：\n"
                               "  fenjie check 报送/ --config fenjie.toml --from 县分解表.xlsx")
        assigned, kind = _assigned(county_table, spec, config)
    inputs = _inputs(paths, county_table)
    skipped = skipped_files(paths)
    if not inputs:
        refuse_county_table_as_the_returns(
            paths, county_table, f"fenjie check 报送/ --config {config_path} --from {county_table}")
        from validators.read.inputs import untouched_templates
        if not untouched_templates(skipped):           # one may be a return sent back unfilled (S011)
            raise UsageProblem(nothing_to_check(paths, skipped))
    refuse_to_overwrite_county_table(county_table, report, "--report")
    report_path = report_or_exit(report, inputs, force)
    copies = copies_or_exit(annotate, inputs)
    if copies:
        for copy in copies.values():
            refuse_to_overwrite_county_table(county_table, copy, "--annotate")
    return run_check(inputs, kind=kind, config=config, targets=target_values, ignore=ignored,
                     output_format=output_format, report=report_path, copies=copies,
                     assigned=assigned, skipped=skipped, force=force, folders=paths)


def nothing_to_check(paths, skipped) -> str:
    from validators.read.inputs import SPREADSHEET_SUFFIXES
    return (f"在 {'、'.join(map(str, paths))} 中没有找到要核对的表格（{' '.join(SPREADSHEET_SUFFIXES)}）。"
            + (skipped_line(skipped) if skipped else ""))


# -- options --------------------------------------------------------------------------------

def parse_target(text: str) -> tuple[str, float]:
    """`粮食总面积=118` -> ("粮食总面积", 118.0); UsageProblem when it is not 列名=数值."""
    normal = unicodedata.normalize("NFKC", text)
    name, sep, raw = normal.partition("=")
    name, raw = name.strip(), raw.strip().replace(",", "")
    value = plain_number(raw) if sep and name else None
    if value is None:
        raise UsageProblem(f"--target 的写法应为「列名=数值」，例如 --target 粮食总面积=118；现在是「{text}」。")
    return name, float(value)


def parse_targets(texts, spec, config=None) -> dict[str, float]:
    targets = dict(parse_target(t) for t in texts)
    if not targets:
        return {}
    from templates.kinds import kinds_for, target_problem
    kinds = [spec] if spec else list(kinds_for(config).values())
    for name, value in targets.items():
        problem = target_problem(kinds, name, value)
        if problem is not None:
            raise UsageProblem(f"--target：{problem}")
    return targets


def parse_ignore(codes, config=None) -> tuple[str, ...]:
    from validators.check.rules import rules_for
    wanted = tuple(dict.fromkeys(c.strip().upper() for c in codes))
    known = rules_for(config)
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise UsageProblem(f"--ignore：没有规则 {'、'.join(unknown)}。运行 fenjie rules 查看全部规则。")
    return wanted


def _assigned(county_table: str, spec, config) -> tuple[dict[str, dict[str, float]], str]:
    """Each township's figures in the county table (checked first: exit 2 on its errors), and
    the kind to check the returns as: --kind, else the county table's own."""
    county = checked_county_table_or_exit(county_table, spec, config)
    return county.assigned, county.result.kind


def _inputs(paths, county_table: str | None = None) -> list[Path]:
    """The files to check; the county table itself is not one of the returns."""
    from validators.read.inputs import find_input_files
    skip = Path(county_table).resolve() if county_table and Path(county_table).is_file() else None
    return [f for f in find_input_files(paths) if not (skip and f.exists() and f.resolve() == skip)]


def report_or_exit(report: str | None, inputs: list[Path], force: bool = False) -> Path | None:
    """The report's path; UsageProblem when it is no .xlsx name, would overwrite a return
    (an input, or any existing file in an input's folder) or a file fenjie did not write
    (unless `force`), or cannot be written."""
    if report is None:
        return None
    path = Path(report)
    if path.suffix.lower() != ".xlsx":
        raise UsageProblem(f"--report 应是一个 .xlsx 文件名，现在是「{report}」。")
    if path.is_dir():
        raise UsageProblem(f"--report「{report}」是一个文件夹，请给出文件名，例如 核对报告.xlsx。")
    from validators.output.annotate import unsafe_copies
    if unsafe_copies({path: path}, inputs):
        raise UsageProblem(f"--report「{report}」会覆盖报回的表格。请把报告写到报送文件夹以外，"
                           f"例如 --report 核对报告.xlsx。")
    return new_output_or_exit(path, "--report", force)


def new_output_or_exit(path: Path, option: str, force: bool) -> Path:
    """`path` for a new output file: its folder must be writable, and an existing file there is
    replaced only when fenjie wrote it and nobody changed it since (or with --force)."""
    from cli.options import output_folder_or_exit
    from templates.outputs import replaceable
    output_folder_or_exit(path.parent, f"{option} 的文件夹")
    if not replaceable(path, force):
        raise UsageProblem(f"{option}「{path}」已经存在，而且不是 fenjie 生成的（或生成后有人改过），"
                           f"没有覆盖它。请换一个文件名；确要覆盖请加 --force。")
    return path


def refuse_to_overwrite_county_table(county_table, output, option: str) -> None:
    """The --from county table is an input like the returns: never an output, even with --force."""
    if county_table is None or output is None:
        return
    table, target = Path(county_table), Path(output)
    if os.path.lexists(target) and table.exists() and os.path.samefile(table, target):
        raise UsageProblem(f"{option}「{output}」就是 --from 给出的县分解表，不能覆盖它。请换一个文件名，"
                           f"例如 --report 核对报告.xlsx。")


def copies_or_exit(annotate: str | None, inputs: list[Path]) -> dict[Path, Path] | None:
    """Input file -> its annotated copy; UsageProblem if a copy would overwrite a return."""
    if annotate is None:
        return None
    from cli.options import output_folder_or_exit
    from validators.output.annotate import plan_copies, unsafe_copies
    out_dir = Path(annotate)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageProblem(f"--annotate「{annotate}」已存在且不是文件夹。")
    output_folder_or_exit(out_dir, "--annotate")
    planned = plan_copies(inputs, out_dir)
    clashes = unsafe_copies(planned, inputs)
    if clashes:
        names = "、".join(c.name for c in clashes[:5])
        raise UsageProblem(f"--annotate：标注副本会覆盖报回的文件（{names}）。"
                           f"请另选一个文件夹，例如 --annotate 标注/。")
    return planned


def run_check(paths, *, kind, config, targets, ignore, output_format, report, copies,
              assigned=None, skipped=(), force=False, folders=()) -> int:
    """Check the files `paths`; `skipped` are the files the folders held that are not checked
    (an unfilled template of a township or unit among them is checked as its return, S011)."""
    from validators.batch import check_paths

    as_json = output_format == "json"
    progress = None if as_json else ProgressBar()
    try:
        batch = check_paths(list(paths), kind=kind, config=config, targets=targets or None,
                            assigned=assigned, ignore=ignore, progress=progress, skipped=skipped)
    finally:
        if progress:
            progress.close()
    if not batch.files:                 # only templates, none a township's or unit's return
        raise UsageProblem(nothing_to_check(folders or paths, batch.skipped))
    if as_json:
        _print_json(batch)
    else:
        _print_text(batch)
    if batch.skipped:
        click.echo(skipped_line(batch.skipped), err=True)
    notices = []
    if report is not None:
        notices.append(_write_report(batch, report))
    if copies is not None:
        notices.extend(_write_copies(batch, copies, force))
    for notice in notices:
        click.echo(notice, err=as_json)
    return 1 if batch.has_errors else 0


def _print_json(batch) -> None:
    import json

    from validators.output.render import json_document
    click.echo(json.dumps(json_document(batch), ensure_ascii=False, indent=2))


def skipped_files(paths):
    """The files in the given folders that are not checked, and why (validators.read.inputs)."""
    from validators.read.inputs import collect_inputs
    return collect_inputs(paths).skipped


def skipped_line(skipped) -> str:
    from validators.read.inputs import skipped_summary
    return skipped_summary(skipped)


def _print_text(batch) -> None:
    from validators.output.render import plain, text_lines
    lines = text_lines(batch, Path.cwd())
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.text import Text
        console = Console(highlight=False, soft_wrap=True)
        for line in lines:
            console.print(Text.assemble(*[(t, s or "") for t, s in line]))
        return
    for line in lines:
        click.echo(plain(line))


def _write_report(batch, report: Path) -> str:
    from cli.running import pending_output
    from templates.outputs import os_error_zh
    from validators.output.report import write_report
    try:
        with pending_output(f"核对报告 {report} 未写入"):
            write_report(batch, report, Path.cwd())
    except OSError as exc:
        raise UsageProblem(f"无法写入报告 {report}：{os_error_zh(exc)}。"
                           f"若该文件正在 Excel 或 WPS 中打开，请先关闭。") from None
    return f"报告已写入 {report}"


def _write_copies(batch, copies: dict[Path, Path], force: bool = False) -> list[str]:
    from cli.running import pending_output
    with pending_output("标注副本一份也未写出") as progress:
        return _annotate_all(batch, copies, force, progress)


def _annotate_all(batch, copies: dict[Path, Path], force: bool, progress) -> list[str]:
    from templates.outputs import kept_message, os_error_zh, replaceable
    from validators.output.annotate import annotate_file
    from validators.read.errors import UnreadableFile
    by_path = {str(source): copy for source, copy in copies.items()}
    folder = next(iter(copies.values())).parent if copies else None
    notices, written, kept = [], 0, []
    for result in batch.files:
        copy = by_path.get(result.path)
        if copy is None:
            continue
        progress(f"标注副本 {written} / {len(copies)} 份已写入 {folder}，其余未写")
        if result.unreadable:
            notices.append(f"{result.path}：无法读取，未生成标注副本")
            continue
        if not replaceable(copy, force):
            kept.append(copy)
            continue
        try:
            done = annotate_file(result, copy)
        except UnreadableFile as exc:
            notices.append(f"{result.path}：无法生成标注副本（{exc.reason}）")
            continue
        except OSError as exc:
            notices.append(f"{result.path}：无法写入标注副本 {copy}（{os_error_zh(exc)}）")
            continue
        except Exception:
            import logging
            logging.getLogger("fenjie").exception("annotating %s", result.path)
            from cli.running import log_path
            notices.append(f"{result.path}：无法生成标注副本（程序出错，详细信息已写入 {log_path()}）")
            continue
        written += 1
        if done.values_only:
            notices.append(f"{result.path}：{_why_values_only(done.source)}，标注副本另存为 {copy}（只含数值）")
    if kept:
        notices.append(kept_message(kept))
    if copies:
        notices.append(f"标注副本 {written} 份已写入 {folder}")
    return notices


def _why_values_only(source: Path) -> str:
    from validators.output.annotate import COPIED_AS_IS
    if source.suffix.lower() in COPIED_AS_IS:
        return "原文件的内容与扩展名不符，无法按原样复制"
    return f"原文件为 {source.suffix} 格式"
