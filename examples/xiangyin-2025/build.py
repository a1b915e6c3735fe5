"""Regenerate the example workbooks of 湘阴县 2025 with fenjie's own writer.

    .venv/bin/python examples/xiangyin-2025/build.py

Sources: gazette/*.tsv, the two tables of 《湘阴县人民政府公报》2025 年第 1 期 as printed
(湘阴办发〔2025〕6号 附件 and 湘阴政办发〔2025〕2号 附件), gaps and all.
Writes 县分解表/: the two tables filled with the gazette's figures and tasks. Blank and
per-township templates are not shipped (`fenjie check examples/xiangyin-2025/` searches the
folder, and a blank template is not a return); `fenjie template` makes them in a second, and
`build.py --all DIR` writes them too.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from templates.config import load_config  # noqa: E402
from templates.kinds import KINDS  # noqa: E402
from templates.writer import write_template, write_township_templates  # noqa: E402
from validators.county import read_assigned  # noqa: E402
from validators.records import read_records  # noqa: E402

SOURCES = {"grain-plan": "gazette/xiangyin-2025-grain-plan.tsv",
           "task-breakdown": "gazette/xiangyin-2025-task-breakdown.tsv"}


def build(out: Path = HERE, templates: bool = False) -> list[Path]:
    """The filled county tables in out/县分解表; with `templates`, also out/模板 and out/乡镇模板."""
    config = load_config(HERE / "fenjie.toml")
    written = []
    for name, source in SOURCES.items():
        kind = KINDS[name]
        written.append(write_template(kind, config, out / "县分解表", read_records(HERE / source, kind)))
        if templates:
            written.append(write_template(kind, config, out / "模板"))
    if templates:
        grain = KINDS["grain-plan"]
        assigned = read_assigned(written[0], grain, config)
        written += write_township_templates(grain, config, assigned, out / "乡镇模板")
    return written


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--all"]
    target = Path(args[0]) if args else HERE
    for path in build(target, templates="--all" in sys.argv):
        print(path.relative_to(target) if path.is_relative_to(target) else path)
