"""A definition that does not validate is refused with the field named."""

from __future__ import annotations

from typing import Any

import pytest

from shijing.core.errors import InvalidInput
from shijing.trust.definition import ScoreDefinition, parse_definition


def test_defaults_validate_and_round_trip() -> None:
    body = ScoreDefinition().model_dump(mode="json")
    assert parse_definition(body) == ScoreDefinition()
    assert body["shop"]["window_days"] == 90
    assert body["shop"]["dimension_weights"] == {"product": 0.5, "logistics": 0.2, "service": 0.3}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"shop": {"dimension_weights": {"product": 0.5, "logistics": 0.2, "service": 0.2}}},
            "shop.dimension_weights",
        ),
        ({"shop": {"window_days": 0}}, "shop.window_days"),
        ({"creator": {"window_days": -3}}, "creator.window_days"),
        (
            {"shop": {"indicator_weights": {"made_up_rate": 1.0}}},
            "shop.indicator_weights.made_up_rate",
        ),
        (
            {"shop": {"category_dimension_weights": {"apparel": {"product": 1.5}}}},
            "shop.category_dimension_weights",
        ),
        ({"shop": {"bands": [{"name": "a", "min_score": 50}]}}, "shop.bands"),
        ({"shop": {"surprise": 1}}, "shop.surprise"),
    ],
)
def test_invalid_definitions_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_definition(body)
    assert caught.value.field == field


def test_category_weights() -> None:
    d = parse_definition(
        {
            "shop": {
                "category_dimension_weights": {
                    "fresh": {"product": 0.3, "logistics": 0.5, "service": 0.2}
                }
            }
        }
    )
    assert d.shop.weights_for("fresh")["logistics"] == 0.5
    assert d.shop.weights_for("apparel")["logistics"] == 0.2
    assert d.shop.band_of(90) == "excellent"
    assert d.shop.band_of(89.99) == "good"
    assert d.shop.band_of(64.9) == "poor"


def test_a_version_stored_before_deviation_points_computes_as_it_did() -> None:
    """Definitions are data: a body stored before ``points_by``/``min_peers`` existed keeps
    percentile points against its category; a new body gets the new defaults."""
    stored = ScoreDefinition().model_dump(mode="json")
    del stored["shop"]["points_by"], stored["shop"]["min_peers"]
    old = parse_definition(stored).shop
    assert (old.points_by, old.min_peers) == ("percentile", 1)
    new = parse_definition({}).shop
    assert (new.points_by, new.min_peers) == ("deviation", 20)
    assert parse_definition({"shop": {"window_days": 30}}).shop.points_by == "deviation"
