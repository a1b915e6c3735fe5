"""fenjie.toml's "是不是……" for a township or unit it does not list, on the example county's own
names (湘阴县: 东塘镇, 三塘镇, 石塘镇 and 六塘乡 are four townships): a real typo gets its name, a
name that is another township's near miss gets none."""
import tomllib

import pytest

from templates.config import ConfigError, load_config
from tests.conftest import EXAMPLE

EXAMPLE_CONFIG = tomllib.loads((EXAMPLE / "fenjie.toml").read_text(encoding="utf-8"))
TOWNSHIPS = EXAMPLE_CONFIG["townships"]
UNITS = EXAMPLE_CONFIG["units"]

TYPOS = {        # as typed with pinyin input, or with the ending left off or wrong
    "东糖镇": "东塘镇", "三唐镇": "三塘镇", "石糖镇": "石塘镇", "六糖乡": "六塘乡", "六塘镇": "六塘乡",
    "静和镇": "静河镇", "樟数镇": "樟树镇", "湘宾镇": "湘滨镇", "新全镇": "新泉镇", "文兴街道": "文星街道",
    "杨林宅乡": "杨林寨乡", "南湖州镇": "南湖洲镇", "鹤龙胡镇": "鹤龙湖镇", "金龙乡": "金龙镇", "岭北乡": "岭北镇",
    "洋沙湖": "洋沙湖镇", "新泉": "新泉镇", "国有场": "国有场所", "文星镇": "文星街道",
}


def villages_of(tmp_path, township: str, townships: list[str]) -> str:
    """The message for a [villages] table headed by `township` in a copy of the example config."""
    text = f'county = "湘阴县"\nyear = 2025\ntownships = {townships}\n[villages]\n"{township}" = ["甲村"]\n'
    (tmp_path / "fenjie.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "fenjie.toml")
    return str(err.value)


@pytest.mark.parametrize("typo", list(TYPOS))
def test_a_misspelt_township_gets_its_suggestion(tmp_path, typo):
    said = villages_of(tmp_path, typo, TOWNSHIPS)
    assert f"「{typo}」不在 townships 列表里，是不是「{TYPOS[typo]}」？" in said, said


@pytest.mark.parametrize("township", TOWNSHIPS)
def test_a_township_left_off_the_list_is_not_taken_for_another(tmp_path, township):
    """东塘镇 written under [villages] while townships lacks it: 三塘镇 is no suggestion."""
    said = villages_of(tmp_path, township, [t for t in TOWNSHIPS if t != township])
    assert f"「{township}」不在 townships 列表里。" in said, said


def test_a_near_miss_stays_unsuggested_where_typos_are_not_sound_alike(tmp_path):
    assert "是不是" not in villages_of(tmp_path, "洋沙河镇", TOWNSHIPS)      # 河 is not 湖
    assert "是不是" not in villages_of(tmp_path, "塘镇", TOWNSHIPS)          # in four townships alike


@pytest.mark.parametrize(("written", "meant"), [("发该局", "发改局"), ("水力局", "水利局"), ("卫建委", "卫健委"),
                                                 ("税物局", "税务局"), ("文旅广体", "文旅广体局"), ("县财政局", "财政局"),
                                                 ("财政局", None), ("司法局", None), ("市场监管局", None),
                                                 ("洋沙湖集团", None)])
def test_an_alias_under_a_unit_not_listed(tmp_path, written, meant):
    """财政局 beside 民政局, 市场监管局 beside 金融监管局, 洋沙湖集团 beside the township 洋沙湖镇:
    a unit left off the list is no other unit's or township's typo."""
    units = [u for u in UNITS if u != written]
    text = (f'county = "湘阴县"\nyear = 2025\ntownships = {TOWNSHIPS}\nunits = {units}\n'
            f'[aliases]\n"{written}" = ["县{written}"]\n')
    (tmp_path / "fenjie.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "fenjie.toml")
    hint = f"「{written}」不在 units、townships、collectives 中" + (f"，是不是「{meant}」；" if meant else "；")
    assert hint in str(err.value), str(err.value)
