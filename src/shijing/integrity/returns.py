"""Return abuse: serial returners measured against their categories' norm (shrunk, like the
scores, so three returns out of four orders is not yet a pattern), return postage farmed through
remote addresses (orders shipped far from the buyer's usual province, then returned: a known
pattern worth ¥6–18 an order), and empty-box claims across several shops."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pyarrow as pa

from shijing.integrity.definition import ReturnsDefinition
from shijing.integrity.features import column
from shijing.integrity.findings import Findings, FoundBlock

SERIAL = "returns.serial"
REMOTE = "returns.remote_address"
EMPTY_BOX = "returns.empty_box"


def _serial(t: pa.Table, rule: ReturnsDefinition, found: Findings) -> int:
    buyers = column(t, "buyer_id").astype(np.int64)
    returned = column(t, "returned").astype(np.int64)
    roots = np.asarray([r or "" for r in t.column("root_category").to_pylist()])
    root_codes, root_idx = np.unique(roots, return_inverse=True)
    norm = np.bincount(root_idx, weights=returned) / np.maximum(np.bincount(root_idx), 1)
    expected_per_order = norm[root_idx]
    ids, inv = np.unique(buyers, return_inverse=True)
    orders = np.bincount(inv).astype(np.float64)
    returns = np.bincount(inv, weights=returned)
    expected = np.bincount(inv, weights=expected_per_order) / orders
    # shrink the buyer's rate toward what their categories return anyway
    shrunk = (returns + rule.prior_orders * expected) / (orders + rule.prior_orders)
    excess = shrunk - expected
    hits = np.flatnonzero((returns >= rule.min_returns) & (excess >= rule.excess_rate))
    for i in hits:
        found.flag(
            "buyer",
            int(ids[i]),
            detector=SERIAL,
            score=round(float(excess[i]), 4),
            reason=(
                f"returned {int(returns[i])} of {int(orders[i])} orders; "
                f"{expected[i]:.0%} is usual for what they bought"
            ),
            evidence={
                "orders": int(orders[i]),
                "returns": int(returns[i]),
                "category_norm": round(float(expected[i]), 4),
                "shrunk_rate": round(float(shrunk[i]), 4),
            },
        )
    del root_codes
    return int(hits.size)


def _remote(t: pa.Table, rule: ReturnsDefinition, found: Findings) -> int:
    buyers = column(t, "buyer_id").astype(np.int64)
    provinces = t.column("ship_province").to_pylist()
    returned = column(t, "returned").astype(np.int64)
    order_ids = column(t, "order_id").astype(np.int64)
    usual: dict[int, Counter[str]] = defaultdict(Counter)
    for b, p in zip(buyers, provinces, strict=True):
        if p:
            usual[int(b)][p] += 1
    remote: dict[int, list[int]] = defaultdict(list)
    for i, (b, p) in enumerate(zip(buyers, provinces, strict=True)):
        usual_here = usual[int(b)].most_common(1)
        if returned[i] and p and usual_here and usual_here[0][0] != p:
            remote[int(b)].append(i)
    n = 0
    for buyer, rows in remote.items():
        if len(rows) < rule.remote_min_returns:
            continue
        n += 1
        home = usual[buyer].most_common(1)[0][0]
        away = sorted({provinces[i] for i in rows})
        block = found.add_block(
            FoundBlock(
                detector=REMOTE,
                score=round(len(rows) / (len(rows) + 2.0), 4),
                reason=(
                    f"{len(rows)} orders shipped away from the buyer's usual province ({home}) "
                    f"to {', '.join(away)} were returned"
                ),
                buyer_ids=[buyer],
                order_ids=sorted(int(order_ids[i]) for i in rows),
                evidence={"home": home, "away": away, "returns": len(rows)},
            )
        )
        found.flag(
            "buyer",
            buyer,
            detector=REMOTE,
            score=0.8,
            reason="returns from addresses far from home (postage farming)",
            block=block,
        )
        for i in rows:
            found.flag(
                "order",
                int(order_ids[i]),
                detector=REMOTE,
                score=0.8,
                reason="returned from a remote address",
                block=block,
            )
    return n


def _empty_boxes(t: pa.Table, rule: ReturnsDefinition, found: Findings) -> int:
    buyers = column(t, "buyer_id").astype(np.int64)
    shops = column(t, "shop_id").astype(np.int64)
    empty = column(t, "empty_box").astype(np.int64)
    order_ids = column(t, "order_id").astype(np.int64)
    claims: dict[int, list[int]] = defaultdict(list)
    for row in np.flatnonzero(empty > 0):
        claims[int(buyers[row])].append(int(row))
    n = 0
    for buyer, rows in claims.items():
        at = {int(shops[i]) for i in rows}
        if len(at) < rule.empty_box_min_shops:
            continue
        n += 1
        block = found.add_block(
            FoundBlock(
                detector=EMPTY_BOX,
                score=round(len(at) / (len(at) + 1.0), 4),
                reason=f"claimed an empty parcel (nothing, or the wrong item) at {len(at)} shops",
                buyer_ids=[buyer],
                shop_ids=sorted(at),
                order_ids=sorted(int(order_ids[i]) for i in rows),
                evidence={"claims": len(rows), "shops": len(at)},
            )
        )
        found.flag(
            "buyer",
            buyer,
            detector=EMPTY_BOX,
            score=0.9,
            reason="empty-box claims across shops",
            block=block,
        )
        for i in rows:
            found.flag(
                "order",
                int(order_ids[i]),
                detector=EMPTY_BOX,
                score=0.9,
                reason="one of a buyer's empty-box claims across shops",
                block=block,
            )
    return n


def detect(orders: pa.Table, rule: ReturnsDefinition) -> Findings:
    """Flags on buyers (and the orders of their abusive returns)."""
    found = Findings()
    if orders.num_rows == 0:
        found.counts.update(
            {SERIAL: {"buyers": 0}, REMOTE: {"buyers": 0}, EMPTY_BOX: {"buyers": 0}}
        )
        return found
    found.counts[SERIAL] = {"buyers": _serial(orders, rule, found)}
    found.counts[REMOTE] = {"buyers": _remote(orders, rule, found)}
    found.counts[EMPTY_BOX] = {"buyers": _empty_boxes(orders, rule, found)}
    return found
