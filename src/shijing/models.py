"""Every domain's tables on one metadata, for migrations and for checking them."""

from __future__ import annotations

from shijing.accounts import models as accounts_models
from shijing.core import outbox
from shijing.core.db import Base

metadata = Base.metadata

__all__ = ["accounts_models", "metadata", "outbox"]
