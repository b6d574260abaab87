"""HTTP API of the creators domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["creators"])
