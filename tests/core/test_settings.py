from __future__ import annotations

import pytest
from pydantic import ValidationError

from shijing.core.settings import PLACEHOLDER_SECRET, Settings


def test_placeholder_secret_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="SHIJING_SECRET_KEY"):
        Settings(environment="production", secret_key=PLACEHOLDER_SECRET)


def test_placeholder_secret_is_fine_in_development() -> None:
    assert Settings(environment="development").secret_key == PLACEHOLDER_SECRET


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIJING_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("SHIJING_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"


def test_a_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIJING_SESSION_DAYS", "-3")
    with pytest.raises(ValidationError, match="session_days"):
        Settings()
