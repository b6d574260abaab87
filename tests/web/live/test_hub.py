"""The live-room hub: fan-out, late joiners, slow viewers, and Redis across processes."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from redis import Redis

from shijing.web.live.hub import ChatLimiter, Hub, Message, ViewerQueue
from tests.conftest import IN_CI


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Socket:
    """A viewer's socket that records what it was sent; ``stall`` makes it hang."""

    def __init__(self, stall: bool = False) -> None:
        self.received: list[dict[str, object]] = []
        self.stall = stall
        self.got = asyncio.Event()

    async def send(self, text: str) -> None:
        if self.stall:
            await asyncio.sleep(3600)
        self.received.append(json.loads(text))
        self.got.set()

    def kinds(self) -> list[object]:
        return [m["type"] for m in self.received]


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def test_queue_drops_oldest_chat_first_and_keeps_purchases() -> None:
    async def scenario() -> None:
        queue = ViewerQueue(capacity=3)
        queue.put(Message("chat", {"text": "1"}))
        queue.put(Message("purchase", {"order": 1}))
        queue.put(Message("chat", {"text": "2"}))
        queue.put(Message("chat", {"text": "3"}))
        queue.put(Message("purchase", {"order": 2}))
        got = [await queue.get() for _ in range(len(queue))]
        assert [(m.kind, m.data) for m in got] == [
            ("purchase", {"order": 1}),
            ("chat", {"text": "3"}),
            ("purchase", {"order": 2}),
        ]
        assert queue.dropped == 2

    asyncio.run(scenario())


def test_queue_keeps_only_the_latest_pin() -> None:
    queue = ViewerQueue(capacity=10)
    for product in (1, 2, 3):
        queue.put(Message("pin", {"product_id": product}))
    assert len(queue) == 1


def test_queue_overflows_when_even_purchases_cannot_fit() -> None:
    queue = ViewerQueue(capacity=2, hard_limit=4)
    for n in range(5):
        queue.put(Message("purchase", {"order": n}))
    assert queue.overflowed


@pytest.mark.anyio
async def test_fan_out_and_late_joiner_snapshot() -> None:
    hub = Hub()
    await hub.start()
    first = Socket()
    viewer = hub.join(7, first.send, user_id=1)
    task = asyncio.create_task(viewer.pump())
    await hub.publish(7, "pin", product_id=42, price_fen=9900)
    await hub.publish(7, "chat", user="老铁", text="上链接")
    await _settle()
    assert first.kinds() == ["pin", "chat"]
    late = Socket()
    late_viewer = hub.join(7, late.send)
    late_task = asyncio.create_task(late_viewer.pump())
    await _settle()
    assert late.kinds() == ["pin", "chat"]  # the current pin and recent chat
    assert hub.viewer_count(7) == 2
    hub.leave(7, viewer)
    hub.leave(7, late_viewer)
    await _settle()
    await hub.stop()
    for t in (task, late_task):
        t.cancel()


@pytest.mark.anyio
async def test_a_stalled_viewer_does_not_delay_the_others() -> None:
    hub = Hub(queue_capacity=8)
    await hub.start()
    stalled, healthy = Socket(stall=True), Socket()
    tasks = [asyncio.create_task(hub.join(1, s.send).pump()) for s in (stalled, healthy)]
    for n in range(100):
        await hub.publish(1, "chat", text=str(n))
        await asyncio.sleep(0)  # a steady rate: the healthy viewer keeps up
    await hub.publish(1, "purchase", order_id=5)
    await _settle()
    assert len(healthy.received) == 101
    stalled_viewer = next(v for v in hub.rooms[1].viewers if v.send == stalled.send)
    assert len(stalled_viewer.queue) <= 8
    assert any(m.kind == "purchase" for m in stalled_viewer.queue._items)
    await hub.stop()
    for t in tasks:
        t.cancel()


def test_chat_limiter_bucket() -> None:
    limiter = ChatLimiter(burst=2, interval=1.0)
    assert limiter.allow(1, 9, now=0.0)
    assert limiter.allow(1, 9, now=0.0)
    assert not limiter.allow(1, 9, now=0.1)
    assert limiter.allow(1, 9, now=1.2)
    assert limiter.allow(2, 9, now=0.1)  # another room has its own bucket


@pytest.mark.anyio
async def test_two_hubs_share_a_room_through_redis() -> None:
    try:
        Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"Redis is not reachable: {exc}", pytrace=False)
        pytest.skip(f"Redis is not reachable: {exc}")
    prefix = f"test:{uuid.uuid4().hex}:room:"
    one = Hub("redis://127.0.0.1:6379/0", channel_prefix=prefix)
    two = Hub("redis://127.0.0.1:6379/0", channel_prefix=prefix)
    await one.start()
    await two.start()
    a, b = Socket(), Socket()
    tasks = [
        asyncio.create_task(one.join(3, a.send).pump()),
        asyncio.create_task(two.join(3, b.send).pump()),
    ]
    await asyncio.sleep(0.1)  # subscriptions settle
    await one.publish(3, "pin", product_id=1)
    await asyncio.wait_for(b.got.wait(), 5)
    await asyncio.wait_for(a.got.wait(), 5)
    assert a.kinds() == b.kinds() == ["pin"]
    await one.stop()
    await two.stop()
    for t in tasks:
        t.cancel()
