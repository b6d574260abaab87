"""On what terms a creator sells a product: as staff of its shop, or under the shop's
distribution plan for it (with its commission). Orders and showcases both ask here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.commerce.catalog.models import Product
from shijing.commerce.creators.models import Creator, DistributionPlan, PlanStatus
from shijing.commerce.shops.models import ShopMember
from shijing.core.errors import InvalidInput


@dataclass(frozen=True)
class SaleTerms:
    creator_id: int
    distribution_plan_id: int | None
    commission_bps: int

    @property
    def own_shop(self) -> bool:
        return self.distribution_plan_id is None


def sale_terms(session: Session, *, creator_id: int, product: Product) -> SaleTerms:
    """The terms, or 422 on ``creator_id`` when this creator may not sell this product."""
    creator = session.get(Creator, creator_id)
    if creator is None:
        raise InvalidInput("no such creator", field="creator_id")
    staff = session.scalar(
        select(ShopMember.id).where(
            ShopMember.shop_id == product.shop_id, ShopMember.user_id == creator.user_id
        )
    )
    if staff is not None:
        return SaleTerms(creator_id=creator.id, distribution_plan_id=None, commission_bps=0)
    plan = session.scalar(
        select(DistributionPlan)
        .where(
            DistributionPlan.product_id == product.id,
            DistributionPlan.status == PlanStatus.ACTIVE.value,
        )
        .order_by(DistributionPlan.id.desc())
    )
    if plan is None:
        raise InvalidInput(
            "this creator may not sell this product: not shop staff and no distribution plan",
            field="creator_id",
        )
    return SaleTerms(
        creator_id=creator.id, distribution_plan_id=plan.id, commission_bps=plan.commission_bps
    )
