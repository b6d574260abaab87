"""One live room under load over real WebSockets.

N viewers connect (the `websockets` client, many connections per asyncio loop, in a process of
its own), one of them stalled (connected, never reading). The creator pins a product twice a
second through the API and ten signed-in viewers chat steadily. Reported: delivered messages per
second and delivery latency (p50/p99) of pins (from the pin's commit time, so it includes the
outbox dispatcher) and chats (from the moment the client sent them). Then the same with two
server processes joined through Redis (`SHIJING_REDIS_URL`), viewers split between them.

    .venv/bin/python bench/live_ws.py [--viewers 500,2000,5000] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import re
import resource
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.factories import PASSWORD, make_live_session, make_product, make_user

from bench.common import Latencies, fresh_pg_database, machine_line, record, server
from shijing.core.clock import SystemClock
from shijing.core.db import Database
from shijing.migrations import upgrade

CHATTERS = 10
PIN_EVERY = 0.5
CHAT_EVERY = 2.0  # per chatter: the chat limit's steady rate


def seed(url: str) -> dict[str, Any]:
    db = Database.from_url(url)
    upgrade(db.engine)
    clock = SystemClock()
    from shijing.accounts import service as accounts
    from shijing.commerce.creators import service as creators
    from shijing.commerce.live import service as lives

    with db.transaction() as session:
        products = tuple(make_product(session, clock, title=f"商品{i}") for i in range(2))
        live = make_live_session(session, clock, products=products, status="live")
        creator = creators.get_creator(session, live.creator_id)
        creator_email = accounts.get_user(session, creator.user_id).email
        items = [i.id for i in lives.showcase_items(session, live.id)]
        chatters = [make_user(session, clock).email for _ in range(CHATTERS)]
        live_id = live.id
    db.dispose()
    return {"live": live_id, "items": items, "creator": creator_email, "chatters": chatters}


def page_cookie(base: str, email: str) -> str:
    with httpx.Client(base_url=base) as client:
        form = client.get("/login").text
        match = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert match
        client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": match[1]})
        return str(client.cookies["shijing_session"])


# -- the viewers' process -----------------------------------------------------------------------


async def _viewers(
    bases: list[str], live: int, n: int, cookies: list[str], seconds: float
) -> dict[str, Any]:
    import websockets

    pin_lat: list[float] = []
    chat_lat: list[float] = []
    delivered = 0
    measuring = False
    connected = 0
    sockets: list[Any] = []
    sem = asyncio.Semaphore(100)

    async def viewer(i: int) -> None:
        nonlocal delivered, connected
        base = bases[i % len(bases)].replace("http://", "ws://")
        headers = {}
        if i < len(cookies):
            headers["Cookie"] = f"shijing_session={cookies[i]}"
        async with sem:
            ws = await websockets.connect(
                f"{base}/ws/live/{live}",
                additional_headers=headers,
                max_queue=None,
                open_timeout=60,
            )
        sockets.append(ws)
        connected += 1
        with contextlib.suppress(Exception):
            async for raw in ws:
                now = time.time()
                if not measuring:
                    continue
                delivered += 1
                body = json.loads(raw)
                if body["type"] == "pin" and body.get("changed_at"):
                    sent = datetime.fromisoformat(body["changed_at"]).timestamp()
                    pin_lat.append(now - sent)
                elif body["type"] == "chat" and body["text"].startswith("t="):
                    chat_lat.append(now - float(body["text"][2:]))

    async def chatter(ws: Any, offset: float) -> None:
        await asyncio.sleep(offset)
        while True:
            await ws.send(json.dumps({"type": "chat", "text": f"t={time.time():.6f}"}))
            await asyncio.sleep(CHAT_EVERY + 0.05)

    stalled = await websockets.connect(
        f"{bases[0].replace('http://', 'ws://')}/ws/live/{live}", max_queue=1
    )  # never read: the server's buffers towards it fill up
    tasks = [asyncio.create_task(viewer(i)) for i in range(n)]
    while connected < n:
        await asyncio.sleep(0.2)
        if all(t.done() for t in tasks):
            break
    chats = [
        asyncio.create_task(chatter(ws, i * CHAT_EVERY / CHATTERS))
        for i, ws in enumerate(sockets[: len(cookies)])
    ]
    await asyncio.sleep(1.0)
    measuring = True
    started = time.time()
    await asyncio.sleep(seconds)
    measuring = False
    elapsed = time.time() - started
    for task in chats + tasks:
        task.cancel()
    for ws in sockets:
        with contextlib.suppress(Exception):
            await ws.close()
    with contextlib.suppress(Exception):
        await stalled.close()
    return {
        "connected": connected,
        "delivered_per_s": delivered / elapsed,
        "pin": Latencies.of(pin_lat).__dict__,
        "chat": Latencies.of(chat_lat).__dict__,
    }


def _viewer_process(args: tuple[list[str], int, int, list[str], float], out: Any) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    out.put(asyncio.run(_viewers(*args)))


def run_load(bases: list[str], room: dict[str, Any], n: int, seconds: float) -> dict[str, Any]:
    cookies = [page_cookie(bases[i % len(bases)], e) for i, e in enumerate(room["chatters"])]
    print(f"  {n} viewers on {len(bases)} server(s)", flush=True)
    queue: Any = multiprocessing.Queue()
    proc = multiprocessing.Process(
        target=_viewer_process, args=((bases, room["live"], n, cookies, seconds), queue)
    )
    proc.start()
    with httpx.Client(base_url=bases[0], timeout=120) as api:
        token = api.post(
            "/api/v1/auth/login", json={"email": room["creator"], "password": PASSWORD}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        k = 0
        while proc.is_alive() and queue.empty():
            item = room["items"][k % 2]
            api.post(f"/api/v1/live-sessions/{room['live']}/showcase/{item}/pin", headers=headers)
            k += 1
            time.sleep(PIN_EVERY)
    result: dict[str, Any] = queue.get(timeout=120)
    proc.join(30)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", default="500,2000,5000")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--modes", default="one,redis")
    args = parser.parse_args()
    sizes = [int(v) for v in args.viewers.split(",")]
    redis_url = os.environ.get("SHIJING_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    rows: list[str] = []
    best: dict[str, int] = {}
    modes = {"one": "one process", "redis": "two processes + Redis"}
    for mode in [modes[m] for m in args.modes.split(",")]:
        for n in sizes:
            with fresh_pg_database(f"shijing_bench_live_{os.getpid()}") as url:
                room = seed(url)
                env = {"SHIJING_REDIS_URL": redis_url} if "Redis" in mode else {}
                with contextlib.ExitStack() as stack:
                    bases = [stack.enter_context(server(url, extra_env=env))]
                    if "Redis" in mode:
                        bases.append(stack.enter_context(server(url, extra_env=env)))
                    result = run_load(bases, room, n, args.seconds)
            pin, chat = result["pin"], result["chat"]
            worst = max(pin["p99_ms"], chat["p99_ms"])
            if worst < 250 and result["connected"] >= n:
                best[mode] = max(best.get(mode, 0), n)
            rows.append(
                f"| {mode} | {n} | {result['connected']} | {result['delivered_per_s']:,.0f} | "
                f"{pin['p50_ms']:.0f} / {pin['p99_ms']:.0f} | "
                f"{chat['p50_ms']:.0f} / {chat['p99_ms']:.0f} |"
            )
            print(rows[-1], flush=True)
    lines = [
        "## Live room over WebSockets (bench/live_ws.py)",
        "",
        f"{machine_line()}; server(s) and the viewers' process share the machine's 2 cores; "
        f"PostgreSQL; {args.seconds:.0f} s measured per row; one stalled viewer in every run; "
        f"the creator pins every {PIN_EVERY} s, {CHATTERS} viewers chat every {CHAT_EVERY} s each.",
        "Pin latency runs from the pin's commit (through the outbox dispatcher) to the viewer; "
        "chat latency from the sender's send to every viewer.",
        "",
        "| servers | viewers | connected | delivered msg/s | pin p50 / p99 ms "
        "| chat p50 / p99 ms |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "Largest N with p99 under 250 ms: "
        + ", ".join(f"{mode}: {best.get(mode, 'none measured')}" for mode in best or {"-": 0}),
    ]
    record("live_ws", "\n".join(lines))


if __name__ == "__main__":
    main()
