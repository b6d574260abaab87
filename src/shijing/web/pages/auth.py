"""Pages for signing in and out, registering and changing the password (cookie sessions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from shijing.accounts import service
from shijing.accounts.deps import SESSION_COOKIE, LimiterDep, MaybePrincipal, PasswordsDep
from shijing.accounts.schemas import PasswordChangeIn, RegisterIn
from shijing.core.errors import DomainError
from shijing.core.http import ClockDep, DbSession, SettingsDep, client_address
from shijing.web import csrf
from shijing.web.i18n import LANG_COOKIE, LANGUAGES, pick_language, translate
from shijing.web.pages.access import admit, sign_in
from shijing.web.pages.forms import FORM, translated
from shijing.web.pages.render import render

router = APIRouter(include_in_schema=False)


async def csrf_protected(request: Request, settings: SettingsDep) -> None:
    await csrf.verify(request, settings.secret_key)


Csrf = Annotated[None, Depends(csrf_protected)]


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would let a phishing link borrow our domain.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _validation_errors(lang: str, exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "_form"
        kind = err["type"]
        if kind == "missing" or (kind == "string_too_short" and err.get("input") == ""):
            key = "error.required"
        elif kind == "string_too_short":
            key = "error.too_short"
        elif name == "email":
            key = "error.bad_email"
        else:
            errors.setdefault(name, str(err["msg"]))
            continue
        errors.setdefault(name, translate(lang, key))
    return errors


def _domain_error(lang: str, exc: DomainError) -> dict[str, str]:
    return {exc.field or FORM: translated(lang, (f"error.{exc.code}",), exc.message)}


@router.get("/lang/{code}")
def switch_language(
    code: str, request: Request, settings: SettingsDep, next: str | None = None
) -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", secure=settings.cookie_secure
        )
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login")
async def login(
    request: Request,
    _csrf: Csrf,
    session: DbSession,
    clock: ClockDep,
    passwords: PasswordsDep,
    limiter: LimiterDep,
    settings: SettingsDep,
) -> Response:
    form = await request.form()
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    lang = pick_language(request)
    try:
        user = service.authenticate(
            session,
            clock,
            passwords,
            limiter,
            email=email,
            password=password,
            client=client_address(request),
        )
    except DomainError as exc:
        headers = {"Retry-After": str(exc.retry_after)} if hasattr(exc, "retry_after") else None
        return render(
            request,
            "login.html",
            {
                "errors": {"_form": _domain_error(lang, exc).popitem()[1]},
                "values": {"email": email},
                "next": target,
            },
            status=exc.status,
            headers=headers,
        )
    _page, token = service.start_page_session(session, clock, user, days=settings.session_days)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return response


@router.post("/logout")
def logout(_csrf: Csrf, principal: MaybePrincipal, session: DbSession, clock: ClockDep) -> Response:
    if principal is not None and principal.page_session_id is not None:
        service.end_page_session(session, clock, principal.page_session_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/register")
def register_form(request: Request) -> Response:
    return render(request, "register.html")


@router.post("/register")
async def register(
    request: Request,
    _csrf: Csrf,
    session: DbSession,
    clock: ClockDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("email", "display_name", "password")}
    lang = pick_language(request)
    keep = {"email": values["email"], "display_name": values["display_name"]}
    try:
        body = RegisterIn(**values)
    except ValidationError as exc:
        return render(
            request,
            "register.html",
            {"errors": _validation_errors(lang, exc), "values": keep},
            status=422,
        )
    try:
        user = service.register_user(
            session,
            clock,
            passwords,
            email=str(body.email),
            password=body.password,
            display_name=body.display_name,
        )
    except DomainError as exc:
        session.rollback()  # nothing half-written
        return render(
            request,
            "register.html",
            {"errors": _domain_error(lang, exc), "values": keep},
            status=exc.status,
        )
    _page, token = service.start_page_session(session, clock, user, days=settings.session_days)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return response


@router.get("/account/password")
def password_form(request: Request, principal: MaybePrincipal) -> Response:
    if principal is None:
        return sign_in("/account/password")
    admit(request, principal)
    return render(request, "password.html")


@router.post("/account/password")
async def change_password(
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
    passwords: PasswordsDep,
) -> Response:
    if principal is None:
        return sign_in("/account/password")
    admit(request, principal)
    form = await request.form()
    lang = pick_language(request)
    values = {k: str(form.get(k, "")) for k in ("current_password", "new_password")}
    try:
        body = PasswordChangeIn(**values)
        service.change_password(
            session,
            clock,
            passwords,
            principal.user,
            current_password=body.current_password,
            new_password=body.new_password,
            keep_page_session_id=principal.page_session_id,
        )
    except ValidationError as exc:
        return render(
            request, "password.html", {"errors": _validation_errors(lang, exc)}, status=422
        )
    except DomainError as exc:
        errors = {
            exc.field or "_form": translate(lang, "error.wrong_current")
            if exc.field == "current_password"
            else exc.message
        }
        return render(request, "password.html", {"errors": errors}, status=exc.status)
    return render(request, "password.html", {"done": True})
