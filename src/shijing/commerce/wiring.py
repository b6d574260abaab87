"""Everything the commerce domains hook into the app: their routers, and (by importing them) the
event subscribers and due-deadline steps they register. The web app and the simulator import this
module; nothing inside commerce does."""

from __future__ import annotations

from fastapi import APIRouter

# Modules that register event subscribers or due steps when imported go here:
#     import shijing.commerce.<domain>.handlers
import shijing.commerce.aftersales.handlers
import shijing.commerce.live.handlers
import shijing.commerce.orders.handlers
import shijing.commerce.payments.handlers
import shijing.commerce.shipping.handlers  # noqa: F401
from shijing.commerce.aftersales.api import router as aftersales_router
from shijing.commerce.catalog.api import router as catalog_router
from shijing.commerce.complaints.api import router as complaints_router
from shijing.commerce.creators.api import router as creators_router
from shijing.commerce.live.api import router as live_router
from shijing.commerce.orders.api import router as orders_router
from shijing.commerce.payments.api import router as payments_router
from shijing.commerce.reviews.api import router as reviews_router
from shijing.commerce.shipping.api import router as shipping_router
from shijing.commerce.shops.api import router as shops_router

ROUTERS: tuple[APIRouter, ...] = (
    shops_router,
    catalog_router,
    creators_router,
    live_router,
    orders_router,
    payments_router,
    shipping_router,
    aftersales_router,
    reviews_router,
    complaints_router,
)
