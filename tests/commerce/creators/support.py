"""Helpers shared by the creators and live tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.core.outbox import OutboxEvent
from tests.factories import signed_up

API = "/api/v1"


def open_creator(
    client: TestClient, handle: str, **fields: Any
) -> tuple[dict[str, str], dict[str, Any]]:
    """Sign up through the API and open a creator profile; the headers and the profile."""
    _, headers = signed_up(client)
    response = client.post(f"{API}/creators", json={"handle": handle, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return headers, response.json()


def events(session: Session, name: str) -> list[dict[str, Any]]:
    """Payloads of the outbox events with this name, oldest first."""
    session.expire_all()
    rows = session.scalars(
        select(OutboxEvent).where(OutboxEvent.name == name).order_by(OutboxEvent.id)
    )
    return [dict(row.payload) for row in rows]
