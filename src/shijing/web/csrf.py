"""CSRF protection for forms: a signed random token in a cookie, repeated in the form (or in an
``X-CSRF-Token`` header for HTMX). A cross-site page can make the browser send the cookie but
cannot read it to repeat it."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from shijing.accounts.deps import SESSION_COOKIE
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


class CookieApiCsrfMiddleware:
    """The API takes the page cookie too (so pages can call it), which makes every cookie-
    authenticated API write a cross-site request target: such writes must repeat the CSRF cookie
    in ``X-CSRF-Token``. Bearer-token calls carry no ambient credentials and are left alone."""

    UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, app: ASGIApp, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in self.UNSAFE
            and scope["path"].startswith("/api/")
        ):
            request = Request(scope)
            if (
                "authorization" not in request.headers
                and request.cookies.get(SESSION_COOKIE)
                and not self._repeated(request)
            ):
                response = JSONResponse(
                    {
                        "error": "csrf",
                        "field": CSRF_HEADER,
                        "message": "a cookie-authenticated write must send X-CSRF-Token",
                    },
                    status_code=403,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _repeated(self, request: Request) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE)
        sent = request.headers.get(CSRF_HEADER)
        return bool(
            valid_token(self.secret, cookie) and sent and hmac.compare_digest(sent, cookie or "")
        )
