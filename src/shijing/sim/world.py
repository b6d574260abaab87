"""Building the simulated marketplace through the platform's services: accounts, shops and their
products, creators with their distribution plans, carriers, follows. Nothing is written to a
table directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from sqlalchemy.orm import Session

from shijing.accounts import service as accounts
from shijing.accounts.models import Role, User
from shijing.accounts.passwords import Passwords
from shijing.accounts.service import Principal
from shijing.commerce.catalog import service as catalog
from shijing.commerce.catalog import shelf
from shijing.commerce.creators import service as creators
from shijing.commerce.shipping import carriers
from shijing.commerce.shops import service as shops
from shijing.core.clock import Clock, ManualClock
from shijing.core.db import Database
from shijing.sim.agents import (
    ARCHETYPE_PRICES,
    GENERAL_CATEGORIES,
    BuyerAgent,
    Population,
    ShopAgent,
    product_attributes,
)

# Every simulated account has this password (the demo prints it); hashing is cheap for speed and
# the hash is upgraded to the configured cost at the account's first login.
SIM_PASSWORD = "shijing-sim-2026"
SIM_DOMAIN = "sim.shijing.local"
CARRIERS = (("sf", "顺丰速运"), ("zto", "中通快递"), ("yto", "圆通速递"), ("jd", "京东物流"))
PRODUCT_NOUNS = {
    "apparel.womens": ("连衣裙", "阔腿裤", "针织开衫", "大码T恤"),
    "apparel.mens": ("夹克", "卫衣", "休闲裤", "衬衫"),
    "cosmetics": ("精华液", "面霜", "口红", "防晒霜"),
    "food.packaged": ("坚果礼盒", "牛肉干", "螺蛳粉", "茶叶"),
    "home": ("四件套", "收纳箱", "保温杯", "空气炸锅"),
    "fresh.produce": ("赣南脐橙", "阳光玫瑰", "红薯", "猕猴桃"),
    "phones.new": ("5G手机", "折叠屏手机"),
    "jewellery": ("和田玉手镯", "翡翠吊坠", "黄金手链", "珍珠项链"),
    "phones.used": ("二手iPhone", "二手华为", "二手小米"),
    "fresh.seafood_live": ("舟山梭子蟹", "活虾", "鲍鱼", "大黄鱼"),
    "agri.pastoral.dairy": ("鲜牛奶", "奶皮子", "奶酪"),
    "agri.pastoral.meat": ("羊排", "牛腱子", "风干牛肉"),
}


def sim_email(kind: str, index: int, tag: str) -> str:
    return f"{kind}{index}{tag}@{SIM_DOMAIN}"


@dataclass
class World:
    """The ids of everything built, and each actor as a caller of services."""

    population: Population
    operator: Principal
    principals: dict[int, Principal] = field(default_factory=dict)  # user id -> principal
    carriers: list[str] = field(default_factory=list)
    emails: dict[str, str] = field(default_factory=dict)  # role -> a login of that role

    def principal(self, user_id: int) -> Principal:
        return self.principals[user_id]


def _user(
    session: Session,
    clock: Clock,
    passwords: Passwords,
    email: str,
    name: str,
    roles: tuple[Role, ...] = (),
) -> User:
    return accounts.register_user(
        session,
        clock,
        passwords,
        email=email,
        password=SIM_PASSWORD,
        display_name=name,
        roles=roles,
    )


def _products(
    session: Session,
    clock: Clock,
    principal: Principal,
    shop: ShopAgent,
    count: int,
    rng: np.random.Generator,
) -> None:
    categories = [shop.category]
    if shop.archetype == "herdsman":
        categories = ["agri.pastoral.dairy", "agri.pastoral.meat"]
    low, high = ARCHETYPE_PRICES.get(
        shop.archetype or "", GENERAL_CATEGORIES.get(shop.category, (1_990, 29_900))
    )
    for slot in range(count):
        category = categories[slot % len(categories)]
        nouns = PRODUCT_NOUNS[category]
        price = int(rng.integers(low // 100, high // 100 + 1)) * 100 - 10
        product = catalog.create_product(
            session,
            clock,
            principal,
            shop.shop_id,
            title=f"{shop.name} {nouns[slot % len(nouns)]} {slot + 1}号",
            category=category,
            skus=[catalog.NewSku(code="STD", price_fen=max(price, 90), stock=1_000_000)],
            attributes=product_attributes(category, rng, slot),
            max_per_order=5,
            published=True,
        )
        shop.product_ids.append(product.id)
        shop.sku_ids.append(shelf.skus_of(session, [product.id])[product.id][0].id)
        shop.prices.append(max(price, 90))
        shop.categories.append(category)


def build_world(
    db: Database,
    clock: Clock,
    population: Population,
    scale_products: int,
    rng: np.random.Generator,
    *,
    tag: str = "",
    passwords: Passwords | None = None,
) -> World:
    """Open every account, shop, product, creator profile, plan and follow of the population."""
    passwords = passwords or Passwords(time_cost=1, memory_kib=1024)
    with db.transaction() as session:
        for code, name in CARRIERS:
            if carriers.find_carrier(session, code) is None:
                carriers.register_carrier(session, clock, code=code, name=name)
        op = _user(
            session, clock, passwords, sim_email("arbiter", 0, tag), "仲裁专员", (Role.OPERATOR,)
        )
        world = World(population, Principal(op, accounts.roles_of(session, op.id)))
        world.carriers = [c for c, _ in CARRIERS]
        world.emails["operator"] = op.email
    pop = population
    # Creators first: a creator-merchant owns her shop.
    with db.transaction() as session:
        owner_of_shop: dict[int, User] = {}
        for c in pop.creators:
            user = _user(
                session, clock, passwords, sim_email("creator", c.index, tag), f"主播{c.index}"
            )
            if c.own_shop is not None:
                accounts.grant_role(session, clock, user, Role.MERCHANT)
                owner_of_shop[c.own_shop] = user
            creator = creators.open_creator_profile(
                session, clock, user, handle=f"{c.handle}{tag}", categories=c.categories
            )
            c.creator_id, c.user_id = creator.id, user.id
        for s in pop.shops:
            owner = owner_of_shop.get(s.index) or _user(
                session,
                clock,
                passwords,
                sim_email("merchant", s.index, tag),
                f"店主{s.index}",
                (Role.MERCHANT,),
            )
            principal = Principal(owner, accounts.roles_of(session, owner.id))
            shop = shops.create_shop(
                session,
                clock,
                principal,
                name=f"{s.name}{tag}",
                main_category=s.category,
                return_province=s.province,
                return_city="市区",
                return_address=f"{s.province}工业园{s.index + 1}号",
                ship_within_hours=48,
            )
            s.shop_id, s.owner_user_id = shop.id, owner.id
            _products(session, clock, principal, s, scale_products, rng)
        world.emails["merchant"] = sim_email(
            "merchant", next(s.index for s in pop.shops if s.index not in owner_of_shop), tag
        )
        world.emails["creator"] = sim_email("creator", 0, tag)
        # Creators without a shop sell others' products under distribution plans.
        planned: set[tuple[int, int]] = set()
        for c in pop.creators:
            if c.own_shop is not None:
                owned = pop.shops[c.own_shop]
                c.sells = [(owned.index, k) for k in range(len(owned.product_ids))]
                continue
            matching = [
                s.index for s in pop.shops if s.category in c.categories and s.archetype is None
            ]
            if len(matching) < 2:
                matching = [s.index for s in pop.shops if s.archetype is None]
            chosen = sorted(
                int(x) for x in rng.choice(matching, size=min(3, len(matching)), replace=False)
            )
            for shop_index in chosen:
                shop_agent = pop.shops[shop_index]
                for k in range(len(shop_agent.product_ids)):
                    c.sells.append((shop_index, k))
                    if (shop_index, k) in planned:
                        continue
                    planned.add((shop_index, k))
                    owner = accounts.get_user(session, shop_agent.owner_user_id)
                    creators.publish_distribution_plan(
                        session,
                        clock,
                        Principal(owner, accounts.roles_of(session, owner.id)),
                        shop_id=shop_agent.shop_id,
                        product_id=shop_agent.product_ids[k],
                        commission_bps=int(rng.integers(5, 31)) * 100,
                    )
    with db.transaction() as session:
        weights = np.array([c.follower_weight for c in pop.creators])
        follow_p = np.minimum(0.9, weights / weights.sum() * 3.0)
        for b in pop.buyers:
            if b.opens_on_day is not None:
                continue  # a review farm opens its accounts during the run
            # an account opened long ago is aged: registered on a clock set back to then
            opened = ManualClock(clock.now() - timedelta(days=b.registered_days_ago))
            user = _user(
                session, opened, passwords, sim_email("buyer", b.index, tag), f"老铁{b.index}"
            )
            b.user_id = user.id
            if b.kind == "fake":
                continue
            draws = rng.random(len(pop.creators))
            for c in pop.creators:
                liked = max(b.preferences.get(cat, 0.0) for cat in c.categories) * len(
                    b.preferences
                )
                if draws[c.index] < follow_p[c.index] * min(2.0, 0.5 + liked):
                    creators.follow_creator(
                        session, clock, user_id=user.id, creator_id=c.creator_id
                    )
                    b.follows.add(c.index)
        world.emails["buyer"] = sim_email(
            "buyer", next(b.index for b in pop.buyers if b.kind == "normal"), tag
        )
        ids = [
            world.operator.id,
            *(s.owner_user_id for s in pop.shops),
            *(c.user_id for c in pop.creators),
            *(b.user_id for b in pop.buyers if b.user_id),
        ]
        for user_id in sorted(set(ids)):
            user = accounts.get_user(session, user_id)
            world.principals[user_id] = Principal(user, accounts.roles_of(session, user_id))
    return world


def open_buyer_account(
    session: Session,
    clock: Clock,
    world: World,
    b: BuyerAgent,
    *,
    tag: str = "",
    passwords: Passwords | None = None,
) -> None:
    """Open a buyer's account now (a review farm's fresh account) and make it a caller."""
    passwords = passwords or Passwords(time_cost=1, memory_kib=1024)
    user = _user(session, clock, passwords, sim_email("buyer", b.index, tag), f"老铁{b.index}")
    b.user_id = user.id
    world.principals[user.id] = Principal(user, accounts.roles_of(session, user.id))
