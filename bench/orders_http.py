"""Order placement over real HTTP, measured against pgbench in the same run.

    .venv/bin/python bench/orders_http.py [--clients 16] [--seconds 20] [--workers 2]

A fresh PostgreSQL database is built by the migrations and seeded through the services (one shop,
a few products with deep stock, one buyer and API token per client). `shijing serve` runs with
``--workers`` uvicorn processes; ``--clients`` concurrent HTTP connections place
orders for ``--seconds``, driven by wrk (a C load generator, like pgbench's own client, so that the
load generator does not take the server's CPU). Then pgbench runs its TPC-B-like script with the same client count for
the same time on the same server. The ratio orders/s ÷ pgbench TPS says how close a whole order
(validation, auth, stock reservation, order row, timeline, outbox event, idempotency-free path) gets
to a bare five-statement transaction on this machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from bench.common import (
    Latencies,
    fresh_pg_database,
    machine_line,
    record,
    run_pgbench,
    server,
)
from shijing.accounts import service as accounts
from shijing.accounts.models import Role
from shijing.accounts.passwords import Passwords
from shijing.commerce.catalog import service as catalog
from shijing.commerce.catalog.models import Sku
from shijing.commerce.shops import service as shops
from shijing.core.clock import SystemClock
from shijing.core.db import Database
from shijing.migrations import upgrade

SHIP_TO = {
    "name": "李四",
    "phone": "13912345678",
    "province": "浙江",
    "city": "杭州",
    "address": "西湖区文三路 100 号",
}


def seed(url: str, clients: int, products: int = 32) -> tuple[list[int], list[str]]:
    """Products with deep stock and one token per client, through the services."""
    db = Database.from_url(url)
    upgrade(db.engine)
    clock = SystemClock()
    cheap = Passwords(time_cost=1, memory_kib=1024)
    with db.transaction() as s:
        owner = accounts.register_user(
            s,
            clock,
            cheap,
            email="owner@bench.local",
            password="bench password",
            display_name="店主",
            roles=(Role.MERCHANT,),
        )
        principal = accounts.Principal(user=owner, roles=accounts.roles_of(s, owner.id))
        shop = shops.create_shop(
            s,
            clock,
            principal,
            name="压测小店",
            main_category="home",
            return_province="浙江",
            return_city="杭州",
            return_address="余杭区 1 号",
        )
        principal = accounts.Principal(user=owner, roles=accounts.roles_of(s, owner.id))
        product_ids = []
        for n in range(products):
            product = catalog.create_product(
                s,
                clock,
                principal,
                shop.id,
                title=f"压测商品{n}",
                category="home",
                skus=[catalog.NewSku(code="A", price_fen=1990, stock=10_000_000)],
                published=True,
            )
            product_ids.append(product.id)
        sku_ids = list(s.scalars(select(Sku.id).where(Sku.product_id.in_(product_ids))))
        tokens = []
        for n in range(clients):
            buyer = accounts.register_user(
                s,
                clock,
                cheap,
                email=f"buyer{n}@bench.local",
                password="bench password",
                display_name=f"买家{n}",
            )
            _, token = accounts.create_api_token(s, clock, buyer, name="bench", days=1)
            tokens.append(token)
    db.dispose()
    return sku_ids, tokens


WRK_SCRIPT = """
local tokens = {%(tokens)s}
local skus = {%(skus)s}
local n = 0
request = function()
  n = n + 1
  local body = '{"sku_id":' .. skus[(n %% #skus) + 1] ..
    ',"quantity":1,"traffic_source":"product_page","ship_to":%(ship_to)s}'
  return wrk.format("POST", "/api/v1/orders", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[(n %% #tokens) + 1],
  }, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def ensure_wrk() -> str:
    """wrk (C, like pgbench's client) so the load generator does not eat the server's CPU."""
    found = shutil.which("wrk")
    if found is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
        found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return found


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float


def load(base: str, sku_ids: list[int], tokens: list[str], seconds: int, clients: int) -> WrkResult:
    script = WRK_SCRIPT % {
        "tokens": ",".join(f'"{t}"' for t in tokens),
        "skus": ",".join(str(s) for s in sku_ids),
        "ship_to": json.dumps(SHIP_TO, ensure_ascii=False),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(
        [
            ensure_wrk(),
            "-t",
            "2",
            "-c",
            str(clients),
            "-d",
            f"{seconds}s",
            "-s",
            f.name,
            f"{base}/api/v1/orders",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    Path(f.name).unlink()
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT"))
    requests, duration_us, errors, p50_us, p99_us = (int(x) for x in line.split()[1:])
    return WrkResult(requests, duration_us / 1e6, errors, p50_us / 1000, p99_us / 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with fresh_pg_database("shijing_bench_orders") as url:
        sku_ids, tokens = seed(url, args.clients)
        with server(url, workers=args.workers, args=["--no-background"]) as base:
            load(base, sku_ids, tokens, 3, args.clients)  # warm up connections and caches
            result = load(base, sku_ids, tokens, args.seconds, args.clients)
    with fresh_pg_database("shijing_bench_pgbench") as url:
        pgbench = run_pgbench(url, clients=args.clients, seconds=args.seconds)

    orders_per_s = (result.requests - result.errors) / result.seconds
    errors = result.errors
    lat = Latencies(result.requests, result.p50_ms, result.p99_ms, 0.0)
    ratio = orders_per_s / pgbench.tps
    print(
        f"orders/s {orders_per_s:.0f}  p50 {lat.p50_ms:.1f} ms  p99 {lat.p99_ms:.1f} ms  "
        f"errors {errors}"
    )
    print(
        f"pgbench tps {pgbench.tps:.0f}  p50 {pgbench.latencies.p50_ms:.1f} ms  "
        f"p99 {pgbench.latencies.p99_ms:.1f} ms"
    )
    print(f"ratio {ratio:.3f}")
    record(
        "orders_http",
        f"""
## Order placement over HTTP vs pgbench

`.venv/bin/python bench/orders_http.py --clients {args.clients} --seconds {args.seconds} --workers {args.workers}`
— {machine_line()}. PostgreSQL on the same machine; load generator, server and database share
the 2 cores.

| | throughput | p50 | p99 | errors |
|---|---|---|---|---|
| `POST /api/v1/orders` ({args.workers} uvicorn workers, {args.clients} clients) | {orders_per_s:.0f} orders/s | {lat.p50_ms:.1f} ms | {lat.p99_ms:.1f} ms | {errors} |
| pgbench TPC-B-like ({args.clients} clients, same server) | {pgbench.tps:.0f} tps | {pgbench.latencies.p50_ms:.1f} ms | {pgbench.latencies.p99_ms:.1f} ms | |

**Ratio orders/s ÷ pgbench TPS: {ratio:.2f}** (target 0.3).

What limits it: an order is ten statements in one transaction (token, user and roles for auth;
SKU with product and shop; the buyer-is-staff check; order, timeline and outbox inserts; the
conditional stock update and its audit row) against pgbench's five, and each request spends a few
milliseconds of Python CPU (FastAPI, Pydantic validation, the SQLAlchemy unit of work) where
pgbench's client is C and has no application tier. With wrk, two uvicorn workers and PostgreSQL on
two cores, the application's CPU is the ceiling: `/healthz` (one `SELECT 1`) reaches about 2,700
requests/s on the same setup, so an order costs about ten health checks. The stock row lock is
taken last, just before commit, so a hot SKU (a flash sale) serialises only the last statements.
pgbench's own figure moves a lot with other load on these shared machines (1,500–6,000 tps seen
on the same day), which is why only the in-run ratio is reported. Next steps, in order of
expected gain: one query for token, user and roles; Core inserts for the timeline, outbox and
stock-movement rows; a third worker when the load generator runs elsewhere.
""",
    )


if __name__ == "__main__":
    main()
