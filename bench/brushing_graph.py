"""Synthetic buyer–shop order graph with injected brushing rings (刷单), for the integrity bench.

The honest background is heavy-tailed: lognormal shop popularity and buyer activity, loyal fans
who return to one home shop 72% of the time spread over the whole window, live-stream sessions
(honest bursts of fans buying the promoted item at one price), a festival day where every shop
sells more, a diurnal cycle, and per-shop catalogues of prices.

Rings are injected on top: ``n_buyers × n_shops`` blocks where each (buyer, shop) pair has an order
with probability ``density``. Target shops are small and mid-sized shops (the ones that pay for
brushing). Timing is either ``burst`` (waves of orders at each target shop within the hour, over a
2–4 day campaign) or ``thin`` (orders spread over 3–5 weeks). Amounts are either a ring-wide task
amount with a little jitter, or the cheapest item of each target shop. Camouflage:

- ``none``: fresh accounts that only brush;
- ``random``: fresh accounts that also buy from uniformly random shops (as many camouflage orders
  as ring orders, from some weeks before the campaign so the accounts look aged);
- ``biased``: the same, but camouflage goes to shops in proportion to their popularity;
- ``hijacked``: the ring uses existing honest accounts with at least three orders, which keep
  their honest history.

Ids are arbitrary (random 12-digit buyer ids, ``"shop-…"`` strings) and the time origin is random
per seed, so a detector cannot lean on how ids or times are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

DAY = 86_400
HOUR = 3_600

CAMOUFLAGES = ("none", "random", "biased", "hijacked")
DENSITIES = (0.01, 0.03, 0.1, 0.3)


@dataclass(frozen=True)
class RingSpec:
    n_buyers: int
    n_shops: int
    timing: str  # "burst" | "thin"
    amount_mode: str  # "fixed" | "cheap"


@dataclass(frozen=True)
class GraphConfig:
    n_buyers: int = 100_000
    n_shops: int = 5_000
    days: int = 90
    activity_mu: float = 1.55
    activity_sigma: float = 1.15
    max_orders_per_buyer: int = 1_500
    shop_pop_sigma: float = 1.6
    loyal_share: float = 0.25  # of buyers with >= 3 orders
    loyal_repeat: float = 0.72
    new_buyer_share: float = 0.4  # buyers who start some time inside the window
    livestream_shop_share: float = 0.06
    livestream_edge_share: float = 0.3
    festival_share: float = 0.06
    rings: tuple[RingSpec, ...] = (
        RingSpec(200, 200, "burst", "fixed"),
        RingSpec(200, 200, "thin", "cheap"),
    )

    def scaled(self, factor: float) -> GraphConfig:
        """A smaller graph of the same shape (for tests and ``--quick``)."""
        rings = tuple(
            RingSpec(
                max(10, int(r.n_buyers * factor**0.5)),
                max(5, int(r.n_shops * factor**0.5)),
                r.timing,
                r.amount_mode,
            )
            for r in self.rings
        )
        return GraphConfig(
            n_buyers=int(self.n_buyers * factor),
            n_shops=max(50, int(self.n_shops * factor)),
            days=self.days,
            activity_mu=self.activity_mu,
            activity_sigma=self.activity_sigma,
            max_orders_per_buyer=self.max_orders_per_buyer,
            shop_pop_sigma=self.shop_pop_sigma,
            loyal_share=self.loyal_share,
            loyal_repeat=self.loyal_repeat,
            new_buyer_share=self.new_buyer_share,
            livestream_shop_share=self.livestream_shop_share,
            livestream_edge_share=self.livestream_edge_share,
            festival_share=self.festival_share,
            rings=rings,
        )


@dataclass
class BrushingGraph:
    """Edges (time-ordered) plus labels. Ids are as a platform would export them."""

    edge_id: npt.NDArray[np.int64]
    buyer_id: npt.NDArray[np.int64]
    shop_id: npt.NDArray[np.str_]
    ts: npt.NDArray[np.int64]
    amount_fen: npt.NDArray[np.int64]
    is_ring_edge: npt.NDArray[np.bool_]
    ring_buyers: set[int] = field(default_factory=set)
    target_shops: set[str] = field(default_factory=set)
    honest_buyers: set[int] = field(default_factory=set)
    loyal_fans: set[int] = field(default_factory=set)
    description: str = ""

    @property
    def n_edges(self) -> int:
        return int(self.ts.shape[0])


def _diurnal_seconds(rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
    """Seconds into the day, more in the evening than at night."""
    hours = np.arange(24)
    weight = (
        0.2
        + np.exp(-0.5 * ((hours - 20.5) / 3.0) ** 2)
        + 0.5 * np.exp(-0.5 * ((hours - 12.5) / 2.0) ** 2)
    )
    p = weight / weight.sum()
    h = rng.choice(24, size=n, p=p)
    return (h * HOUR + rng.integers(0, HOUR, size=n)).astype(np.int64)


def _catalogues(
    rng: np.random.Generator, n_shops: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per-shop product prices (fen): CSR offsets and prices, sorted cheapest first per shop."""
    k = rng.integers(2, 21, size=n_shops)
    offsets = np.zeros(n_shops + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(k)
    shop_level = rng.lognormal(np.log(6_000), 0.7, size=n_shops)
    prices = np.repeat(shop_level, k) * rng.lognormal(0.0, 0.5, size=int(offsets[-1]))
    prices = np.maximum(100, np.round(prices / 100) * 100 - 10).astype(np.int64)
    for s in range(n_shops):  # small: one sort per shop
        prices[offsets[s] : offsets[s + 1]].sort()
    return offsets, prices


def _honest_amounts(
    rng: np.random.Generator,
    shops: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    prices: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    k = offsets[shops + 1] - offsets[shops]
    # favour the first (cheaper) products a little: index = floor(k * u^1.5)
    idx = np.minimum(k - 1, np.floor(k * rng.random(shops.shape[0]) ** 1.5).astype(np.int64))
    qty = rng.choice([1, 2, 3], size=shops.shape[0], p=[0.82, 0.13, 0.05])
    return (prices[offsets[shops] + idx] * qty).astype(np.int64)


def generate(
    seed: int,
    density: float,
    camouflage: str,
    config: GraphConfig | None = None,
) -> BrushingGraph:
    """One graph: honest background for ``seed`` plus the config's rings at ``density``."""
    if camouflage not in CAMOUFLAGES:
        raise ValueError(f"camouflage must be one of {CAMOUFLAGES}")
    cfg = config or GraphConfig()
    rng = np.random.default_rng(seed)
    span = cfg.days * DAY
    nb, ns = cfg.n_buyers, cfg.n_shops

    # --- shops
    pop = rng.lognormal(0.0, cfg.shop_pop_sigma, size=ns)
    pop_p = pop / pop.sum()
    offsets, prices = _catalogues(rng, ns)

    # --- honest buyers
    n_orders = 1 + np.floor(rng.lognormal(cfg.activity_mu, cfg.activity_sigma, size=nb))
    n_orders = np.minimum(n_orders, cfg.max_orders_per_buyer).astype(np.int64)
    buyer_of = np.repeat(np.arange(nb, dtype=np.int64), n_orders)
    m = buyer_of.shape[0]
    shop_of = rng.choice(ns, size=m, p=pop_p).astype(np.int64)
    loyal = (n_orders >= 3) & (rng.random(nb) < cfg.loyal_share)
    fan_p = np.sqrt(pop) / np.sqrt(pop).sum()  # fan clubs form at small shops too
    home = rng.choice(ns, size=nb, p=fan_p).astype(np.int64)
    to_home = loyal[buyer_of] & (rng.random(m) < cfg.loyal_repeat)
    shop_of[to_home] = home[buyer_of[to_home]]

    start = np.where(
        rng.random(nb) < cfg.new_buyer_share, rng.integers(0, span - 3 * DAY, size=nb), 0
    )
    day0 = start[buyer_of] // DAY
    days = day0 + np.floor(rng.random(m) * (cfg.days - day0)).astype(np.int64)
    ts = days * DAY + _diurnal_seconds(rng, m)
    festival_day = int(rng.integers(cfg.days // 3, 2 * cfg.days // 3))
    fest = rng.random(m) < cfg.festival_share
    fest &= festival_day * DAY >= start[buyer_of]
    ts[fest] = festival_day * DAY + _diurnal_seconds(rng, int(fest.sum()))
    amount = _honest_amounts(rng, shop_of, offsets, prices)

    # live-stream sessions: honest bursts at one shop, fans buying the promoted item
    n_live = max(1, int(ns * cfg.livestream_shop_share))
    live_shops = rng.choice(ns, size=n_live, replace=False, p=fan_p)
    is_live = np.zeros(ns, dtype=bool)
    is_live[live_shops] = True
    n_sessions = 12
    sess_start = rng.integers(0, cfg.days, size=(ns, n_sessions)) * DAY + (
        19 * HOUR + rng.integers(0, 3 * HOUR, size=(ns, n_sessions))
    )
    sess_item = rng.random(size=(ns, n_sessions))
    live_edge = is_live[shop_of] & (rng.random(m) < cfg.livestream_edge_share)
    le = np.nonzero(live_edge)[0]
    sess = rng.integers(0, n_sessions, size=le.shape[0])
    ls = shop_of[le]
    st = sess_start[ls, sess]
    ok = st >= start[buyer_of[le]]
    le, sess, ls, st = le[ok], sess[ok], ls[ok], st[ok]
    ts[le] = st + np.minimum(rng.exponential(15 * 60, size=le.shape[0]), 2 * HOUR).astype(np.int64)
    k = offsets[ls + 1] - offsets[ls]
    item = np.floor(sess_item[ls, sess] * k).astype(np.int64)
    amount[le] = prices[offsets[ls] + item]

    is_ring = np.zeros(m, dtype=bool)
    edges_b = [buyer_of]
    edges_s = [shop_of]
    edges_t = [ts]
    edges_a = [amount]
    edges_r = [is_ring]

    # --- rings
    next_buyer = nb
    small_shops = np.argsort(pop)[: int(ns * 0.9)]  # targets: not the most popular tenth
    small_shops = small_shops[int(ns * 0.1) :]  # nor the ones with almost no sales
    hijack_pool = np.nonzero(n_orders >= 3)[0]
    used_shops: set[int] = set()
    for ring in cfg.rings:
        cand = np.array([s for s in small_shops if s not in used_shops])
        targets = rng.choice(cand, size=min(ring.n_shops, cand.shape[0]), replace=False)
        used_shops.update(int(s) for s in targets)
        if camouflage == "hijacked":
            members = rng.choice(hijack_pool, size=ring.n_buyers, replace=False)
        else:
            members = np.arange(next_buyer, next_buyer + ring.n_buyers, dtype=np.int64)
            next_buyer += ring.n_buyers
        pair = rng.random((ring.n_buyers, targets.shape[0])) < density
        bi, si = np.nonzero(pair)
        rb = members[bi]
        rs = targets[si].astype(np.int64)
        n_r = rb.shape[0]
        if ring.timing == "burst":
            length = int(rng.integers(2, 5)) * DAY
            c0 = int(rng.integers(10 * DAY, span - length - DAY))
            waves = rng.integers(1, 4, size=targets.shape[0])
            wave_t = c0 + rng.integers(0, length, size=(targets.shape[0], 3))
            w = np.floor(rng.random(n_r) * waves[si]).astype(np.int64)
            rt = wave_t[si, w] + rng.integers(0, 45 * 60, size=n_r)
        else:
            length = int(rng.integers(21, 36)) * DAY
            c0 = int(rng.integers(10 * DAY, span - length - DAY))
            rt = c0 + (rng.integers(0, length // DAY, size=n_r) * DAY) + _diurnal_seconds(rng, n_r)
        if ring.amount_mode == "fixed":
            task = float(rng.lognormal(np.log(5_000), 0.5))
            ra = np.round(task * (1 + rng.normal(0, 0.01, size=n_r))).astype(np.int64)
        else:
            ra = prices[offsets[rs]].copy()
        edges_b.append(rb)
        edges_s.append(rs)
        edges_t.append(rt.astype(np.int64))
        edges_a.append(ra)
        edges_r.append(np.ones(n_r, dtype=bool))
        if camouflage in ("random", "biased"):
            per_buyer = np.bincount(bi, minlength=ring.n_buyers)
            n_c = int(per_buyer.sum())
            cb = np.repeat(members, per_buyer)
            if camouflage == "random":
                cs = rng.integers(0, ns, size=n_c).astype(np.int64)
            else:
                cs = rng.choice(ns, size=n_c, p=pop_p).astype(np.int64)
            lo = max(0, c0 - 21 * DAY)
            ct = rng.integers(lo, c0 + length, size=n_c)
            edges_b.append(cb)
            edges_s.append(cs)
            edges_t.append(ct.astype(np.int64))
            edges_a.append(_honest_amounts(rng, cs, offsets, prices))
            edges_r.append(np.zeros(n_c, dtype=bool))

    b = np.concatenate(edges_b)
    s = np.concatenate(edges_s)
    t = np.concatenate(edges_t)
    a = np.concatenate(edges_a)
    r = np.concatenate(edges_r)
    order = np.argsort(t, kind="stable")
    b, s, t, a, r = b[order], s[order], t[order], a[order], r[order]

    # --- arbitrary external ids and time origin
    n_all_buyers = next_buyer
    buyer_ext = rng.choice(10**12, size=n_all_buyers, replace=False).astype(np.int64) + 10**11
    shop_ext = np.array([f"shop-{x:x}" for x in rng.choice(16**7, size=ns, replace=False)])
    origin = int(rng.integers(1_500_000_000, 1_800_000_000))
    edge_ext = rng.choice(10**13, size=b.shape[0], replace=False).astype(np.int64)

    ring_b = {int(x) for x in buyer_ext[np.unique(b[r])]}
    ring_s = {str(x) for x in shop_ext[np.unique(s[r])]}
    present = np.unique(b)
    honest = {int(x) for x in buyer_ext[present]} - ring_b
    loyal_ext = {int(x) for x in buyer_ext[np.nonzero(loyal)[0]]} & honest
    return BrushingGraph(
        edge_id=edge_ext,
        buyer_id=buyer_ext[b],
        shop_id=shop_ext[s],
        ts=t + origin,
        amount_fen=a,
        is_ring_edge=r,
        ring_buyers=ring_b,
        target_shops=ring_s,
        honest_buyers=honest,
        loyal_fans=loyal_ext,
        description=f"seed={seed} density={density} camouflage={camouflage} edges={b.shape[0]}",
    )
