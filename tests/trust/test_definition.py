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


def test_a_version_stored_before_average_points_keeps_its_straight_line() -> None:
    """A body stored with the linear deviation curve (no ``average_points``) computes as it did:
    50 at −3 SD to 100 at +0.5 SD, so the average earns 50 + 50·3/3.5; a new body gets the
    knee (85 at the average)."""
    from shijing.trust.scoring import _deviation_points

    stored = ScoreDefinition().model_dump(mode="json")
    del stored["shop"]["average_points"]
    stored["shop"].update(score_floor=50.0, full_points_at=0.5, floor_at=3.0)
    old = parse_definition(stored).shop
    assert old.average_points is None
    assert _deviation_points(0.0, old) == pytest.approx(50 + 50 * 3 / 3.5)
    assert _deviation_points(0.5, old) == 100.0
    assert _deviation_points(-3.0, old) == 50.0
    new = parse_definition({}).shop
    assert new.average_points == 85.0
    assert [_deviation_points(x, new) for x in (-4, -3, -1.5, 0, 0.75, 1.5, 9)] == pytest.approx(
        [0, 0, 42.5, 85, 92.5, 100, 100]
    )


def test_average_points_must_be_above_the_floor() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_definition({"shop": {"points_by": "deviation", "score_floor": 90}})
    assert caught.value.field == "shop"
    # a version stored before deviation points (percentile, any floor) still validates
    assert parse_definition({"shop": {"score_floor": 90}}).shop.points_by == "percentile"
