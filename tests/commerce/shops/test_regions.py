"""The 34 provincial-level divisions, found by any of their names."""

from __future__ import annotations

import pytest

from shijing.commerce.shops.regions import PROVINCES, find_province, is_province


def test_there_are_34_divisions_in_eight_regions() -> None:
    assert len(PROVINCES) == 34
    assert {p.region for p in PROVINCES.values()} == {
        "华北",
        "东北",
        "华东",
        "华中",
        "华南",
        "西南",
        "西北",
        "港澳台",
    }


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("浙江", "浙江"),
        ("浙江省", "浙江"),
        (" Zhejiang ", "浙江"),
        ("新疆维吾尔自治区", "新疆"),
        ("内蒙古", "内蒙古"),
        ("西藏", "西藏"),
        ("台湾", "台湾"),
        ("香港特别行政区", "香港"),
        ("澳门", "澳门"),
        ("hong kong", "香港"),
    ],
)
def test_found_by_short_full_or_english_name(name: str, short: str) -> None:
    found = find_province(name)
    assert found is not None
    assert found.short == short


@pytest.mark.parametrize("name", ["", "杭州", "浙", "California", "浙江省省"])
def test_anything_else_is_not_a_province(name: str) -> None:
    assert not is_province(name)
