"""Properties: a worse outcome never raises a score; small samples are shrunk."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shijing.facts.engines import FactsEngine
from shijing.trust.definition import Indicator
from shijing.trust.scoring import ShopResult
from tests.trust.builders import T0, FactSet, definition, shop_scores

Shop = tuple[int, list[bool], list[int]]  # orders, late pickups, review ratings

shops = st.lists(
    st.tuples(
        st.integers(min_value=30, max_value=40),
        st.lists(st.booleans(), min_size=40, max_size=40),
        st.lists(st.integers(min_value=0, max_value=5), min_size=40, max_size=40),
    ),
    min_size=2,
    max_size=4,
)


def build(spec: list[Shop], *, extra_negative: bool = False, extra_late: bool = False) -> FactSet:
    fs = FactSet()
    for shop_id, (n, late, ratings) in enumerate(spec, start=1):
        for i in range(n):
            is_late = late[i] or (extra_late and shop_id == 1 and i == _first(late, False, n))
            order = fs.order(
                shop_id=shop_id,
                placed_at=T0 + timedelta(hours=i),
                pickup_hours=60 if is_late else 24,
            )
            rating = ratings[i]
            if extra_negative and shop_id == 1 and i == _first(ratings, 0, n):
                rating = 1
            if rating:
                fs.review(order, rating)
    return fs


def _first(values: list[object], wanted: object, n: int) -> int:
    return next((i for i in range(n) if values[i] == wanted), -1)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=shops)
def test_a_negative_review_never_raises_a_score(duck: FactsEngine, spec: list[Shop]) -> None:
    before = shop_scores(duck, build(spec))[1].total
    after = shop_scores(duck, build(spec, extra_negative=True))[1].total
    assert before is not None
    assert after is not None
    assert after <= before


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=shops)
@example(spec=[(30, [False] * 40, [5] * 40), (30, [True] + [False] * 39, [5] * 40)])  # a tie
def test_a_late_pickup_never_raises_a_score(duck: FactsEngine, spec: list[Shop]) -> None:
    before = shop_scores(duck, build(spec))[1].total
    after = shop_scores(duck, build(spec, extra_late=True))[1].total
    assert before is not None
    assert after is not None
    assert after <= before


ON_TIME, NEVER_LATE, ONE_LATE = (
    Indicator.ON_TIME_PICKUP_RATE.value,
    [False] * 40,
    [True] + [False] * 39,
)


def _pickup(result: ShopResult) -> float | None:
    return next(i.score for i in result.indicators if i.indicator == ON_TIME)


def test_worsening_into_a_tie_with_the_peers_lowers_the_score(duck: FactsEngine) -> None:
    """Shop 1 is on time 30 of 30, shop 2 29 of 30. One late pickup more ties them: peers with
    no spread stand at the average (85 on the indicator), never at full points for want of a
    spread — which would raise shop 1's score for doing worse."""
    spec: list[Shop] = [(30, NEVER_LATE, [5] * 40), (30, ONE_LATE, [5] * 40)]
    before = shop_scores(duck, build(spec))
    after = shop_scores(duck, build(spec, extra_late=True))
    assert (_pickup(before[1]) or 0) > 85.0 > (_pickup(before[2]) or 100)
    assert _pickup(after[1]) == _pickup(after[2]) == 85.0
    assert (after[1].total or 0) < (before[1].total or 0)


def test_peers_all_at_the_best_value_get_full_points(duck: FactsEngine) -> None:
    spec: list[Shop] = [(30, NEVER_LATE, [5] * 40), (35, NEVER_LATE, [5] * 40)]
    scores = shop_scores(duck, build(spec))
    assert _pickup(scores[1]) == _pickup(scores[2]) == 100.0


def test_three_perfect_orders_do_not_outrank_three_thousand_at_99_percent(
    duck: FactsEngine,
) -> None:
    fs = FactSet()
    for i in range(3):
        fs.order(shop_id=1, placed_at=T0 + timedelta(hours=i))
    for i in range(3000):
        order = fs.order(
            shop_id=2, placed_at=T0 + timedelta(minutes=i), pickup_hours=60 if i % 100 == 0 else 24
        )
        fs.review(order, 1 if i % 100 == 1 else 5)
    for shop_id in range(3, 8):  # ordinary peers: 90% on time, 5% negative reviews
        for i in range(100):
            order = fs.order(
                shop_id=shop_id,
                placed_at=T0 + timedelta(hours=i),
                pickup_hours=60 if i % 10 == 0 else 24,
            )
            fs.review(order, 1 if i % 20 == 1 else 5)
    scores = shop_scores(duck, fs, definition(min_orders=3, prior_orders=50))
    small, big = scores[1], scores[2]
    assert small.total is not None
    assert big.total is not None
    # "does not outrank": both may reach full points (1.5 peer deviations better than average
    # is full points), but on every indicator the 3,000-order shop stands at least as high
    assert big.total >= small.total
    for mine, theirs in zip(small.indicators, big.indicators, strict=True):
        assert (theirs.deviation or 0.0) >= (mine.deviation or 0.0), mine.indicator
    pickup = Indicator.ON_TIME_PICKUP_RATE.value
    assert _deviation(big, pickup) > _deviation(small, pickup)
    # without shrinkage the three perfect orders would stand higher
    unshrunk = shop_scores(duck, fs, definition(min_orders=3, prior_orders=0))
    assert _deviation(unshrunk[1], pickup) > _deviation(unshrunk[2], pickup)
    # and on percentiles (the other way to give points) they would win outright
    by_rank = shop_scores(
        duck, fs, definition(min_orders=3, prior_orders=0, points_by="percentile")
    )
    assert (by_rank[1].total or 0.0) > (by_rank[2].total or 0.0)
    shrunk_rank = shop_scores(
        duck, fs, definition(min_orders=3, prior_orders=50, points_by="percentile")
    )
    assert (shrunk_rank[2].total or 0.0) > (shrunk_rank[1].total or 0.0)


def _deviation(result: ShopResult, indicator: str) -> float:
    item = next(i for i in result.indicators if i.indicator == indicator)
    assert item.deviation is not None
    return item.deviation
