"""The simulator's bad actors hide as real ones do, and the ground truth labels every one of them:
hijacked aged accounts, camouflage, multi-shop and spread-thin rings, shared fingerprints,
near-duplicate fake reviews, return abuse, and the innocent loyal fans. One tiny run."""

from __future__ import annotations

import itertools
import json
import random
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, select

from shijing.commerce.aftersales.models import AfterSale
from shijing.commerce.orders.models import Order
from shijing.commerce.payments.models import Payment
from shijing.commerce.reviews.models import Review
from shijing.core.db import Database
from shijing.models import metadata
from shijing.sim.agents import REMOTE_PROVINCES, draw_population
from shijing.sim.bulk import generate
from shijing.sim.config import SimConfig, get_scale
from shijing.sim.runner import run_simulation
from shijing.sim.texts import fake_review, honest_review, similarity

pytestmark = pytest.mark.committing


def _empty(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def test_population_shapes_at_the_small_scale() -> None:
    pop = draw_population(get_scale("small"), np.random.default_rng(7))
    shapes = {r.shape for r in pop.rings}
    assert shapes == {"multi_shop", "spread_thin", "burst", "review_burst"}
    multi = next(r for r in pop.rings if r.shape == "multi_shop")
    assert len(multi.targets) >= 2
    steady = next(r for r in pop.rings if r.shape == "spread_thin")
    burst = next(r for r in pop.rings if r.shape == "burst")
    # spread thin: some orders every day, never a burst; a burst ring is quiet most days
    assert all(steady.rate_on(d) == steady.orders_per_day > 0 for d in range(30))
    assert sum(burst.rate_on(d) == 0 for d in range(30)) > 15
    assert max(burst.rate_on(d) for d in range(30)) > 2 * steady.orders_per_day
    for ring in pop.rings:
        fakes = [m for m in ring.members if m not in ring.hijacked]
        assert len(ring.devices) < len(fakes) or len(fakes) == 1  # a phone farm is shared
        assert 1 <= len(ring.addresses) <= 3
        for m in ring.hijacked:  # real, aged accounts that keep buying honestly too
            assert pop.buyers[m].kind == "hijacked"
            assert pop.buyers[m].registered_days_ago > 365
            assert pop.buyers[m].ring == ring.index
        for t in ring.targets:
            assert ring.index in pop.shops[t].brushed_by_rings
    kinds = Counter(b.kind for b in pop.buyers)
    assert kinds["loyal_fan"] >= 10
    assert kinds["hijacked"] == 3
    abusers = [b for b in pop.buyers if b.kind == "return_abuser"]
    assert any("postage_farming" in b.abuse for b in abusers)
    assert all(
        b.remote_province in REMOTE_PROVINCES for b in abusers if "postage_farming" in b.abuse
    )
    # honest buyers: their own phone (some two), their own home (families share one)
    honest = [b for b in pop.buyers if b.kind in ("normal", "loyal_fan")]
    assert any(len(b.devices) == 2 for b in honest)
    homes = Counter((b.province, b.city, b.street) for b in honest)
    assert max(homes.values()) <= 3
    assert len({d for b in honest for d in b.devices}) == sum(len(b.devices) for b in honest)


def test_honest_texts_vary_and_fake_ones_are_near_duplicates() -> None:
    rng = random.Random(3)
    honest = [
        honest_review(rng, category, rating)
        for category in ("apparel.womens", "cosmetics", "food.packaged", "fresh.seafood_live")
        for rating in (5, 5, 4, 3, 1)
        for _ in range(12)
    ]
    pairs = [similarity(a, b) for a, b in itertools.combinations(honest, 2)]
    assert sum(p > 0.6 for p in pairs) / len(pairs) < 0.001
    script = [fake_review(rng, 2) for _ in range(12)]
    fake_pairs = [similarity(a, b) for a, b in itertools.combinations(script, 2)]
    assert statistics.mean(fake_pairs) > 0.6
    assert len(set(script)) > 3  # edited, not copied


def _config(seed: int, days: int) -> SimConfig:
    return SimConfig(get_scale("tiny"), days, seed)


def test_a_tiny_run_labels_every_attacker(
    committing_db: Database, engine: Engine, tmp_path: Path
) -> None:
    result = run_simulation(committing_db, _config(5, days=21), out=tmp_path)
    assert result.invariants.ok, result.invariants.violations
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    buyers = {b["user_id"]: b for b in truth["buyers"]}
    orders = {o["order_id"]: o for o in truth["labelled_orders"]}
    rings = {r["ring"]: r for r in truth["brushing_rings"]}
    with committing_db.sessions() as session:
        placed = {o.id: o for o in session.scalars(select(Order))}
        instruments = {
            p.order_id: p.instrument_fp for p in session.scalars(select(Payment)) if p.instrument_fp
        }
        texts = {r.id: r.text for r in session.scalars(select(Review))}
        sales = {a.id: a for a in session.scalars(select(AfterSale))}
    _empty(engine)

    # every order is accounted for: a brushing order is a ring's, at one of its targets
    for oid, label in orders.items():
        order = placed[oid]
        if label["brushing"]:
            ring = rings[label["ring"]]
            assert order.shop_id in ring["target_shop_ids"]
            assert order.buyer_id in ring["member_user_ids"]
            assert not label["camouflage"]
        if label["camouflage"]:
            ring = rings[label["ring"]]
            assert order.shop_id not in ring["target_shop_ids"]
    brushing = [o for o in orders.values() if o["brushing"]]
    assert brushing
    assert any(o["camouflage"] for o in orders.values())
    # hijacked accounts: a ring's orders through them are brushing; their own are not
    hijacked = {u for u, b in buyers.items() if b["kind"] == "hijacked"}
    assert hijacked
    theirs = [o for o in placed.values() if o.buyer_id in hijacked]
    assert any(orders.get(o.id, {}).get("brushing") for o in theirs)
    assert any(not orders.get(o.id, {}).get("brushing") for o in theirs)
    for o in theirs:
        label = orders.get(o.id)
        ring_fps = rings[buyers[o.buyer_id]["ring"]]["device_fps"]
        if label and label["ring"] is not None:  # brushing or camouflage: the ring's phones
            assert o.device_fp in ring_fps
        else:
            assert o.device_fp in buyers[o.buyer_id]["device_fps"]
    # ring members share a few devices, addresses and cards
    for ring in rings.values():
        ring_orders = [
            o for o in placed.values() if orders.get(o.id, {}).get("ring") == ring["ring"]
        ]
        if not ring_orders:
            continue
        devices = {o.device_fp for o in ring_orders}
        assert devices <= set(ring["device_fps"])
        assert {o.address_fp for o in ring_orders} <= set(ring["address_fps"])
        paid = {instruments[o.id] for o in ring_orders if o.id in instruments}
        assert paid <= set(ring["instrument_fps"])
        users = {o.buyer_id for o in ring_orders}
        if len(users) > len(devices):
            by_device = defaultdict(set)
            for o in ring_orders:
                by_device[o.device_fp].add(o.buyer_id)
            assert max(len(v) for v in by_device.values()) >= 2
    # honest buyers use their own devices
    for o in placed.values():
        b = buyers[o.buyer_id]
        if b["kind"] in ("normal", "loyal_fan") and o.ship_to_province not in REMOTE_PROVINCES:
            assert o.device_fp in b["device_fps"]
            assert o.id not in orders or not orders[o.id]["brushing"]
    # fake reviews: labelled, and a ring's scripted ones are near-duplicates of each other
    reviews = {r["review_id"]: r for r in truth["reviews"]}
    assert set(reviews) == set(texts)
    scripted: dict[int, list[str]] = defaultdict(list)
    for rid, r in reviews.items():
        if r["fake_kind"] in ("ring_script", "burst"):
            scripted[orders[r["order_id"]]["ring"]].append(texts[rid])
        if r["fake"]:
            assert orders[r["order_id"]]["fake_review"] == r["fake_kind"]
    assert scripted
    for ring_texts in scripted.values():
        if len(ring_texts) >= 2:
            pairs = [similarity(a, b) for a, b in itertools.combinations(ring_texts, 2)]
            assert statistics.mean(pairs) > 0.5
    honest_texts = [texts[rid] for rid, r in reviews.items() if not r["fake"]]
    assert len(set(honest_texts)) > 0.9 * len(honest_texts)
    # the review farm opened fresh accounts during the run
    farm = next(r for r in rings.values() if r["shape"] == "review_burst")
    assert farm["member_user_ids"]
    assert all(buyers[u]["registered_days_ago"] == 0 for u in farm["member_user_ids"])
    # after-sales: every one is in the truth, the abusive ones say how
    assert set(sales) == {a["aftersale_id"] for a in truth["aftersales"]}
    for a in truth["aftersales"]:
        if a["abuse"] is not None:
            assert orders[a["order_id"]]["abusive_aftersale"] == a["abuse"]
            assert buyers[sales[a["aftersale_id"]].buyer_id]["kind"] == "return_abuser"
        if a["abuse"] == "empty_box":
            assert sales[a["aftersale_id"]].reason == "wrong_item"
            assert not a["genuine"]
        if a["abuse"] == "postage_farming":
            assert placed[a["order_id"]].ship_to_province in REMOTE_PROVINCES
    # the innocent: loyal fans come back to their shop, densely, and nothing of theirs is fake
    fans = {u: b for u, b in buyers.items() if b["kind"] == "loyal_fan"}
    assert fans
    per_fan = Counter(
        o.buyer_id
        for o in placed.values()
        if o.buyer_id in fans and o.shop_id == fans[o.buyer_id]["fan_of_shop_id"]
    )
    assert sum(n >= 2 for n in per_fan.values()) >= len(fans) // 2
    assert not any(
        orders.get(o.id, {}).get("brushing") or orders.get(o.id, {}).get("fake_review")
        for o in placed.values()
        if o.buyer_id in fans
    )
    # shops know every ring that brushes them; the labels are written beside the run
    for ring in rings.values():
        for shop_id in ring["target_shop_ids"]:
            shop = next(s for s in truth["shops"] if s["shop_id"] == shop_id)
            assert ring["ring"] in shop["brushed_by_rings"]
    for name in ("shops", "orders", "buyers", "rings", "reviews"):
        assert (tmp_path / "labels" / f"{name}.parquet").exists()


def test_bulk_writes_attackers_and_their_labels(tmp_path: Path) -> None:
    generate(tmp_path, orders=40_000, seed=2, days=20, chunk=15_000)
    orders = ds.dataset(tmp_path / "orders", format="parquet").to_table().to_pandas()
    reviews = ds.dataset(tmp_path / "reviews", format="parquet").to_table().to_pandas()
    labels = pq.read_table(tmp_path / "labels" / "orders.parquet").to_pandas()
    rings = pq.read_table(tmp_path / "labels" / "rings.parquet").to_pylist()
    buyers = pq.read_table(tmp_path / "labels" / "buyers.parquet").to_pandas()
    fakes = pq.read_table(tmp_path / "labels" / "reviews.parquet").to_pandas()
    sales = pq.read_table(tmp_path / "labels" / "aftersales.parquet").to_pandas()
    by_id = orders.set_index("order_id")
    assert {"brushing"} <= set(labels.columns)
    assert labels.brushing.any()
    assert labels.camouflage.any()
    for ring in rings:
        mine = by_id.loc[labels.order_id[labels.ring == ring["ring"]]]
        assert len(mine)
        assert set(mine.device_fp) <= set(ring["device_fps"])
        assert set(mine.address_fp) <= set(ring["address_fps"])
        assert set(mine.buyer_id) <= set(ring["member_buyer_ids"])
        assert mine.buyer_id.nunique() > mine.device_fp.nunique()  # a phone farm
        brushed = mine[labels.set_index("order_id").loc[mine.index].brushing.to_numpy()]
        assert set(brushed.shop_id) <= set(ring["target_shop_ids"])
    shapes = {r["shape"] for r in rings}
    assert {"multi_shop", "review_burst"} <= shapes
    hijacked = set(buyers.buyer_id[buyers.kind == "hijacked"])
    assert hijacked
    theirs = orders[orders.buyer_id.isin(hijacked)]
    flagged = set(labels.order_id[labels.brushing])
    assert theirs.order_id.isin(flagged).any()
    assert (~theirs.order_id.isin(flagged)).any()  # their own honest orders go on
    # fake reviews are the ring's script, near-duplicates; honest ones vary
    text = reviews.set_index("review_id").text
    scripted = text.loc[fakes.review_id[fakes.fake_kind == "ring_script"]].tolist()[:30]
    assert statistics.mean(similarity(a, b) for a, b in itertools.combinations(scripted, 2)) > 0.6
    honest = text.drop(fakes.review_id).tolist()[:300]
    assert len(set(honest)) > 0.5 * len(honest)
    # return abuse: remote provinces for farmed postage, empty boxes as wrong_item
    assert set(sales.abuse) >= {"postage_farming", "empty_box"}
    farmed = by_id.loc[labels.order_id[labels.postage_farming]]
    assert farmed.ship_province.isin(REMOTE_PROVINCES).all()
    opened = ds.dataset(tmp_path / "aftersales", format="parquet").to_table().to_pandas()
    boxes = opened[opened.aftersale_id.isin(sales.aftersale_id[sales.abuse == "empty_box"])]
    assert (boxes.reason == "wrong_item").all()
    # the innocent: loyal fans come back to their shop, and are not labelled anything else
    fans = buyers[buyers.kind == "loyal_fan"]
    assert len(fans)
    repeat = orders.merge(fans, on="buyer_id")
    repeat = repeat[repeat.shop_id == repeat.fan_of_shop_id].groupby("buyer_id").size()
    assert (repeat >= 2).mean() > 0.5
    assert not repeat.index.isin(set(orders.buyer_id[orders.order_id.isin(flagged)])).any()
