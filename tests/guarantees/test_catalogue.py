"""The guarantee catalogue: data, validated, versioned; promises are snapshots of the version
(and the badge) as of the moment an order was placed."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.guarantees import catalogue, coverage, enrolment
from shijing.guarantees.models import CatalogueVersion
from tests.factories import buy_and_deliver, make_product
from tests.guarantees.builders import buyer, covered_order, dispatch, trusted_shop

Body = dict[str, Any]


def _body(change: Callable[[Body], object] | None = None) -> Body:
    body = copy.deepcopy(catalogue.default_body())
    if change is not None:
        change(body)
    return body


def _guarantee(body: Body, code: str) -> Body:
    found: Body = next(g for g in body["guarantees"] if g["code"] == code)
    return found


def _versions(session: Session) -> int:
    session.flush()
    return session.scalar(select(func.count()).select_from(CatalogueVersion)) or 0


def test_the_default_catalogue_validates_and_is_in_force(
    session: Session, clock: ManualClock
) -> None:
    parsed = catalogue.parse_catalogue(catalogue.default_body())
    assert [g.code for g in parsed.guarantees] == list(catalogue.CODES)
    version, body = catalogue.in_force(session, clock)
    assert version == catalogue.DEFAULT_VERSION
    assert body == parsed
    assert body.programme.min_score == 80
    assert body.programme.grace_days == 7
    postage = body.get("return_postage")
    assert postage is not None
    assert postage.compensation.cap_fen == 2500
    assert body.get("no_reason_7d") is not None
    assert not body.get("no_reason_7d").covers_category("fresh.produce")  # type: ignore[union-attr]
    assert body.get("allergy_return").covers_category("cosmetics")  # type: ignore[union-attr]
    assert not body.get("allergy_return").covers_category("apparel.womens")  # type: ignore[union-attr]
    assert body.get("fast_refund").covers_price(200_000)  # type: ignore[union-attr]
    assert not body.get("fast_refund").covers_price(200_001)  # type: ignore[union-attr]
    # Stored once, however often it is asked for.
    catalogue.in_force(session, clock)
    assert _versions(session) == 1


def _remote_above_cap(b: Body) -> None:
    _guarantee(b, "return_postage")["compensation"]["remote_fen"] = 2600


def _far_cheaper_than_near(b: Body) -> None:
    _guarantee(b, "return_postage")["compensation"]["far_fen"] = 900


def _steps_not_rising(b: Body) -> None:
    steps = b["programme"]["premium"]["steps"]
    steps[0], steps[1] = steps[1], steps[0]


def _steps_repeating(b: Body) -> None:
    steps = b["programme"]["premium"]["steps"]
    steps[1]["below_bps"] = steps[0]["below_bps"]


def _premium_falling(b: Body) -> None:
    b["programme"]["premium"]["steps"][1]["fen"] = 5


def _step_above_cap(b: Body) -> None:
    b["programme"]["premium"]["steps"][-1]["fen"] = 301


def _cap_below_min(b: Body) -> None:
    b["programme"]["premium"]["min_fen"] = 400


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda b: b["guarantees"][0].update(code="free_lunch"), "guarantees.0.code", "unknown"),
        (_remote_above_cap, "guarantees.0.compensation", "above the cap"),
        (_far_cheaper_than_near, "guarantees.0.compensation", "farther"),
        (
            lambda b: _guarantee(b, "allergy_return").update(categories=["cosmetics.nope"]),
            "guarantees.5.categories",
            "unknown category",
        ),
        (
            lambda b: _guarantee(b, "no_reason_7d").update(exclude_categories=["生鲜"]),
            "guarantees.1.exclude_categories",
            "unknown category",
        ),
        (
            lambda b: _guarantee(b, "damage_doa").update(remedies=[]),
            "guarantees.4.remedies",
            "at least one",
        ),
        (
            lambda b: _guarantee(b, "damage_doa").update(remedies=["apologise"]),
            "guarantees.4.remedies.0",
            "",
        ),
        (_steps_not_rising, "programme.premium.steps", "rise strictly"),
        (_steps_repeating, "programme.premium.steps", "rise strictly"),
        (_premium_falling, "programme.premium.steps", "must not fall"),
        (_step_above_cap, "programme.premium.steps", "between min_fen and cap_fen"),
        (_cap_below_min, "programme.premium.cap_fen", "below min_fen"),
        (
            lambda b: b["programme"]["premium"].update(steps=[]),
            "programme.premium.steps",
            "",
        ),
        (
            lambda b: b["programme"]["deposit_minimum_fen"].pop("default"),
            "programme.deposit_minimum_fen",
            "needs a default",
        ),
        (
            lambda b: b["programme"]["deposit_minimum_fen"].update(boats=1),
            "programme.deposit_minimum_fen",
            "unknown category",
        ),
        (
            lambda b: b["programme"]["deposit_minimum_fen"].update(default=-1),
            "programme.deposit_minimum_fen",
            "not negative",
        ),
        (lambda b: b["programme"].update(min_score=101), "programme.min_score", ""),
        (lambda b: b["programme"].update(grace_days=0), "programme.grace_days", ""),
        (lambda b: b["programme"].pop("grace_days"), "programme.grace_days", "required"),
        (lambda b: b.pop("programme"), "programme", "required"),
        (lambda b: b.update(surprise=1), "surprise", "Extra"),
        (
            lambda b: b["guarantees"].append(copy.deepcopy(b["guarantees"][0])),
            "",
            "appears twice",
        ),
        (
            lambda b: _guarantee(b, "counterfeit_10x")["compensation"].pop("multiple"),
            "guarantees.3.compensation",
            "needs a multiple",
        ),
        (
            lambda b: _guarantee(b, "fast_refund").update(min_price_fen=300_000),
            "guarantees.2",
            "below min_price_fen",
        ),
    ],
)
def test_an_invalid_catalogue_is_refused_naming_the_field(
    session: Session,
    clock: ManualClock,
    change: Callable[[Body], object],
    field: str,
    words: str,
) -> None:
    body = _body(change)
    with pytest.raises(InvalidInput) as caught:
        catalogue.parse_catalogue(body)
    expected = f"catalogue.{field}" if field else "catalogue"
    assert caught.value.field == expected
    assert words in caught.value.message
    # Through the service: the same answer, and nothing stored.
    before = _versions(session)
    with pytest.raises(InvalidInput) as again:
        catalogue.add_version(session, clock, version="bad", body=body, note="", actor_user_id=None)
    assert again.value.field == expected
    assert _versions(session) == before


def test_a_body_that_is_not_an_object_is_refused(session: Session, clock: ManualClock) -> None:
    for body in ([], "catalogue", None, 3):
        with pytest.raises(InvalidInput) as caught:
            catalogue.parse_catalogue(body)
        assert caught.value.field == "catalogue"


def test_versions_are_added_then_activated_once(session: Session, clock: ManualClock) -> None:
    row = catalogue.add_version(
        session, clock, version=" 2027.1 ", body=_body(), note="same terms", actor_user_id=None
    )
    assert row.version == "2027.1"
    assert row.activated_at is None
    assert catalogue.in_force(session, clock)[0] == catalogue.DEFAULT_VERSION  # not yet
    with pytest.raises(Conflict) as taken:
        catalogue.add_version(
            session, clock, version="2027.1", body=_body(), note="", actor_user_id=None
        )
    assert taken.value.field == "version"
    for bad in ("", "   ", "x" * 21):
        with pytest.raises(InvalidInput) as caught:
            catalogue.add_version(
                session, clock, version=bad, body=_body(), note="", actor_user_id=None
            )
        assert caught.value.field == "version"
    with pytest.raises(NotFound):
        catalogue.activate(session, clock, version="2099.9", actor_user_id=None)

    clock.advance(timedelta(days=1))
    catalogue.activate(session, clock, version="2027.1", actor_user_id=None)
    assert catalogue.in_force(session, clock)[0] == "2027.1"
    # Looked up as of an earlier moment: the version in force then.
    assert catalogue.in_force(session, clock, clock.now() - timedelta(seconds=1))[0] == "2026.1"
    with pytest.raises(Conflict):
        catalogue.activate(session, clock, version="2027.1", actor_user_id=None)
    with pytest.raises(Conflict):  # the default was put in force long ago
        catalogue.activate(session, clock, version=catalogue.DEFAULT_VERSION, actor_user_id=None)
    assert [v.version for v in catalogue.versions(session, clock)] == ["2026.1", "2027.1"]


def _stricter(b: Body) -> None:
    """Version 2027.1: damage must be reported within 24 hours; postage pays more; no allergy
    returns; the score minimum rises."""
    _guarantee(b, "damage_doa")["claim_window_hours"] = 24
    _guarantee(b, "return_postage")["compensation"].update(far_fen=1500)
    b["guarantees"] = [g for g in b["guarantees"] if g["code"] != "counterfeit_10x"]
    b["programme"]["min_score"] = 85


def _new_version(session: Session, clock: ManualClock) -> None:
    catalogue.add_version(
        session, clock, version="2027.1", body=_body(_stricter), note="", actor_user_id=None
    )
    catalogue.activate(session, clock, version="2027.1", actor_user_id=None)


def test_a_new_version_changes_new_orders_only(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    who = buyer(session, clock)
    before = covered_order(session, db, clock, shop=shop, who=who)
    old_terms = {p.code: dict(p.terms) for p in coverage.promises_of(session, before.id)}
    assert old_terms["damage_doa"]["claim_window_hours"] == 48

    clock.advance(timedelta(hours=1))
    _new_version(session, clock)
    clock.advance(timedelta(minutes=1))
    after = covered_order(session, db, clock, shop=shop, who=who)

    kept = {p.code: p for p in coverage.promises_of(session, before.id)}
    assert {p.catalogue_version for p in kept.values()} == {"2026.1"}
    assert {code: p.terms for code, p in kept.items()} == old_terms
    assert "counterfeit_10x" in kept

    new = {p.code: p for p in coverage.promises_of(session, after.id)}
    assert {p.catalogue_version for p in new.values()} == {"2027.1"}
    assert new["damage_doa"].terms["claim_window_hours"] == 24
    assert new["return_postage"].terms["compensation"]["far_fen"] == 1500
    assert "counterfeit_10x" not in new
    # The badge was granted under the old terms and is not taken by the new minimum score
    # until the daily run says so (the shop's 92 passes 85 anyway).
    assert enrolment.holds_badge(session, shop.id)


def test_an_order_placed_before_activation_keeps_the_old_terms_however_late_the_snapshot(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    who = buyer(session, clock)
    product = make_product(session, clock, shop=shop, price_fen=20_000)
    order = buy_and_deliver(session, clock, buyer=who, product=product)  # not yet dispatched
    clock.advance(timedelta(hours=2))
    _new_version(session, clock)
    dispatch(session, db, clock)  # the order.placed subscriber runs after the activation
    promises = coverage.promises_of(session, order.id)
    assert promises
    assert {p.catalogue_version for p in promises} == {"2026.1"}
    assert "counterfeit_10x" in {p.code for p in promises}


def test_promises_made_with_the_badge_outlive_the_badge(
    session: Session, db: Database, clock: ManualClock
) -> None:
    shop = trusted_shop(session, clock)
    who = buyer(session, clock)
    badged = covered_order(session, db, clock, shop=shop, who=who)
    codes = {p.code for p in coverage.promises_of(session, badged.id)}
    assert {"return_postage", "counterfeit_10x", "damage_doa", "fast_refund"} <= codes

    # Placed while badged, snapshot taken only after the revocation: still the badge's promises.
    product = make_product(session, clock, shop=shop, price_fen=20_000)
    late = buy_and_deliver(session, clock, buyer=who, product=product)
    clock.advance(timedelta(minutes=5))
    assert enrolment.revoke_now(session, clock, shop.id, reason="counterfeit ruling")
    dispatch(session, db, clock)

    assert {p.code for p in coverage.promises_of(session, badged.id)} == codes
    assert {p.code for p in coverage.promises_of(session, late.id)} == codes

    clock.advance(timedelta(minutes=5))
    unbadged = covered_order(session, db, clock, shop=shop, who=who)
    assert [p.code for p in coverage.promises_of(session, unbadged.id)] == ["no_reason_7d"]
