"""Helpers shared by the shops and catalogue tests: callers with tokens, and event look-ups."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts import service as accounts
from shijing.accounts.models import Role, User
from shijing.core.clock import Clock
from shijing.core.outbox import OutboxEvent
from tests.factories import make_user

Headers = dict[str, str]


def headers_for(session: Session, clock: Clock, user: User) -> Headers:
    """Bearer headers for ``user``, made through the accounts service (no password round)."""
    _, clear = accounts.create_api_token(session, clock, user, name="test", days=30)
    return {"Authorization": f"Bearer {clear}"}


def user_with_headers(
    session: Session, clock: Clock, *, roles: tuple[Role, ...] = ()
) -> tuple[User, Headers]:
    user = make_user(session, clock, roles=roles)
    return user, headers_for(session, clock, user)


def events(session: Session, name: str) -> list[dict[str, Any]]:
    """The payloads of the events called ``name``, oldest first."""
    rows = session.scalars(
        select(OutboxEvent).where(OutboxEvent.name == name).order_by(OutboxEvent.id)
    )
    return [row.payload for row in rows]


def error(response: Any) -> tuple[int, str | None]:
    """A refusal as (status, field), after checking its JSON shape."""
    body = response.json()
    assert set(body) == {"error", "message", "field"}, body
    return response.status_code, body["field"]
