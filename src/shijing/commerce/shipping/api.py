"""HTTP API of the shipping domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["shipping"])
