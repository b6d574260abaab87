"""The fixed category tree, and what each category declares: its own attributes (validated),
whether it takes 7-day no-reason returns, and its peers for scoring.

A category is data, not code: adding one is adding an entry here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shijing.core.errors import InvalidInput


def luhn_ok(digits: str) -> bool:
    """The Luhn check digit, as used by IMEI numbers."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@dataclass(frozen=True)
class AttributeSpec:
    name: str
    label_zh: str
    label_en: str
    check: Callable[[Any], str | None]  # returns the reason it is wrong, or None
    required: bool = True


def _imei(value: Any) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{15}", value):
        return "must be 15 digits"
    return None if luhn_ok(value) else "fails the IMEI check digit (Luhn)"


def _one_of(*options: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in options else f"must be one of {', '.join(options)}"

    return check


def _int_between(low: int, high: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return None if ok else f"must be a whole number from {low} to {high}"

    return check


def _positive_number(value: Any) -> str | None:
    ok = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )
    return None if ok else "must be a positive number"


def _printable(text: str) -> bool:
    return not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)


def _text(max_len: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        ok = isinstance(value, str) and 0 < len(value.strip()) <= max_len and _printable(value)
        return None if ok else f"must be text of 1 to {max_len} characters"

    return check


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    parent: str | None = None
    no_reason_return: bool = True  # 7-day no-reason returns (fresh food opts out)
    attributes: tuple[AttributeSpec, ...] = field(default_factory=tuple)

    def validate_attributes(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The attributes cleaned, or 422 naming the first one that is wrong or unknown."""
        known = {spec.name: spec for spec in self.attributes}
        for name in values:
            if name not in known:
                raise InvalidInput(
                    f"is not an attribute of category {self.code}", field=f"attributes.{name}"
                )
        for spec in self.attributes:
            if spec.name not in values or values[spec.name] in (None, ""):
                if spec.required:
                    raise InvalidInput(
                        f"is required for category {self.code}", field=f"attributes.{spec.name}"
                    )
                continue
            reason = spec.check(values[spec.name])
            if reason:
                raise InvalidInput(reason, field=f"attributes.{spec.name}")
        return dict(values)


USED_PHONE_ATTRIBUTES = (
    AttributeSpec("imei", "IMEI", "IMEI", _imei),
    AttributeSpec("grade", "成色", "inspection grade", _one_of("S", "A", "B", "C")),
    AttributeSpec("battery_health", "电池健康", "battery health %", _int_between(50, 100)),
)
JEWELLERY_ATTRIBUTES = (
    AttributeSpec("certificate_no", "证书编号", "certificate number", _text(40)),
    AttributeSpec("material", "材质", "material", _text(40)),
    AttributeSpec("weight_g", "重量(克)", "weight (g)", _positive_number),
)

_TREE = [
    Category("apparel", "服饰", "Apparel"),
    Category("apparel.womens", "女装", "Women's apparel", "apparel"),
    Category("apparel.mens", "男装", "Men's apparel", "apparel"),
    Category("jewellery", "珠宝", "Jewellery", attributes=JEWELLERY_ATTRIBUTES),
    Category("phones", "手机", "Phones"),
    Category("phones.new", "新机", "New phones", "phones"),
    Category("phones.used", "二手手机", "Used phones", "phones", attributes=USED_PHONE_ATTRIBUTES),
    Category("fresh", "生鲜", "Fresh food", no_reason_return=False),
    Category("fresh.seafood_live", "活鲜海产", "Live seafood", "fresh", no_reason_return=False),
    Category("fresh.produce", "蔬果", "Fruit and vegetables", "fresh", no_reason_return=False),
    Category("cosmetics", "美妆", "Cosmetics"),
    Category("food.packaged", "食品", "Packaged food"),
    Category("home", "家居", "Home"),
    Category("agri.pastoral", "农牧", "Agriculture and pastoral"),
    Category("agri.pastoral.dairy", "乳品", "Dairy", "agri.pastoral", no_reason_return=False),
    Category("agri.pastoral.meat", "肉类", "Meat", "agri.pastoral", no_reason_return=False),
]

CATEGORIES: dict[str, Category] = {c.code: c for c in _TREE}


def get_category(code: str, field_name: str = "category") -> Category:
    """The category with this code, or 422 naming the field."""
    category = CATEGORIES.get(code)
    if category is None:
        raise InvalidInput(f"unknown category {code!r}", field=field_name)
    return category


def root_of(code: str) -> str:
    """The top-level category (peers for scoring are compared within it)."""
    category = get_category(code)
    while category.parent is not None:
        category = CATEGORIES[category.parent]
    return category.code


def children_of(code: str) -> list[Category]:
    """The categories directly under ``code``, in tree order."""
    return [c for c in _TREE if c.parent == code]


def roots() -> list[Category]:
    return [c for c in _TREE if c.parent is None]


def with_descendants(code: str, field_name: str = "category") -> list[str]:
    """``code`` and every category below it (422 naming the field if it is unknown)."""
    found = [get_category(code, field_name).code]
    for current in found:
        found.extend(c.code for c in children_of(current))
    return found
