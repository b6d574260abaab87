"""Brushing rings by what their accounts share: a ring runs many accounts from a few phones and
pays with a few cards, so accounts that placed orders from the same device or with the same
payment instrument are one operator's. Such a group that keeps buying at the same shops is a
ring, however its orders are spread in time and however old (or hijacked) its accounts are.

Accounts are linked by a device or instrument fingerprint that two or more of them used; a
group needs ``min_buyers`` accounts (a couple sharing a phone is not a ring). Its targets are
the shops where ``min_members`` of its accounts ordered through the shared fingerprints, making
up ``min_shop_share`` of the shop's orders (camouflage at a popular shop is a sliver of its
trade), and the orders flagged are exactly those: a hijacked account's own orders, from its
owner's phone, stay untouched. An address shared by several accounts is evidence in the block's
words, not a link (an office or a parcel locker is shared by honest colleagues).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np
import pyarrow as pa

from shijing.integrity.definition import FingerprintDefinition
from shijing.integrity.features import column
from shijing.integrity.findings import Findings, FoundBlock

DETECTOR = "brushing.fingerprint"
LINKS = ("device_fp", "instrument_fp")


class _Groups:
    """Union-find over buyer ids."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def root(self, x: int) -> int:
        parent = self.parent.setdefault(x, x)
        while parent != x:
            grand = self.parent[parent]
            self.parent[x] = grand
            x, parent = parent, self.parent.setdefault(grand, grand)
        return x

    def join(self, a: int, b: int) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _shared_values(orders: pa.Table) -> dict[str, dict[Any, set[int]]]:
    """Per link column: each fingerprint used by two or more buyers, and who used it."""
    buyers = column(orders, "buyer_id").astype(np.int64)
    shared: dict[str, dict[Any, set[int]]] = {}
    for name in LINKS:
        users: dict[Any, set[int]] = defaultdict(set)
        for value, buyer in zip(column(orders, name), buyers, strict=True):
            if value is not None:
                users[value].add(int(buyer))
        shared[name] = {v: who for v, who in users.items() if len(who) >= 2}
    return shared


def detect(orders: pa.Table, rule: FingerprintDefinition) -> Findings:
    """Blocks, order flags and account flags from the window's paid orders."""
    found = Findings()
    if orders.num_rows == 0:
        found.counts[DETECTOR] = {"groups": 0, "orders_flagged": 0, "buyers_flagged": 0}
        return found
    shared = _shared_values(orders)
    groups = _Groups()
    for users in (who for per in shared.values() for who in per.values()):
        first, *rest = sorted(users)
        for other in rest:
            groups.join(first, other)
    buyers = column(orders, "buyer_id").astype(np.int64)
    shops = column(orders, "shop_id").astype(np.int64)
    order_ids = column(orders, "order_id").astype(np.int64)
    ts = column(orders, "ts").astype(np.int64)
    addresses = column(orders, "address_fp")
    shop_orders = Counter(int(s) for s in shops)
    through_shared = np.zeros(orders.num_rows, dtype=bool)
    for name, per in shared.items():
        through_shared |= np.fromiter(
            (v is not None and v in per for v in column(orders, name)),
            dtype=bool,
            count=orders.num_rows,
        )
    members: dict[int, set[int]] = defaultdict(set)
    for buyer in {
        int(b) for who in (w for per in shared.values() for w in per.values()) for b in who
    }:
        members[groups.root(buyer)].add(buyer)
    rows_of: dict[int, list[int]] = defaultdict(list)
    for shared_row in np.flatnonzero(through_shared):
        rows_of[groups.root(int(buyers[shared_row]))].append(int(shared_row))
    flagged_orders = flagged_buyers = 0
    for root, who in sorted(members.items()):
        if len(who) < rule.min_buyers:
            continue
        rows = rows_of.get(root, [])
        at_shop: dict[int, set[int]] = defaultdict(set)
        for row in rows:
            at_shop[int(shops[row])].add(int(buyers[row]))
        orders_at = Counter(int(shops[row]) for row in rows)
        targets = {
            s
            for s, b in at_shop.items()
            if len(b) >= rule.min_members and orders_at[s] >= rule.min_shop_share * shop_orders[s]
        }
        hits = [row for row in rows if int(shops[row]) in targets]
        if not hits:
            continue
        involved = {int(buyers[row]) for row in hits}
        shared_counts = {
            name: sum(1 for w in per.values() if w & who) for name, per in shared.items()
        }
        addresses_shared = sum(
            1 for n in Counter(addresses[row] for row in hits if addresses[row]).values() if n > 1
        )
        days = Counter(int(ts[row]) // 86_400 for row in hits)
        span_days = (max(ts[row] for row in hits) - min(ts[row] for row in hits)) / 86_400
        reason = (
            f"{len(involved)} accounts ordered {len(hits)} times at {len(targets)} shops through "
            f"{shared_counts['device_fp']} shared devices and {shared_counts['instrument_fp']} "
            f"shared payment instruments over {span_days:.0f} days"
        )
        if addresses_shared:
            reason += f"; {addresses_shared} shipping addresses repeat among them"
        block = found.add_block(
            FoundBlock(
                detector=DETECTOR,
                score=round(len(hits) / (len(hits) + 10.0), 4),
                reason=reason,
                density=round(
                    len({(int(buyers[r]), int(shops[r])) for r in hits})
                    / (len(involved) * len(targets)),
                    4,
                ),
                buyer_ids=sorted(involved),
                shop_ids=sorted(targets),
                order_ids=sorted(int(order_ids[row]) for row in hits),
                evidence={
                    "orders": len(hits),
                    "accounts_linked": len(who),
                    "shared_fingerprints": {**shared_counts, "address_fp": addresses_shared},
                    "time_span_days": round(span_days, 1),
                    "timeline": sorted(
                        (str(np.datetime64(day, "D")), n) for day, n in days.items()
                    ),
                },
            )
        )
        for row in hits:
            found.flag(
                "order",
                int(order_ids[row]),
                detector=DETECTOR,
                score=0.9,
                reason="brushing ring: placed through a device or card the ring shares",
                block=block,
            )
        for buyer in sorted(involved):
            found.flag(
                "buyer",
                buyer,
                detector=DETECTOR,
                score=0.9,
                reason="account used by a brushing ring (shared devices or cards)",
                block=block,
            )
        flagged_orders += len(hits)
        flagged_buyers += len(involved)
    found.counts[DETECTOR] = {
        "groups": len(found.blocks),
        "orders_flagged": flagged_orders,
        "buyers_flagged": flagged_buyers,
    }
    return found
