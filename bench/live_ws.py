"""One live room under load over real WebSockets.

N viewers connect to `/ws/live/{id}` over real TCP sockets, one more is stalled (connected, with
a tiny receive buffer, never reading). The creator pins a product twice a second through the API
and ten signed-in viewers chat steadily. Reported per N: delivered messages per second and the
delivery latency (p50/p99) of pins (from the pin's commit, so it includes the outbox dispatcher)
and of chats (from the sender's send); then the same with two server processes joined through
Redis (`SHIJING_REDIS_URL`), the viewers split between them.

The load is driven by several processes (``--drivers``), each an asyncio loop of bare
``asyncio.Protocol`` WebSocket clients: the handshake is written by hand without
permessage-deflate, frames are counted straight off the byte stream, and only a sample of the
viewers (about 400 "probes", spread over all of them) decode their frames to take latencies. So
the driver costs a few microseconds a frame, and what is measured is the server.

Why the previous driver hung at 2,000 viewers: (1) the server's stderr was a pipe nobody read, so
once the server had logged 64 KiB of warnings it blocked on its next log line and stopped
serving everyone; (2) the driver waited for `connected == n` and never gave up on a viewer whose
connection failed; (3) one `websockets` client loop decoding every frame in Python used a whole
core by itself, starving the server it was measuring.

    flock /tmp/shijing-bench.lock .venv/bin/python bench/live_ws.py \\
        [--viewers 500,1000,2000,5000] [--seconds 20] [--modes one,redis] [--drivers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import multiprocessing
import os
import re
import resource
import socket
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.factories import PASSWORD, make_live_session, make_product, make_user

from bench.common import (
    SERVER_PIDS,
    Latencies,
    cpu_seconds,
    fresh_pg_database,
    machine_line,
    record,
    server,
)
from shijing.core.clock import SystemClock
from shijing.core.db import Database
from shijing.migrations import upgrade

CHATTERS = 10
PIN_EVERY = 0.5
CHAT_EVERY = 2.05  # per chatter: just under the chat limit's steady rate (one per 2 s)
PROBES = 400  # viewers that decode their frames for latencies
CONNECTS_AT_ONCE = 32  # per driver process: handshakes in flight
LIMIT_MS = 250


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


# -- a bare WebSocket client --------------------------------------------------------------------


def client_frame(payload: bytes, opcode: int = 1) -> bytes:
    """A masked client frame (RFC 6455 §5.2), payloads under 64 KiB."""
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode]) + (
        bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big")
    )
    masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
    return head + mask + masked


class Window:
    """What one driver process measured: frames in the window, latencies of its probes."""

    def __init__(self) -> None:
        self.start = float("inf")
        self.end = float("inf")
        self.frames = 0
        self.pin: list[float] = []
        self.chat: list[float] = []

    def probe(self, payload: bytes, now: float) -> None:
        head = payload[:16]
        if head.startswith(b'{"type":"pin"'):
            body = json.loads(payload)
            if body.get("changed_at"):
                self.pin.append(now - datetime.fromisoformat(body["changed_at"]).timestamp())
        elif head.startswith(b'{"type":"chat"'):
            body = json.loads(payload)
            text = body.get("text", "")
            if text.startswith("t="):
                self.chat.append(now - float(text[2:]))


class Viewer(asyncio.Protocol):
    def __init__(self, request: bytes, window: Window, probe: bool) -> None:
        self.request = request
        self.window = window
        self.probe = probe
        self.buf = bytearray()
        self.open = False
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  (uvloop's is no subclass)
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed during the handshake"))

    def send_text(self, text: str) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(client_frame(text.encode()))

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buf = self.buf
        buf += data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.ready.set_exception(ConnectionError(bytes(buf[:40]).decode("latin-1")))
                assert self.transport is not None
                self.transport.close()
                return
            self.open = True
            del buf[: end + 4]
            self.ready.set_result(None)
        window = self.window
        counting = window.start <= now < window.end
        i, n = 0, len(buf)
        while n - i >= 2:
            length = buf[i + 1] & 0x7F
            head = 2
            if length == 126:
                if n - i < 4:
                    break
                length, head = int.from_bytes(buf[i + 2 : i + 4], "big"), 4
            elif length == 127:
                if n - i < 10:
                    break
                length, head = int.from_bytes(buf[i + 2 : i + 10], "big"), 10
            if n - i < head + length:
                break
            opcode = buf[i] & 0x0F
            if opcode == 1:
                if counting:
                    window.frames += 1
                    if self.probe:
                        window.probe(bytes(buf[i + head : i + head + length]), now)
            elif opcode == 9 and self.transport is not None:  # ping: pong with the same payload
                self.transport.write(client_frame(bytes(buf[i + head : i + head + length]), 10))
            elif opcode == 8 and self.transport is not None:
                self.transport.close()
            i += head + length
        del buf[:i]


def _request(base: str, live: int, cookie: str | None) -> bytes:
    host = urlsplit(base).netloc
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET /ws/live/{live} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if cookie:
        lines.append(f"Cookie: shijing_session={cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _connect(base: str, live: int, viewer: Viewer, rcvbuf: int | None = None) -> None:
    loop = asyncio.get_running_loop()
    parts = urlsplit(base)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:  # before connect, so the window is small from the start
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await loop.sock_connect(sock, (parts.hostname, parts.port))
    await loop.create_connection(lambda: viewer, sock=sock)
    await asyncio.wait_for(viewer.ready, 60)


# -- a driver process ---------------------------------------------------------------------------


async def _drive(
    plan: dict[str, Any], control: Any, started: Any, results: Any, index: int
) -> None:
    window = Window()
    live: int = plan["live"]
    bases: list[str] = plan["bases"]
    mine: list[int] = plan["viewers"]
    step = max(1, plan["n"] // PROBES)
    cookies: dict[int, str] = plan["cookies"]
    viewers: list[Viewer] = []
    chatters: list[Viewer] = []
    failures: list[str] = []
    sem = asyncio.Semaphore(CONNECTS_AT_ONCE)

    async def one(g: int) -> None:
        base = bases[(g // plan["drivers"]) % len(bases)]
        viewer = Viewer(_request(base, live, cookies.get(g)), window, probe=g % step == 0)
        async with sem:
            try:
                await _connect(base, live, viewer)
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}"[:120])
                return
        viewers.append(viewer)
        if g in cookies:
            chatters.append(viewer)

    stalled: Viewer | None = None
    if index == 0:  # the stalled viewer: 4 KiB receive buffer, reading paused after hello
        stalled = Viewer(_request(bases[0], live, None), Window(), probe=False)
        await _connect(bases[0], live, stalled, rcvbuf=4096)
        assert stalled.transport is not None
        stalled.transport.pause_reading()
    t0 = time.monotonic()
    await asyncio.gather(*(one(g) for g in mine))
    connect_s = time.monotonic() - t0
    control.put(("connected", index, len(viewers), failures[:5], connect_s))

    async def chat(viewer: Viewer, offset: float) -> None:
        await asyncio.sleep(offset)
        while True:
            viewer.send_text(json.dumps({"type": "chat", "text": f"t={time.time():.6f}"}))
            await asyncio.sleep(CHAT_EVERY)

    chats = [
        asyncio.create_task(chat(v, k * CHAT_EVERY / max(1, len(chatters))))
        for k, v in enumerate(chatters)
    ]
    while started.value == 0.0:
        await asyncio.sleep(0.05)
    window.start = started.value
    window.end = window.start + plan["seconds"]
    await asyncio.sleep(max(0.0, window.end - time.time()) + 0.5)
    for task in chats:
        task.cancel()
    stalled_state = None
    if stalled is not None and stalled.transport is not None:
        stalled.transport.resume_reading()  # read what is buffered: a close frame if dropped
        await asyncio.sleep(1.0)
        stalled_state = "dropped by the server" if stalled.closed else "still connected"
    for viewer in viewers:
        if viewer.transport is not None:
            viewer.transport.close()
    if stalled is not None and stalled.transport is not None:
        stalled.transport.close()
    results.put(
        {
            "index": index,
            "connected": len(viewers),
            "frames": window.frames,
            "pin": window.pin,
            "chat": window.chat,
            "stalled": stalled_state,
        }
    )


def _driver_process(plan: dict[str, Any], control: Any, started: Any, results: Any, i: int) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_drive(plan, control, started, results, i))


def run_load(
    bases: list[str], room: dict[str, Any], n: int, seconds: float, drivers: int
) -> dict[str, Any]:
    cookies = {
        i: page_cookie(bases[(i // drivers) % len(bases)], e)
        for i, e in enumerate(room["chatters"])
    }
    print(f"  {n} viewers on {len(bases)} server(s), {drivers} driver processes", flush=True)
    ctx = multiprocessing.get_context("fork")
    control: Any = ctx.Queue()
    results: Any = ctx.Queue()
    started: Any = ctx.Value("d", 0.0)
    procs = []
    for d in range(drivers):
        plan = {
            "live": room["live"],
            "bases": bases,
            "n": n,
            "drivers": drivers,
            "viewers": list(range(d, n, drivers)),
            "cookies": {g: c for g, c in cookies.items() if g % drivers == d},
            "seconds": seconds,
        }
        proc = ctx.Process(target=_driver_process, args=(plan, control, started, results, d))
        proc.start()
        procs.append(proc)
    connected, connect_s, failures = 0, 0.0, []
    for _ in range(drivers):
        _kind, _i, count, failed, took = control.get(timeout=900)
        connected += count
        connect_s = max(connect_s, took)
        failures += failed
    print(f"  connected {connected}/{n} in {connect_s:.0f} s {failures[:3]}", flush=True)
    with httpx.Client(base_url=bases[0], timeout=120) as api:
        token = api.post(
            "/api/v1/auth/login", json={"email": room["creator"], "password": PASSWORD}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        k = 0
        warmup_until = time.time() + 2.0
        cpu_before: dict[str, float] = {}
        while True:
            now = time.time()
            if started.value == 0.0 and now >= warmup_until:
                cpu_before = {b: cpu_seconds(SERVER_PIDS[b]) for b in bases}
                started.value = now
            if started.value and now > started.value + seconds:
                break
            item = room["items"][k % 2]
            api.post(f"/api/v1/live-sessions/{room['live']}/showcase/{item}/pin", headers=headers)
            k += 1
            time.sleep(max(0.0, PIN_EVERY - (time.time() - now)))
    cpu = {b: (cpu_seconds(SERVER_PIDS[b]) - cpu_before[b]) / seconds for b in bases}
    got = [results.get(timeout=120) for _ in range(drivers)]
    for proc in procs:
        proc.join(30)
    pin = [x for r in got for x in r["pin"]]
    chat = [x for r in got for x in r["chat"]]
    return {
        "connected": sum(r["connected"] for r in got),
        "delivered_per_s": sum(r["frames"] for r in got) / seconds,
        "pin": Latencies.of(pin).__dict__,
        "chat": Latencies.of(chat).__dict__,
        "server_cpu": [round(c * 100) for c in cpu.values()],
        "stalled": next(r["stalled"] for r in got if r["stalled"] is not None),
        "connect_s": connect_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", default="500,1000,2000,5000")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--modes", default="one,redis")
    parser.add_argument("--drivers", type=int, default=2)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    sizes = [int(v) for v in args.viewers.split(",")]
    redis_url = os.environ.get("SHIJING_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    rows: list[str] = []
    best: dict[str, int] = {}
    modes = {"one": "one process", "redis": "two processes + Redis"}
    for mode in [modes[m] for m in args.modes.split(",")]:
        best.setdefault(mode, 0)
        for n in sizes:
            with fresh_pg_database(f"shijing_bench_live_{os.getpid()}") as url:
                room = seed(url)
                env = {"SHIJING_REDIS_URL": redis_url} if "Redis" in mode else {}
                with contextlib.ExitStack() as stack:
                    bases = [stack.enter_context(server(url, extra_env=env))]
                    if "Redis" in mode:
                        bases.append(stack.enter_context(server(url, extra_env=env)))
                    result = run_load(bases, room, n, args.seconds, args.drivers)
            pin, chat = result["pin"], result["chat"]
            worst = max(pin["p99_ms"], chat["p99_ms"])
            if worst < LIMIT_MS and result["connected"] >= n and pin["count"] and chat["count"]:
                best[mode] = max(best[mode], n)
            cpu = " + ".join(f"{c}%" for c in result["server_cpu"])
            rows.append(
                f"| {mode} | {n:,} | {result['connected']:,} | {result['delivered_per_s']:,.0f} | "
                f"{pin['p50_ms']:.0f} / {pin['p99_ms']:.0f} | "
                f"{chat['p50_ms']:.0f} / {chat['p99_ms']:.0f} | {cpu} | {result['stalled']} |"
            )
            print(rows[-1], flush=True)
    lines = [
        "## Live room over WebSockets (bench/live_ws.py)",
        "",
        f"{machine_line()}; the server process(es), PostgreSQL, Redis and {args.drivers} "
        "load-driver processes share the machine's 2 cores; "
        f"{args.seconds:.0f} s measured per row after all viewers joined; the creator pins "
        f"every {PIN_EVERY} s through the API (each pin is a `pin` and a `showcase` frame), "
        f"{CHATTERS} viewers chat every {CHAT_EVERY} s each; one stalled viewer (4 KiB "
        "receive buffer, never reads) in every run.",
        "Pin latency runs from the pin's commit (through the outbox dispatcher) to the viewer; "
        "chat latency from the sender's send to each viewer; both over a sample of "
        f"~{PROBES} viewers spread over all of them. Server CPU: the server processes' CPU "
        "time during the window (100% = one core).",
        "",
        "| servers | viewers | connected | delivered msg/s | pin p50 / p99 ms "
        "| chat p50 / p99 ms | server CPU | stalled viewer |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Largest N with p99 under {LIMIT_MS} ms: "
        + ", ".join(f"{mode}: **{n or 'none'}**" for mode, n in best.items()),
    ]
    if args.no_record:
        print("\n".join(lines))
    else:
        record("live_ws", "\n".join(lines))


if __name__ == "__main__":
    main()
