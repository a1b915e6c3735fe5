import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "xiangyin-2025"
GAZETTE = EXAMPLE / "gazette"          # the county gazette's tables, as .tsv

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pytest_collection_modifyitems(config, items):
    """LibreOffice tests are skipped only where soffice is missing — and CI installs it."""
    if shutil.which("soffice") or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="LibreOffice (soffice) 未安装")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def example_config():
    from templates.config import load_config
    return load_config(EXAMPLE / "fenjie.toml")


@pytest.fixture
def fresh_addin(tmp_path, monkeypatch):
    """The add-in as on a clerk's fresh PC, no fenjie.toml named (tests.support.addin_home)."""
    from tests.support.addin_home import isolate_addin
    isolate_addin(monkeypatch, tmp_path)


@pytest.fixture
def with_config(fresh_addin, monkeypatch, example_config):
    """The add-in on a fresh PC with the example county's fenjie.toml in FENJIE_CONFIG."""
    monkeypatch.setenv("FENJIE_CONFIG", str(EXAMPLE / "fenjie.toml"))
    return example_config
