"""Ground truth: what the simulator knows and the platform must find out — fake accounts,
brushing orders, dishonest shops, each shop's true latent quality. Written beside the run as
JSON (and Parquet tables of labels); never read by platform code."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from shijing.sim.outcomes import Fate
    from shijing.sim.world import World


@dataclass
class GroundTruth:
    shops: list[dict[str, Any]] = field(default_factory=list)
    creators: list[dict[str, Any]] = field(default_factory=list)
    buyers: list[dict[str, Any]] = field(default_factory=list)
    rings: list[dict[str, Any]] = field(default_factory=list)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)  # only labelled orders
    aftersales: dict[int, dict[str, Any]] = field(default_factory=dict)

    def describe(self, world: World) -> None:
        pop = world.population
        self.shops = [
            {
                "shop_id": s.shop_id,
                "name": s.name,
                "category": s.category,
                "archetype": s.archetype,
                "dishonest": s.dishonest,
                "counterfeit": s.counterfeit_share > 0,
                "brushed_by_ring": s.brushed_by_ring,
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
            {"user_id": b.user_id, "kind": b.kind, "ring": b.ring}
            for b in pop.buyers
            if b.kind != "normal"
        ]
        self.rings = [
            {
                "ring": r.index,
                "target_shop_id": pop.shops[r.target_shop].shop_id,
                "member_user_ids": [pop.buyers[m].user_id for m in r.members],
            }
            for r in pop.rings
        ]

    def order(self, order_id: int, fate: Fate, *, camouflage: bool) -> None:
        labels = {
            "brushing": fate.brushing,
            "camouflage": camouflage,
            "counterfeit": fate.problem == "counterfeit",
            "problem": fate.problem,
        }
        if fate.brushing or camouflage or fate.problem:
            self.orders[order_id] = labels

    def aftersale(self, aftersale_id: int, order_id: int, *, genuine: bool) -> None:
        self.aftersales[aftersale_id] = {"order_id": order_id, "genuine": genuine}

    @property
    def brushing_orders(self) -> int:
        return sum(1 for v in self.orders.values() if v["brushing"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "shops": self.shops,
            "creators": self.creators,
            "fake_or_abusive_buyers": self.buyers,
            "brushing_rings": self.rings,
            "labelled_orders": [{"order_id": k, **v} for k, v in sorted(self.orders.items())],
            "aftersales": [{"aftersale_id": k, **v} for k, v in sorted(self.aftersales.items())],
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
        return path
