"""Settings of the scoring pipeline, read from the environment (prefix ``SHIJING_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TrustSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHIJING_", env_file=".env", extra="ignore")

    environment: str = "development"
    spark_master: str = Field(default="local[2]", description="Spark master URL (--engine spark)")
    facts_dir: Path = Field(default=Path("var/facts"), description="Parquet fact tables")
    score_daily: bool | None = Field(
        default=None, description="run the daily scoring due step (default: on, off in tests)"
    )

    @property
    def daily_enabled(self) -> bool:
        if self.score_daily is not None:
            return self.score_daily
        return self.environment != "test"


@lru_cache(maxsize=1)
def get_trust_settings() -> TrustSettings:
    return TrustSettings()
