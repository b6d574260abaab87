"""Settings of the scoring pipeline, read from the environment (prefix ``SHIJING_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from shijing.facts.settings import FactsSettings


class TrustSettings(FactsSettings):
    """The facts' settings (folder, Spark master) and the daily scoring switch."""

    environment: str = "development"
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
