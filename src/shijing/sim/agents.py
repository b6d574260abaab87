"""The simulated people and their latent traits: buyers, creators and shops.

Traits are drawn once from the run's seed; the platform never sees them. They drive what the
agents do (the engine) and what happens to orders (outcomes), and the labelled ones are written
out as ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shijing.commerce.catalog.categories import luhn_ok
from shijing.commerce.shops.regions import PROVINCES
from shijing.sim.config import Scale

PROVINCE_NAMES = sorted(p for p in PROVINCES if PROVINCES[p].region != "港澳台")
# Everyday categories an ordinary shop sells, with a price range in fen.
GENERAL_CATEGORIES: dict[str, tuple[int, int]] = {
    "apparel.womens": (4_900, 39_900),
    "apparel.mens": (5_900, 49_900),
    "cosmetics": (2_900, 29_900),
    "food.packaged": (990, 9_900),
    "home": (1_990, 59_900),
    "fresh.produce": (1_990, 12_900),
    "phones.new": (99_900, 599_900),
}
ARCHETYPE_CATEGORY = {
    "plus_size": "apparel.womens",
    "jewellery": "jewellery",
    "used_phone": "phones.used",
    "seafood": "fresh.seafood_live",
    "herdsman": "agri.pastoral.dairy",
}
ARCHETYPE_PRICES = {
    "plus_size": (6_900, 29_900),
    "jewellery": (39_900, 899_900),
    "used_phone": (59_900, 399_900),
    "seafood": (8_900, 49_900),
    "herdsman": (3_900, 29_900),
}
ALL_CATEGORIES = sorted({*GENERAL_CATEGORIES, *ARCHETYPE_CATEGORY.values(), "agri.pastoral.meat"})
TREATMENTS = ("fair", "slow", "refuses")


@dataclass
class ShopAgent:
    index: int
    name: str
    category: str
    province: str
    defect_rate: float  # share of parcels with a real quality problem
    ship_delay_hours: float  # mean hours from payment to handing over to the carrier
    late_share: float  # share of orders picked up after the 48 h promise
    treatment: str  # after-sales: fair, slow (lets deadlines run), refuses
    counterfeit_share: float  # share of goods that are fake (dishonest shops only)
    rude_rate: float
    dishonest: bool = False
    archetype: str | None = None
    brushed_by_ring: int | None = None
    shop_id: int = 0
    owner_user_id: int = 0
    product_ids: list[int] = field(default_factory=list)
    sku_ids: list[int] = field(default_factory=list)
    prices: list[int] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    def quality_components(self) -> dict[str, float]:
        treatment = {"fair": 1.0, "slow": 0.6, "refuses": 0.1}[self.treatment]
        return {
            "product": round(max(0.0, 1.0 - 4.0 * self.defect_rate - self.counterfeit_share), 4),
            "logistics": round(max(0.0, 1.0 - self.late_share), 4),
            "service": round(max(0.0, treatment - self.rude_rate), 4),
        }

    def quality(self) -> float:
        c = self.quality_components()
        return round(0.5 * c["product"] + 0.2 * c["logistics"] + 0.3 * c["service"], 4)


@dataclass
class CreatorAgent:
    index: int
    handle: str
    categories: list[str]
    follower_weight: float  # heavy-tailed (Pareto): the share of fans who follow them
    honesty: float  # in [0, 1]; a dishonest creator oversells (more not-as-described claims)
    sessions_per_week: float
    start_hour_utc: int  # evening in Beijing is 11-14 UTC
    own_shop: int | None = None  # index of the shop they own (a creator-merchant)
    archetype: str | None = None
    creator_id: int = 0
    user_id: int = 0
    sells: list[tuple[int, int]] = field(default_factory=list)  # (shop index, product slot)


@dataclass
class BuyerAgent:
    index: int
    province: str
    budget_fen: int
    preferences: dict[str, float]
    trust_weight: float  # how much the shop's review average sways the choice
    loyalty: float  # how much a good past experience brings them back
    return_propensity: float
    activity: float  # multiplier of the daily chance to buy
    kind: str = "normal"  # normal, fake (brushing ring), return_abuser
    ring: int | None = None
    user_id: int = 0
    churned: bool = False
    experience: dict[int, float] = field(default_factory=dict)  # shop index -> satisfaction
    creator_experience: dict[int, float] = field(default_factory=dict)
    follows: set[int] = field(default_factory=set)  # creator indices


@dataclass
class Ring:
    index: int
    target_shop: int
    members: list[int]  # buyer indices (fake accounts)
    orders_per_day: float


def luhn_complete(body14: str) -> str:
    """A 15-digit IMEI: 14 digits and their Luhn check digit."""
    for d in "0123456789":
        if luhn_ok(body14 + d):
            return body14 + d
    raise AssertionError("unreachable")  # pragma: no cover


def _shop(rng: np.random.Generator, index: int, category: str, dishonest: bool) -> ShopAgent:
    good = rng.random() < 0.7
    defect = float(rng.beta(1.2, 40) if good else rng.beta(2, 14))
    delay = float(rng.gamma(2.0, 8.0) if good else rng.gamma(3.0, 14.0))
    late = float(min(0.9, max(0.0, rng.normal(0.03 if good else 0.25, 0.03))))
    treatment = str(rng.choice(TREATMENTS, p=[0.8, 0.15, 0.05] if good else [0.4, 0.35, 0.25]))
    return ShopAgent(
        index=index,
        name=f"市井{index:03d}号店",
        category=category,
        province=str(rng.choice(PROVINCE_NAMES)),
        defect_rate=round(defect, 4),
        ship_delay_hours=round(delay, 2),
        late_share=round(late, 4),
        treatment=treatment,
        counterfeit_share=round(float(rng.uniform(0.4, 0.9)), 4) if dishonest else 0.0,
        rude_rate=round(float(rng.beta(1, 30 if good else 8)), 4),
        dishonest=dishonest,
    )


@dataclass
class Population:
    shops: list[ShopAgent]
    creators: list[CreatorAgent]
    buyers: list[BuyerAgent]
    rings: list[Ring]


def draw_population(scale: Scale, rng: np.random.Generator) -> Population:
    """Every agent of a run, from the seed's generator."""
    shops: list[ShopAgent] = []
    creators: list[CreatorAgent] = []
    # The archetypes of real live commerce, one shop (and its creator) each.
    for archetype, category in ARCHETYPE_CATEGORY.items():
        shop = _shop(rng, len(shops), category, dishonest=False)
        shop.archetype = archetype
        shop.name = {
            "plus_size": "大码女装·胖妞衣橱",
            "jewellery": "和田玉珠宝·真宝仓",
            "used_phone": "靠谱二手机",
            "seafood": "舟山活海鲜",
            "herdsman": "草原牧民鲜奶肉",
        }[archetype]
        if archetype == "plus_size":  # her fans come back: a well-run shop
            shop.defect_rate, shop.late_share, shop.treatment = 0.01, 0.02, "fair"
        if archetype == "seafood":
            shop.province = "浙江"
        if archetype == "herdsman":
            shop.province = "内蒙古"
        shops.append(shop)
        creators.append(
            CreatorAgent(
                index=len(creators),
                handle=f"{archetype.replace('_', '')}{len(creators)}",
                categories=[category],
                follower_weight=float(rng.pareto(1.6) + 1.0)
                * (4 if archetype == "plus_size" else 1),
                honesty=float(rng.uniform(0.85, 1.0)),
                sessions_per_week=4.0 if archetype == "plus_size" else 3.0,
                start_hour_utc=int(rng.integers(10, 15)),
                own_shop=shop.index,
                archetype=archetype,
            )
        )
    general = sorted(GENERAL_CATEGORIES)
    for _ in range(scale.honest_shops):
        shops.append(_shop(rng, len(shops), str(rng.choice(general)), dishonest=False))
    for _ in range(scale.counterfeit_shops):
        category = str(rng.choice(["cosmetics", "apparel.womens", "phones.new", "jewellery"]))
        shops.append(_shop(rng, len(shops), category, dishonest=True))
    for _ in range(scale.creators):
        cats = [str(c) for c in rng.choice(general, size=2, replace=False)]
        own = None
        if rng.random() < 0.25:  # a creator with a shop of their own
            own = len(shops)
            shops.append(_shop(rng, len(shops), cats[0], dishonest=False))
        creators.append(
            CreatorAgent(
                index=len(creators),
                handle=f"zhubo{len(creators)}",
                categories=sorted(cats),
                follower_weight=float(rng.pareto(1.3) + 1.0),
                honesty=float(rng.beta(8, 2)),
                sessions_per_week=float(rng.uniform(0.5, 1.5)) * scale.live_sessions_per_week,
                start_hour_utc=int(rng.integers(1, 15)),
                own_shop=own,
            )
        )
    buyers: list[BuyerAgent] = []
    n_fake = scale.brushing_rings * scale.ring_size
    for i in range(scale.buyers + n_fake):
        prefs_raw = rng.dirichlet(np.full(len(ALL_CATEGORIES), 0.4))
        kind = "normal"
        if i >= scale.buyers:
            kind = "fake"
        elif i < scale.return_abusers:
            kind = "return_abuser"
        buyers.append(
            BuyerAgent(
                index=i,
                province=str(rng.choice(PROVINCE_NAMES)),
                budget_fen=int(rng.lognormal(np.log(15_000), 0.9)),
                preferences={
                    c: round(float(w), 4) for c, w in zip(ALL_CATEGORIES, prefs_raw, strict=True)
                },
                trust_weight=float(rng.uniform(0.2, 2.0)),
                loyalty=float(rng.uniform(0.2, 1.5)),
                return_propensity=float(
                    rng.uniform(0.6, 0.9) if kind == "return_abuser" else rng.beta(1.5, 20)
                ),
                activity=float(rng.gamma(2.0, 0.5)),
                kind=kind,
            )
        )
    rings: list[Ring] = []
    honest_targets = [s.index for s in shops if not s.dishonest and s.archetype is None]
    for r in range(scale.brushing_rings):
        target = int(rng.choice(honest_targets)) if honest_targets else 0
        # A ring brushes a weak shop that wants to look strong.
        shops[target].brushed_by_ring = r
        shops[target].dishonest = True
        members = list(
            range(scale.buyers + r * scale.ring_size, scale.buyers + (r + 1) * scale.ring_size)
        )
        for m in members:
            buyers[m].ring = r
        rings.append(Ring(r, target, members, orders_per_day=float(rng.uniform(0.6, 1.5))))
    return Population(shops, creators, buyers, rings)


def product_attributes(category: str, rng: np.random.Generator, n: int) -> dict[str, object]:
    """Valid category attributes for the archetypes' regulated goods."""
    if category == "jewellery":
        return {
            "certificate_no": f"NGTC{int(rng.integers(10**7, 10**8))}",
            "material": str(rng.choice(["和田玉", "翡翠", "黄金", "珍珠"])),
            "weight_g": round(float(rng.uniform(2, 60)), 1),
        }
    if category == "phones.used":
        body = "35" + "".join(str(int(d)) for d in rng.integers(0, 10, size=12))
        return {
            "imei": luhn_complete(body),
            "grade": str(rng.choice(["S", "A", "B", "C"])),
            "battery_health": int(rng.integers(78, 101)),
        }
    return {}
