"""CSRF protection for forms: a signed random token in a cookie, repeated in the form (or in an
``X-CSRF-Token`` header for HTMX). A cross-site page can make the browser send the cookie but
cannot read it to repeat it."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from shijing.core.errors import Forbidden

CSRF_COOKIE = "shijing_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()[:32]


def new_token(secret: str) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce)}"


def valid_token(secret: str, token: str | None) -> bool:
    if not token or "." not in token:
        return False
    nonce, _, signature = token.partition(".")
    return hmac.compare_digest(signature, _sign(secret, nonce))


def ensure_token(request: Request, secret: str) -> str:
    """The token for this browser, minting one if it has none (set on the response later)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if valid_token(secret, existing):
        return existing  # type: ignore[return-value]
    token: str | None = getattr(request.state, "new_csrf_token", None)
    if token is None:
        token = new_token(secret)
        request.state.new_csrf_token = token
    return token


def set_cookie_if_new(request: Request, response: Response, *, secure: bool) -> None:
    token = getattr(request.state, "new_csrf_token", None)
    if token:
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/"
        )


async def verify(request: Request, secret: str) -> None:
    """403 unless the form field (or header) repeats the signed cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not (valid_token(secret, cookie) and sent and hmac.compare_digest(sent, cookie or "")):
        raise Forbidden(
            "the form is missing its CSRF token or it does not match", field=CSRF_FIELD, code="csrf"
        )
