"""The daily loop: agents plan their day, their actions run in time order on the ManualClock, and
after each tick the outbox is delivered and due deadlines run, as in production.

Every write goes through a service. One transaction per tick (the boundary), one savepoint per
action: an action the platform refuses (out of stock, wrong state) changes nothing and is counted.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

import numpy as np
from sqlalchemy.orm import Session

import shijing.wiring  # noqa: F401  (registers every event subscriber and due step)
from shijing.accounts.passwords import Passwords
from shijing.accounts.service import Principal
from shijing.commerce.aftersales import service as aftersales
from shijing.commerce.catalog.categories import get_category
from shijing.commerce.complaints import service as complaints
from shijing.commerce.creators import service as creators
from shijing.commerce.live import counters
from shijing.commerce.live import service as lives
from shijing.commerce.orders import billing, fulfilment
from shijing.commerce.orders import service as orders
from shijing.commerce.reviews import service as reviews
from shijing.commerce.shipping import carriers
from shijing.commerce.shipping import service as shipping
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.deadlines import DueRegistry, due, run_due
from shijing.core.errors import DomainError
from shijing.core.outbox import Dispatcher
from shijing.sim import texts
from shijing.sim.agents import BuyerAgent, CreatorAgent, Ring, draw_population
from shijing.sim.config import SimConfig
from shijing.sim.outcomes import Fate, draw_fate, ratings, satisfaction
from shijing.sim.truth import GroundTruth
from shijing.sim.world import SIM_DOMAIN, World, build_world, open_buyer_account

Step = Callable[[Session], object]
EVIDENCE = f"https://img.{SIM_DOMAIN}/evidence"
DESCRIPTIONS = {"no_reason_7d": "不合适", "quality": "质量有问题", "dead_on_arrival": "到货已死"}
FAN_BUY_RATE = 0.06  # a loyal fan's daily chance to come back to their shop (besides the feed)


# The simulator scores when its own steps say so (``trust_purchase``), not through the server's
# daily step: an export and a scoring run per simulated day would multiply a run's time.
NOT_SIMULATED = frozenset({"trust.daily_scores"})


def _simulated_due() -> DueRegistry:
    return DueRegistry({n: s for n, s in due.steps.items() if n not in NOT_SIMULATED})


@dataclass(order=True)
class Action:
    at: datetime
    seq: int
    name: str = field(compare=False)
    step: Step = field(compare=False)


@dataclass
class LiveRoom:
    creator: int
    live_id: int = 0
    items: list[int] = field(default_factory=list)  # showcase item ids
    slots: list[tuple[int, int]] = field(default_factory=list)  # (shop index, product slot)
    pinned: int = 0
    viewers: int = 0


Progress = Callable[[int, int], None]


class Simulation:
    """One run: ``Simulation(db, config).run()``; then ``truth`` and ``stats``."""

    def __init__(
        self, db: Database, config: SimConfig, *, tag: str = "", clock: ManualClock | None = None
    ) -> None:
        self.db = db
        self.config = config
        self.tag = tag
        self.clock = clock or ManualClock(config.start)
        self.rng = random.Random(config.seed)
        self.nprng = np.random.default_rng(config.seed)
        self.dispatcher = Dispatcher(db, self.clock)
        self.heap: list[Action] = []
        self.seq = itertools.count()
        self.tracking = itertools.count(1)
        self.stats: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.fates: dict[int, Fate] = {}
        self.review_sum: dict[int, float] = {}
        self.review_n: dict[int, int] = {}
        self.rooms: list[LiveRoom] = []
        self.world: World | None = None
        self.truth = GroundTruth(tag=tag)
        self.shop_orders: Counter[int] = Counter()  # honest orders per shop: its popularity
        self.day_no = 0
        self.passwords = Passwords(time_cost=1, memory_kib=1024)

    # -- scheduling ---------------------------------------------------------------------------

    def at(self, when: datetime, name: str, step: Step) -> None:
        heapq.heappush(self.heap, Action(when, next(self.seq), name, step))

    def after(self, hours: float, name: str, step: Step) -> None:
        self.at(self.clock.now() + timedelta(hours=hours), name, step)

    def advance_to(self, end: datetime) -> None:
        """Run every action due by ``end`` in time order, then deliver events and deadlines."""
        if self.heap and self.heap[0].at <= end:
            with self.db.transaction() as session:
                while self.heap and self.heap[0].at <= end:
                    action = heapq.heappop(self.heap)
                    if action.at > self.clock.now():
                        self.clock.set(action.at)
                    try:
                        with session.begin_nested():
                            action.step(session)
                        self.stats[action.name] += 1
                    except DomainError as exc:
                        self.refused[f"{action.name}:{getattr(exc, 'code', '') or exc.field}"] += 1
        if end > self.clock.now():
            self.clock.set(end)
        self.dispatcher.run_until_idle()
        run_due(self.db, self.clock, _simulated_due())

    # -- the run ------------------------------------------------------------------------------

    def build(self) -> World:
        pop = draw_population(self.config.scale, self.nprng)
        self.world = build_world(
            self.db, self.clock, pop, self.config.scale.products_per_shop, self.nprng, tag=self.tag
        )
        self.truth.describe(self.world)
        self.dispatcher.run_until_idle()
        return self.world

    def run(self, progress: Progress | None = None) -> World:
        world = self.world or self.build()
        days = self.config.days
        tick = timedelta(hours=self.config.scale.tick_hours)
        day0 = self.clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
        for day in range(days):
            start = day0 + timedelta(days=day)
            if start > self.clock.now():
                self.clock.set(start)
            self.day_no = day
            self.plan_day(start, last=day == days - 1)
            t = start
            while t < start + timedelta(days=1):
                t = min(t + tick, start + timedelta(days=1))
                self.advance_to(t)
            if progress:
                progress(day + 1, days)
        self.truth.describe(world)  # with the accounts review farms opened on the way
        return world

    # -- planning a day -----------------------------------------------------------------------

    def plan_day(self, day: datetime, *, last: bool) -> None:
        assert self.world is not None
        pop = self.world.population
        scale = self.config.scale
        on_air_at_end = self.config.live_at_end if last else 0
        for c in pop.creators:
            keep_on_air = c.index < on_air_at_end
            if keep_on_air or self.rng.random() < c.sessions_per_week / 7:
                hour = c.start_hour_utc if not keep_on_air else 20
                start = day + timedelta(hours=hour, minutes=self.rng.randrange(0, 60, 5))
                self.plan_live(c, start, keep_on_air=keep_on_air)
        for b in pop.buyers:
            if b.kind == "fake" or b.churned:
                continue
            if self.rng.random() < scale.daily_buy_rate * b.activity:
                hour = self.rng.choice((1, 2, 4, 5, 6, 8, 11, 12, 13, 14, 14, 15))
                when = day + timedelta(hours=hour, minutes=self.rng.randrange(60))
                self.at(when, "feed_buy", partial(self.feed_buy, b=b))
            if b.fan_of is not None and self.rng.random() < FAN_BUY_RATE:
                when = day + timedelta(hours=self.rng.choice((2, 5, 11, 12, 13, 14)))
                when += timedelta(minutes=self.rng.randrange(60))
                self.at(when, "fan_buy", partial(self.fan_buy, b=b))
        for ring in pop.rings:
            if ring.shape == "review_burst":
                if ring.burst_day == self.day_no:
                    when = day + timedelta(hours=self.rng.uniform(0, 6))
                    self.at(when, "farm_open", partial(self.farm_open, ring=ring))
                continue
            n = int(self.nprng.poisson(ring.rate_on(self.day_no)))
            # an aged account passes more checks: a ring uses its hijacked ones the most
            weights = [2.0 if m in ring.hijacked else 1.0 for m in ring.members]
            for _ in range(n):
                member = pop.buyers[self.rng.choices(ring.members, weights=weights)[0]]
                camouflage = self.rng.random() < ring.camouflage_share
                when = day + timedelta(hours=self.rng.uniform(0, 23.5))
                self.at(
                    when,
                    "ring_buy",
                    partial(self.ring_buy, member=member, ring=ring, camouflage=camouflage),
                )

    # -- buying -------------------------------------------------------------------------------

    def review_average(self, shop: int) -> float | None:
        n = self.review_n.get(shop, 0)
        return self.review_sum[shop] / n if n >= 3 else None

    def utility(self, b: BuyerAgent, shop: int, slot: int) -> float:
        assert self.world is not None
        s = self.world.population.shops[shop]
        u = math.log(b.preferences.get(s.categories[slot], 0.0) + 0.02)
        avg = self.review_average(shop)
        if avg is not None:
            u += b.trust_weight * (avg - 4.2)
        u += b.loyalty * b.experience.get(shop, 0.0)
        if s.prices[slot] > b.budget_fen:
            u -= 1.5 * math.log(s.prices[slot] / b.budget_fen)
        return u

    def feed_buy(self, session: Session, b: BuyerAgent) -> None:
        assert self.world is not None
        pop = self.world.population
        candidates: list[tuple[int, int, int | None]] = []
        for _ in range(6):
            s = self.rng.randrange(len(pop.shops))
            candidates.append((s, self.rng.randrange(len(pop.shops[s].product_ids)), None))
        for s in sorted(k for k, v in b.experience.items() if v > 0.2):
            candidates.append((s, self.rng.randrange(len(pop.shops[s].product_ids)), None))
        for ci in sorted(b.follows):
            c = pop.creators[ci]
            if c.sells and b.creator_experience.get(ci, 0.0) > -0.3:
                shop, slot = self.rng.choice(c.sells)
                candidates.append((shop, slot, ci))
        best = max(
            candidates,
            key=lambda x: (
                self.utility(b, x[0], x[1])
                + (0.4 if x[2] is not None else 0.0)
                - math.log(-math.log(self.rng.random() or 1e-12))
            ),
        )
        shop, slot, creator = best
        if pop.shops[shop].brushed_by_ring is not None and b.kind == "fake":
            return
        source = (
            "followers_feed"
            if creator is not None
            else self.rng.choice(("public_feed", "public_feed", "search", "product_page"))
        )
        self.buy(session, b, shop, slot, source, creator=creator)

    def fan_buy(self, session: Session, b: BuyerAgent) -> None:
        """A loyal fan comes back to their shop (the shop's own page, or the creator's room)."""
        assert self.world is not None
        if b.churned or b.fan_of is None:
            return
        shop = b.fan_of
        slot = self.rng.randrange(len(self.world.population.shops[shop].product_ids))
        source = self.rng.choice(("product_page", "search", "public_feed"))
        self.buy(session, b, shop, slot, source)

    def ring_buy(self, session: Session, member: BuyerAgent, ring: Ring, camouflage: bool) -> None:
        """A ring's order: for a target, or camouflage at an honest shop (picked by popularity,
        as a real buyer would), always from the ring's phones, to its drop addresses."""
        assert self.world is not None
        pop = self.world.population
        if camouflage:
            honest = [
                s.index for s in pop.shops if not s.brushed_by_rings and not s.counterfeit_share
            ]
            if not honest:
                return
            weights = [1 + self.shop_orders[i] for i in honest]
            shop = self.rng.choices(honest, weights=weights)[0]
        else:
            shop = self.rng.choice(ring.targets)
        slot = self.rng.randrange(len(pop.shops[shop].product_ids))
        self.buy(
            session,
            member,
            shop,
            slot,
            self.rng.choice(("search", "search", "public_feed", "product_page")),
            brushing=not camouflage,
            camouflage=camouflage,
            ring=ring,
        )

    def farm_open(self, session: Session, ring: Ring) -> None:
        """A review farm opens its fresh accounts, and each buys once from the target within
        the day: the burst of five-star reviews follows the deliveries."""
        assert self.world is not None
        pop = self.world.population
        for m in ring.members:
            b = pop.buyers[m]
            if not b.user_id:
                open_buyer_account(
                    session, self.clock, self.world, b, tag=self.tag, passwords=self.passwords
                )
            when = self.rng.uniform(0.5, 20)
            self.after(
                when, "ring_buy", partial(self.ring_buy, member=b, ring=ring, camouflage=False)
            )

    def buy(
        self,
        session: Session,
        b: BuyerAgent,
        shop_index: int,
        slot: int,
        source: str,
        *,
        creator: int | None = None,
        live_id: int | None = None,
        brushing: bool = False,
        camouflage: bool = False,
        ring: Ring | None = None,
    ) -> None:
        assert self.world is not None
        pop = self.world.population
        shop = pop.shops[shop_index]
        me = self.world.principal(b.user_id)
        c_agent = pop.creators[creator] if creator is not None else None
        quantity = 1 if self.rng.random() < 0.85 else 2
        category = shop.categories[slot]
        postage_farming = False
        if ring is not None:  # the ring's phone farm, drop addresses and cards
            pos = ring.members.index(b.index) if b.index in ring.members else 0
            device = ring.devices[pos % len(ring.devices)]
            if self.rng.random() < 0.2:
                device = self.rng.choice(ring.devices)
            province, city, street = self.rng.choice(ring.addresses)
            instrument = ring.instruments[pos % len(ring.instruments)]
        else:
            device = (
                b.devices[0] if len(b.devices) == 1 or self.rng.random() < 0.7 else b.devices[1]
            )
            province, city, street = b.province, b.city, b.street
            instrument = b.instrument
            if (
                b.remote_province is not None
                and get_category(category).no_reason_return
                and self.rng.random() < 0.45
            ):  # to a made-up address far away, to be returned for the postage
                postage_farming = True
                province, city = b.remote_province, "县城"
                street = f"牧场路{self.rng.randint(1, 999)}号"
        order = orders.place_order(
            session,
            self.clock,
            me,
            sku_id=shop.sku_ids[slot],
            quantity=quantity,
            traffic_source=source,
            ship_to=orders.ShipTo(
                name=f"老铁{b.index}",
                phone=f"139{b.index % 10**8:08d}",
                province=province,
                city=city,
                address=street,
            ),
            live_session_id=live_id,
            creator_id=c_agent.creator_id if c_agent else None,
            device_id=f"{self.tag}{device}",
        )
        self.stats["orders_placed"] += 1
        if ring is None:
            self.shop_orders[shop_index] += 1
        if not brushing and self.rng.random() < 0.03:  # left unpaid: cancelled at the deadline
            self.stats["orders_abandoned"] += 1
            return
        billing.pay_order(
            session,
            self.clock,
            me,
            order_id=order.id,
            payment_method=f"sim_ok_{self.tag}{instrument}",
        )
        fate = draw_fate(
            self.rng,
            buyer=b,
            shop=shop,
            creator=c_agent,
            category=shop.categories[slot],
            total_fen=order.total_fen,
            brushing=brushing,
            ship_province=province,
        )
        fate.ring = ring.index if ring is not None else None
        fate.camouflage = camouflage
        if postage_farming and fate.problem is None:
            fate.postage_farming = True
            fate.no_reason_return, fate.false_claim = True, False
        elif "empty_box" in b.abuse and fate.problem is None and self.rng.random() < 0.2:
            fate.empty_box = True
            fate.no_reason_return, fate.false_claim = False, False
        if b.kind == "return_abuser" and fate.no_reason_return and not fate.postage_farming:
            fate.serial_return = True
        self.fates[order.id] = fate
        self.truth.order(order.id, fate, camouflage=camouflage)
        if fate.cancel_before_ship:
            self.after(
                self.rng.uniform(0.5, min(fate.ship_after_h, 40)),
                "buyer_cancel",
                partial(self.buyer_cancel, order_id=order.id),
            )
        self.after(fate.ship_after_h, "ship", partial(self.ship, order_id=order.id))

    def buyer_cancel(self, session: Session, order_id: int) -> None:
        fate = self.fates[order_id]
        b = self.buyer(fate.buyer)
        orders.cancel_order(
            session,
            self.clock,
            self.world_principal(b.user_id),
            order_id=order_id,
            reason="不想要了",
        )

    # -- fulfilment ---------------------------------------------------------------------------

    def buyer(self, index: int) -> BuyerAgent:
        assert self.world is not None
        return self.world.population.buyers[index]

    def world_principal(self, user_id: int) -> Principal:
        assert self.world is not None
        return self.world.principal(user_id)

    def ship(self, session: Session, order_id: int) -> None:
        assert self.world is not None
        fate = self.fates[order_id]
        shop = self.world.population.shops[fate.shop]
        carrier = self.rng.choice(self.world.carriers)
        number = f"SIM{self.tag.upper()}{next(self.tracking):09d}"
        shipping.ship_order(
            session,
            self.clock,
            self.world.principal(shop.owner_user_id),
            order_id=order_id,
            carrier_code=carrier,
            tracking_no=number,
        )
        self.after(
            fate.pickup_lag_h,
            "carrier_pickup",
            lambda s: self.track(s, carrier, number, "picked_up"),
        )
        self.after(
            fate.pickup_lag_h + fate.transit_h,
            "carrier_deliver",
            lambda s: self.delivered(s, order_id, carrier, number),
        )

    def track(self, session: Session, carrier_code: str, number: str, kind: str) -> None:
        carrier = carriers.find_carrier(session, carrier_code)
        assert carrier is not None
        shipping.record_tracking_events(
            session,
            self.clock,
            carrier,
            reports=[
                shipping.TrackingReport(
                    event_id=f"{number}-{kind}", tracking_no=number, kind=kind, at=self.clock.now()
                )
            ],
        )

    def delivered(self, session: Session, order_id: int, carrier_code: str, number: str) -> None:
        self.track(session, carrier_code, number, "delivered")
        fate = self.fates[order_id]
        if fate.brushing:
            self.after(self.rng.uniform(0.2, 6), "confirm", lambda s: self.confirm(s, order_id))
        else:
            window = 20.0 if fate.problem == "dead_on_arrival" else 60.0
            self.after(self.rng.uniform(1, window), "react", lambda s: self.react(s, order_id))
        farm = fate.ring is not None and self.ring(fate.ring).shape == "review_burst"
        if fate.reviews or farm:  # a review farm posts all at once, as soon as parcels land
            delay = self.rng.uniform(1, 18) if farm else self.rng.uniform(6, 24 * 12)
            self.after(delay, "review", lambda s: self.review(s, order_id))

    def ring(self, index: int) -> Ring:
        assert self.world is not None
        return self.world.population.rings[index]

    def confirm(self, session: Session, order_id: int) -> None:
        b = self.buyer(self.fates[order_id].buyer)
        fulfilment.confirm_receipt(
            session, self.clock, self.world_principal(b.user_id), order_id=order_id
        )

    # -- the buyer's reaction -----------------------------------------------------------------

    def react(self, session: Session, order_id: int) -> None:
        assert self.world is not None
        fate = self.fates[order_id]
        b = self.buyer(fate.buyer)
        me = self.world.principal(b.user_id)
        self.experience(b, fate)
        if fate.complains:
            self.after(self.rng.uniform(0, 12), "complain", lambda s: self.complain(s, order_id))
        reason = kind = None
        if fate.problem and fate.claims_problem:
            reason = fate.problem
            refund_only = reason in ("dead_on_arrival", "damaged_in_transit")
            kind = "refund_only" if refund_only else "return_refund"
        elif fate.empty_box:  # no "empty parcel" reason: the wrong item (nothing) came
            reason, kind = "wrong_item", "refund_only"
        elif fate.false_claim:
            reason, kind = "quality", "refund_only"
        elif fate.no_reason_return:
            reason, kind = "no_reason_7d", "return_refund"
        if reason is None or kind is None:
            if fate.confirms:
                fulfilment.confirm_receipt(session, self.clock, me, order_id=order_id)
            return
        evidence = [] if reason == "no_reason_7d" else [f"{EVIDENCE}/{order_id}-1.jpg"]
        sale = aftersales.open_aftersale(
            session,
            self.clock,
            me,
            order_id=order_id,
            kind=kind,
            reason=reason,
            description=DESCRIPTIONS.get(reason, "货不对板")
            if not fate.empty_box
            else "收到的是空包裹，里面没有商品",
            evidence_urls=evidence,
        )
        fate.aftersale_id = sale.id
        self.truth.aftersale(sale.id, order_id, genuine=not fate.made_up, abuse=fate.abuse)
        shop = self.world.population.shops[fate.shop]
        if shop.treatment == "fair":
            self.after(
                self.rng.uniform(1, 30), "shop_answer", lambda s: self.shop_answer(s, order_id)
            )
        elif shop.treatment == "refuses":
            self.after(
                self.rng.uniform(4, 40), "shop_answer", lambda s: self.shop_answer(s, order_id)
            )
        # a slow shop lets the 48 h deadline approve it; the buyer looks again afterwards
        self.after(self.rng.uniform(49, 72), "buyer_check", lambda s: self.buyer_check(s, order_id))

    def experience(self, b: BuyerAgent, fate: Fate) -> None:
        feel = satisfaction(fate)
        b.experience[fate.shop] = round(0.6 * b.experience.get(fate.shop, 0.0) + feel, 4)
        if fate.creator is not None:
            c = fate.creator
            b.creator_experience[c] = round(0.6 * b.creator_experience.get(c, 0.0) + feel, 4)
            if feel > 0.3 and c not in b.follows and self.rng.random() < 0.3 * b.loyalty:
                self.after(
                    self.rng.uniform(0, 2), "follow", partial(self.follow, buyer=b.index, creator=c)
                )
        if feel < -0.5 and self.rng.random() < 0.15:
            b.churned = True
            self.stats["buyers_churned"] += 1

    def shop_answer(self, session: Session, order_id: int) -> None:
        assert self.world is not None
        fate = self.fates[order_id]
        shop = self.world.population.shops[fate.shop]
        staff = self.world.principal(shop.owner_user_id)
        assert fate.aftersale_id is not None
        refuse = shop.treatment == "refuses" and self.rng.random() < 0.85
        if fate.made_up and self.rng.random() < 0.6:
            refuse = True
        if refuse:
            aftersales.reject(
                session, self.clock, staff, fate.aftersale_id, reason="商品无质量问题"
            )
        else:
            aftersales.approve(session, self.clock, staff, fate.aftersale_id)
        self.after(self.rng.uniform(1, 30), "buyer_check", lambda s: self.buyer_check(s, order_id))

    def buyer_check(self, session: Session, order_id: int) -> None:
        assert self.world is not None
        fate = self.fates[order_id]
        me = self.world.principal(self.buyer(fate.buyer).user_id)
        assert fate.aftersale_id is not None
        sale = aftersales.get_visible(session, me, fate.aftersale_id)
        if sale.status == "awaiting_return":
            carrier = self.rng.choice(self.world.carriers)
            number = f"RET{self.tag.upper()}{next(self.tracking):09d}"
            aftersales.ship_return(
                session, self.clock, me, sale.id, carrier_code=carrier, tracking_no=number
            )
            pickup = self.rng.uniform(2, 20)
            self.after(
                pickup, "carrier_pickup", lambda s: self.track(s, carrier, number, "picked_up")
            )
            arrive = pickup + self.rng.uniform(24, 80)
            self.after(
                arrive, "carrier_deliver", lambda s: self.track(s, carrier, number, "delivered")
            )
            shop = self.world.population.shops[fate.shop]
            if shop.treatment == "fair":
                self.after(
                    arrive + self.rng.uniform(2, 30),
                    "shop_receive",
                    lambda s: self.receive(s, order_id),
                )
        elif sale.status == "rejected":
            genuine = not fate.made_up
            if self.rng.random() < (0.8 if genuine else 0.5):
                aftersales.escalate(
                    session, self.clock, me, sale.id, statement="商家拒绝售后，请平台介入"
                )
                self.after(self.rng.uniform(12, 72), "rule", lambda s: self.rule(s, order_id))

    def receive(self, session: Session, order_id: int) -> None:
        assert self.world is not None
        fate = self.fates[order_id]
        shop = self.world.population.shops[fate.shop]
        assert fate.aftersale_id is not None
        aftersales.receive_return(
            session, self.clock, self.world.principal(shop.owner_user_id), fate.aftersale_id
        )

    def rule(self, session: Session, order_id: int) -> None:
        assert self.world is not None
        fate = self.fates[order_id]
        assert fate.aftersale_id is not None
        genuine = not fate.made_up
        if self.rng.random() < 0.1:  # arbitrators err now and then
            genuine = not genuine
        fault = "shop" if genuine else "buyer"
        if genuine and fate.problem == "damaged_in_transit":
            fault = "carrier"
        aftersales.rule(
            session,
            self.clock,
            self.world.operator,
            fate.aftersale_id,
            ruling="refund" if genuine else "close",
            fault=fault,
            note="依据证据裁决",
        )
        self.stats["disputes_ruled"] += 1
        self.after(self.rng.uniform(2, 48), "buyer_check", lambda s: self.buyer_check(s, order_id))

    def review(self, session: Session, order_id: int) -> None:
        assert self.world is not None
        fate = self.fates[order_id]
        shop = self.world.population.shops[fate.shop]
        product, logistics, service = ratings(self.rng, fate, shop.treatment == "fair")
        b = self.buyer(fate.buyer)
        fake: str | None = None
        if fate.brushing and fate.ring is not None:  # the ring's script, five stars
            ring = self.ring(fate.ring)
            fake = "burst" if ring.shape == "review_burst" else "ring_script"
            text = texts.fake_review(self.rng, ring.script)
        else:
            text = texts.honest_review(self.rng, fate.category, product)
            if b.kind == "fake":  # a ring account's camouflage review: plausible, and fake
                fake = "ring_account"
        review = reviews.write_review(
            session,
            self.clock,
            self.world.principal(b.user_id),
            order_id=order_id,
            ratings=reviews.Ratings(product=product, logistics=logistics, service=service),
            text=text,
        )
        self.truth.review(review.id, order_id, fake=fake)
        self.review_sum[fate.shop] = self.review_sum.get(fate.shop, 0.0) + product
        self.review_n[fate.shop] = self.review_n.get(fate.shop, 0) + 1

    def complain(self, session: Session, order_id: int) -> None:
        assert self.world is not None
        fate = self.fates[order_id]
        shop = self.world.population.shops[fate.shop]
        assert fate.complains is not None
        complaint = complaints.file_complaint(
            session,
            self.clock,
            self.world.principal(self.buyer(fate.buyer).user_id),
            target_kind="shop",
            shop_id=shop.shop_id,
            creator_id=None,
            order_id=order_id,
            category=fate.complains,
            description="投诉商家",
            evidence_urls=[f"{EVIDENCE}/{order_id}-c.jpg"],
        )
        true = fate.complains != "counterfeit" or fate.problem == "counterfeit"
        self.after(
            self.rng.uniform(12, 72),
            "complaint_ruling",
            lambda s: self.judge(s, complaint.id, true),
        )

    def judge(self, session: Session, complaint_id: int, true: bool) -> None:
        assert self.world is not None
        op = self.world.operator
        complaints.take(session, self.clock, op, complaint_id)
        if true and self.rng.random() < 0.85:
            complaints.uphold(session, self.clock, op, complaint_id, note="情况属实")
        else:
            complaints.dismiss(session, self.clock, op, complaint_id, note="证据不足")

    def follow(self, session: Session, buyer: int, creator: int) -> None:
        assert self.world is not None
        b = self.buyer(buyer)
        c = self.world.population.creators[creator]
        creators.follow_creator(session, self.clock, user_id=b.user_id, creator_id=c.creator_id)
        b.follows.add(creator)

    # -- live rooms ---------------------------------------------------------------------------

    def plan_live(self, c: CreatorAgent, start: datetime, *, keep_on_air: bool) -> None:
        room = LiveRoom(c.index)
        slots = list(c.sells)
        self.rng.shuffle(slots)
        room.slots = slots[: self.config.scale.showcase_items]
        duration = self.rng.uniform(1.5, 3.0)

        def schedule(session: Session) -> None:
            assert self.world is not None
            me = self.world.principal(c.user_id)
            live = lives.schedule_live_session(
                session, self.clock, me, title=f"{c.handle}的直播间", scheduled_at=start
            )
            room.live_id = live.id
            for shop, slot in room.slots:
                product_id = self.world.population.shops[shop].product_ids[slot]
                item = lives.add_showcase_item(
                    session, self.clock, me, live_session_id=live.id, product_id=product_id
                )
                room.items.append(item.id)

        self.at(start - timedelta(hours=self.rng.uniform(0.5, 2)), "live_schedule", schedule)
        self.at(start, "live_start", lambda s: self.live_start(s, c, room, duration, keep_on_air))

    def live_start(
        self, session: Session, c: CreatorAgent, room: LiveRoom, hours: float, keep_on_air: bool
    ) -> None:
        assert self.world is not None
        if not room.live_id:
            return
        me = self.world.principal(c.user_id)
        lives.start_live_session(session, self.clock, me, live_session_id=room.live_id)
        self.rooms.append(room)
        self.stats["live_sessions"] += 1
        pop = self.world.population
        if room.items:
            lives.pin_showcase_item(
                session, self.clock, me, live_session_id=room.live_id, item_id=room.items[0]
            )
            for k in range(1, len(room.items)):
                at_h = hours * k / len(room.items)
                self.after(at_h, "live_pin", partial(self.pin, c=c, room=room, k=k))
        fans = [b for b in pop.buyers if c.index in b.follows and not b.churned]
        viewers = [
            b
            for b in fans
            if self.rng.random() < 0.3 * (1 + b.creator_experience.get(c.index, 0.0))
        ]
        discovery = int(self.nprng.poisson(2 + 2 * math.log1p(c.follower_weight)))
        normal = [b for b in pop.buyers if b.kind != "fake" and not b.churned]
        viewers += [self.rng.choice(normal) for _ in range(discovery)] if normal else []
        viewers = viewers[: self.config.scale.max_viewers]
        for b in viewers:
            when = self.rng.uniform(0, hours * 0.9)
            self.after(
                when, "live_view", partial(self.view, c=c, room=room, b=b, left=hours - when)
            )
        if not keep_on_air:
            self.after(
                hours,
                "live_end",
                lambda s: lives.end_live_session(s, self.clock, me, live_session_id=room.live_id),
            )

    def pin(self, session: Session, c: CreatorAgent, room: LiveRoom, k: int) -> None:
        assert self.world is not None
        room.pinned = k
        lives.pin_showcase_item(
            session,
            self.clock,
            self.world.principal(c.user_id),
            live_session_id=room.live_id,
            item_id=room.items[k],
        )

    def view(
        self, session: Session, c: CreatorAgent, room: LiveRoom, b: BuyerAgent, left: float
    ) -> None:
        counters.viewer_joined(session, self.clock, room.live_id)
        stay = min(left, self.rng.uniform(0.1, 1.0))
        self.after(stay, "live_leave", lambda s: counters.viewer_left(s, self.clock, room.live_id))
        if not room.slots:
            return
        shop, slot = room.slots[room.pinned]
        liking = b.creator_experience.get(c.index, 0.0) + (0.5 if c.index in b.follows else 0.0)
        p = 0.06 * math.exp(self.utility(b, shop, slot) / 3) * (1 + liking) * (0.5 + c.honesty)
        if self.rng.random() < min(0.6, p):
            self.buy(session, b, shop, slot, "live_room", creator=c.index, live_id=room.live_id)
