"""A definition that does not validate is refused with the field named."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shijing.core.errors import InvalidInput
from shijing.facts.engines import FactsEngine
from shijing.trust.definition import ScoreDefinition, parse_definition
from tests.trust.builders import T0, FactSet, shop_scores


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
        (
            {"shop": {"category_dimension_weights": {"aparel": {"product": 1.0}}}},
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


def test_a_category_weighted_on_one_dimension_scores(duck: FactsEngine) -> None:
    """A weighting that leaves dimensions out gives them no weight (it used to validate and
    then stop the run with a KeyError)."""
    d = parse_definition({"shop": {"category_dimension_weights": {"apparel": {"product": 1.0}}}})
    assert d.shop.weights_for("apparel") == {"product": 1.0, "logistics": 0.0, "service": 0.0}
    fs = FactSet()
    for shop_id, late in ((1, 10), (2, 0)):  # shop 1 late on a third of its pickups
        for i in range(30):
            fs.order(
                shop_id=shop_id,
                placed_at=T0 + timedelta(hours=i),
                pickup_hours=60 if i < late else 24,
            )
    product_only = shop_scores(duck, fs, d)[1]
    assert "logistics" not in product_only.dimensions  # it weighs nothing here
    assert product_only.total == 100.0  # no bad review or return: the product dimension is full
    assert (shop_scores(duck, fs)[1].total or 100.0) < 100.0  # where logistics counts


def test_a_new_body_setting_the_floor_alone_keeps_todays_defaults() -> None:
    """Only bodies read back from the database are upgraded as old versions: an operator's new
    body that sets ``score_floor`` (or ``floor_at``) alone keeps deviation points and the knee."""
    new = parse_definition({"shop": {"score_floor": 10.0, "floor_at": 2.5}}).shop
    assert (new.points_by, new.min_peers, new.average_points) == ("deviation", 20, 85.0)
    stored = parse_definition({"shop": {"score_floor": 10.0, "floor_at": 2.5}}, stored=True).shop
    assert (stored.points_by, stored.min_peers, stored.average_points) == ("percentile", 1, None)


def test_a_version_stored_before_deviation_points_computes_as_it_did() -> None:
    """Definitions are data: a body stored before ``points_by``/``min_peers`` existed keeps
    percentile points against its category; a new body gets the new defaults."""
    stored = ScoreDefinition().model_dump(mode="json")
    del stored["shop"]["points_by"], stored["shop"]["min_peers"]
    old = parse_definition(stored, stored=True).shop
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
    old = parse_definition(stored, stored=True).shop
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
    stored = parse_definition({"shop": {"score_floor": 90}}, stored=True)
    assert stored.shop.points_by == "percentile"
