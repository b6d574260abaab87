"""HTTP API of the payments domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["payments"])
