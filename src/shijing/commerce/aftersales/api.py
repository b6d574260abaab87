"""HTTP API of the aftersales domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["aftersales"])
