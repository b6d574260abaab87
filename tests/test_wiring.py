"""Every process that delivers events or runs deadlines registers the same subscribers and due
steps: one that registered fewer would mark events delivered with the missing subscribers never
run. Each entry point is imported in a fresh interpreter, as it is when it starts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
import {module}
from shijing.core.deadlines import due
from shijing.core.outbox import bus
print(json.dumps({{
    "due": sorted(due.steps),
    "subscribers": sorted(f"{{name}}:{{key}}" for name, subs in bus.handlers.items()
                          for key, _ in subs),
}}))
"""


def _registered(module: str) -> dict[str, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found: dict[str, list[str]] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


@pytest.fixture(scope="module")
def server() -> dict[str, list[str]]:
    return _registered("shijing.web.app")


@pytest.mark.parametrize("module", ["shijing.cli", "shijing.sim.engine"])
def test_worker_and_simulator_register_what_the_server_does(
    server: dict[str, list[str]], module: str
) -> None:
    found = _registered(module)
    assert found["due"] == server["due"]
    # the server also registers the live-room bridge (the worker adds it when it starts)
    assert set(found["subscribers"]) == {
        s for s in server["subscribers"] if not s.split(":", 1)[1].startswith("web.live.")
    }
    assert "trust.daily_scores" in found["due"]
    assert "guarantees.pay_claims" in found["due"]
    assert any(s.startswith("guarantee.claim_approved:") for s in found["subscribers"])
