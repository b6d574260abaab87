"""Settings read from the environment (prefix ``SHIJING_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-in-production"


class Settings(BaseSettings):
    """Every knob an operator can turn. Defaults give a working embedded development setup."""

    model_config = SettingsConfigDict(env_prefix="SHIJING_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(
        default=f"sqlite:///{Path('var/shijing.sqlite').as_posix()}",
        description="SQLAlchemy URL; sqlite:///path or postgresql+psycopg://user@host/db",
    )
    secret_key: str = Field(default=PLACEHOLDER_SECRET, min_length=16)
    redis_url: str | None = Field(default=None, description="enables Redis for rate limits")
    log_level: str = "INFO"
    log_json: bool = True
    session_days: int = Field(default=14, gt=0, description="page session lifetime")
    api_token_days: int = Field(default=30, gt=0, description="default API token lifetime")
    login_max_failures: int = Field(default=5, gt=0, description="failed logins per window")
    login_window_seconds: int = Field(default=900, gt=0)
    dispatcher_poll_seconds: float = Field(default=1.0, gt=0)
    cookie_secure: bool = False
    password_time_cost: int = Field(default=3, ge=1, description="Argon2id iterations")
    password_memory_kib: int = Field(default=65536, ge=1024, description="Argon2id memory")
    auto_complete_days: int = Field(
        default=7, ge=1, le=90, description="days after delivery until an order completes itself"
    )
    unpaid_cancel_minutes: int = Field(
        default=30, ge=1, le=1440, description="minutes an unpaid order waits before cancelling"
    )
    payment_webhook_secret: str = Field(
        default="whsec-simulated-gateway-development",
        min_length=16,
        description="HMAC secret the (simulated) payment gateway signs its webhooks with",
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError(
                "SHIJING_SECRET_KEY is still the placeholder; set a random secret for production"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
