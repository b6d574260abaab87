"""Rendering pages: Jinja2 templates with the page language, the CSRF token and the user."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import SQLAlchemyError

from shijing.core.clock import to_display
from shijing.core.money import format_fen
from shijing.core.settings import Settings
from shijing.web import csrf
from shijing.web.i18n import LANGUAGES, pick_language, translate
from shijing.web.pages.forms import htmx, translated

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters["fen"] = format_fen
templates.env.filters["local_time"] = lambda d: to_display(d).strftime("%Y-%m-%d %H:%M")


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    settings: Settings = request.app.state.settings
    lang = pick_language(request)
    values: dict[str, Any] = {
        "lang": lang,
        "languages": LANGUAGES,
        "t": lambda key, **kw: translate(lang, key, **kw),
        "csrf_token": csrf.ensure_token(request, settings.secret_key),
        "principal": getattr(request.state, "principal", None),
        "errors": {},
        "values": {},
        "request_id": getattr(request.state, "request_id", None),
    }
    values.update(context or {})
    response = templates.TemplateResponse(
        request, template, values, status_code=status, headers=headers
    )
    csrf.set_cookie_if_new(request, response, secure=settings.cookie_secure)
    return response


def render_error_page(
    request: Request,
    status: int,
    code: str,
    message: str,
    field: str | None,
    headers: dict[str, str] | None = None,
) -> Response:
    lang = pick_language(request)
    shown = translated(lang, (f"error.{code}",), message)
    if htmx(request):
        return HTMLResponse(
            f'<div class="error" role="alert" data-field="{field or ""}">{_escape(shown)}</div>',
            status_code=status,
            headers=headers,
        )
    return render(
        request,
        "error.html",
        {
            "status": status,
            "code": code,
            "message": shown,
            "principal": _still_readable(getattr(request.state, "principal", None)),
        },
        status=status,
        headers=headers,
    )


def _still_readable(principal: Any) -> Any:
    """The signed-in user as the page header needs them, or None. An error page is rendered
    after the request's transaction was rolled back and its session closed, so the user row
    may no longer load: the page is then shown as to a visitor rather than failing."""
    if principal is None:
        return None
    try:
        name = principal.user.display_name
    except SQLAlchemyError:
        return None
    return SimpleNamespace(user=SimpleNamespace(display_name=name), roles=principal.roles)


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
