"""What happens to a paid order, drawn from the shop's latent profile, the creator's honesty and
the buyer's habits: the fate the engine then plays out through the services."""

from __future__ import annotations

import random
from dataclasses import dataclass

from shijing.commerce.catalog.categories import get_category
from shijing.commerce.shops.regions import PROVINCES
from shijing.sim.agents import BuyerAgent, CreatorAgent, ShopAgent


@dataclass
class Fate:
    buyer: int
    shop: int
    creator: int | None
    category: str
    total_fen: int
    brushing: bool = False
    cancel_before_ship: bool = False
    ship_after_h: float = 24.0
    pickup_lag_h: float = 2.0
    transit_h: float = 48.0
    problem: str | None = None  # an after-sales reason that is true
    claims_problem: bool = False  # the buyer asks for after-sales about it
    false_claim: bool = False  # a made-up quality claim (return abusers)
    empty_box: bool = False  # a made-up claim that the parcel arrived empty (return abusers)
    postage_farming: bool = False  # sent to a fake remote address to return it for the postage
    serial_return: bool = False  # one more no-reason return by a serial returner
    ring: int | None = None  # the ring behind the order (brushing or camouflage)
    camouflage: bool = False
    no_reason_return: bool = False
    confirms: bool = True
    reviews: bool = False
    complains: str | None = None  # complaint category
    aftersale_id: int | None = None

    @property
    def made_up(self) -> bool:
        """The buyer's after-sales claim is not true."""
        return self.false_claim or self.empty_box

    @property
    def abuse(self) -> str | None:
        """What kind of return abuse the order's after-sale is, if it is one."""
        if self.empty_box:
            return "empty_box"
        if self.false_claim:
            return "false_claim"
        if self.postage_farming:
            return "postage_farming"
        if self.serial_return:
            return "serial_return"
        return None

    @property
    def late(self) -> bool:
        return self.ship_after_h + self.pickup_lag_h > 48.0


def transit_hours(rng: random.Random, from_province: str, to_province: str, fresh: bool) -> float:
    if from_province == to_province:
        base = rng.uniform(14, 30)
    elif PROVINCES[from_province].region == PROVINCES[to_province].region:
        base = rng.uniform(26, 50)
    else:
        base = rng.uniform(44, 100)
    return round(base * (0.6 if fresh else 1.0), 2)


def draw_fate(
    rng: random.Random,
    *,
    buyer: BuyerAgent,
    shop: ShopAgent,
    creator: CreatorAgent | None,
    category: str,
    total_fen: int,
    brushing: bool = False,
    ship_province: str | None = None,
) -> Fate:
    """The order's whole story, drawn at payment. Every draw happens in the same order for the
    same inputs, so a seed replays a run exactly."""
    fate = Fate(buyer.index, shop.index, creator.index if creator else None, category, total_fen)
    draws = [rng.random() for _ in range(10)]
    fresh = category.startswith("fresh") or category.startswith("agri")
    fate.transit_h = transit_hours(rng, shop.province, ship_province or buyer.province, fresh)
    if brushing:  # an empty parcel, sent at once; the fake buyer confirms and praises
        fate.brushing = True
        fate.ship_after_h = rng.uniform(1, 8)
        fate.pickup_lag_h = rng.uniform(0.5, 2)
        fate.confirms, fate.reviews = True, draws[0] < 0.9
        return fate
    late = draws[0] < shop.late_share
    fate.ship_after_h = round(
        rng.uniform(49, 96)
        if late
        else min(46.0, rng.expovariate(1 / max(shop.ship_delay_hours, 1))),
        2,
    )
    fate.pickup_lag_h = round(rng.uniform(0.3, 1.5), 2)
    fate.cancel_before_ship = draws[1] < 0.015 + (0.05 if late else 0.0)
    if shop.counterfeit_share and draws[2] < shop.counterfeit_share:
        fate.problem = "counterfeit"
        fate.claims_problem = draws[3] < 0.55
        fate.complains = "counterfeit" if draws[4] < 0.5 else None
    elif draws[2] < shop.defect_rate + shop.counterfeit_share * 0:
        if category == "fresh.seafood_live":
            fate.problem = "dead_on_arrival"
        elif draws[3] < 0.3:
            fate.problem = "damaged_in_transit"
        else:
            fate.problem = "quality"
        fate.claims_problem = draws[4] < 0.85
    elif creator is not None and draws[2] < shop.defect_rate + 0.15 * (1 - creator.honesty):
        fate.problem = "not_as_described"
        fate.claims_problem = draws[4] < 0.7
        fate.complains = "false_advertising" if draws[5] < 0.3 else None
    no_reason_ok = get_category(category).no_reason_return
    if fate.problem is None:
        if buyer.kind == "return_abuser" and draws[6] < 0.35:
            fate.false_claim = True
        elif no_reason_ok and draws[6] < buyer.return_propensity:
            fate.no_reason_return = True
    if fate.complains is None and draws[7] < shop.rude_rate:
        fate.complains = "rude_service"
    if fate.complains is None and late and draws[7] < 0.04:
        fate.complains = "delivery_problem"
    unhappy = fate.problem is not None or late
    fate.reviews = draws[8] < (0.55 if unhappy else 0.35)
    fate.confirms = draws[9] < 0.55
    return fate


def satisfaction(fate: Fate) -> float:
    """How the buyer feels about it afterwards, in [-1, 1]."""
    if fate.brushing:
        return 0.0
    score = 0.6
    if fate.late:
        score -= 0.4
    if fate.problem == "counterfeit":
        score -= 1.6
    elif fate.problem is not None:
        score -= 1.0
    return max(-1.0, min(1.0, score))


def ratings(rng: random.Random, fate: Fate, treated_fairly: bool) -> tuple[int, int, int]:
    """Product, logistics and service stars from the experience."""
    if fate.brushing:
        return 5, 5, 5
    product = rng.choice((4, 5, 5, 5)) if fate.problem is None else rng.choice((1, 1, 2, 3))
    if fate.made_up:
        product = rng.choice((1, 2))
    logistics = rng.choice((4, 5, 5)) if not fate.late else rng.choice((1, 2, 3))
    if fate.transit_h > 80:
        logistics = min(logistics, 3)
    service = rng.choice((4, 5, 5)) if treated_fairly else rng.choice((1, 2))
    return product, logistics, service
