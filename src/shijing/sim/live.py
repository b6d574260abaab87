"""Keeping a simulated live room alive while the real server runs: the hook for the web live room.

``LiveRoomActor(db, live_session_id, viewer_user_ids=..., chat=...)`` and then ``tick(now)``
every few seconds from whatever drives the room (the web hub's background task): simulated
viewers join and leave (live counters), chat through the ``chat`` callable the web layer passes
in, follow the creator, buy the pinned product (a ``live_room`` order, paid), and the creator
pins the next product now and then. Every write goes through the services, in one transaction
per tick."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from shijing.accounts import service as accounts
from shijing.accounts.service import Principal
from shijing.commerce.catalog import shelf
from shijing.commerce.creators import service as creators
from shijing.commerce.live import counters
from shijing.commerce.live import service as lives
from shijing.commerce.orders import billing
from shijing.commerce.orders import service as orders
from shijing.core.clock import Clock
from shijing.core.db import Database
from shijing.core.errors import DomainError

Chat = Callable[[int, str], None]  # (user id, text)
LINES = (
    "主播好！",
    "这个多少钱？",
    "上链接！",
    "已拍",
    "质量怎么样？",
    "老铁666",
    "有大码吗？",
    "包邮吗？",
)


class _FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


class LiveRoomActor:
    def __init__(
        self,
        db: Database,
        live_session_id: int,
        *,
        viewer_user_ids: Sequence[int],
        chat: Chat,
        seed: int = 0,
        pin_every: timedelta = timedelta(minutes=5),
        buy_chance: float = 0.02,
    ) -> None:
        self.db = db
        self.live_session_id = live_session_id
        self.pool = list(viewer_user_ids)
        self.chat = chat
        self.rng = random.Random(seed)
        self.pin_every = pin_every
        self.buy_chance = buy_chance
        self.watching: set[int] = set()
        self.last_pin: datetime | None = None

    def _principal(self, session: Session, user_id: int) -> Principal:
        return Principal(accounts.get_user(session, user_id), accounts.roles_of(session, user_id))

    def tick(self, now: datetime) -> dict[str, int]:
        """One step of the room at ``now``; returns what happened. Ends quietly when the room is
        over."""
        clock: Clock = _FixedClock(now)
        done = {"joined": 0, "left": 0, "chat": 0, "followed": 0, "bought": 0, "pinned": 0}
        with self.db.transaction() as session:
            live = lives.get_live_session(session, self.live_session_id)
            if live.status != "live":
                return done
            for user_id in sorted(self.watching):
                if self.rng.random() < 0.1:
                    counters.viewer_left(session, clock, live.id)
                    self.watching.discard(user_id)
                    done["left"] += 1
            newcomers = [u for u in self.pool if u not in self.watching]
            for user_id in self.rng.sample(
                newcomers, k=min(len(newcomers), self.rng.randint(0, 3))
            ):
                counters.viewer_joined(session, clock, live.id)
                self.watching.add(user_id)
                done["joined"] += 1
            items = lives.showcase_items(session, live.id)
            if items and (self.last_pin is None or now - self.last_pin >= self.pin_every):
                current = next(
                    (i for i, it in enumerate(items) if it.id == live.pinned_item_id), -1
                )
                nxt = items[(current + 1) % len(items)]
                creator = creators.get_creator(session, live.creator_id)
                lives.pin_showcase_item(
                    session,
                    clock,
                    self._principal(session, creator.user_id),
                    live_session_id=live.id,
                    item_id=nxt.id,
                )
                self.last_pin = now
                done["pinned"] += 1
            pinned = next((it for it in items if it.id == live.pinned_item_id), None)
            for user_id in sorted(self.watching):
                roll = self.rng.random()
                if roll < 0.15:
                    self.chat(user_id, self.rng.choice(LINES))
                    done["chat"] += 1
                elif roll < 0.17:
                    state = creators.follow_creator(
                        session, clock, user_id=user_id, creator_id=live.creator_id
                    )
                    done["followed"] += int(state.changed)
                elif roll < 0.17 + self.buy_chance and pinned is not None:
                    done["bought"] += self._buy(session, clock, user_id, live.id, pinned.product_id)
        return done

    def _buy(
        self, session: object, clock: Clock, user_id: int, live_id: int, product_id: int
    ) -> int:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        me = self._principal(session, user_id)
        sku = shelf.skus_of(session, [product_id])[product_id][0]
        try:
            with session.begin_nested():
                order = orders.place_order(
                    session,
                    clock,
                    me,
                    sku_id=sku.id,
                    quantity=1,
                    traffic_source="live_room",
                    live_session_id=live_id,
                    ship_to=orders.ShipTo(
                        name="直播间老铁",
                        phone="13900000000",
                        province="浙江",
                        city="杭州",
                        address="西湖区 1 号",
                    ),
                )
                billing.pay_order(session, clock, me, order_id=order.id, payment_method="sim_ok")
        except DomainError:
            return 0
        return 1
