"""Batch detection of brushing rings (刷单) as dense, suspicious buyer–shop blocks.

The method is FRAUDAR (Hooi et al., KDD 2016) on a graph whose edge weights carry side
information. Plain FRAUDAR weights a (buyer, shop) pair by ``1 / log(shop degree + 5)`` and greedily
peels the node of least weighted degree, keeping the intermediate set of highest average weight.
On a heavy-tailed order graph that densest set is, at low ring densities, the honest core of heavy
buyers and popular shops. Here every order first gets a suspicion in ``[0, 1]`` from what the order
table says (no fingerprints, no reviews), a noisy-or of:

- **burst**: the shop received many more orders within ``± burst_window_s`` than its own baseline
  rate, scaled by the platform-wide activity at that moment (so evenings and festival days are
  not bursts), as a Poisson tail probability;
- **fresh**: the buyer's account was young at order time (time since the buyer's first order in
  the data); buyers whose first order falls at the very start of the data are not called young;
- **amount**: the buyer paid (nearly) the same amount at several *different* shops, which is what a
  ring paying a task amount looks like and what honest baskets rarely do;
- **clump**: the buyer's orders around this one are far denser in time than the buyer's own
  rate (a hijacked aged account that suddenly works through a task list).

A pair's suspicion is the largest of its orders', and is discounted when the pair is an
established relation (repeat orders spread over at least ``loyal_min_span_days``): that is a loyal
fan, the normal shape of trust commerce. The pair weight is then
``col_weight × (structure_base + (1 − structure_base) × suspicion)``, so structure alone still
counts (a very dense ring with no side signal is found as plain FRAUDAR finds it), while honest
dense repeat buying weighs little.

Blocks: only nodes of the ``min_block_score``-core can belong to a block of average weight at
least ``min_block_score`` (every member of such a densest set has weighted degree ≥ its average),
so the graph is first pruned to that core with vectorised numpy, and the exact greedy peel (a lazy
heap) runs only on what is left. After each block its pairs are removed and the peel repeats, up to
``max_blocks``. Inside a block, a buyer is flagged only with ``min_member_shops`` block shops and a
shop only with ``min_member_buyers`` block buyers; a block needs ``min_block_buyers`` and
``min_block_shops`` flagged members (a single shop's fan club is not a ring).

Inputs are only ``buyer, shop, ts, amount_fen`` columns with any ids and any time origin: ids are
remapped to dense indexes with ``np.unique`` and only time differences are used.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from shijing.core.errors import InvalidInput

DAY_S = 86_400.0

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class DenseParams:
    """Every threshold and weight of the detector. Defaults are the tuned ones (seeds 1–3)."""

    # burst: orders at one shop within ± burst_window_s versus the shop's own baseline
    burst_window_s: float = 1_800.0
    burst_log10_start: float = 3.0  # Poisson tail 1e-3 starts to count
    burst_log10_full: float = 7.0  # 1e-7 counts fully
    # fresh accounts: age = time since the buyer's first order in the data
    fresh_tau_days: float = 10.0
    fresh_censor_days: float = 10.0  # first seen this close to the data start: not young
    fresh_busy_start: float = 3.0  # orders while young: a young account counts only when busy
    fresh_busy_full: float = 8.0
    # amounts repeated across different shops by one buyer
    amount_rel_tol: float = 0.02
    amount_prior: float = 3.0
    amount_start: float = 0.15
    amount_full: float = 0.6
    # clump: buyer's orders within ± clump_window_days versus the buyer's own rate
    clump_window_days: float = 5.0
    clump_min_edges: int = 5
    clump_ratio_start: float = 1.8
    clump_ratio_full: float = 4.0
    # noisy-or weights
    w_burst: float = 0.9
    w_fresh: float = 0.3
    w_amount: float = 0.8
    w_clump: float = 0.6
    # pairs
    loyal_min_span_days: float = 7.0
    loyal_multiplier: float = 0.15
    suspicion_gate_start: float = 0.25  # pair suspicion below this is noise
    suspicion_gate_full: float = 0.7
    structure_base: float = 0.02
    col_log_offset: float = 5.0
    row_log_offset: float = 20.0  # buyers with many shops weigh less per pair
    structural_boost: float = 2.0  # structural views: weight × (1 + boost × suspicion)
    # views and blocks
    n_windows: int = 4  # structural views over sliding time windows (0: none)
    window_share: float = 0.4  # window length as a share of the data's time span
    batch_epsilon: float = 0.05
    min_block_score: float = 0.03
    min_structural_score: float = 0.5
    max_time_concentration: float = 0.6  # block span / its shops' usual span
    min_window_own_share: float = 0.75  # of the members' mutual orders inside the window
    max_blocks: int = 6
    min_block_suspicion: float = 0.3  # suspicion view: mean order suspicion inside a block
    incremental_tau: float = 0.3  # (k, τ)-core threshold of the incremental detector
    min_block_buyers: int = 5
    min_block_shops: int = 3
    min_member_shops: int = 2
    min_member_buyers: int = 2

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("int", int):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise InvalidInput(f"{f.name} must be an integer", field=f.name)
                if value < _INT_MIN.get(f.name, 1):
                    raise InvalidInput(f"{f.name} is out of range", field=f.name)
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidInput(f"{f.name} must be a number", field=f.name)
            lo, hi = _FLOAT_RANGE.get(f.name, (0.0, math.inf))
            if not (lo <= float(value) <= hi) or math.isnan(float(value)):
                raise InvalidInput(f"{f.name} must be within [{lo}, {hi}]", field=f.name)
            if f.name in _POSITIVE and float(value) <= 0.0:
                raise InvalidInput(f"{f.name} must be positive", field=f.name)
        if self.burst_log10_full <= self.burst_log10_start:
            raise InvalidInput("must exceed burst_log10_start", field="burst_log10_full")
        if self.clump_ratio_full <= self.clump_ratio_start:
            raise InvalidInput("must exceed clump_ratio_start", field="clump_ratio_full")
        if self.fresh_busy_full <= self.fresh_busy_start:
            raise InvalidInput("must exceed fresh_busy_start", field="fresh_busy_full")
        if self.suspicion_gate_full <= self.suspicion_gate_start:
            raise InvalidInput("must exceed suspicion_gate_start", field="suspicion_gate_full")
        if self.amount_full <= self.amount_start:
            raise InvalidInput("must exceed amount_start", field="amount_full")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DenseParams:
        """Defaults overridden by ``data``; unknown keys or bad values name the key."""
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise InvalidInput(f"unknown parameter {key!r}", field=str(key))
        return cls(**{k: data[k] for k in data})

    def to_dict(self) -> dict[str, float | int]:
        return dict(asdict(self))


_INT_MIN: dict[str, int] = {"clump_min_edges": 2, "n_windows": 0}
_FLOAT_RANGE: dict[str, tuple[float, float]] = {
    "w_burst": (0.0, 1.0),
    "w_fresh": (0.0, 1.0),
    "w_amount": (0.0, 1.0),
    "w_clump": (0.0, 1.0),
    "loyal_multiplier": (0.0, 1.0),
    "structure_base": (0.0, 1.0),
    "amount_rel_tol": (0.0, 0.5),
    "amount_start": (0.0, 1.0),
    "amount_full": (0.0, 1.0),
    "col_log_offset": (1.0001, math.inf),
    "row_log_offset": (1.0001, math.inf),
    "suspicion_gate_start": (0.0, 1.0),
    "window_share": (0.0, 1.0),
    "min_block_suspicion": (0.0, 1.0),
    "min_window_own_share": (0.0, 1.0),
    "batch_epsilon": (0.0, 1.0),
    "suspicion_gate_full": (0.0, 1.0),
}
_POSITIVE = {
    "incremental_tau",
    "window_share",
    "min_structural_score",
    "max_time_concentration",
    "burst_window_s",
    "fresh_tau_days",
    "clump_window_days",
    "clump_ratio_start",
    "min_block_score",
    "amount_prior",
}


@dataclass(frozen=True)
class EdgeArrays:
    """Orders as dense integer indexes, with the original ids kept for the way back."""

    buyer: IntArray  # index into buyer_ids
    shop: IntArray  # index into shop_ids
    ts: IntArray  # unix seconds (any origin)
    amount_fen: IntArray
    buyer_ids: npt.NDArray[Any]
    shop_ids: npt.NDArray[Any]
    # when each buyer's account was opened (unix seconds, the origin of ``ts``), where the caller
    # knows it (the platform does; a plain order graph does not, and age is then time since the
    # buyer's first order in the data)
    opened: IntArray | None = None

    @property
    def n_edges(self) -> int:
        return int(self.buyer.shape[0])

    @property
    def n_buyers(self) -> int:
        return int(self.buyer_ids.shape[0])

    @property
    def n_shops(self) -> int:
        return int(self.shop_ids.shape[0])

    @classmethod
    def from_columns(
        cls,
        buyer_ids: Sequence[Any] | npt.NDArray[Any],
        shop_ids: Sequence[Any] | npt.NDArray[Any],
        ts: Sequence[int] | npt.NDArray[np.integer[Any]],
        amount_fen: Sequence[int] | npt.NDArray[np.integer[Any]],
    ) -> EdgeArrays:
        b_raw = np.asarray(buyer_ids)
        s_raw = np.asarray(shop_ids)
        t = np.asarray(ts, dtype=np.int64)
        a = np.asarray(amount_fen, dtype=np.int64)
        n = b_raw.shape[0]
        if not (s_raw.shape[0] == n and t.shape[0] == n and a.shape[0] == n):
            raise InvalidInput("columns have different lengths", field="edges")
        if n == 0:
            raise InvalidInput("no orders", field="edges")
        if (a < 0).any():
            raise InvalidInput("amount_fen must not be negative", field="amount_fen")
        b_ids, b_idx = np.unique(b_raw, return_inverse=True)
        s_ids, s_idx = np.unique(s_raw, return_inverse=True)
        return cls(
            buyer=b_idx.astype(np.int64).ravel(),
            shop=s_idx.astype(np.int64).ravel(),
            ts=t,
            amount_fen=a,
            buyer_ids=b_ids,
            shop_ids=s_ids,
        )


@dataclass(frozen=True)
class Block:
    """One suspicious block, with evidence a person can read."""

    buyers: IntArray  # dense buyer indexes
    shops: IntArray
    edges: IntArray  # edge indexes (orders) inside the block
    score: float  # average pair weight per member (FRAUDAR's g)
    density: float  # pairs present / (buyers × shops)
    median_account_age_days: float  # members' age at their first block order
    burst_share: float  # share of block orders inside a shop burst
    amount_regularity: float  # share of block orders within amount_rel_tol of the block median
    time_span_days: float  # 10th–90th percentile of block order times
    new_relation_share: float  # share of block pairs that are not established relations

    def explain(self) -> str:
        return (
            f"{self.buyers.shape[0]} buyers ordered at {self.shops.shape[0]} shops "
            f"({self.density:.0%} of possible pairs, {self.edges.shape[0]} orders) within "
            f"{self.time_span_days:.1f} days; median account age {self.median_account_age_days:.1f}"
            f" days; {self.burst_share:.0%} of orders in bursts; {self.amount_regularity:.0%} at "
            f"the same amount; {self.new_relation_share:.0%} first-time buyer–shop pairs"
        )


@dataclass(frozen=True)
class EdgeFeatures:
    burst: FloatArray
    fresh: FloatArray
    amount: FloatArray
    clump: FloatArray
    suspicion: FloatArray


@dataclass
class DetectionResult:
    blocks: list[Block]
    buyer_score: FloatArray
    shop_score: FloatArray
    edge_score: FloatArray
    buyer_flagged: BoolArray
    shop_flagged: BoolArray
    edge_flagged: BoolArray
    features: EdgeFeatures
    rejected_blocks: int = 0
    params: DenseParams = field(default_factory=DenseParams)


# ---------------------------------------------------------------- features


def _ramp(x: FloatArray, start: float, full: float) -> FloatArray:
    out: FloatArray = np.clip((x - start) / (full - start), 0.0, 1.0)
    return out


def _log_factorial_table(n: int) -> FloatArray:
    table = np.zeros(n + 1, dtype=np.float64)
    if n >= 1:
        table[1:] = np.cumsum(np.log(np.arange(1, n + 1, dtype=np.float64)))
    return table


def poisson_log10_tail(count: IntArray, lam: FloatArray) -> FloatArray:
    """``-log10 P(X >= count)`` for ``X ~ Poisson(lam)``; 0 where ``count <= lam``.

    Uses the first term of the tail with the geometric bound on the rest, which is tight where
    it matters (``count`` well above ``lam``)."""
    lam = np.maximum(lam, 1e-12)
    c = count.astype(np.int64)
    table = _log_factorial_table(int(c.max()) if c.shape[0] else 0)
    log_pmf = c * np.log(lam) - lam - table[c]
    ratio = lam / (c + 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_tail = log_pmf - np.log1p(-np.minimum(ratio, 0.999))
    out: FloatArray = np.where(c > lam, np.maximum(0.0, -log_tail / math.log(10.0)), 0.0)
    return out


def _window_counts(key: IntArray, lo_off: IntArray | int, hi_off: IntArray | int) -> IntArray:
    """For sorted ``key``: how many keys lie in ``[key - lo_off, key + hi_off]``."""
    lo = np.searchsorted(key, key - lo_off, side="left")
    hi = np.searchsorted(key, key + hi_off, side="right")
    out: IntArray = (hi - lo).astype(np.int64)
    return out


def edge_features(edges: EdgeArrays, params: DenseParams) -> EdgeFeatures:
    """Per-order suspicion from timing, account age and amounts (vectorised)."""
    p = params
    n = edges.n_edges
    t = edges.ts - int(edges.ts.min())
    span = max(float(t.max()), 1.0)
    b, s, a = edges.buyer, edges.shop, edges.amount_fen
    h = int(p.burst_window_s)

    # global activity around each order (diurnal cycle, festival days)
    t_sorted = np.sort(t)
    glob = np.searchsorted(t_sorted, t + h, side="right") - np.searchsorted(
        t_sorted, t - h, side="left"
    )
    share_now = (glob - 1).clip(min=0) / max(n - 1, 1)
    # the shop's orders in the same window
    stride = int(t.max()) + 4 * h + 1
    order = np.lexsort((t, s))
    key = s[order] * stride + t[order]
    cnt_sorted = _window_counts(key, h, h) - 1
    cnt = np.empty(n, dtype=np.int64)
    cnt[order] = cnt_sorted
    shop_n = np.bincount(s, minlength=edges.n_shops)
    lam = (shop_n[s] - 1).clip(min=0) * share_now + 1e-3
    burst = _ramp(poisson_log10_tail(cnt, lam), p.burst_log10_start, p.burst_log10_full)

    # account age at order time
    first = np.full(edges.n_buyers, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, b, t)
    if edges.opened is None:
        # first seen this close to the data start: the account may well be older
        censor = _ramp((first[b] / DAY_S).astype(np.float64), 0.0, p.fresh_censor_days)
    else:  # the true age is known: nothing is censored
        first = np.minimum(first, edges.opened - int(edges.ts.min()))
        censor = np.ones(n, dtype=np.float64)
    age_days = (t - first[b]) / DAY_S
    young = (age_days < 2.0 * p.fresh_tau_days).astype(np.float64)
    n_young = np.bincount(b, weights=young, minlength=edges.n_buyers).astype(np.float64)
    decay: FloatArray = np.exp(-age_days / p.fresh_tau_days)
    fresh: FloatArray = decay * censor * _ramp(n_young[b], p.fresh_busy_start, p.fresh_busy_full)

    # same amount at other shops, for the same buyer
    amt_stride = int(a.max()) * 2 + 10
    ob = np.lexsort((a, b))
    kb = b[ob] * amt_stride + a[ob]
    tol = np.ceil(a[ob] * p.amount_rel_tol).astype(np.int64)
    same_b = np.empty(n, dtype=np.int64)
    same_b[ob] = _window_counts(kb, tol, tol) - 1
    pair_key = b * edges.n_shops + s
    obs = np.lexsort((a, pair_key))
    kbs = pair_key[obs] * amt_stride + a[obs]
    tol2 = np.ceil(a[obs] * p.amount_rel_tol).astype(np.int64)
    same_bs = np.empty(n, dtype=np.int64)
    same_bs[obs] = _window_counts(kbs, tol2, tol2) - 1
    buyer_n = np.bincount(b, minlength=edges.n_buyers)
    pair_u, pair_inv, pair_n = np.unique(pair_key, return_inverse=True, return_counts=True)
    other_shop_edges = buyer_n[b] - pair_n[pair_inv]
    amount_share = (same_b - same_bs) / (other_shop_edges + p.amount_prior)
    amount = _ramp(amount_share, p.amount_start, p.amount_full)

    # clump: the buyer's own orders around this one, versus the buyer's own rate
    w = int(p.clump_window_days * DAY_S)
    ot = np.lexsort((t, b))
    bstride = int(t.max()) + 4 * w + 1
    kt = b[ot] * bstride + t[ot]
    near = np.empty(n, dtype=np.int64)
    near[ot] = _window_counts(kt, w, w) - 1
    last = np.zeros(edges.n_buyers, dtype=np.int64)
    np.maximum.at(last, b, t)
    active = np.maximum((last - first).astype(np.float64), 6.0 * w)
    expected = (buyer_n[b] - 1) * np.minimum(1.0, 2.0 * w / active[b]) + 0.5
    ratio = near / expected
    clump = _ramp(ratio, p.clump_ratio_start, p.clump_ratio_full)
    clump = np.where(buyer_n[b] >= p.clump_min_edges, clump, 0.0)

    suspicion = 1.0 - (
        (1.0 - p.w_burst * burst)
        * (1.0 - p.w_fresh * fresh)
        * (1.0 - p.w_amount * amount)
        * (1.0 - p.w_clump * clump)
    )
    del pair_u, span
    return EdgeFeatures(burst=burst, fresh=fresh, amount=amount, clump=clump, suspicion=suspicion)


# ---------------------------------------------------------------- pairs and peeling


@dataclass(frozen=True)
class PairGraph:
    """Distinct (buyer, shop) pairs of one view of the orders, with peeling weights."""

    buyer: IntArray
    shop: IntArray
    weight: FloatArray
    edges: IntArray  # order indexes of the view, grouped by pair
    edge_ptr: IntArray  # pair q owns edges[edge_ptr[q]:edge_ptr[q + 1]]
    established: BoolArray


def pair_graph(
    edges: EdgeArrays,
    feats: EdgeFeatures,
    params: DenseParams,
    *,
    subset: IntArray | None = None,
    structural: bool = False,
) -> PairGraph:
    """Pairs over the orders in ``subset`` (default all). ``structural`` views weigh structure
    fully and side information as a boost; the suspicion view weighs side information first."""
    p = params
    sel = np.arange(edges.n_edges, dtype=np.int64) if subset is None else subset
    key = edges.buyer[sel] * edges.n_shops + edges.shop[sel]
    uniq, inv = np.unique(key, return_inverse=True)
    inv = inv.ravel().astype(np.int64)
    m = uniq.shape[0]
    pb = (uniq // edges.n_shops).astype(np.int64)
    ps = (uniq % edges.n_shops).astype(np.int64)
    susp = np.zeros(m, dtype=np.float64)
    np.maximum.at(susp, inv, feats.suspicion[sel])
    t = edges.ts[sel]
    tmin = np.full(m, np.iinfo(np.int64).max, dtype=np.int64)
    tmax = np.full(m, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(tmin, inv, t)
    np.maximum.at(tmax, inv, t)
    established = (tmax - tmin) >= p.loyal_min_span_days * DAY_S
    col_deg = np.bincount(ps, minlength=edges.n_shops).astype(np.float64)
    col_w = 1.0 / np.log(col_deg + p.col_log_offset)
    row_deg = np.bincount(pb, minlength=edges.n_buyers).astype(np.float64)
    row_w = np.log(p.row_log_offset) / np.log(row_deg + p.row_log_offset)
    if structural:
        level = 1.0 + p.structural_boost * susp
    else:
        gated = _ramp(susp, p.suspicion_gate_start, p.suspicion_gate_full)
        level = p.structure_base + (1.0 - p.structure_base) * gated
    level = np.where(established, level * p.loyal_multiplier, level)
    weight = col_w[ps] * row_w[pb] * level
    order = np.argsort(inv, kind="stable")
    ptr = np.zeros(m + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(inv, minlength=m))
    return PairGraph(
        buyer=pb, shop=ps, weight=weight, edges=sel[order], edge_ptr=ptr, established=established
    )


def core_prune(n_nodes: int, u: IntArray, v: IntArray, w: FloatArray, tau: float) -> BoolArray:
    """Pairs that survive iterative removal of nodes of weighted degree < ``tau``."""
    alive = w > 0
    while True:
        ww = np.where(alive, w, 0.0)
        deg = np.bincount(u, weights=ww, minlength=n_nodes) + np.bincount(
            v, weights=ww, minlength=n_nodes
        )
        low = deg < tau
        kill = alive & (low[u] | low[v])
        if not kill.any():
            return alive
        alive &= ~kill


def batch_peel(
    n_nodes: int, u: IntArray, v: IntArray, w: FloatArray, epsilon: float
) -> tuple[BoolArray, float]:
    """Vectorised peeling (Bahmani et al. 2012): drop every node whose weighted degree is below
    ``(1 + epsilon)`` times the current average degree, keep the densest intermediate set.
    Returns a mask over pairs (both ends in the best set) and that set's ``W / |S|``."""
    alive = w > 0
    best_mask = alive.copy()
    best = 0.0
    while alive.any():
        ww = np.where(alive, w, 0.0)
        deg = np.bincount(u, weights=ww, minlength=n_nodes) + np.bincount(
            v, weights=ww, minlength=n_nodes
        )
        present = deg > 0
        size = int(present.sum())
        total = float(ww.sum())
        g = total / size
        if g > best:
            best, best_mask = g, alive.copy()
        low = present & (deg < (1.0 + epsilon) * 2.0 * g)
        if not low.any():
            break
        alive &= ~(low[u] | low[v])
    return best_mask, best


def greedy_peel(n_nodes: int, u: IntArray, v: IntArray, w: FloatArray) -> tuple[IntArray, float]:
    """FRAUDAR's greedy peel of the graph given by pairs ``(u, v, w)`` over nodes ``0..n-1``.

    Returns the node set of the best average weight ``sum(w inside) / |nodes|`` and that
    average. Only nodes touching a pair take part. Lazy heap: O(pairs · log nodes)."""
    if u.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), 0.0
    ends = np.concatenate([u, v])
    other = np.concatenate([v, u])
    pidx = np.concatenate([np.arange(u.shape[0]), np.arange(u.shape[0])])
    order = np.argsort(ends, kind="stable")
    counts = np.bincount(ends, minlength=n_nodes)
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(counts)
    nbr_l: list[int] = other[order].tolist()
    pid_l: list[int] = pidx[order].tolist()
    ptr: list[int] = indptr.tolist()
    wl: list[float] = w.tolist()
    degree = np.bincount(u, weights=w, minlength=n_nodes) + np.bincount(
        v, weights=w, minlength=n_nodes
    )
    present = np.nonzero(counts > 0)[0]
    deg: list[float] = degree.tolist()
    heap = [(deg[x], x) for x in present.tolist()]
    heapq.heapify(heap)
    alive_pair = [True] * u.shape[0]
    removed = [False] * n_nodes
    total = float(w.sum())
    size = int(present.shape[0])
    best = total / size
    best_at = 0
    peeled: list[int] = []
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        d, x = pop(heap)
        if removed[x] or d != deg[x]:
            continue
        removed[x] = True
        peeled.append(x)
        for k in range(ptr[x], ptr[x + 1]):
            q = pid_l[k]
            if alive_pair[q]:
                alive_pair[q] = False
                y = nbr_l[k]
                wq = wl[q]
                total -= wq
                nd = deg[y] - wq
                deg[y] = nd
                push(heap, (nd, y))
        size -= 1
        if size > 0:
            avg = total / size
            if avg > best:
                best = avg
                best_at = len(peeled)
    keep = np.array(peeled[best_at:], dtype=np.int64)
    return keep, best


def densest_block(
    n_nodes: int, u: IntArray, v: IntArray, w: FloatArray, params: DenseParams
) -> tuple[IntArray, float]:
    """Pairs of the densest block: batch peel to a candidate, then the exact greedy peel
    (lazy heap) inside it. Returns pair indexes and the block's ``W / |S|``."""
    mask, _ = batch_peel(n_nodes, u, v, w, params.batch_epsilon)
    cand = np.nonzero(mask)[0]
    if cand.shape[0] == 0:
        return cand, 0.0
    # widen by one ring of neighbours' pairs among the candidate's nodes' pairs, then refine
    in_c = np.zeros(n_nodes, dtype=bool)
    in_c[u[cand]] = True
    in_c[v[cand]] = True
    wide = np.nonzero((w > 0) & in_c[u] & in_c[v])[0]
    nodes, score = greedy_peel(n_nodes, u[wide], v[wide], w[wide])
    in_s = np.zeros(n_nodes, dtype=bool)
    in_s[nodes] = True
    return wide[in_s[u[wide]] & in_s[v[wide]]], score


# ---------------------------------------------------------------- blocks


def _percentile_span(t: IntArray) -> float:
    if t.shape[0] == 0:
        return 0.0
    lo, hi = np.percentile(t, [10, 90])
    return float(hi - lo)


def _evidence(
    edges: EdgeArrays,
    feats: EdgeFeatures,
    pairs: PairGraph,
    buyers: IntArray,
    shops: IntArray,
    pair_idx: IntArray,
    score: float,
    first_seen: IntArray,
    params: DenseParams,
) -> Block:
    edge_idx = (
        np.concatenate(
            [pairs.edges[pairs.edge_ptr[q] : pairs.edge_ptr[q + 1]] for q in pair_idx.tolist()]
        )
        if pair_idx.shape[0]
        else np.zeros(0, dtype=np.int64)
    ).astype(np.int64)
    t = edges.ts[edge_idx]
    b = edges.buyer[edge_idx]
    first_block = np.full(edges.n_buyers, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_block, b, t)
    ages = (first_block[buyers] - first_seen[buyers]) / DAY_S
    amounts = edges.amount_fen[edge_idx].astype(np.float64)
    med = float(np.median(amounts)) if amounts.shape[0] else 0.0
    regular = (
        float(np.mean(np.abs(amounts - med) <= params.amount_rel_tol * med))
        if amounts.shape[0]
        else 0.0
    )
    n_pairs = pair_idx.shape[0]
    return Block(
        buyers=buyers,
        shops=shops,
        edges=edge_idx,
        score=score,
        density=n_pairs / max(1, buyers.shape[0] * shops.shape[0]),
        median_account_age_days=float(np.median(ages)) if ages.shape[0] else 0.0,
        burst_share=float(np.mean(feats.burst[edge_idx] >= 0.5)) if t.shape[0] else 0.0,
        amount_regularity=regular,
        time_span_days=_percentile_span(t) / DAY_S,
        new_relation_share=float(np.mean(~pairs.established[pair_idx])) if n_pairs else 0.0,
    )


def _views(edges: EdgeArrays, params: DenseParams) -> list[tuple[IntArray | None, bool]]:
    """The suspicion view over all orders, then structural views over sliding time windows."""
    views: list[tuple[IntArray | None, bool]] = [(None, False)]
    if params.n_windows == 0:
        return views
    t = edges.ts - int(edges.ts.min())
    span = float(t.max()) + 1.0
    length = span * params.window_share
    starts = np.linspace(0.0, max(0.0, span - length), params.n_windows)
    order = np.argsort(t, kind="stable")
    ts_sorted = t[order]
    for s0 in starts.tolist():
        lo = int(np.searchsorted(ts_sorted, s0, side="left"))
        hi = int(np.searchsorted(ts_sorted, s0 + length, side="right"))
        views.append((np.sort(order[lo:hi]).astype(np.int64), True))
    return views


def detect_blocks(
    edges: EdgeArrays,
    params: DenseParams | None = None,
    *,
    extra_suspicion: FloatArray | None = None,
) -> DetectionResult:
    """Find suspicious dense blocks; score and flag every buyer, shop and order.

    ``extra_suspicion`` (per order, 0–1) is side information the caller has and a plain order
    graph lacks (the platform: devices, addresses or payment instruments shared by several
    buyers); it is combined with the timing, age and amount features by noisy-or."""
    p = params or DenseParams()
    feats = edge_features(edges, p)
    if extra_suspicion is not None:
        extra = np.clip(np.asarray(extra_suspicion, dtype=np.float64), 0.0, 1.0)
        feats = replace(feats, suspicion=1.0 - (1.0 - feats.suspicion) * (1.0 - extra))
    nb, ns = edges.n_buyers, edges.n_shops
    n_nodes = nb + ns
    first_seen = np.full(nb, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_seen, edges.buyer, edges.ts)
    if edges.opened is not None:
        first_seen = np.minimum(first_seen, edges.opened)

    # each shop's own active span (10th–90th percentile of its orders): the yardstick of a
    # block's time concentration
    so = np.lexsort((edges.ts, edges.shop))
    s_sorted = edges.shop[so]
    s_ptr = np.zeros(ns + 1, dtype=np.int64)
    s_ptr[1:] = np.cumsum(np.bincount(edges.shop, minlength=ns))
    cnt = s_ptr[1:] - s_ptr[:-1]
    ts_s = edges.ts[so]
    lo_i = s_ptr[:-1] + np.floor(0.1 * (cnt - 1)).astype(np.int64)
    hi_i = s_ptr[:-1] + np.floor(0.9 * (cnt - 1)).astype(np.int64)
    shop_span = (ts_s[np.minimum(hi_i, len(ts_s) - 1)] - ts_s[lo_i]).astype(np.float64)
    del s_sorted

    buyer_flag = np.zeros(nb, dtype=bool)
    shop_flag = np.zeros(ns, dtype=bool)
    edge_flag = np.zeros(edges.n_edges, dtype=bool)
    node_block_score = np.zeros(n_nodes, dtype=np.float64)
    blocks: list[Block] = []
    rejected = 0
    main_pairs: PairGraph | None = None
    for subset, structural in _views(edges, p):
        pairs = pair_graph(edges, feats, p, subset=subset, structural=structural)
        if main_pairs is None:
            main_pairs = pairs
        u = pairs.buyer
        v = pairs.shop + nb
        w = pairs.weight.copy()
        # orders already explained by an accepted block do not count again
        q_of_edge = np.repeat(np.arange(u.shape[0]), np.diff(pairs.edge_ptr))
        done = np.zeros(u.shape[0], dtype=bool)
        np.logical_or.at(done, q_of_edge, edge_flag[pairs.edges])
        w[done] = 0.0
        tau = p.min_structural_score if structural else p.min_block_score
        alive = core_prune(n_nodes, u, v, w, tau)
        for _ in range(p.max_blocks):
            idx = np.nonzero(alive)[0]
            if idx.shape[0] == 0:
                break
            local, score = densest_block(n_nodes, u[idx], v[idx], w[idx], p)
            inside = idx[local]
            if score < tau or inside.shape[0] == 0:
                break
            alive[inside] = False
            w[inside] = 0.0
            alive &= core_prune(n_nodes, u, v, np.where(alive, w, 0.0), tau)
            # members need enough partners inside the block, among members
            member = np.zeros(n_nodes, dtype=bool)
            member[u[inside]] = True
            member[v[inside]] = True
            for _round in range(4):
                core = inside[member[u[inside]] & member[v[inside]]]
                mb = np.bincount(u[core], minlength=n_nodes)
                ms = np.bincount(v[core], minlength=n_nodes)
                member[:nb] &= mb[:nb] >= p.min_member_shops
                member[nb:] &= ms[nb:] >= p.min_member_buyers
            core = inside[member[u[inside]] & member[v[inside]]]
            b_nodes = np.nonzero(member[:nb])[0]
            s_nodes = np.nonzero(member[nb:])[0]
            if b_nodes.shape[0] < p.min_block_buyers or s_nodes.shape[0] < p.min_block_shops:
                rejected += 1
                continue
            block = _evidence(edges, feats, pairs, b_nodes, s_nodes, core, score, first_seen, p)
            concentration = (
                block.time_span_days * DAY_S / max(float(np.median(shop_span[s_nodes])), 1.0)
            )
            if concentration > p.max_time_concentration:
                rejected += 1
                continue
            mean_susp = float(feats.suspicion[block.edges].mean())
            if not structural and mean_susp < p.min_block_suspicion:
                rejected += 1
                continue
            if structural:
                # a window's block must be the window's own: most of the orders among its
                # members, over all the data, fall inside the window (honest cores just grow)
                in_b = np.zeros(nb, dtype=bool)
                in_b[b_nodes] = True
                in_s = np.zeros(ns, dtype=bool)
                in_s[s_nodes] = True
                among = int(np.count_nonzero(in_b[edges.buyer] & in_s[edges.shop]))
                if block.edges.shape[0] < p.min_window_own_share * among:
                    rejected += 1
                    continue
            blocks.append(block)
            buyer_flag[b_nodes] = True
            shop_flag[s_nodes] = True
            edge_flag[block.edges] = True
            node_block_score[b_nodes] = np.maximum(node_block_score[b_nodes], score)
            node_block_score[nb + s_nodes] = np.maximum(node_block_score[nb + s_nodes], score)

    assert main_pairs is not None
    u0, v0 = main_pairs.buyer, main_pairs.shop + nb
    wdeg = np.bincount(u0, weights=main_pairs.weight, minlength=n_nodes) + np.bincount(
        v0, weights=main_pairs.weight, minlength=n_nodes
    )
    node_score = wdeg + node_block_score
    edge_pair_w = np.empty(edges.n_edges, dtype=np.float64)
    edge_pair_w[main_pairs.edges] = np.repeat(main_pairs.weight, np.diff(main_pairs.edge_ptr))
    return DetectionResult(
        blocks=blocks,
        buyer_score=node_score[:nb],
        shop_score=node_score[nb:],
        edge_score=edge_pair_w + np.where(edge_flag, 1.0, 0.0),
        buyer_flagged=buyer_flag,
        shop_flagged=shop_flag,
        edge_flagged=edge_flag,
        features=feats,
        rejected_blocks=rejected,
        params=p,
    )
