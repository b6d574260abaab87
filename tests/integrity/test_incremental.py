"""Incremental detector: catches an injected ring as its orders arrive, agrees with the batch."""

from __future__ import annotations

import numpy as np

from shijing.integrity.dense import DenseParams, EdgeArrays, detect_blocks
from shijing.integrity.incremental import EdgeVerdict, IncrementalDetector
from tests.integrity.graphs import small_graph


def _replay(det: IncrementalDetector, g: object) -> tuple[set[object], list[EdgeVerdict]]:
    verdicts: list[EdgeVerdict] = []
    for b, s, t, a in zip(
        g.buyer_id.tolist(), g.shop_id.tolist(), g.ts.tolist(), g.amount_fen.tolist(), strict=True
    ):
        v = det.add_edge(b, s, t, a)
        if v is not None:
            verdicts.append(v)
    return det.flagged_buyers(), verdicts


def test_ring_is_caught_as_it_happens_and_agrees_with_batch() -> None:
    g = small_graph(seed=5, density=0.3, camouflage="biased")
    det = IncrementalDetector(DenseParams())
    flagged, verdicts = _replay(det, g)
    assert len(flagged & g.ring_buyers) >= 0.45 * len(g.ring_buyers)
    assert len(flagged - g.ring_buyers) <= 0.01 * len(g.honest_buyers)
    # caught early: the first flagged ring order comes before most ring orders have arrived
    ring_times = np.sort(g.ts[g.is_ring_edge])
    assert any(v.flagged and v.buyer in g.ring_buyers for v in verdicts)
    flagged_ts = [
        int(ts)
        for ts, b, s in zip(g.ts, g.buyer_id, g.shop_id, strict=True)
        if b in det.core_buyers and s in det.core_shops
    ]
    assert min(flagged_ts) < np.percentile(ring_times, 50)
    # agreement with the batch run on the same orders
    edges = EdgeArrays.from_columns(g.buyer_id, g.shop_id, g.ts, g.amount_fen)
    batch = {int(x) for x in edges.buyer_ids[detect_blocks(edges).buyer_flagged]}
    assert len(batch & flagged) >= 0.8 * len(batch)


def test_unremarkable_orders_return_none_and_ids_are_opaque() -> None:
    det = IncrementalDetector()
    # loyal fans: each returns to their own shop every few days, at ordinary amounts
    out = [
        det.add_edge(("fan", i % 20), f"shop-{i % 20}", 1_000 + i * 3_600 * 7, 1990 + 100 * (i % 9))
        for i in range(400)
    ]
    assert all(v is None or not v.flagged for v in out)
    assert not det.flagged_buyers()
