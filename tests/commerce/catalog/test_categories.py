"""The category tree and each category's declared attributes."""

from __future__ import annotations

from typing import Any

import pytest

from shijing.commerce.catalog.categories import (
    CATEGORIES,
    get_category,
    luhn_ok,
    roots,
    with_descendants,
)
from shijing.core.errors import InvalidInput

IMEI = "490154203237518"  # a valid check digit
PHONE: dict[str, Any] = {"imei": IMEI, "grade": "A", "battery_health": 91}
JEWEL: dict[str, Any] = {"certificate_no": "NGTC-2026-0001", "material": "和田玉", "weight_g": 12.5}


def test_luhn() -> None:
    assert luhn_ok(IMEI)
    assert not luhn_ok("490154203237519")
    assert not luhn_ok("49015420323751a")


def test_a_used_phone_with_a_valid_imei_passes() -> None:
    assert get_category("phones.used").validate_attributes(PHONE) == PHONE


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"imei": "490154203237519"}, "attributes.imei", "Luhn"),
        ({"imei": "49015420323751"}, "attributes.imei", "15 digits"),
        ({"imei": 490154203237518}, "attributes.imei", "15 digits"),
        ({"grade": "Z"}, "attributes.grade", "one of"),
        ({"battery_health": 49}, "attributes.battery_health", "50 to 100"),
        ({"battery_health": True}, "attributes.battery_health", "whole number"),
        ({"colour": "black"}, "attributes.colour", "not an attribute"),
        ({"imei": None}, "attributes.imei", "required"),
    ],
)
def test_bad_used_phone_attributes(change: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as info:
        get_category("phones.used").validate_attributes({**PHONE, **change})
    assert info.value.field == field


def test_jewellery_needs_its_certificate() -> None:
    category = get_category("jewellery")
    assert category.validate_attributes(JEWEL) == JEWEL
    missing = {k: v for k, v in JEWEL.items() if k != "certificate_no"}
    with pytest.raises(InvalidInput, match="required") as info:
        category.validate_attributes(missing)
    assert info.value.field == "attributes.certificate_no"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weight_g": 0}, "attributes.weight_g"),
        ({"weight_g": float("inf")}, "attributes.weight_g"),
        ({"weight_g": float("nan")}, "attributes.weight_g"),
        ({"certificate_no": "NGTC\x00"}, "attributes.certificate_no"),
        ({"material": "   "}, "attributes.material"),
    ],
)
def test_bad_jewellery_attributes(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        get_category("jewellery").validate_attributes({**JEWEL, **change})
    assert info.value.field == field


def test_a_category_without_declared_attributes_takes_none() -> None:
    assert get_category("apparel.womens").validate_attributes({}) == {}
    with pytest.raises(InvalidInput) as info:
        get_category("apparel.womens").validate_attributes({"imei": IMEI})
    assert info.value.field == "attributes.imei"


def test_unknown_category_is_422_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as info:
        get_category("weapons", "main_category")
    assert info.value.field == "main_category"


def test_the_tree() -> None:
    assert {c.code for c in roots()} >= {"apparel", "phones", "fresh", "jewellery"}
    assert set(with_descendants("phones")) == {"phones", "phones.new", "phones.used"}
    assert with_descendants("phones.used") == ["phones.used"]
    assert set(with_descendants("agri.pastoral")) == {
        "agri.pastoral",
        "agri.pastoral.dairy",
        "agri.pastoral.meat",
    }
    every = [code for root in roots() for code in with_descendants(root.code)]
    assert sorted(every) == sorted(CATEGORIES)
    with pytest.raises(InvalidInput):
        with_descendants("nope")
