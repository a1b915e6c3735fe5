"""A grain-plan round of the example county built with fenjie's own writer: the county table
from the gazette extract, and townships' returns made from their own templates, filled exactly."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import EXAMPLE

CONFIG = EXAMPLE / "fenjie.toml"
GAZETTE_TSV = EXAMPLE / "gazette" / "xiangyin-2025-grain-plan.tsv"
UNLISTED_VILLAGES = ["城东村", "城西村"]     # for a township the config lists no villages of


def gazette_county(folder: Path):
    """(config, county table, assigned): the table written into `folder` from the gazette, and
    each township's figures read back from it as `merge --from` reads them."""
    from templates.config import load_config
    from templates.kinds import KINDS
    from templates.writer import write_template
    from validators.county import read_assigned
    from validators.records import read_records
    config = load_config(CONFIG)
    grain = KINDS["grain-plan"]
    table = write_template(grain, config, folder, read_records(GAZETTE_TSV, grain))
    return config, table, read_assigned(table, grain, config)


def village_records(config, township: str, figures: dict[str, float]) -> list[dict]:
    """All of `figures` on the township's first village, 0 on the others."""
    villages = config.villages.get(township) or UNLISTED_VILLAGES
    return [{"unit": villages[0], **figures}, *({"unit": v, **{k: 0 for k in figures}} for v in villages[1:])]


def township_return(folder: Path, config, township: str, figures: dict[str, float], *,
                    assigned: dict[str, float] | None = None, name: str | None = None) -> Path:
    """The township's own template (identity block: `assigned`, by default `figures`) with
    `figures` filled in by village_records, saved in `folder` as `name` (or 乡镇-报送.xlsx)."""
    from templates.kinds import KINDS
    from templates.plan import township_plan
    from templates.writer import write_plan
    plan = township_plan(KINDS["grain-plan"], config, township, assigned if assigned is not None else figures,
                         village_records(config, township, figures))
    folder.mkdir(parents=True, exist_ok=True)
    return write_plan(plan, folder / (name or f"{township}-报送.xlsx"))
