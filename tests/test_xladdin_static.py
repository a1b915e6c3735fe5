"""The add-in file itself: a valid .xlam with our Chinese ribbon and xlwings' stock VBA."""
import re
import zipfile
from xml.etree import ElementTree

import pytest
import xlwings

from xladdin import build_xlam

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # oletools uses old pyparsing names

XLAM = build_xlam.OUTPUT
CUSTOMUI14 = "{http://schemas.microsoft.com/office/2009/07/customui}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


CUSTOMUI2006 = "{http://schemas.microsoft.com/office/2006/01/customui}"


def ribbon_root(path=XLAM, part=build_xlam.RIBBON_PART):
    with zipfile.ZipFile(path) as z:
        return ElementTree.fromstring(z.read(part))


def vba_modules(path=XLAM) -> dict[str, str]:
    from oletools.olevba import VBA_Parser
    parser = VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_xlam_is_a_valid_package_with_the_customui14_part():
    with zipfile.ZipFile(XLAM) as z:
        assert z.testzip() is None
        names = z.namelist()
        rels = ElementTree.fromstring(z.read("_rels/.rels"))
    assert {build_xlam.RIBBON_PART, build_xlam.FALLBACK_PART, "xl/vbaProject.bin"} <= set(names)
    ui = [r for r in rels.iter(f"{RELS}Relationship") if r.get("Type").endswith("/ui/extensibility")]
    assert sorted((r.get("Type"), r.get("Target")) for r in ui) == [
        (build_xlam.FALLBACK_REL_TYPE, build_xlam.FALLBACK_PART), (build_xlam.UI_REL_TYPE, build_xlam.RIBBON_PART)]
    assert len({r.get("Id") for r in rels.iter(f"{RELS}Relationship")}) == len(list(rels))


@pytest.mark.parametrize("part, ns", [(build_xlam.RIBBON_PART, CUSTOMUI14),
                                      (build_xlam.FALLBACK_PART, CUSTOMUI2006)])
def test_ribbon_has_the_chinese_tab_and_a_large_check_button(part, ns):
    root = ribbon_root(part=part)
    assert root.tag == f"{ns}customUI"
    tab = root.find(f".//{ns}tab")
    assert tab.get("label") == "分解表"
    button = tab.find(f".//{ns}button")
    assert button.get("label") == "校验" and button.get("size") == "large"
    assert "校验" in button.get("screentip") and "校验结果" in button.get("supertip")
    assert len(button.get("supertip")) <= 1024          # Office's limit for supertip
    assert button.get("onAction") == "RibbonMyAddin.RunMain"


def test_ribbon_callback_exists_in_the_vba_and_runs_xladdin_main():
    modules = vba_modules()
    module, sub = ribbon_root().find(f".//{CUSTOMUI14}button").get("onAction").split(".")
    body = re.search(rf"Sub {sub}\(control As IRibbonControl\)(.*?)End Sub", modules[module], re.S).group(1)
    assert 'mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, vbTextCompare) - 1))' in body
    call = re.search(r"RunPython (.+)", body).group(1).strip()
    # evaluate the VBA string expression with ThisWorkbook.Name = xladdin.xlam
    stem = XLAM.name.rsplit(".", 1)[0]
    pieces = [p.strip() for p in call.split("&")]
    command = "".join(stem if p == "mymodule" else p.strip('"') for p in pieces)
    assert command == "import xladdin;xladdin.main()"
    assert XLAM.name.isascii()


def test_vba_project_is_xlwings_stock_byte_for_byte_and_matches_installed_xlwings():
    with zipfile.ZipFile(XLAM) as ours, zipfile.ZipFile(build_xlam.stock_addin()) as stock:
        assert ours.read("xl/vbaProject.bin") == stock.read("xl/vbaProject.bin"), \
            "xladdin.xlam is out of date: run python -m xladdin.build_xlam"
        for name in stock.namelist():
            if name not in build_xlam.STOCK_RIBBON_PARTS + (build_xlam.RELS_PART,):
                assert ours.read(name) == stock.read(name), name
    version = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', vba_modules()["xlwings"]).group(1)
    assert version == xlwings.__version__


def test_build_script_rebuilds_the_committed_file(tmp_path):
    rebuilt = build_xlam.build(build_xlam.stock_addin(), build_xlam.RIBBON, tmp_path / "xladdin.xlam")
    with zipfile.ZipFile(rebuilt) as new, zipfile.ZipFile(XLAM) as committed:
        assert sorted(new.namelist()) == sorted(committed.namelist())
        for name in new.namelist():
            assert new.read(name) == committed.read(name), name


def test_build_keeps_two_ribbon_relationships_when_run_on_its_own_output(tmp_path):
    twice = build_xlam.build(XLAM, build_xlam.RIBBON, tmp_path / "again.xlam")
    with zipfile.ZipFile(twice) as z:
        rels = z.read("_rels/.rels").decode()
    assert rels.count("ui/extensibility") == 2


def test_quickstart_gives_the_stock_addin_the_build_starts_from(tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    cli = Path(sys.executable).with_name("xlwings")
    if not cli.exists():
        pytest.skip("xlwings command not installed next to this Python")
    subprocess.run([str(cli), "quickstart", "xladdin", "--addin", "--ribbon"], cwd=tmp_path,
                   check=True, capture_output=True)
    made = tmp_path / "xladdin" / "xladdin.xlam"
    assert made.read_bytes() == build_xlam.stock_addin().read_bytes()
