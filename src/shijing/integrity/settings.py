"""Settings of the integrity layer, read from the environment (prefix ``SHIJING_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IntegritySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHIJING_", env_file=".env", extra="ignore")

    environment: str = "development"
    integrity_live: bool | None = Field(
        default=None,
        description="run the incremental brushing detector on every paid order (default: on, "
        "off in tests, which switch it on where they test it)",
    )

    @property
    def live_enabled(self) -> bool:
        if self.integrity_live is not None:
            return self.integrity_live
        return self.environment != "test"


@lru_cache(maxsize=1)
def get_integrity_settings() -> IntegritySettings:
    return IntegritySettings()
