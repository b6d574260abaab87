"""Brushing rings (刷单) from the platform's own orders: the dense-block detector (``dense``) on
the window's paid orders, with what a plain order graph lacks: a device, an address or a payment
instrument shared by several buyers adds to an order's suspicion. Each block becomes a finding
with its members, shops, shared fingerprints and a day-by-day timeline of its orders."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from shijing.integrity.definition import BrushingDefinition
from shijing.integrity.dense import Block, DetectionResult, EdgeArrays, detect_blocks
from shijing.integrity.features import FINGERPRINTS, column
from shijing.integrity.findings import Findings, FoundBlock

DETECTOR = "brushing.dense"
_FP_WORDS = {
    "device_fp": "devices",
    "address_fp": "addresses",
    "instrument_fp": "payment instruments",
}


def shared_suspicion(orders: pa.Table, rule: BrushingDefinition) -> npt.NDArray[np.float64]:
    """Per order: ``shared_weight`` when one of its fingerprints is shared by at least
    ``shared_min_buyers`` buyers (a family sharing an address stays below it), else 0."""
    most = np.zeros(orders.num_rows, dtype=np.int64)
    for fingerprint in FINGERPRINTS:
        counts = np.nan_to_num(column(orders, f"{fingerprint}_buyers").astype(np.float64))
        most = np.maximum(most, counts.astype(np.int64))
    return np.where(most >= rule.shared_min_buyers, rule.shared_weight, 0.0)


def _shared_among(orders: pa.Table, rows: npt.NDArray[np.int64]) -> dict[str, int]:
    """How many fingerprints of each kind two or more of the block's buyers used."""
    buyers = column(orders, "buyer_id")[rows]
    shared: dict[str, int] = {}
    for fingerprint in FINGERPRINTS:
        values = column(orders, fingerprint)[rows]
        users: dict[Any, set[int]] = {}
        for value, buyer in zip(values, buyers, strict=True):
            if value is not None:
                users.setdefault(value, set()).add(int(buyer))
        shared[fingerprint] = sum(1 for who in users.values() if len(who) >= 2)
    return shared


def _timeline(ts: npt.NDArray[np.int64]) -> list[tuple[str, int]]:
    days = Counter(datetime.fromtimestamp(int(t), tz=UTC).date().isoformat() for t in ts)
    return sorted(days.items())


def _finding(block: Block, edges: EdgeArrays, orders: pa.Table) -> FoundBlock:
    order_ids = column(orders, "order_id")[block.edges]
    shared = _shared_among(orders, block.edges)
    words = [f"{n} {_FP_WORDS[c]}" for c, n in shared.items() if n]
    reason = block.explain()
    if words:
        reason += "; members share " + ", ".join(words)
    return FoundBlock(
        detector=DETECTOR,
        score=round(float(block.score), 4),
        density=round(float(block.density), 4),
        reason=reason,
        buyer_ids=sorted(int(b) for b in edges.buyer_ids[block.buyers]),
        shop_ids=sorted(int(s) for s in edges.shop_ids[block.shops]),
        order_ids=sorted(int(o) for o in order_ids),
        evidence={
            "orders": int(block.edges.shape[0]),
            "median_account_age_days": round(float(block.median_account_age_days), 1),
            "burst_share": round(float(block.burst_share), 3),
            "amount_regularity": round(float(block.amount_regularity), 3),
            "time_span_days": round(float(block.time_span_days), 1),
            "new_relation_share": round(float(block.new_relation_share), 3),
            "shared_fingerprints": shared,
            "timeline": _timeline(edges.ts[block.edges]),
        },
    )


def _corroborated_part(
    block: Block,
    edges: EdgeArrays,
    orders: pa.Table,
    result: DetectionResult,
    rule: BrushingDefinition,
) -> Block | None:
    """The part of a block something besides its shape says is a ring, or None when too little
    is left. A member counts when their account was young at their first order in the block, or
    they placed a block order through a device, card or address another member used, or one of
    their block orders came in a burst or at the amount the ring pays; a shop counts where two
    such members bought. Dense blocks of ordinary accounts buying at their own pace happen by
    chance, and a ring's block drags in the honest buyers of the shops it camouflages at."""
    rows = block.edges
    buyers = edges.buyer[rows]
    feats = result.features
    signal = (feats.burst[rows] >= rule.corroborate_signal) | (
        feats.amount[rows] >= rule.corroborate_signal
    )
    members: set[int] = {int(b) for b in buyers[signal]}
    if edges.opened is not None:
        first: dict[int, int] = {}
        for b, t in zip(buyers.tolist(), edges.ts[rows].tolist(), strict=True):
            first[b] = min(first.get(b, t), t)
        young = rule.corroborate_account_age_days * 86_400
        members |= {b for b, t in first.items() if t - int(edges.opened[b]) <= young}
    for fingerprint in FINGERPRINTS:
        users: dict[Any, set[int]] = {}
        for value, b in zip(column(orders, fingerprint)[rows], buyers.tolist(), strict=True):
            if value is not None:
                users.setdefault(value, set()).add(b)
        members |= {b for who in users.values() if len(who) >= 2 for b in who}
    keep = np.fromiter((int(b) in members for b in buyers), dtype=bool, count=rows.shape[0])
    shops = edges.shop[rows]
    per_shop: dict[int, set[int]] = {}
    for b, s in zip(buyers[keep].tolist(), shops[keep].tolist(), strict=True):
        per_shop.setdefault(s, set()).add(b)
    targets = {s for s, who in per_shop.items() if len(who) >= 2}
    keep &= np.fromiter((int(s) in targets for s in shops), dtype=bool, count=rows.shape[0])
    kept_buyers = np.unique(buyers[keep])
    if kept_buyers.shape[0] < rule.corroborate_min_members:
        return None
    return replace(
        block,
        buyers=kept_buyers.astype(np.int64),
        shops=np.unique(shops[keep]).astype(np.int64),
        edges=rows[keep],
    )


def _opened(orders: pa.Table, edges: EdgeArrays) -> npt.NDArray[np.int64]:
    """Each buyer's account opening (the platform knows it; the detector's default is the
    buyer's first order in the window, which makes every buyer new in a young window)."""
    registered = np.nan_to_num(column(orders, "registered").astype(np.float64), nan=np.inf)
    opened = np.full(edges.n_buyers, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(
        opened, edges.buyer, np.minimum(registered, column(orders, "ts")).astype(np.int64)
    )
    return opened


def detect(orders: pa.Table, rule: BrushingDefinition) -> Findings:
    """Blocks and flags (orders and buyers) from the window's paid orders."""
    found = Findings()
    if orders.num_rows == 0:
        found.counts[DETECTOR] = {
            "orders": 0,
            "blocks": 0,
            "orders_flagged": 0,
            "buyers_flagged": 0,
        }
        return found
    edges = EdgeArrays.from_columns(
        column(orders, "buyer_id"),
        column(orders, "shop_id"),
        column(orders, "ts"),
        column(orders, "total_fen"),
    )
    edges = replace(edges, opened=_opened(orders, edges))
    result = detect_blocks(edges, rule.params(), extra_suspicion=shared_suspicion(orders, rule))
    block_of_edge = np.full(edges.n_edges, -1, dtype=np.int64)
    block_of_buyer = np.full(edges.n_buyers, -1, dtype=np.int64)
    uncorroborated = 0
    for block in result.blocks:
        kept = _corroborated_part(block, edges, orders, result, rule)
        if kept is None:
            uncorroborated += 1
            continue
        index = found.add_block(_finding(kept, edges, orders))
        block_of_edge[kept.edges] = index
        block_of_buyer[kept.buyers] = index
    order_ids = column(orders, "order_id")
    kept_edges = np.flatnonzero(result.edge_flagged & (block_of_edge >= 0))
    kept_buyers = np.flatnonzero(result.buyer_flagged & (block_of_buyer >= 0))
    for e in kept_edges:
        b = int(block_of_edge[e])
        found.flag(
            "order",
            int(order_ids[e]),
            detector=DETECTOR,
            score=round(float(result.edge_score[e]), 4),
            reason="brushing ring: " + found.blocks[b].reason,
            block=b,
        )
    for i in kept_buyers:
        found.flag(
            "buyer",
            int(edges.buyer_ids[i]),
            detector=DETECTOR,
            score=round(float(result.buyer_score[i]), 4),
            reason="member of a brushing ring",
            block=int(block_of_buyer[i]),
        )
    found.counts[DETECTOR] = {
        "orders": edges.n_edges,
        "blocks": len(result.blocks),
        "blocks_uncorroborated": uncorroborated,
        "orders_flagged": int(kept_edges.size),
        "buyers_flagged": int(kept_buyers.size),
    }
    return found
