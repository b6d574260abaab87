"""Fake reviews: near-duplicate texts, five-star bursts from new accounts, and the reviews of
orders flagged as brushing.

Near-duplicates are found by MinHash LSH over character n-grams (``datasketch``): Chinese needs
no word segmentation for it, and a template with a few characters changed stays close. A group
of near-duplicates counts only when several different buyers wrote it (one buyer pasting their
own text twice is not a ring)."""

from __future__ import annotations

import unicodedata
from collections import defaultdict

import numpy as np
import pyarrow as pa
from datasketch import LeanMinHash, MinHash, MinHashLSH

from shijing.integrity.definition import ReviewsDefinition
from shijing.integrity.features import column
from shijing.integrity.findings import Findings, FoundBlock

DUPLICATE = "reviews.duplicate"
BURST = "reviews.burst"
BY_RING = "reviews.ring_account"
DAY = 86_400


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def shingles(text: str, n: int) -> set[bytes]:
    """The character n-grams of a text (letters and digits only, NFKC, case-folded)."""
    clean = _normalise(text)
    if len(clean) <= n:
        return {clean.encode()} if clean else set()
    return {clean[i : i + n].encode() for i in range(len(clean) - n + 1)}


def _components(pairs: list[tuple[int, int]], n: int) -> list[list[int]]:
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[root(i)].append(i)
    return [g for g in groups.values() if len(g) > 1]


def near_duplicate_groups(texts: list[str], rule: ReviewsDefinition) -> list[list[int]]:
    """Indexes of texts that are near-duplicates of each other (estimated Jaccard of their
    n-grams ≥ ``similarity``), grouped transitively."""
    lsh = MinHashLSH(threshold=rule.similarity, num_perm=rule.num_perm)
    hashes: dict[int, LeanMinHash] = {}
    for i, text in enumerate(texts):
        grams = shingles(text, rule.ngram)
        if len(_normalise(text)) < rule.min_chars or not grams:
            continue
        m = MinHash(num_perm=rule.num_perm, seed=1)
        m.update_batch(list(grams))
        hashes[i] = LeanMinHash(m)
        lsh.insert(i, hashes[i])
    pairs = [(i, j) for i, h in hashes.items() for j in lsh.query(h) if j > i]
    return _components(pairs, len(texts))


def _duplicates(reviews: pa.Table, rule: ReviewsDefinition, found: Findings) -> int:
    texts = [t or "" for t in reviews.column("text").to_pylist()]
    review_ids, buyers, shops = (column(reviews, c) for c in ("review_id", "buyer_id", "shop_id"))
    groups = 0
    for group in near_duplicate_groups(texts, rule):
        who = {int(buyers[i]) for i in group}
        if len(who) < rule.min_cluster_buyers:
            continue
        groups += 1
        sample = texts[group[0]][:60]
        block = found.add_block(
            FoundBlock(
                detector=DUPLICATE,
                score=round(len(group) / (len(group) + 3.0), 4),
                reason=(
                    f"{len(group)} reviews by {len(who)} buyers at "
                    f"{len({int(shops[i]) for i in group})} shops are near-copies of one text "
                    f"(“{sample}”)"
                ),
                buyer_ids=sorted(who),
                shop_ids=sorted({int(shops[i]) for i in group}),
                review_ids=sorted(int(review_ids[i]) for i in group),
                evidence={"reviews": len(group), "buyers": len(who), "sample": sample},
            )
        )
        for i in group:
            found.flag(
                "review",
                int(review_ids[i]),
                detector=DUPLICATE,
                score=0.9,
                reason="near-duplicate of reviews by other buyers",
                block=block,
            )
    return groups


def _bursts(reviews: pa.Table, rule: ReviewsDefinition, found: Findings) -> int:
    rating = np.nan_to_num(column(reviews, "product_rating").astype(np.float64))
    ts = column(reviews, "ts").astype(np.int64)
    registered = np.nan_to_num(column(reviews, "registered").astype(np.float64), nan=-1e18)
    young = (ts - registered) < rule.new_account_days * DAY
    candidates = np.flatnonzero((rating >= 5) & young)
    shops, review_ids, buyers = (column(reviews, c) for c in ("shop_id", "review_id", "buyer_id"))
    window = rule.burst_hours * 3600
    by_shop: dict[int, list[int]] = defaultdict(list)
    for row in candidates:
        by_shop[int(shops[row])].append(int(row))
    bursts = 0
    for shop, rows in by_shop.items():
        rows.sort(key=lambda i: ts[i])
        times = ts[rows]
        # for each review, how many such reviews the shop got in the window that follows it
        ends = np.searchsorted(times, times + window, side="right")
        starts = np.flatnonzero(ends - np.arange(len(rows)) >= rule.burst_min_reviews)
        if starts.size == 0:
            continue
        members = sorted({rows[j] for s in starts for j in range(s, int(ends[s]))})
        bursts += 1
        block = found.add_block(
            FoundBlock(
                detector=BURST,
                score=round(len(members) / (len(members) + 5.0), 4),
                reason=(
                    f"{len(members)} five-star reviews from accounts younger than "
                    f"{rule.new_account_days} days within {rule.burst_hours} hours"
                ),
                buyer_ids=sorted({int(buyers[i]) for i in members}),
                shop_ids=[shop],
                review_ids=sorted(int(review_ids[i]) for i in members),
                evidence={"reviews": len(members), "window_hours": rule.burst_hours},
            )
        )
        for i in members:
            found.flag(
                "review",
                int(review_ids[i]),
                detector=BURST,
                score=0.8,
                reason="part of a five-star burst from new accounts",
                block=block,
            )
    return bursts


def _on_brushed_orders(reviews: pa.Table, brushed: set[int], found: Findings) -> int:
    """Reviews of orders flagged as brushing: the order was fake, so is its review. (Not every
    review by a flagged account: a hijacked account's owner still writes honest ones.)"""
    n = 0
    ids, orders = column(reviews, "review_id"), column(reviews, "order_id")
    for review_id, order_id in zip(ids, orders, strict=True):
        if order_id is not None and int(order_id) in brushed:
            n += 1
            found.flag(
                "review",
                int(review_id),
                detector=BY_RING,
                score=0.7,
                reason="review of an order flagged as brushing",
            )
    return n


def detect(reviews: pa.Table, rule: ReviewsDefinition, brushed_orders: set[int]) -> Findings:
    """Flags on reviews (and the groups they came in) from the window's reviews."""
    found = Findings()
    found.counts[DUPLICATE] = {"groups": _duplicates(reviews, rule, found)}
    found.counts[BURST] = {"bursts": _bursts(reviews, rule, found)}
    found.counts[BY_RING] = {"reviews": _on_brushed_orders(reviews, brushed_orders, found)}
    for key, value in found.counts.items():
        value["reviews_flagged"] = sum(1 for f in found.flags if f.detector == key)
    found.counts[DUPLICATE]["reviews"] = reviews.num_rows
    return found
