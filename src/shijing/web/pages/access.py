"""Who may see a signed-in page: anonymous callers are sent to sign in and come back; a page shows
who is signed in only once its own check passed (its creator, shop staff, buyer or operator test),
since an error page renders after the request's session has closed."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from shijing.accounts.service import Principal


def sign_in(path: str) -> Response:
    """The sign-in page, which comes back to ``path`` once the caller has signed in."""
    return RedirectResponse(f"/login?next={path}", status_code=303)


def admit(request: Request, principal: Principal) -> None:
    """Show the signed-in user in the page's header: call it once the page's check passed."""
    request.state.principal = principal
