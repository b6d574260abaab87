from __future__ import annotations

import pytest

from shijing.core.errors import Conflict
from shijing.core.states import StateMachine

LIGHT = StateMachine.build(
    "light",
    ["off", "on", "broken"],
    {
        "switch_on": (["off"], "on"),
        "switch_off": (["on"], "off"),
        "break": (["off", "on"], "broken"),
    },
)


def test_allowed_and_forbidden_cover_every_pair() -> None:
    allowed = {(s, a) for s, a, _ in LIGHT.allowed()}
    forbidden = set(LIGHT.forbidden())
    assert allowed.isdisjoint(forbidden)
    assert len(allowed | forbidden) == len(LIGHT.states) * len(LIGHT.actions)


def test_next_follows_the_table_and_refuses_with_409() -> None:
    assert LIGHT.next("off", "switch_on") == "on"
    with pytest.raises(Conflict, match="cannot switch on a light that is broken") as info:
        LIGHT.next("broken", "switch_on")
    assert info.value.status == 409


def test_a_table_naming_unknown_states_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown states"):
        StateMachine.build("x", ["a"], {"go": (["a"], "b")})
