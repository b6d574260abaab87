"""Where the fact tables live and where Spark runs, read from the environment (``SHIJING_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FactsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHIJING_", env_file=".env", extra="ignore")

    spark_master: str = Field(default="local[2]", description="Spark master URL (--engine spark)")
    facts_dir: Path = Field(default=Path("var/facts"), description="Parquet fact tables")


@lru_cache(maxsize=1)
def get_facts_settings() -> FactsSettings:
    return FactsSettings()
