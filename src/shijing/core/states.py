"""Lifecycles as data: a table of allowed transitions per lifecycle and one function applying it.

Each action names the states it may start from and the state it leads to. Anything else is a 409
naming the action and the current state, so "ship a cancelled order" is refused the same way
everywhere, and one test can walk every edge and every forbidden edge.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from shijing.core.errors import Conflict


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str


@dataclass(frozen=True)
class StateMachine:
    name: str
    states: frozenset[str]
    actions: Mapping[str, Transition]

    @classmethod
    def build(
        cls, name: str, states: list[str], actions: Mapping[str, tuple[list[str], str]]
    ) -> StateMachine:
        table = {a: Transition(frozenset(src), dst) for a, (src, dst) in actions.items()}
        known = set(states)
        for action, t in table.items():
            unknown = (t.sources | {t.target}) - known
            if unknown:
                raise ValueError(f"{name}.{action} names unknown states {sorted(unknown)}")
        return cls(name, frozenset(states), table)

    def can(self, state: str, action: str) -> bool:
        t = self.actions.get(action)
        return t is not None and state in t.sources

    def next(self, state: str, action: str) -> str:
        """The state after ``action``; 409 when the current state forbids it."""
        t = self.actions.get(action)
        if t is None:
            raise ValueError(f"{self.name} has no action {action!r}")
        if state not in t.sources:
            doing, now = action.replace("_", " "), state.replace("_", " ")
            raise Conflict(
                f"cannot {doing} a {self.name} that is {now}",
                field="status",
                code="invalid_state",
            )
        return t.target

    def allowed(self) -> Iterator[tuple[str, str, str]]:
        """Every (state, action, next state) the table permits."""
        for action, t in self.actions.items():
            for state in sorted(t.sources):
                yield state, action, t.target

    def forbidden(self) -> Iterator[tuple[str, str]]:
        """Every (state, action) the table refuses."""
        for action, t in self.actions.items():
            for state in sorted(self.states - t.sources):
                yield state, action
