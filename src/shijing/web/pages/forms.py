"""What the pages' forms share: reading a form's fields, running the service with a refusal rolled
back, naming the form field a refusal belongs to, saying it in the page's language, and answering
(the section as an HTMX partial, or a redirect that names what was done).

Each console composes these in its own handler (``_act`` / ``_submit`` / ``act``): which
template shows again, and with which status, is the page's own business."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from shijing.core.errors import DomainError, NotFound
from shijing.core.money import parse_yuan
from shijing.web.i18n import translate

FORM = "_form"  # errors that belong to no one field: shown above the form


class FormErrors(Exception):
    """Errors a page found itself before calling a service, by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid form")
        self.errors = errors


def htmx(request: Request) -> bool:
    """Whether the request came from HTMX, which swaps a partial instead of loading a page."""
    return bool(request.headers.get("hx-request"))


def see_other(url: str) -> Response:
    """After a successful post: go (GET) to ``url``."""
    return RedirectResponse(url, status_code=303)


def field_values(form: FormData, fields: Iterable[str], *, strip: bool = True) -> dict[str, str]:
    """The submitted text of each field ("" when it is missing), stripped unless told not to."""
    values = {name: str(form.get(name, "")) for name in fields}
    return {name: value.strip() for name, value in values.items()} if strip else values


def refused(
    session: Session, run: Callable[[], object], *, show_not_found: bool = False
) -> FormErrors | DomainError | None:
    """Run one form's work; None when it went through. The page's own errors or the service's
    refusal come back after the session is rolled back, so nothing is written. ``NotFound``
    goes on to the 404 page (someone else's object looks like no object) unless the page shows
    it next to a field itself."""
    try:
        run()
    except FormErrors as exc:
        session.rollback()
        return exc
    except DomainError as exc:
        session.rollback()
        if isinstance(exc, NotFound) and not show_not_found:
            raise
        return exc
    return None


def form_field(name: str | None, fields: Iterable[str], aliases: Mapping[str, str]) -> str:
    """The form field a service's error names (some services name it differently from the
    form); ``FORM`` when it is none of the form's fields."""
    shown = aliases.get(name or "", name or "")
    return shown if shown in fields else FORM


def translated(lang: str, keys: Iterable[str], default: str) -> str:
    """The first of ``keys`` the page's language has words for, else ``default``."""
    for key in keys:
        text = translate(lang, key)
        if text != key:
            return text
    return default


def explain(lang: str, exc: DomainError, console: str) -> str:
    """A domain error in the page's language: the console's own wording, the shared one, or the
    service's message as a last resort."""
    return translated(lang, (f"{console}.error.{exc.code}", f"error.{exc.code}"), exc.message)


def fen_from_yuan(text: str) -> int | None:
    """Fen from an amount typed in yuan ("12.50", "¥1,200"); None when it is not one. Whether
    zero or a negative amount will do is the form's own rule."""
    try:
        return parse_yuan(text)
    except ValueError:
        return None
