"""Regenerate the example workbooks of 湘阴县 2025 with fenjie's own writer.

    .venv/bin/python examples/xiangyin-2025/build.py

Sources: gazette/*.tsv, the two tables of 《湘阴县人民政府公报》2025 年第 1 期 as printed
(湘阴办发〔2025〕6号 附件 and 湘阴政办发〔2025〕2号 附件), gaps and all.
Writes:
  县分解表/   the two tables filled with the gazette's figures and tasks
  模板/       blank county templates of both kinds
  乡镇模板/   one grain-plan template per township, carrying its assigned figures
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from templates.config import load_config  # noqa: E402
from templates.kinds import KINDS  # noqa: E402
from templates.records import read_records  # noqa: E402
from templates.writer import write_template, write_township_templates  # noqa: E402
from validators.engine import read_assigned  # noqa: E402

SOURCES = {"grain-plan": "gazette/xiangyin-2025-grain-plan.tsv",
           "task-breakdown": "gazette/xiangyin-2025-task-breakdown.tsv"}


def build(out: Path = HERE) -> list[Path]:
    config = load_config(HERE / "fenjie.toml")
    written = []
    for name, source in SOURCES.items():
        kind = KINDS[name]
        written.append(write_template(kind, config, out / "县分解表", read_records(HERE / source, kind)))
        written.append(write_template(kind, config, out / "模板"))
    grain = KINDS["grain-plan"]
    county_table = out / "县分解表" / f"{grain.title_for(config.county, config.year)}.xlsx"
    assigned = read_assigned(county_table, grain, config)
    written += write_township_templates(grain, config, assigned, out / "乡镇模板")
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for path in build(target):
        print(path.relative_to(target) if path.is_relative_to(target) else path)
