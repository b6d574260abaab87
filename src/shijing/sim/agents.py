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
    brushed_by_ring: int | None = None  # the first ring that brushes it
    brushed_by_rings: list[int] = field(default_factory=list)
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
    kind: str = "normal"  # normal, fake (ring account), hijacked, return_abuser, loyal_fan
    ring: int | None = None
    user_id: int = 0
    # What the platform sees an order placed with: the buyer's own devices (some have two), the
    # home address (a family may share one) and a payment instrument. A ring's orders use the
    # ring's instead (``Ring``).
    devices: list[str] = field(default_factory=list)
    city: str = "市区"
    street: str = ""
    instrument: str = ""
    registered_days_ago: float = 0.0  # the account's age when the run starts
    opens_on_day: int | None = None  # a review farm's fresh account, opened during the run
    fan_of: int | None = None  # a loyal fan: the shop they keep coming back to
    abuse: tuple[str, ...] = ()  # a return abuser's ways: serial_return, empty_box, postage_farming
    remote_province: str | None = None  # where a postage farmer has parcels sent
    churned: bool = False
    experience: dict[int, float] = field(default_factory=dict)  # shop index -> satisfaction
    creator_experience: dict[int, float] = field(default_factory=dict)
    follows: set[int] = field(default_factory=set)  # creator indices


RING_SHAPES = ("multi_shop", "spread_thin", "burst", "review_burst")
# Far from the coast's warehouses: where return postage is dear and compensation worth farming.
REMOTE_PROVINCES = ("新疆", "西藏", "青海", "宁夏", "甘肃", "内蒙古")
CITY_NAMES = ("市区", "新区", "开发区", "县城", "高新区")


@dataclass
class Ring:
    """A brushing ring: who orders (its own fake accounts and hijacked real ones), for which
    shops, at what tempo, and with which shared devices, drop addresses and instruments.

    Shapes: ``burst`` (one shop, a few intense days now and then), ``multi_shop`` (several
    shops, in bursts), ``spread_thin`` (one shop, a low steady rate for weeks) and
    ``review_burst`` (a review farm: fresh accounts that each buy once and post the script)."""

    index: int
    targets: list[int]  # shop indices
    members: list[int]  # buyer indices: fake accounts, then hijacked ones
    orders_per_day: float  # mean over the run
    shape: str = "burst"
    hijacked: list[int] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    addresses: list[tuple[str, str, str]] = field(default_factory=list)  # province, city, street
    instruments: list[str] = field(default_factory=list)
    camouflage_share: float = 0.25
    script: int = 0  # which review script its accounts post
    burst_every: int = 9  # days between the starts of bursts
    burst_len: int = 2
    burst_offset: int = 0
    burst_day: int = 0  # a review burst's day

    @property
    def target_shop(self) -> int:
        return self.targets[0]

    @property
    def tempo(self) -> str:
        return "steady" if self.shape == "spread_thin" else "burst"

    def rate_on(self, day: int) -> float:
        """Expected ring orders on a day of the run."""
        if self.shape == "review_burst":
            return 0.0
        if self.tempo == "steady":
            return self.orders_per_day
        active = (day - self.burst_offset) % self.burst_every < self.burst_len
        return self.orders_per_day * self.burst_every / self.burst_len if active else 0.0


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
    buyers = _buyers(scale, rng)
    rings = _rings(scale, rng, shops, buyers)
    _loyal_fans(scale, rng, shops, buyers)
    return Population(shops, creators, buyers, rings)


def _ring_count(rng: np.random.Generator, size: int, low: int, high: int) -> int:
    """How many devices (addresses, instruments) a ring of ``size`` shares: ``low``–``high`` for
    a ring of 8, fewer for a smaller ring, never more than its members."""
    per8 = int(rng.integers(low, high + 1))
    return max(1, min(size, round(per8 * size / 8)))


def _buyers(scale: Scale, rng: np.random.Generator) -> list[BuyerAgent]:
    buyers: list[BuyerAgent] = []
    n_fake = scale.brushing_rings * scale.ring_size
    n_farm = scale.review_bursts * scale.review_burst_size
    for i in range(scale.buyers + n_fake + n_farm):
        prefs_raw = rng.dirichlet(np.full(len(ALL_CATEGORIES), 0.4))
        kind = "normal"
        if i >= scale.buyers:
            kind = "fake"
        elif i < scale.return_abusers:
            kind = "return_abuser"
        b = BuyerAgent(
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
        b.city = str(rng.choice(CITY_NAMES))
        b.street = f"幸福路{i + 1}号"
        b.instrument = f"b{i}"
        b.devices = [f"d{i}a"] + ([f"d{i}b"] if rng.random() < 0.2 else [])
        if kind == "fake":  # opened shortly before the ring's work starts
            b.registered_days_ago = round(float(rng.uniform(2, 40)), 2)
        else:  # real buyers' accounts are aged
            b.registered_days_ago = round(float(rng.uniform(30, 1_500)), 2)
        if kind == "normal" and i > scale.return_abusers and rng.random() < 0.08:
            # a family: the same home as the buyer before, their own phone and card
            home = buyers[-1]
            b.province, b.city, b.street = home.province, home.city, home.street
        if kind == "return_abuser":
            styles = ["serial_return"]
            if rng.random() < 0.5:
                styles.append("empty_box")
            if rng.random() < 0.6 or i == 0:  # at least one farms return postage
                styles.append("postage_farming")
                b.remote_province = str(
                    rng.choice([p for p in REMOTE_PROVINCES if p != b.province])
                )
            b.abuse = tuple(styles)
        buyers.append(b)
    return buyers


def _rings(
    scale: Scale, rng: np.random.Generator, shops: list[ShopAgent], buyers: list[BuyerAgent]
) -> list[Ring]:
    rings: list[Ring] = []
    honest_targets = [s.index for s in shops if not s.dishonest and s.archetype is None]
    # Hijacked accounts: real, aged, ordinary buyers (not the abusers, not the loyal fans).
    aged = [b.index for b in buyers if b.kind == "normal" and b.registered_days_ago > 365]
    hijackable = [int(x) for x in rng.permutation(aged)]
    free_targets = [int(x) for x in rng.permutation(honest_targets)]

    def target() -> int:
        if free_targets:
            return free_targets.pop()
        return int(rng.choice(honest_targets)) if honest_targets else 0

    for r in range(scale.brushing_rings):
        shape = scale.ring_shapes[r % len(scale.ring_shapes)] if scale.ring_shapes else "burst"
        n_targets = max(1, scale.ring_targets) if shape == "multi_shop" else 1
        targets = sorted({target() for _ in range(n_targets)})
        first = scale.buyers + r * scale.ring_size
        fake = list(range(first, first + scale.ring_size))
        hijacked = [hijackable.pop() for _ in range(scale.hijacked_per_ring) if hijackable]
        base = float(rng.uniform(0.6, 1.5)) * scale.ring_size * 0.15
        ring = Ring(
            r,
            targets,
            fake + hijacked,
            orders_per_day=round(base * (0.6 if shape == "spread_thin" else 1.0), 4),
            shape=shape,
            hijacked=hijacked,
            camouflage_share=0.4 if shape == "spread_thin" else 0.25,
            script=r,
            burst_every=int(rng.integers(6, 12)),
            burst_len=int(rng.integers(2, 4)),
            burst_offset=int(rng.integers(0, 5)),
        )
        _equip(ring, rng, len(fake))
        rings.append(ring)
    first_farm = scale.buyers + scale.brushing_rings * scale.ring_size
    for k in range(scale.review_bursts):
        r = len(rings)
        first = first_farm + k * scale.review_burst_size
        members = list(range(first, first + scale.review_burst_size))
        ring = Ring(
            r,
            [target()],
            members,
            orders_per_day=0.0,
            shape="review_burst",
            camouflage_share=0.0,
            script=r,
            burst_day=int(rng.integers(2, 9)),
        )
        _equip(ring, rng, len(members))
        for m in members:
            buyers[m].opens_on_day = ring.burst_day
            buyers[m].registered_days_ago = 0.0
        rings.append(ring)
    for ring in rings:
        for t in ring.targets:
            # A ring brushes a weak shop that wants to look strong.
            shop = shops[t]
            if shop.brushed_by_ring is None:
                shop.brushed_by_ring = ring.index
            shop.brushed_by_rings.append(ring.index)
            shop.dishonest = True
        for m in ring.members:
            buyers[m].ring = ring.index
            if m in ring.hijacked:
                buyers[m].kind = "hijacked"
    return rings


def _equip(ring: Ring, rng: np.random.Generator, size: int) -> None:
    """The phones, drop addresses and cards a ring shares: a ring of 8 has 2-3 devices, 1-3
    addresses, 1-3 instruments."""
    r = ring.index
    ring.devices = [f"r{r}d{k}" for k in range(_ring_count(rng, size, 2, 3))]
    province = str(rng.choice(PROVINCE_NAMES))
    ring.addresses = [
        (province, str(rng.choice(CITY_NAMES)), f"创业园{r + 1}栋{k + 1}0{k + 2}室")
        for k in range(_ring_count(rng, size, 1, 3))
    ]
    ring.instruments = [f"r{r}c{k}" for k in range(_ring_count(rng, size, 1, 3))]


def _loyal_fans(
    scale: Scale, rng: np.random.Generator, shops: list[ShopAgent], buyers: list[BuyerAgent]
) -> None:
    """Honest shops whose fans come back again and again: a dense block of repeat buyers that
    looks like a ring from a distance and is not one. The plus-size shop is the first."""
    loved = [s.index for s in shops if s.archetype == "plus_size"]
    well_run = [
        s.index
        for s in shops
        if s.archetype is None and not s.dishonest and s.counterfeit_share == 0
    ]
    well_run.sort(key=lambda i: shops[i].defect_rate)
    loved += well_run[: max(0, scale.loyal_shops - len(loved))]
    free = [b.index for b in buyers if b.kind == "normal"]
    order = [int(x) for x in rng.permutation(free)]
    for shop in loved[: scale.loyal_shops]:
        for _ in range(scale.loyal_fans):
            if not order:
                return
            b = buyers[order.pop()]
            b.kind = "loyal_fan"
            b.fan_of = shop
            b.loyalty = max(b.loyalty, float(rng.uniform(1.2, 2.0)))
            b.experience[shop] = 0.8
            shop_category = shops[shop].category
            b.preferences[shop_category] = max(b.preferences.get(shop_category, 0.0), 0.3)


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
