"""Factories: keyword-only functions with good defaults that build data through the services."""

from __future__ import annotations

import itertools

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shijing.accounts import service as accounts
from shijing.accounts.models import Role, User
from shijing.accounts.passwords import Passwords
from shijing.core.clock import Clock

PASSWORD = "correct horse battery"
_seq = itertools.count(1)
_passwords = Passwords(time_cost=1, memory_kib=1024)


def make_user(
    session: Session,
    clock: Clock,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    display_name: str | None = None,
    roles: tuple[Role, ...] = (),
) -> User:
    n = next(_seq)
    return accounts.register_user(
        session,
        clock,
        _passwords,
        email=email or f"user{n}@example.com",
        password=password,
        display_name=display_name or f"用户{n}",
        roles=roles,
    )


def api_login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Log in through the API; returns headers carrying the bearer token."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def signed_up(client: TestClient, *, email: str | None = None) -> tuple[str, dict[str, str]]:
    """Register through the API and log in; returns the email and auth headers."""
    email = email or f"api{next(_seq)}@example.com"
    response = client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "display_name": "老铁"}
    )
    assert response.status_code == 201, response.text
    return email, api_login(client, email)
