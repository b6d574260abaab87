"""Fact tables at scale, generated straight to Parquet without the services: vectorised with
numpy, written day by day in chunks, with exactly the schemas of ``shijing.trust.facts``
(``<out>/<table>/day=YYYY-MM-DD/part-N.parquet``), plus labels beside them.

The same latent model as the service-level simulator, drawn in bulk: shops with a quality
profile (some counterfeit), brushing rings ordering from their target shop, return abusers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from shijing.commerce.catalog.categories import root_of
from shijing.sim.agents import ALL_CATEGORIES
from shijing.trust.facts import AFTERSALES, COMPLAINTS, FLAGS, ORDERS, REVIEWS

US = 1_000_000
HOUR = 3600 * US
SOURCES = np.array(["live_room", "public_feed", "followers_feed", "search", "product_page"])
SOURCE_P = [0.45, 0.25, 0.12, 0.12, 0.06]
CATS = np.array(ALL_CATEGORIES)
ROOTS = np.array([root_of(c) for c in ALL_CATEGORIES])
NO_REASON = np.array([not c.startswith(("fresh", "agri")) for c in ALL_CATEGORIES])
START = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True)
class BulkResult:
    orders: int
    aftersales: int
    reviews: int
    complaints: int
    flags: int
    files: int
    seconds: float


@dataclass(frozen=True)
class Market:
    n_buyers: int
    n_shops: int
    n_creators: int
    shop_cat: np.ndarray
    defect: np.ndarray
    late: np.ndarray
    counterfeit: np.ndarray
    refuses: np.ndarray
    quality: np.ndarray
    fake_from: int  # buyer ids >= fake_from are fake (brushing ring) accounts
    ring_target: np.ndarray  # per ring, the shop it brushes
    abuser_until: int  # buyer ids < abuser_until are return abusers


def draw_market(orders: int, rng: np.random.Generator) -> Market:
    n_shops = max(20, orders // 2_000)
    n_buyers = max(200, orders // 8)
    n_creators = max(10, n_shops // 4)
    good = rng.random(n_shops) < 0.7
    defect = np.where(good, rng.beta(1.2, 40, n_shops), rng.beta(2, 14, n_shops))
    late = np.clip(
        np.where(good, rng.normal(0.03, 0.03, n_shops), rng.normal(0.25, 0.05, n_shops)), 0, 0.9
    )
    counterfeit = np.where(rng.random(n_shops) < 0.05, rng.uniform(0.4, 0.9, n_shops), 0.0)
    refuses = rng.random(n_shops) < np.where(good, 0.05, 0.25)
    service = np.where(refuses, 0.1, 1.0)
    quality = 0.5 * np.clip(1 - 4 * defect - counterfeit, 0, 1) + 0.2 * (1 - late) + 0.3 * service
    n_rings = max(1, n_shops // 100)
    ring_size = 8
    return Market(
        n_buyers=n_buyers,
        n_shops=n_shops,
        n_creators=n_creators,
        shop_cat=rng.integers(0, len(CATS), n_shops),
        defect=defect,
        late=late,
        counterfeit=counterfeit,
        refuses=refuses,
        quality=np.round(quality, 4),
        fake_from=n_buyers - n_rings * ring_size,
        ring_target=rng.choice(np.flatnonzero(counterfeit == 0), n_rings, replace=False),
        abuser_until=max(1, n_buyers // 200),
    )


def _ts(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(values, type=pa.int64(), mask=mask).cast(pa.timestamp("us", tz="UTC"))


def _i64(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(values, type=pa.int64(), mask=None if valid is None else ~valid)


def _strings(choices: np.ndarray, index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Dictionary-decoded strings from a small vocabulary, without a Python loop per row."""
    dictionary = pa.array(choices.astype(str))
    idx = pa.array(index.astype(np.int32), mask=None if valid is None else ~valid)
    return pa.DictionaryArray.from_arrays(idx, dictionary).cast(pa.string())


def _table(schema: pa.Schema, arrays: list[pa.Array], **extra: pa.Array) -> pa.Table:
    """The arrays as the schema's leading columns, ``extra`` by name, and nulls for any column
    appended to the schema later that this generator does not know yet."""
    n = len(arrays[0])
    named = dict(zip(schema.names, arrays, strict=False)) | extra
    columns = [named.get(f.name, pa.nulls(n, f.type)).cast(f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


class _Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.files = 0

    def write(self, table: str, days: np.ndarray, batch: pa.Table, part: int) -> None:
        """One file per day present in the batch (rows are sorted by day)."""
        if batch.num_rows == 0:
            return
        bounds = np.flatnonzero(np.diff(days)) + 1
        starts = np.concatenate([[0], bounds])
        ends = np.concatenate([bounds, [len(days)]])
        for s, e in zip(starts, ends, strict=True):
            day = date(1970, 1, 1) + timedelta(days=int(days[s]))
            folder = self.out / table / f"day={day.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(
                batch.slice(s, e - s), folder / f"part-{part}.parquet", compression="snappy"
            )
            self.files += 1


def generate(
    out: Path,
    *,
    orders: int,
    seed: int = 7,
    days: int = 90,
    chunk: int = 1_000_000,
    start: datetime = START,
    progress: Callable[[int, int], None] | None = None,
) -> BulkResult:
    import time

    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    m = draw_market(orders, rng)
    writer = _Writer(out)
    buyer_perm = rng.permutation(m.fake_from)
    shop_perm = rng.permutation(m.n_shops)
    registered = int(start.timestamp()) * US - rng.integers(HOUR, 720 * 24 * HOUR, m.n_buyers)
    start_us = int(start.timestamp()) * US
    day0 = (start.date() - date(1970, 1, 1)).days
    totals = {"aftersales": 0, "reviews": 0, "complaints": 0, "flags": 0}
    brushing_ids: list[np.ndarray] = []
    next_id = {"aftersale": 1, "review": 1, "complaint": 1, "flag": 1}
    done = 0
    part = 0
    while done < orders:
        n = min(chunk, orders - done)
        order_id = np.arange(done + 1, done + n + 1, dtype=np.int64)
        # Orders are spread evenly over the days, in order: chunk k holds a run of days.
        day_idx = (order_id - 1) * days // orders
        placed = start_us + day_idx * 86_400 * US + np.sort(rng.integers(0, 86_400 * US, n))
        placed = np.maximum.accumulate(placed)
        buyer = buyer_perm[(rng.zipf(1.6, n) - 1) % m.fake_from]
        shop = shop_perm[(rng.zipf(1.3, n) - 1) % m.n_shops]
        brushing = rng.random(n) < 0.03
        ring = rng.integers(0, len(m.ring_target), n)
        shop = np.where(brushing, m.ring_target[ring], shop)
        buyer = np.where(
            brushing, m.fake_from + rng.integers(0, m.n_buyers - m.fake_from, n), buyer
        )
        cat = m.shop_cat[shop]
        source = rng.choice(len(SOURCES), n, p=SOURCE_P)
        source = np.where(brushing, 3, source)
        has_creator = (source <= 2) & ~brushing
        creator = rng.integers(0, m.n_creators, n)
        product = shop * 10 + rng.integers(0, 5, n)
        total = (rng.lognormal(np.log(12_000), 0.9, n)).astype(np.int64) // 10 * 10 + 90
        unpaid = (rng.random(n) < 0.03) & ~brushing
        paid_at = placed + rng.integers(10 * US, 600 * US, n)
        ship_due = paid_at + 48 * HOUR
        late = rng.random(n) < m.late[shop]
        ship_delay = np.where(late, rng.uniform(49, 96, n), np.minimum(46, rng.exponential(16, n)))
        ship_delay = np.where(brushing, rng.uniform(1, 8, n), ship_delay)
        cancelled_paid = (rng.random(n) < 0.015) & ~brushing & ~unpaid
        shipped = ~unpaid & ~cancelled_paid
        shipped_at = paid_at + (ship_delay * HOUR).astype(np.int64)
        picked_at = shipped_at + rng.integers(HOUR // 2, 2 * HOUR, n)
        delivered_at = picked_at + (rng.uniform(16, 96, n) * HOUR).astype(np.int64)
        cancelled_at = np.where(
            unpaid, placed + 30 * 60 * US, paid_at + rng.integers(HOUR, 30 * HOUR, n)
        )
        # a paid order cancelled: by the buyer, or by the shop (out of stock, more often at
        # the shops that are late anyway)
        by_shop = cancelled_paid & (rng.random(n) < 0.25 + m.late[shop])
        cancelled_by = np.where(unpaid, 2, np.where(by_shop, 1, 0))  # system / shop / buyer
        counterfeit = rng.random(n) < m.counterfeit[shop]
        defect = (rng.random(n) < m.defect[shop]) | counterfeit
        abuser = buyer < m.abuser_until
        no_reason = (rng.random(n) < np.where(abuser, 0.7, 0.05)) & NO_REASON[cat] & ~defect
        claim = shipped & ~brushing & ((defect & (rng.random(n) < 0.8)) | no_reason)
        # broken on the way: refunded, and half of them ruled the carrier's fault in arbitration
        damaged = shipped & ~brushing & ~claim & (rng.random(n) < 0.004)
        aftersale_refunded = (claim & (~m.refuses[shop] | (rng.random(n) < 0.5))) | damaged
        claim = claim | damaged
        refunded = np.where(aftersale_refunded, total, 0) + np.where(cancelled_paid, total, 0)
        completed_at = delivered_at + np.where(
            rng.random(n) < 0.55, rng.integers(HOUR, 72 * HOUR, n), 7 * 24 * HOUR
        )
        status = np.select(
            [unpaid | cancelled_paid, aftersale_refunded],
            [5, 6],
            default=4,
        )
        statuses = np.array(
            [
                "pending_payment",
                "paid",
                "shipped",
                "delivered",
                "completed",
                "cancelled",
                "refunded",
            ]
        )
        failures = np.where(rng.random(n) < 0.03, rng.integers(1, 3, n), 0)
        days_arr = (day0 + day_idx).astype(np.int32)
        orders_table = _table(
            ORDERS,
            [
                _i64(order_id),
                pa.array(days_arr, type=pa.date32()),
                _ts(placed),
                _i64(buyer + 1),
                _i64(shop + 1),
                _i64(creator + 1, has_creator),
                _i64(product + 1),
                _strings(CATS, cat),
                _strings(ROOTS, cat),
                _strings(SOURCES, source),
                _i64(total),
                _strings(statuses, status),
                _ts(paid_at, ~unpaid),
                _ts(ship_due, ~unpaid),
                _ts(shipped_at, shipped),
                _ts(picked_at, shipped),
                _ts(delivered_at, shipped),
                _ts(completed_at, shipped & ~aftersale_refunded),
                _ts(cancelled_at, unpaid | cancelled_paid),
                _strings(
                    np.array(["buyer", "shop", "system"]), cancelled_by, unpaid | cancelled_paid
                ),
                _i64(refunded),
            ],
            payment_failures=pa.array(failures, type=pa.int32()),
            buyer_registered_at=_ts(registered[buyer]),
        )
        writer.write("orders", days_arr, orders_table, part)
        brushing_ids.append(order_id[brushing])

        # after-sales: one per claimed order, opened a day or two after delivery
        idx = np.flatnonzero(claim)
        k = len(idx)
        opened = delivered_at[idx] + rng.integers(HOUR, 48 * HOUR, k)
        a_days = (opened // (86_400 * US)).astype(np.int32)
        order_ = np.argsort(a_days, kind="stable")
        idx, opened, a_days = idx[order_], opened[order_], a_days[order_]
        refused = m.refuses[shop[idx]] & (rng.random(k) < 0.85)
        in_transit = damaged[idx]
        escalated = (refused & (rng.random(k) < 0.7) & ~in_transit) | (
            in_transit & (rng.random(k) < 0.5)
        )
        ok = aftersale_refunded[idx]
        reason_idx = np.where(
            in_transit, 3, np.where(no_reason[idx], 0, np.where(counterfeit[idx], 2, 1))
        )
        fault_idx = np.where(in_transit, 2, abuser[idx].astype(np.int8))  # shop / buyer / carrier
        responded = opened + rng.integers(HOUR, 40 * HOUR, k)
        ruled = responded + rng.integers(24 * HOUR, 96 * HOUR, k)
        closed = np.where(escalated, ruled, responded) + rng.integers(HOUR, 120 * HOUR, k)
        a_table = _table(
            AFTERSALES,
            [
                _i64(np.arange(next_id["aftersale"], next_id["aftersale"] + k)),
                pa.array(a_days, type=pa.date32()),
                _i64(order_id[idx]),
                _i64(shop[idx] + 1),
                _i64(buyer[idx] + 1),
                _i64(creator[idx] + 1, has_creator[idx]),
                _strings(
                    np.array(["return_refund", "refund_only"]),
                    (defect[idx] & (rng.random(k) < 0.4)).astype(np.int8),
                ),
                _strings(
                    np.array(["no_reason_7d", "quality", "counterfeit", "damaged_in_transit"]),
                    reason_idx,
                ),
                _strings(np.array(["refunded", "closed"]), (~ok).astype(np.int8)),
                _ts(opened),
                _ts(responded),
                pa.array(rng.random(k) < 0.1),
                _i64(total[idx]),
                _i64(np.where(ok, total[idx], 0)),
                _ts(responded + 24 * HOUR, escalated),
                _ts(ruled, escalated),
                _strings(np.array(["refund", "close"]), (~ok).astype(np.int8), escalated),
                _strings(np.array(["shop", "buyer", "carrier"]), fault_idx, escalated),
                _ts(closed),
            ],
        )
        writer.write("aftersales", a_days, a_table, part)
        next_id["aftersale"] += k
        totals["aftersales"] += k

        # reviews: a third of delivered orders (nine in ten brushing orders, all five stars)
        reviewed = shipped & (rng.random(n) < np.where(brushing, 0.9, np.where(defect, 0.55, 0.33)))
        idx = np.flatnonzero(reviewed)
        k = len(idx)
        created = delivered_at[idx] + rng.integers(HOUR, 12 * 24 * HOUR, k)
        r_days = (created // (86_400 * US)).astype(np.int32)
        order_ = np.argsort(r_days, kind="stable")
        idx, created, r_days = idx[order_], created[order_], r_days[order_]
        bad = defect[idx]
        product_r = np.where(bad, rng.integers(1, 4, k), rng.integers(4, 6, k))
        logistics_r = np.where(late[idx], rng.integers(1, 4, k), rng.integers(4, 6, k))
        service_r = np.where(m.refuses[shop[idx]], rng.integers(1, 3, k), rng.integers(4, 6, k))
        five = brushing[idx]
        r_table = _table(
            REVIEWS,
            [
                _i64(np.arange(next_id["review"], next_id["review"] + k)),
                pa.array(r_days, type=pa.date32()),
                _i64(order_id[idx]),
                _i64(shop[idx] + 1),
                _i64(creator[idx] + 1, has_creator[idx]),
                _i64(product[idx] + 1),
                _i64(buyer[idx] + 1),
                _ts(created),
                pa.array(np.where(five, 5, product_r).astype(np.int8)),
                pa.array(np.where(five, 5, logistics_r).astype(np.int8)),
                pa.array(np.where(five, 5, service_r).astype(np.int8)),
                pa.array(np.zeros(k, dtype=bool)),
            ],
        )
        writer.write("reviews", r_days, r_table, part)
        next_id["review"] += k
        totals["reviews"] += k

        # complaints: counterfeit discovered, rude service, late delivery
        complains = (
            shipped
            & ~brushing
            & (
                (counterfeit & (rng.random(n) < 0.5))
                | (rng.random(n) < 0.004)
                | (late & (rng.random(n) < 0.04))
            )
        )
        idx = np.flatnonzero(complains)
        k = len(idx)
        created = delivered_at[idx] + rng.integers(HOUR, 72 * HOUR, k)
        c_days = (created // (86_400 * US)).astype(np.int32)
        order_ = np.argsort(c_days, kind="stable")
        idx, created, c_days = idx[order_], created[order_], c_days[order_]
        category = np.where(counterfeit[idx], 0, np.where(late[idx], 2, 1))
        upheld = rng.random(k) < np.where(counterfeit[idx], 0.9, 0.6)
        c_table = _table(
            COMPLAINTS,
            [
                _i64(np.arange(next_id["complaint"], next_id["complaint"] + k)),
                pa.array(c_days, type=pa.date32()),
                _i64(buyer[idx] + 1),
                _strings(np.array(["shop"]), np.zeros(k, dtype=np.int8)),
                _i64(shop[idx] + 1),
                _i64(np.zeros(k, dtype=np.int64), np.zeros(k, dtype=bool)),
                _i64(order_id[idx]),
                _strings(np.array(["counterfeit", "rude_service", "delivery_problem"]), category),
                _strings(np.array(["dismissed", "upheld"]), upheld.astype(np.int8)),
                _ts(created),
                _ts(created + rng.integers(12 * HOUR, 96 * HOUR, k)),
            ],
        )
        writer.write("complaints", c_days, c_table, part)
        next_id["complaint"] += k
        totals["complaints"] += k

        # flags: integrity detection catches most brushing orders, a day to ten after placement
        caught = brushing & (rng.random(n) < 0.6)
        idx = np.flatnonzero(caught)
        k = len(idx)
        created = placed[idx] + rng.integers(24 * HOUR, 240 * HOUR, k)
        f_days = (created // (86_400 * US)).astype(np.int32)
        order_ = np.argsort(f_days, kind="stable")
        idx, created, f_days = idx[order_], created[order_], f_days[order_]
        f_table = _table(
            FLAGS,
            [
                _i64(np.arange(next_id["flag"], next_id["flag"] + k)),
                pa.array(f_days, type=pa.date32()),
                _strings(np.array(["order"]), np.zeros(k, dtype=np.int8)),
                _i64(order_id[idx]),
                _strings(np.array(["brushing ring"]), np.zeros(k, dtype=np.int8)),
                _strings(np.array(["integrity"]), np.zeros(k, dtype=np.int8)),
                _ts(created),
                _ts(created, np.zeros(k, dtype=bool)),
            ],
        )
        writer.write("flags", f_days, f_table, part)
        next_id["flag"] += k
        totals["flags"] += k

        done += n
        part += 1
        if progress:
            progress(done, orders)
    _write_labels(out, m, np.concatenate(brushing_ids) if brushing_ids else np.array([], np.int64))
    return BulkResult(
        orders,
        totals["aftersales"],
        totals["reviews"],
        totals["complaints"],
        totals["flags"],
        writer.files,
        round(time.perf_counter() - began, 2),
    )


def _write_labels(out: Path, m: Market, brushing: np.ndarray) -> None:
    labels = out / "labels"
    labels.mkdir(parents=True, exist_ok=True)
    shop_ids = np.arange(1, m.n_shops + 1)
    brushed = np.isin(np.arange(m.n_shops), m.ring_target)
    pq.write_table(
        pa.table(
            {
                "shop_id": shop_ids,
                "quality": m.quality,
                "defect_rate": np.round(m.defect, 4),
                "late_share": np.round(m.late, 4),
                "counterfeit_share": np.round(m.counterfeit, 4),
                "refuses_aftersales": m.refuses,
                "dishonest": (m.counterfeit > 0) | brushed,
            }
        ),
        labels / "shops.parquet",
    )
    pq.write_table(
        pa.table({"order_id": brushing, "brushing": np.ones(len(brushing), bool)}),
        labels / "brushing_orders.parquet",
    )
    buyer_ids = np.arange(1, m.n_buyers + 1)
    kind = np.where(
        buyer_ids - 1 >= m.fake_from,
        "fake",
        np.where(buyer_ids - 1 < m.abuser_until, "return_abuser", "normal"),
    )
    keep = kind != "normal"
    pq.write_table(
        pa.table({"buyer_id": buyer_ids[keep], "kind": kind[keep]}), labels / "buyers.parquet"
    )
    (out / "ground_truth.json").write_text(
        json.dumps(
            {
                "shops": int(m.n_shops),
                "dishonest_shop_ids": [int(i) for i in shop_ids[(m.counterfeit > 0) | brushed]],
                "brushing_ring_targets": [int(t) + 1 for t in m.ring_target],
                "fake_buyer_ids": [int(m.fake_from + 1), int(m.n_buyers)],
                "return_abuser_ids": [1, int(m.abuser_until)],
                "brushing_orders": len(brushing),
                "labels": "labels/*.parquet",
            },
            indent=1,
        )
    )
