"""Ground truth: what the simulator knows and the platform must find out — fake accounts,
brushing orders, dishonest shops, each shop's true latent quality. Written beside the run as
JSON (and Parquet tables of labels); never read by platform code.

``ground_truth.json`` holds:

- ``shops``: per shop its latent profile, ``dishonest``, ``brushed_by_ring`` (the first ring, or
  null) and ``brushed_by_rings`` (every ring that brushes it);
- ``buyers``: every buyer: ``user_id``, ``kind`` (normal, fake, hijacked, return_abuser,
  loyal_fan), ``ring``, ``fan_of_shop_id``, ``abuse`` (a return abuser's ways),
  ``registered_days_ago``, ``device_fps`` and ``address_fp`` (their own, as the platform hashes
  them); ``fake_or_abusive_buyers`` is the fake, hijacked and abusive ones, as before;
- ``brushing_rings``: per ring ``shape`` (burst, multi_shop, spread_thin, review_burst),
  ``tempo``, ``target_shop_ids`` (``target_shop_id``: the first), ``member_user_ids`` (fake and
  hijacked), ``fake_member_user_ids``, ``hijacked_user_ids``, the shared ``device_fps``,
  ``address_fps`` and ``instrument_fps``, and ``orders_per_day``;
- ``labelled_orders``: orders with any label: ``brushing``, ``camouflage``, ``ring``,
  ``counterfeit``, ``problem``, ``fake_review`` (null, or ring_script, burst, ring_account),
  ``abusive_aftersale`` (null, or false_claim, empty_box, postage_farming, serial_return),
  ``postage_farming`` (sent to a made-up remote address to be returned);
- ``aftersales``: every after-sale: ``order_id``, ``genuine`` (the claim is true), ``abuse``;
- ``reviews``: every review: ``review_id``, ``order_id``, ``fake`` and ``fake_kind``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from shijing.commerce.orders.fingerprints import address_fingerprint, fingerprint

if TYPE_CHECKING:
    from shijing.sim.outcomes import Fate
    from shijing.sim.world import World


ABUSIVE_KINDS = ("fake", "hijacked", "return_abuser")


def _unlabelled() -> dict[str, Any]:
    return {
        "brushing": False,
        "camouflage": False,
        "ring": None,
        "counterfeit": False,
        "problem": None,
        "fake_review": None,
        "abusive_aftersale": None,
        "postage_farming": False,
    }


@dataclass
class GroundTruth:
    shops: list[dict[str, Any]] = field(default_factory=list)
    creators: list[dict[str, Any]] = field(default_factory=list)
    buyers: list[dict[str, Any]] = field(default_factory=list)
    rings: list[dict[str, Any]] = field(default_factory=list)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)  # only labelled orders
    aftersales: dict[int, dict[str, Any]] = field(default_factory=dict)
    reviews: dict[int, dict[str, Any]] = field(default_factory=dict)
    tag: str = ""

    def describe(self, world: World) -> None:
        pop = world.population
        tag = self.tag

        def user(index: int) -> int:
            return pop.buyers[index].user_id

        self.shops = [
            {
                "shop_id": s.shop_id,
                "name": s.name,
                "category": s.category,
                "archetype": s.archetype,
                "dishonest": s.dishonest,
                "counterfeit": s.counterfeit_share > 0,
                "brushed_by_ring": s.brushed_by_ring,
                "brushed_by_rings": list(s.brushed_by_rings),
                "quality": s.quality(),
                "quality_components": s.quality_components(),
                "defect_rate": s.defect_rate,
                "ship_delay_hours": s.ship_delay_hours,
                "late_share": s.late_share,
                "aftersales_treatment": s.treatment,
                "counterfeit_share": s.counterfeit_share,
                "rude_rate": s.rude_rate,
            }
            for s in pop.shops
        ]
        self.creators = [
            {
                "creator_id": c.creator_id,
                "user_id": c.user_id,
                "archetype": c.archetype,
                "honesty": round(c.honesty, 4),
                "follower_weight": round(c.follower_weight, 4),
                "own_shop_id": pop.shops[c.own_shop].shop_id if c.own_shop is not None else None,
            }
            for c in pop.creators
        ]
        self.buyers = [
            {
                "user_id": b.user_id,
                "kind": b.kind,
                "ring": b.ring,
                "fan_of_shop_id": pop.shops[b.fan_of].shop_id if b.fan_of is not None else None,
                "abuse": list(b.abuse),
                "registered_days_ago": b.registered_days_ago,
                "device_fps": [fingerprint(f"{tag}{d}") for d in b.devices],
                "address_fp": address_fingerprint(b.province, b.city, b.street),
            }
            for b in pop.buyers
            if b.user_id  # a review farm's account not opened (the run ended first)
        ]
        self.rings = [
            {
                "ring": r.index,
                "shape": r.shape,
                "tempo": r.tempo,
                "target_shop_id": pop.shops[r.target_shop].shop_id,
                "target_shop_ids": [pop.shops[t].shop_id for t in r.targets],
                "member_user_ids": [user(m) for m in r.members if user(m)],
                "fake_member_user_ids": [
                    user(m) for m in r.members if m not in r.hijacked and user(m)
                ],
                "hijacked_user_ids": [user(m) for m in r.hijacked],
                "device_fps": [fingerprint(f"{tag}{d}") for d in r.devices],
                "address_fps": [address_fingerprint(*a) for a in r.addresses],
                "instrument_fps": [fingerprint(f"sim_ok_{tag}{c}") for c in r.instruments],
                "orders_per_day": r.orders_per_day,
                "camouflage_share": r.camouflage_share,
            }
            for r in pop.rings
        ]

    def order(self, order_id: int, fate: Fate, *, camouflage: bool) -> None:
        labels = {
            "brushing": fate.brushing,
            "camouflage": camouflage,
            "ring": fate.ring,
            "counterfeit": fate.problem == "counterfeit",
            "problem": fate.problem,
            "fake_review": None,
            "abusive_aftersale": None,
            "postage_farming": fate.postage_farming,
        }
        if fate.brushing or camouflage or fate.problem or fate.ring is not None or fate.abuse:
            self.orders[order_id] = labels

    def aftersale(
        self, aftersale_id: int, order_id: int, *, genuine: bool, abuse: str | None = None
    ) -> None:
        self.aftersales[aftersale_id] = {"order_id": order_id, "genuine": genuine, "abuse": abuse}
        if abuse is not None:
            self.orders.setdefault(order_id, _unlabelled())["abusive_aftersale"] = abuse

    def review(self, review_id: int, order_id: int, *, fake: str | None) -> None:
        self.reviews[review_id] = {
            "order_id": order_id,
            "fake": fake is not None,
            "fake_kind": fake,
        }
        if fake is not None:
            self.orders.setdefault(order_id, _unlabelled())["fake_review"] = fake

    @property
    def brushing_orders(self) -> int:
        return sum(1 for v in self.orders.values() if v["brushing"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "shops": self.shops,
            "creators": self.creators,
            "buyers": self.buyers,
            "fake_or_abusive_buyers": [b for b in self.buyers if b["kind"] in ABUSIVE_KINDS],
            "brushing_rings": self.rings,
            "labelled_orders": [{"order_id": k, **v} for k, v in sorted(self.orders.items())],
            "aftersales": [{"aftersale_id": k, **v} for k, v in sorted(self.aftersales.items())],
            "reviews": [{"review_id": k, **v} for k, v in sorted(self.reviews.items())],
        }

    def write(self, out: Path) -> Path:
        """``<out>/ground_truth.json`` and ``<out>/labels/*.parquet``; returns the JSON path."""
        out.mkdir(parents=True, exist_ok=True)
        data = self.as_dict()
        path = out / "ground_truth.json"
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1))
        labels = out / "labels"
        labels.mkdir(exist_ok=True)
        shops = [{k: v for k, v in s.items() if k != "quality_components"} for s in self.shops]
        for s, full in zip(shops, self.shops, strict=True):
            for k, v in full["quality_components"].items():
                s[f"quality_{k}"] = v
        if shops:
            pq.write_table(pa.Table.from_pylist(shops), labels / "shops.parquet")
        if data["labelled_orders"]:
            pq.write_table(pa.Table.from_pylist(data["labelled_orders"]), labels / "orders.parquet")
        if self.buyers:
            pq.write_table(pa.Table.from_pylist(self.buyers), labels / "buyers.parquet")
        for name in ("aftersales", "reviews"):
            if data[name]:
                pq.write_table(pa.Table.from_pylist(data[name]), labels / f"{name}.parquet")
        if self.rings:
            pq.write_table(pa.Table.from_pylist(self.rings), labels / "rings.parquet")
        return path
