"""The engines the integrity tests run detectors on (the trust tests' fixtures)."""

from tests.trust.conftest import duck, spark

__all__ = ["duck", "spark"]
