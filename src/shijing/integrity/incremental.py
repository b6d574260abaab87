"""Incremental brushing-ring detection: one update per paid order, so a ring is caught within
minutes of starting instead of at the next batch run.

What it maintains (a cheaper, sound approximation of Spade's incremental peeling):

- **Side information online**, from the past only: the shop's orders in the last
  ``burst_window_s`` against its own rate so far (scaled by the platform's activity in that window),
  the buyer's age since first seen, and the buyer's recent amounts at other shops. These are the
  batch detector's burst, fresh and amount signals computed one-sided (the batch's clump signal
  and its structural time-window views are batch-only).
- **The suspicious graph**: a (buyer, shop) pair enters with the batch's suspicion-view weight
  (``col_weight × row_weight × gated suspicion``, established relations discounted) as soon as one
  of its orders is suspicious; unremarkable pairs never enter, so the graph stays small.
- **Its (k, τ)-core**: nodes whose weighted degree towards the core is at least ``tau`` and who have
  at least ``k`` core neighbours (buyers: ``min_member_shops`` shops, shops:
  ``min_member_buyers`` buyers). Every member of a block whose average weight is at least ``tau``
  and whose members have ``k`` partners lies in this core, so the core is a sound superset of the
  blocks the batch detector can report. Under insertions the core only grows, and it grows only
  around the new pair: the update gathers the non-core nodes reachable from the pair's ends through
  nodes that could qualify (degree ≥ ``tau``, ≥ ``k`` neighbours), peels that local set against the
  core, and admits the survivors — the exact insertion rule for cores, with the local set capped at
  ``max_local`` nodes (beyond the cap the update is approximate and the next batch run settles it).
  Weights that later fall (a pair that becomes an established relation) lower the degrees but
  never evict a node; the next batch run does.

Cost per order: dictionary updates and a few float operations when the order is unremarkable (the
vast majority); a local core update only when a suspicious pair touches the core's frontier.
Input may be any hashable ids and any time origin; orders should arrive roughly in time order.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass

from shijing.integrity.dense import DAY_S, DenseParams

_LN10 = math.log(10.0)


@dataclass(frozen=True)
class EdgeVerdict:
    """Returned for a suspicious order: is it inside the suspicious core now?"""

    buyer: Hashable
    shop: Hashable
    flagged: bool
    score: float  # the pair's peeling weight (higher is worse)
    suspicion: float  # the order's own side-information suspicion in [0, 1]
    core_buyers: int  # size of the suspicious core after this order
    core_shops: int


def _ramp(x: float, start: float, full: float) -> float:
    if x <= start:
        return 0.0
    if x >= full:
        return 1.0
    return (x - start) / (full - start)


def _poisson_log10_tail(count: int, lam: float) -> float:
    if count <= lam:
        return 0.0
    lam = max(lam, 1e-12)
    log_pmf = count * math.log(lam) - lam - math.lgamma(count + 1.0)
    ratio = min(lam / (count + 1.0), 0.999)
    return max(0.0, -(log_pmf - math.log1p(-ratio)) / _LN10)


class IncrementalDetector:
    """Keeps the suspicious (k, τ)-core up to date, one order at a time."""

    def __init__(
        self,
        params: DenseParams | None = None,
        *,
        tau: float | None = None,
        amount_history: int = 12,
        max_local: int = 2_000,
    ) -> None:
        self.params = p = params or DenseParams()
        self.tau = p.incremental_tau if tau is None else tau
        self.k_buyer = p.min_member_shops
        self.k_shop = p.min_member_buyers
        self.amount_history = amount_history
        self.max_local = max_local
        self._h = p.burst_window_s
        self._t0: float | None = None
        self._n = 0
        self._recent: deque[float] = deque()
        self._shop_recent: dict[Hashable, deque[float]] = {}
        self._shop_n: dict[Hashable, int] = {}
        self._shop_pairs: dict[Hashable, int] = {}
        self._buyer_first: dict[Hashable, float] = {}
        self._buyer_young: dict[Hashable, int] = {}
        self._buyer_pairs: dict[Hashable, int] = {}
        self._buyer_amounts: dict[Hashable, deque[tuple[int, Hashable]]] = {}
        # pair state: [first ts, last ts, max suspicion]
        self._pairs: dict[tuple[Hashable, Hashable], list[float]] = {}
        # suspicious graph and core
        self._badj: dict[Hashable, dict[Hashable, float]] = {}
        self._sadj: dict[Hashable, dict[Hashable, float]] = {}
        self.core_buyers: set[Hashable] = set()
        self.core_shops: set[Hashable] = set()

    # ------------------------------------------------------------ features

    def _suspicion(self, buyer: Hashable, shop: Hashable, t: float, amount: int) -> float:
        p = self.params
        h = self._h
        recent = self._recent
        while recent and recent[0] < t - h:
            recent.popleft()
        sq = self._shop_recent.get(shop)
        if sq is None:
            sq = self._shop_recent[shop] = deque()
        while sq and sq[0] < t - h:
            sq.popleft()
        shop_n = self._shop_n.get(shop, 0)
        burst = 0.0
        if self._n and sq:
            lam = shop_n * len(recent) / self._n + 1e-3
            burst = _ramp(
                _poisson_log10_tail(len(sq), lam), p.burst_log10_start, p.burst_log10_full
            )
        sq.append(t)
        recent.append(t)
        self._n += 1
        self._shop_n[shop] = shop_n + 1

        t0 = self._t0 if self._t0 is not None else t
        first = self._buyer_first.get(buyer)
        if first is None:
            first = self._buyer_first[buyer] = t
        age_days = (t - first) / DAY_S
        young = self._buyer_young.get(buyer, 0)
        if age_days < 2.0 * p.fresh_tau_days:
            young += 1
            self._buyer_young[buyer] = young
        fresh = (
            math.exp(-age_days / p.fresh_tau_days)
            * _ramp((first - t0) / DAY_S, 0.0, p.fresh_censor_days)
            * _ramp(float(young), p.fresh_busy_start, p.fresh_busy_full)
        )

        hist = self._buyer_amounts.get(buyer)
        if hist is None:
            hist = self._buyer_amounts[buyer] = deque(maxlen=self.amount_history)
        tol = math.ceil(amount * p.amount_rel_tol)
        same = 0
        others = 0
        for a, s in hist:
            if s != shop:
                others += 1
                if abs(a - amount) <= tol:
                    same += 1
        hist.append((amount, shop))
        amt = _ramp(same / (others + p.amount_prior), p.amount_start, p.amount_full)
        return 1.0 - (1.0 - p.w_burst * burst) * (1.0 - p.w_fresh * fresh) * (
            1.0 - p.w_amount * amt
        )

    # ------------------------------------------------------------ updates

    def add_edge(
        self, buyer: Hashable, shop: Hashable, ts: int | float, amount_fen: int
    ) -> EdgeVerdict | None:
        """One paid order. Returns a verdict for a suspicious order, ``None`` otherwise."""
        p = self.params
        t = float(ts)
        if self._t0 is None:
            self._t0 = t
        susp = self._suspicion(buyer, shop, t, int(amount_fen))
        key = (buyer, shop)
        st = self._pairs.get(key)
        if st is None:
            self._pairs[key] = st = [t, t, susp]
            self._shop_pairs[shop] = self._shop_pairs.get(shop, 0) + 1
            self._buyer_pairs[buyer] = self._buyer_pairs.get(buyer, 0) + 1
        else:
            st[0] = min(st[0], t)
            st[1] = max(st[1], t)
            if susp > st[2]:
                st[2] = susp
        gated = _ramp(st[2], p.suspicion_gate_start, p.suspicion_gate_full)
        if gated <= 0.0:
            return None
        level = p.structure_base + (1.0 - p.structure_base) * gated
        if st[1] - st[0] >= p.loyal_min_span_days * DAY_S:
            level *= p.loyal_multiplier
        w = (
            level
            / math.log(self._shop_pairs[shop] + p.col_log_offset)
            * math.log(p.row_log_offset)
            / math.log(self._buyer_pairs[buyer] + p.row_log_offset)
        )
        badj = self._badj.get(buyer)
        if badj is None:
            badj = self._badj[buyer] = {}
        sadj = self._sadj.get(shop)
        if sadj is None:
            sadj = self._sadj[shop] = {}
        old = badj.get(shop, 0.0)
        badj[shop] = w
        sadj[buyer] = w
        if w > old and not (buyer in self.core_buyers and shop in self.core_shops):
            self._grow_core(buyer, shop)
        flagged = buyer in self.core_buyers and shop in self.core_shops
        return EdgeVerdict(
            buyer=buyer,
            shop=shop,
            flagged=flagged,
            score=w,
            suspicion=susp,
            core_buyers=len(self.core_buyers),
            core_shops=len(self.core_shops),
        )

    def _could_qualify(self, is_buyer: bool, node: Hashable) -> bool:
        adj = (self._badj if is_buyer else self._sadj)[node]
        k = self.k_buyer if is_buyer else self.k_shop
        return len(adj) >= k and sum(adj.values()) >= self.tau

    def _grow_core(self, buyer: Hashable, shop: Hashable) -> None:
        """Exact insertion rule for a (k, τ)-core, on a local candidate set (capped)."""
        cb, cs = self.core_buyers, self.core_shops
        cand_b: set[Hashable] = set()
        cand_s: set[Hashable] = set()
        stack: list[tuple[bool, Hashable]] = []
        if buyer not in cb and self._could_qualify(True, buyer):
            cand_b.add(buyer)
            stack.append((True, buyer))
        if shop not in cs and self._could_qualify(False, shop):
            cand_s.add(shop)
            stack.append((False, shop))
        while stack and len(cand_b) + len(cand_s) < self.max_local:
            is_b, x = stack.pop()
            if is_b:
                for y in self._badj[x]:
                    if y not in cs and y not in cand_s and self._could_qualify(False, y):
                        cand_s.add(y)
                        stack.append((False, y))
            else:
                for y in self._sadj[x]:
                    if y not in cb and y not in cand_b and self._could_qualify(True, y):
                        cand_b.add(y)
                        stack.append((True, y))
        if not cand_b and not cand_s:
            return
        # peel the candidates against core ∪ candidates
        changed = True
        while changed:
            changed = False
            for x in list(cand_b):
                adj = self._badj[x]
                deg = 0.0
                n = 0
                for y, w in adj.items():
                    if y in cs or y in cand_s:
                        deg += w
                        n += 1
                if n < self.k_buyer or deg < self.tau:
                    cand_b.discard(x)
                    changed = True
            for x in list(cand_s):
                adj = self._sadj[x]
                deg = 0.0
                n = 0
                for y, w in adj.items():
                    if y in cb or y in cand_b:
                        deg += w
                        n += 1
                if n < self.k_shop or deg < self.tau:
                    cand_s.discard(x)
                    changed = True
        cb |= cand_b
        cs |= cand_s

    def flagged_buyers(self) -> set[Hashable]:
        return set(self.core_buyers)

    def flagged_shops(self) -> set[Hashable]:
        return set(self.core_shops)
