"""A sweep over every API route: out-of-range ids, junk ids and junk bodies get a 4xx naming the
problem, never a 500."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.core.clock import ManualClock
from tests.factories import api_login, make_user

PARAM = re.compile(r"{(\w+)}")


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path.startswith("/api/"):
            found += [(method, route.path) for method in sorted(route.methods or ())]
    return found


@pytest.mark.parametrize("role", [None, Role.OPERATOR])
def test_no_route_answers_500_to_junk(
    app: FastAPI, client: TestClient, session: Session, clock: ManualClock, role: Role | None
) -> None:
    user = make_user(session, clock, roles=(role,) if role else ())
    session.commit()
    headers = api_login(client, user.email)
    failures = []
    for method, path in _routes(app):
        for value in ("1099511627776", "-1", "abc"):
            url = PARAM.sub(value, path)
            for body in ({}, {"unexpected": [1, 2]}):
                response = client.request(method, url, json=body, headers=headers)
                if response.status_code >= 500:
                    failures.append((method, url, body, response.status_code))
                elif response.status_code >= 400 and response.headers.get(
                    "content-type", ""
                ).startswith("application/json"):
                    assert {"error", "message", "field"} <= set(response.json()), (method, url)
    assert failures == []
