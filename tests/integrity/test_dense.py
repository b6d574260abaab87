"""Batch dense-block detector: finds a camouflaged ring, spares loyal fans, ignores id and time
encodings, validates its parameters."""

from __future__ import annotations

import numpy as np
import pytest

from shijing.core.errors import InvalidInput
from shijing.integrity.dense import (
    DenseParams,
    EdgeArrays,
    detect_blocks,
    greedy_peel,
    poisson_log10_tail,
)
from tests.integrity.graphs import BrushingGraph, small_graph


def _flagged(g: BrushingGraph, buyer_ids: object = None) -> tuple[set[int], set[str], np.ndarray]:
    edges = EdgeArrays.from_columns(g.buyer_id, g.shop_id, g.ts, g.amount_fen)
    res = detect_blocks(edges)
    buyers = {int(x) for x in edges.buyer_ids[res.buyer_flagged]}
    shops = {str(x) for x in edges.shop_ids[res.shop_flagged]}
    return buyers, shops, res.edge_flagged


@pytest.fixture(scope="module")
def biased() -> BrushingGraph:
    return small_graph(seed=5, density=0.3, camouflage="biased")


def test_camouflaged_ring_is_found_and_fans_are_not(biased: BrushingGraph) -> None:
    buyers, shops, edge_flag = _flagged(biased)
    ring = biased.ring_buyers
    assert len(buyers & ring) >= 0.45 * len(ring)  # the bursty ring at least
    assert len(buyers - ring) <= 0.001 * len(biased.honest_buyers)
    assert not buyers & biased.loyal_fans
    assert shops
    assert len(shops & biased.target_shops) >= 0.9 * len(shops)
    assert edge_flag[biased.is_ring_edge].mean() >= 0.4
    assert edge_flag[~biased.is_ring_edge].mean() <= 0.001


def test_hijacked_accounts_ring_is_found() -> None:
    g = small_graph(seed=6, density=0.3, camouflage="hijacked")
    buyers, _, _ = _flagged(g)
    assert len(buyers & g.ring_buyers) >= 0.45 * len(g.ring_buyers)
    assert len(buyers - g.ring_buyers) <= 0.001 * len(g.honest_buyers)


def test_honest_graph_flags_nobody() -> None:
    g = small_graph(seed=7, density=0.0, camouflage="none")
    buyers, _shops, edge_flag = _flagged(g)
    assert not g.ring_buyers
    assert len(buyers) <= 0.001 * len(g.honest_buyers)
    assert not edge_flag.any() or edge_flag.mean() <= 0.001


def test_blocks_carry_readable_evidence(biased: BrushingGraph) -> None:
    edges = EdgeArrays.from_columns(biased.buyer_id, biased.shop_id, biased.ts, biased.amount_fen)
    res = detect_blocks(edges)
    assert res.blocks
    top = res.blocks[0]
    assert top.score > 0
    assert 0 < top.density <= 1
    assert top.burst_share > 0.5
    assert top.amount_regularity > 0.5
    assert top.time_span_days < 30
    assert "buyers ordered at" in top.explain()
    # flagged nodes rank above the rest
    assert res.buyer_score[res.buyer_flagged].min() > np.median(res.buyer_score)


def test_ids_of_any_kind_and_a_time_shift_give_the_same_result(biased: BrushingGraph) -> None:
    base_b, base_s, base_e = _flagged(biased)
    rng = np.random.default_rng(0)
    # string buyer ids, big-int shop ids, orders shuffled, time shifted by an odd amount
    perm = rng.permutation(biased.n_edges)
    shop_map = {s: 10**15 + i * 7919 for i, s in enumerate(np.unique(biased.shop_id))}
    shifted = BrushingGraph(
        edge_id=biased.edge_id[perm],
        buyer_id=biased.buyer_id[perm],
        shop_id=biased.shop_id[perm],
        ts=biased.ts[perm] - 1_234_567_891 + 17,
        amount_fen=biased.amount_fen[perm],
        is_ring_edge=biased.is_ring_edge[perm],
    )
    edges = EdgeArrays.from_columns(
        np.array([f"u{x}" for x in shifted.buyer_id]),
        np.array([shop_map[s] for s in shifted.shop_id], dtype=np.int64),
        shifted.ts,
        shifted.amount_fen,
    )
    res = detect_blocks(edges)
    buyers = {int(str(x)[1:]) for x in edges.buyer_ids[res.buyer_flagged]}
    inverse = {v: k for k, v in shop_map.items()}
    shops = {inverse[int(x)] for x in edges.shop_ids[res.shop_flagged]}
    assert buyers == base_b
    assert shops == base_s
    assert int(res.edge_flagged.sum()) == int(base_e.sum())
    assert set(np.nonzero(res.edge_flagged)[0].tolist()) == set(
        np.nonzero(base_e[perm])[0].tolist()
    )


def test_greedy_peel_finds_the_planted_clique() -> None:
    rng = np.random.default_rng(1)
    n = 60
    u = rng.integers(0, n // 2, size=80)
    v = rng.integers(n // 2, n, size=80)
    cu, cv = np.meshgrid(np.arange(5), np.arange(30, 35))
    u = np.concatenate([u, cu.ravel()]).astype(np.int64)
    v = np.concatenate([v, cv.ravel()]).astype(np.int64)
    nodes, score = greedy_peel(n, u, v, np.ones(u.shape[0]))
    assert set(range(5)) | set(range(30, 35)) <= set(nodes.tolist())
    assert score >= 25 / 10


def test_poisson_tail() -> None:
    lam = np.array([0.1, 0.1, 5.0])
    out = poisson_log10_tail(np.array([0, 5, 3]), lam)
    assert out[0] == 0.0
    assert out[2] == 0.0
    assert 6.0 < out[1] < 7.5  # P(X >= 5 | 0.1) ≈ 7.7e-8


def test_params_round_trip_and_validation_names_the_field() -> None:
    p = DenseParams()
    assert DenseParams.from_dict(p.to_dict()) == p
    assert DenseParams.from_dict({"max_blocks": 3}).max_blocks == 3
    with pytest.raises(InvalidInput) as e1:
        DenseParams.from_dict({"no_such_knob": 1})
    assert e1.value.field == "no_such_knob"
    with pytest.raises(InvalidInput) as e2:
        DenseParams.from_dict({"w_burst": 1.5})
    assert e2.value.field == "w_burst"
    with pytest.raises(InvalidInput) as e3:
        DenseParams.from_dict({"max_blocks": 0})
    assert e3.value.field == "max_blocks"
    with pytest.raises(InvalidInput) as e4:
        DenseParams.from_dict({"burst_window_s": "soon"})
    assert e4.value.field == "burst_window_s"
    with pytest.raises(InvalidInput) as e5:
        DenseParams.from_dict({"burst_log10_full": 1.0})
    assert e5.value.field == "burst_log10_full"


def test_edge_arrays_reject_bad_columns() -> None:
    with pytest.raises(InvalidInput) as e1:
        EdgeArrays.from_columns([], [], [], [])
    assert e1.value.field == "edges"
    with pytest.raises(InvalidInput) as e2:
        EdgeArrays.from_columns(["a"], ["s"], [1], [-5])
    assert e2.value.field == "amount_fen"
