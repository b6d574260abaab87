"""HTTP API of the complaints domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["complaints"])
