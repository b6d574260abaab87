"""Entry point for uvicorn: builds the app from the environment (so that workers can import it)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from shijing.core.logs import configure_logging
from shijing.core.settings import get_settings
from shijing.web.app import create_app


def create_from_env() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    return create_app(settings, background=os.environ.get("SHIJING_BACKGROUND", "1") == "1")
