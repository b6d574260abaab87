"""What the page tests share: the request headers they send, reading a form's CSRF token off a
page, signing in through the login form, and posting a form with its token."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from tests.factories import PASSWORD

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
HX = {"HX-Request": "true"}


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of the form on ``path`` (the page also sets the browser's cookie)."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def log_in(client: TestClient, email: str) -> None:
    """Sign in through the login form, as a browser would."""
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303


def post_form(
    client: TestClient,
    path: str,
    data: dict[str, str],
    *,
    token_from: str,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Post a form to ``path`` with the CSRF token read off ``token_from``, in English unless
    told otherwise, without following the redirect."""
    body = {"csrf_token": csrf_token(client, token_from), **data}
    return client.post(path, data=body, headers=headers or EN, follow_redirects=False)
