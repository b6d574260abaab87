"""FastAPI dependencies for who is asking: bearer tokens for the API, cookies for pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from shijing.accounts import service
from shijing.accounts.models import Role
from shijing.accounts.passwords import Passwords
from shijing.accounts.ratelimit import LoginRateLimiter
from shijing.accounts.service import Principal
from shijing.core.errors import Forbidden, NotAuthenticated, NotFound
from shijing.core.http import ClockDep, DbSession

SESSION_COOKIE = "shijing_session"


def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


def get_login_limiter(request: Request) -> LoginRateLimiter:
    limiter: LoginRateLimiter = request.app.state.login_limiter
    return limiter


def optional_principal(request: Request, session: DbSession, clock: ClockDep) -> Principal | None:
    """The caller, from ``Authorization: Bearer`` or the page session cookie; None if anonymous.

    A bearer header that is present but invalid is an error, not anonymity: a client whose token
    was revoked must learn so."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("use 'Authorization: Bearer <token>'", code="bad_token")
        return service.principal_from_token(session, clock, token.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return service.principal_from_page_session(session, clock, cookie)
    return None


MaybePrincipal = Annotated[Principal | None, Depends(optional_principal, scope="function")]


def current_principal(principal: MaybePrincipal) -> Principal:
    if principal is None:
        raise NotAuthenticated("sign in first")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal, scope="function")]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
LimiterDep = Annotated[LoginRateLimiter, Depends(get_login_limiter)]


def require_role(role: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only holders of ``role`` through (403 for everyone else)."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has(role):
            raise Forbidden(f"only a {role.value} may do this")
        return principal

    return check


OperatorPrincipal = Annotated[Principal, Depends(require_role(Role.OPERATOR), scope="function")]


def ensure_visible(allowed: bool, what: str = "object") -> None:
    """404 when the caller may not see an object: not theirs looks exactly like not there."""
    if not allowed:
        raise NotFound(f"no such {what}")


def owns_or_operates(principal: Principal, owner_user_id: int) -> bool:
    return principal.is_operator or principal.id == owner_user_id
