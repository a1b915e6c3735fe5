"""Units: a column whose header says 亩, 公斤 or 万吨 where the kind says 万亩 or 吨 is converted
for every comparison between columns (cross rules X00x, plausibility P00x), for the targets and
for the 汇总 — a correct table so written gets only F014, a wrong one still its finding."""
import openpyxl

from tests.conftest import EXAMPLE
from tests.test_trust_tables import GRAIN_HEADER, TOTALS, total_row, township_rows
from validators.batch import check_file

CONFIG = EXAMPLE / "fenjie.toml"
# the kind's unit -> (the sheet's unit, one sheet unit in the kind's unit)
AREA_IN_MU = ("亩", 1e-4)
OUTPUT_IN_KG = ("公斤", 1e-3)
OUTPUT_IN_WAN_TON = ("万吨", 1e4)


def write_return(path, units: dict[int, tuple[str, float]], edit=None):
    """The gazette's grain plan, its column `index` written in another unit (numbers converted)."""
    header = list(GRAIN_HEADER)
    rows = township_rows()
    for index, (unit, factor) in units.items():
        header[index] = header[index].split("(")[0] + f"({unit})"
        for row in rows:
            row[index] = round(row[index] / factor, 6)
    if edit:
        edit(rows)
    book = openpyxl.Workbook()
    sheet = book.active
    numbers = [[r[0], *(0 if isinstance(v, str) else v for v in r[1:])] for r in rows]
    for row in (["湘阴县2025年粮食生产计划任务分解表"], header, *rows, total_row("合计", numbers)):
        sheet.append(row)
    book.save(path)
    return path


def findings(path, **options):
    result = check_file(path, **options)
    return result, sorted((f.code, f.cell) for f in result.findings)


def test_early_rice_in_mu_is_compared_with_the_grain_area_in_wan_mu(tmp_path):
    path = write_return(tmp_path / "县表.xlsx", {2: AREA_IN_MU})
    result, found = findings(path, targets={"早稻面积": 39, "粮食总面积": 118})
    assert found == [("F014", "C2")]
    assert result.totals["early_rice_area"] == TOTALS["early_rice_area"]


def test_early_rice_in_mu_above_the_grain_area_is_still_x001(tmp_path):
    def too_much(rows):
        rows[0][2] = 230000                       # 23 万亩 of early rice on 22 万亩 of grain
    path = write_return(tmp_path / "县表.xlsx", {2: AREA_IN_MU}, too_much)
    result, found = findings(path)
    assert found == [("F014", "C2"), ("X001", "C3")]
    x001 = next(f for f in result.findings if f.code == "X001")
    assert "230000亩" in x001.message and "22万亩" in x001.message


def test_grain_area_in_mu_keeps_the_cross_rules_right(tmp_path):
    """The larger side in 亩: unconverted, every early-rice figure would pass anything."""
    def too_much(rows):
        rows[1][2] = 16                           # 16 万亩 of early rice on 155000 亩 = 15.5 万亩
    path = write_return(tmp_path / "县表.xlsx", {1: AREA_IN_MU}, too_much)
    assert findings(path)[1] == [("F014", "B2"), ("X001", "C4")]


def test_output_in_kg_or_wan_ton_gives_no_yield_warning(tmp_path):
    for name, unit in (("公斤.xlsx", OUTPUT_IN_KG), ("万吨.xlsx", OUTPUT_IN_WAN_TON)):
        result, found = findings(write_return(tmp_path / name, {3: unit}))
        assert found == [("F014", "D2")], name
        assert result.totals["grain_output"] == TOTALS["grain_output"]


def test_a_yield_out_of_range_in_kg_is_still_p001(tmp_path):
    def tenfold(rows):
        rows[0][3] *= 10                           # 950000 吨 on 22 万亩: 4318 公斤/亩
    path = write_return(tmp_path / "县表.xlsx", {3: OUTPUT_IN_KG}, tenfold)
    result, found = findings(path)
    assert ("P001", "A3") in found
    assert "亩产 4318 公斤/亩" in next(f.message for f in result.findings if f.code == "P001")


def test_every_column_in_other_units_passes(tmp_path):
    path = write_return(tmp_path / "县表.xlsx", {1: AREA_IN_MU, 2: AREA_IN_MU, 3: OUTPUT_IN_KG,
                                               4: AREA_IN_MU, 5: AREA_IN_MU})
    result, found = findings(path)
    assert found == [("F014", cell) for cell in ("B2", "C2", "D2", "E2", "F2")]
    assert result.totals == TOTALS


def test_the_county_example_config_agrees(tmp_path, example_config):
    path = write_return(tmp_path / "县表.xlsx", {2: AREA_IN_MU, 3: OUTPUT_IN_WAN_TON})
    assert findings(path, config=example_config)[1] == [("F014", "C2"), ("F014", "D2")]


def test_a_county_table_in_mu_assigns_wan_mu(tmp_path, example_config):
    """--from a county table whose 早稻面积 is in 亩: each township's figure in the kind's 万亩."""
    from validators.county import read_assigned
    path = write_return(tmp_path / "县表.xlsx", {2: AREA_IN_MU, 3: OUTPUT_IN_KG})
    assigned = read_assigned(path, "grain-plan", example_config)
    assert assigned["新泉镇"]["early_rice_area"] == 9 and assigned["新泉镇"]["grain_output"] == 95000
    assert assigned["新泉镇"]["grain_area"] == 22


def test_the_f014_example_gets_f014_alone(tmp_path, monkeypatch):
    """`fenjie rules F014` shows a table in 亩 that is right: it gets F014 and nothing else (the
    yield used to be computed from 亩 as if 万亩, a P001 beside it)."""
    from tests.test_rule_examples import run
    from validators.check.examples import EXAMPLES
    found, findings = run(EXAMPLES["F014"].failing, tmp_path, monkeypatch)
    assert found == {"F014": {"B1"}}, findings


# -- one vocabulary (templates/units.py): headers, unit rows and cells know the same units --------

def test_a_header_in_an_unknown_unit_is_the_column_and_gets_f016(tmp_path):
    """粮食总面积(斤) names the column (not F006 missing column); 斤 is no area: F016, no 汇总."""
    path = write_return(tmp_path / "县表.xlsx", {1: ("斤", 1)})
    result, found = findings(path)
    assert found == [("F016", "B2")]
    assert "grain_area" not in result.totals and result.totals["early_rice_area"] == 39


def test_a_header_in_hectares_is_converted(tmp_path):
    path = write_return(tmp_path / "县表.xlsx", {1: ("公顷", 0.0015)})
    result, found = findings(path, targets={"粮食总面积": 118})
    assert found == [("F014", "B2")]
    assert result.totals["grain_area"] == 118
    assert "1 公顷 = 0.0015 万亩" in result.findings[0].message


def test_a_unit_row_in_an_unknown_unit_gets_f016(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    header = [h.split("(")[0] for h in GRAIN_HEADER]
    for row in (header, ["单位", "斤", "万亩", "吨", "万亩", "万亩"], *township_rows(), total_row()):
        sheet.append(row)
    book.save(tmp_path / "县表.xlsx")
    assert findings(tmp_path / "县表.xlsx")[1] == [("F016", "B2")]


def test_hectares_in_a_wan_mu_cell_get_a_converted_suggestion(tmp_path):
    def hectares(rows):
        rows[0][1] = "22公顷"
    path = write_return(tmp_path / "县表.xlsx", {}, hectares)
    found = [(f.code, f.cell, f.suggestion) for f in check_file(path).findings if f.cell == "B3"]
    assert found == [("N004", "B3", "0.033")]


def test_a_county_kinds_own_unit_converts_with_its_multiples(tmp_path):
    """A county kind declaring 万头 accepts a header in 头 (F014, converted) and 22万头 in a cell."""
    from templates.kindfile import load_kind_file
    from tests.test_kindfiles import GOOD
    (tmp_path / "kind.toml").write_text(GOOD, encoding="utf-8")
    kind = load_kind_file(tmp_path / "kind.toml")
    assert set(kind.column("pigs").units) == {"头", "万头", "亿头"}
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["乡镇", "生猪出栏(头)", "能繁母猪(万头)"], ["新泉镇", 30000, "0.2万头"],
                ["湘滨镇", 20000, 0.1], ["合计", 50000, 0.3]):
        sheet.append(row)
    book.save(tmp_path / "生猪.xlsx")
    result = check_file(tmp_path / "生猪.xlsx", kind=kind, targets={"生猪出栏": 5})
    assert sorted((f.code, f.cell, f.suggestion) for f in result.findings) == [
        ("F014", "B1", None), ("N004", "C2", "0.2")]
    assert result.totals["pigs"] == 5


def test_the_vocabulary():
    from templates.names import normalize_header
    from templates.units import convert, factor, split_unit, units_of
    assert convert(44000, "亩", "万亩") == 4.4 and convert(22, "公顷", "亩") == 330
    assert convert(4.4, "万", "吨") == 44000 and convert(4.4, "万", "万亩") is None
    assert convert(10, "%", "万亩") is None and convert(3, "万头", "头") == 30000
    assert factor("亩", "万亩") == 0.0001 and factor("斤", "万亩") is None and factor(None, "万亩") == 1
    assert split_unit("粮食总面积(斤)") == ("粮食总面积", "斤")
    assert split_unit("粮食总面积万亩") == ("粮食总面积", "万亩")
    assert split_unit("责任人") == ("责任人", None) and split_unit("乡镇(单位)") == ("乡镇(单位)", None)
    assert split_unit("生猪出栏(头)") == ("生猪出栏(头)", None)
    assert split_unit("生猪出栏(头)", units_of(["万头"])) == ("生猪出栏", "头")
    assert normalize_header("粮食总面积 （公顷）") == "粮食总面积"


# -- fenjie template --from: rows taken in another unit are written in the template's ------------

def test_a_task_list_in_mu_fills_the_template_in_wan_mu(tmp_path):
    from templates.kinds import KINDS
    from validators.records import read_records
    header = "乡镇(单位)\t粮食总面积(亩)\t早稻面积(万亩)\t粮食总产量(公斤)\n"
    (tmp_path / "清单.tsv").write_text(header + "新泉镇\t220000\t9\t95000000\n", encoding="utf-8")
    record, = read_records(tmp_path / "清单.tsv", KINDS["grain-plan"])
    assert record == {"unit": "新泉镇", "grain_area": 22, "early_rice_area": 9, "grain_output": 95000}


def test_a_filled_table_in_mu_fills_the_template_in_wan_mu(tmp_path):
    from templates.kinds import KINDS
    from validators.records import read_records
    path = write_return(tmp_path / "县表.xlsx", {1: AREA_IN_MU, 3: OUTPUT_IN_KG})
    records = read_records(path, KINDS["grain-plan"])
    assert records[0] == {"unit": "新泉镇", "grain_area": 22, "early_rice_area": 9, "grain_output": 95000,
                          "early_rice_seedling": 6, "demo_seedling": 0.7}


def test_a_row_source_in_a_unit_that_does_not_convert_is_refused(tmp_path):
    from click.testing import CliRunner

    from cli.main import main
    (tmp_path / "清单.tsv").write_text("乡镇(单位)\t粮食总面积(斤)\n新泉镇\t220000\n", encoding="utf-8")
    write_return(tmp_path / "县表.xlsx", {1: ("斤", 1)})
    for source in ("清单.tsv", "县表.xlsx"):
        result = CliRunner().invoke(main, ["template", "grain-plan", "--from", str(tmp_path / source),
                                           "--config", str(CONFIG), "-o", str(tmp_path / "out")])
        assert result.exit_code == 2, result.output
        assert "单位是斤，不能换算成" in result.output and "Traceback" not in result.output


def test_a_template_whose_clerk_wrote_mu_keeps_its_targets(tmp_path):
    """The county's template, its 粮食总面积 header changed to 亩 and every figure of that column
    with it, the locked 全县目标 row too: no S009 (the hidden 118 万亩 is 1180000 亩), only F014."""
    from click.testing import CliRunner

    from cli.main import main
    from templates.kinds import KINDS
    from templates.layout import Layout
    result = CliRunner().invoke(main, ["template", "grain-plan", "--config", str(CONFIG), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = next(tmp_path.glob("*.xlsx"))
    rows = township_rows()
    layout = Layout(KINDS["grain-plan"], "county", len(rows))
    book = openpyxl.load_workbook(path)
    sheet = book[book.sheetnames[0]]
    column = layout.col("grain_area")
    sheet.cell(layout.header_rows[-1], column).value = "粮食总面积\n(亩)"
    for number, row in zip(layout.data_rows, rows):
        for col, value in enumerate(row, start=1):
            sheet.cell(number, col).value = value * 10000 if col == column else value
    sheet.cell(layout.target_row, column).value = 1180000
    book.save(tmp_path / "填好.xlsx")
    found = {f.code for f in check_file(tmp_path / "填好.xlsx", config=_config()).findings}
    assert "F014" in found and found <= {"F014", "F004"}, found


def _config():
    from templates.config import load_config
    return load_config(CONFIG)
