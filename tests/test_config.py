import pytest

from templates.config import ConfigError, load_config, parse_config


def write(tmp_path, text):
    path = tmp_path / "fenjie.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_county_loads(example_config):
    assert example_config.county == "湘阴县"
    assert example_config.townships[0] == "新泉镇" and len(example_config.townships) == 16
    assert example_config.targets_for("grain-plan") == {
        "grain_area": 118, "early_rice_area": 39, "grain_output": 502000,
        "early_rice_seedling": 28.4, "demo_seedling": 6.0}


def test_names_compare_after_nfkc_and_without_spaces(example_config):
    assert example_config.resolve("各乡镇（街道）") == example_config.resolve("各乡镇(街道)")
    assert example_config.resolve("地方金融服务 中心") == "地方金融服务中心"
    assert example_config.resolve("城管局") == "城管执法局"          # an alias
    assert example_config.resolve("新泉镇") == "新泉镇"              # townships are valid names
    assert example_config.resolve("六塘镇") is None


@pytest.mark.parametrize("text, words", [
    ('year = 2025\ntownships = ["甲镇"]', "county"),
    ('county = "某县"\nyear = 2025\ntownships = ["甲镇", "乙镇", "甲镇"]', "重复"),
    ('county = "某县"\nyear = 2025\ntownships = ["甲镇"]\n[targets.grain-plan]\n"水稻亩产" = 1', "水稻亩产"),
    ('county = "某县"\nyear = "二〇二五"\ntownships = ["甲镇"]', "整数"),
    ('county = "某县"\nyear = 2025\ntownships = ["甲镇"]\n[targets.nope]\n"x" = 1', "没有这种表格类型"),
    ('county = "某县"\nyear = 2025\ntownships = ["甲镇"]\n[villages]\n"乙镇" = ["一村"]', "乙镇"),
    ('county = = "某县"', "格式有误"),
])
def test_bad_config_is_a_chinese_error(tmp_path, text, words):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert words in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="找不到"):
        load_config(tmp_path / "none.toml")


def test_another_county_needs_no_code():
    config = parse_config({"county": "平江县", "year": 2026, "townships": ["汉昌街道", "三市镇"],
                           "targets": {"grain-plan": {"粮食总面积(万亩)": 90}}})
    assert config.targets_for("grain-plan") == {"grain_area": 90}
