"""Every domain's tables on one metadata, for migrations and for checking them."""

from __future__ import annotations

from shijing.accounts import models as accounts_models
from shijing.commerce.aftersales import models as aftersales_models
from shijing.commerce.catalog import models as catalog_models
from shijing.commerce.complaints import models as complaints_models
from shijing.commerce.creators import models as creators_models
from shijing.commerce.live import models as live_models
from shijing.commerce.orders import models as orders_models
from shijing.commerce.payments import models as payments_models
from shijing.commerce.reviews import models as reviews_models
from shijing.commerce.shipping import models as shipping_models
from shijing.commerce.shops import models as shops_models
from shijing.core import outbox
from shijing.core.db import Base
from shijing.guarantees import models as guarantees_models
from shijing.integrity import models as integrity_models
from shijing.ledger import models as ledger_models
from shijing.trust import models as trust_models

metadata = Base.metadata

__all__ = [
    "accounts_models",
    "aftersales_models",
    "catalog_models",
    "complaints_models",
    "creators_models",
    "guarantees_models",
    "integrity_models",
    "ledger_models",
    "live_models",
    "metadata",
    "orders_models",
    "outbox",
    "payments_models",
    "reviews_models",
    "shipping_models",
    "shops_models",
    "trust_models",
]
