"""Accounts over HTTP: registration, login, tokens, password changes, and their bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shijing.accounts.models import User
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from tests.factories import PASSWORD, api_login, signed_up


def _user_count(db: Database) -> int:
    with db.sessions() as s:
        return s.scalar(select(func.count()).select_from(User)) or 0


def test_register_then_me(client: TestClient) -> None:
    _, headers = signed_up(client, email="Fan@Example.com")
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["email"] == "fan@example.com"
    assert me.json()["roles"] == ["buyer"]


def test_email_taken_is_409_naming_the_field_even_with_other_case(
    client: TestClient, db: Database
) -> None:
    signed_up(client, email="laotie@example.com")
    before = _user_count(db)
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "LaoTie@example.com", "password": PASSWORD, "display_name": "x"},
    )
    assert response.status_code == 409
    assert response.json() == {
        "error": "email_taken",
        "field": "email",
        "message": "an account with this email already exists",
    }
    assert _user_count(db) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD, "display_name": "x"}, "email"),
        ({"email": "a@example.com", "password": "short", "display_name": "x"}, "password"),
        ({"email": "a@example.com", "password": PASSWORD, "display_name": ""}, "display_name"),
        ({"email": "a@example.com", "password": PASSWORD}, "display_name"),
        (
            {
                "email": "a@example.com",
                "password": PASSWORD,
                "display_name": "x",
                "role": "operator",
            },
            "role",
        ),
    ],
)
def test_bad_registration_is_422_naming_the_field(
    client: TestClient, db: Database, body: dict[str, str], field: str
) -> None:
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["error"] == "invalid"
    assert _user_count(db) == 0


def test_malformed_json_is_422_not_500(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["message"] == "the request body is not valid JSON"


def test_wrong_password_and_unknown_email_get_the_same_401(client: TestClient) -> None:
    email, _ = signed_up(client)
    wrong = client.post("/api/v1/auth/login", json={"email": email, "password": "wrong password!"})
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "wrong password!"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_failed_logins_are_rate_limited_per_account(client: TestClient, clock: ManualClock) -> None:
    email, _ = signed_up(client)
    for _ in range(5):
        assert (
            client.post(
                "/api/v1/auth/login", json={"email": email, "password": "wrong password!"}
            ).status_code
            == 401
        )
    locked = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    assert locked.json()["error"] == "rate_limited"
    clock.advance(timedelta(seconds=901))
    assert (
        client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code
        == 201
    )


def test_failed_logins_are_rate_limited_per_client_address(client: TestClient) -> None:
    # One address spraying many accounts is stopped even though no account reaches its limit.
    email, _ = signed_up(client)
    for n in range(20):
        client.post(
            "/api/v1/auth/login",
            json={"email": f"victim{n}@example.com", "password": "guess guess"},
        )
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 429


def test_a_successful_login_resets_the_account_count(client: TestClient) -> None:
    email, _ = signed_up(client)
    for _ in range(4):
        client.post("/api/v1/auth/login", json={"email": email, "password": "wrong password!"})
    api_login(client, email)
    for _ in range(4):
        client.post("/api/v1/auth/login", json={"email": email, "password": "wrong password!"})
    assert (
        client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code
        == 201
    )


def test_revoked_token_is_401(client: TestClient) -> None:
    _, headers = signed_up(client)
    created = client.post("/api/v1/me/tokens", json={"name": "ci", "days": 7}, headers=headers)
    assert created.status_code == 201
    second = {"Authorization": f"Bearer {created.json()['token']}"}
    assert client.get("/api/v1/me", headers=second).status_code == 200
    listed = client.get("/api/v1/me/tokens", headers=headers).json()
    assert {t["name"] for t in listed} == {"login", "ci"}
    assert all("token" not in t for t in listed)
    assert (
        client.delete(f"/api/v1/me/tokens/{created.json()['id']}", headers=headers).status_code
        == 204
    )
    response = client.get("/api/v1/me", headers=second)
    assert response.status_code == 401
    assert response.json()["error"] == "bad_token"
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_logout_revokes_the_token_used(client: TestClient) -> None:
    _, headers = signed_up(client)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_expired_token_is_401(client: TestClient, clock: ManualClock) -> None:
    _, headers = signed_up(client)
    clock.advance(timedelta(days=31))
    assert client.get("/api/v1/me", headers=headers).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Bearer shj_madeup", "Token x"])
def test_malformed_or_unknown_authorization_is_401(client: TestClient, header: str) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401


def test_anonymous_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/me").status_code == 401


def test_someone_elses_token_cannot_be_revoked(client: TestClient) -> None:
    _, alice = signed_up(client)
    _, bob = signed_up(client)
    bobs = client.get("/api/v1/me/tokens", headers=bob).json()[0]["id"]
    assert client.delete(f"/api/v1/me/tokens/{bobs}", headers=alice).status_code == 404
    assert client.get("/api/v1/me", headers=bob).status_code == 200


def test_change_password_revokes_other_tokens(client: TestClient) -> None:
    email, headers = signed_up(client)
    other = api_login(client, email)
    bad = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "not it at all", "new_password": "a new secret!"},
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "current_password")
    short = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert (short.status_code, short.json()["field"]) == (422, "new_password")
    ok = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "a new secret!"},
    )
    assert ok.status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=other).status_code == 401
    api_login(client, email, "a new secret!")
    assert (
        client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code
        == 401
    )
