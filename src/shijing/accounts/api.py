"""HTTP API of the accounts domain: register, log in (get a token), tokens, password."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from shijing.accounts import service
from shijing.accounts.deps import CurrentPrincipal, LimiterDep, PasswordsDep
from shijing.accounts.schemas import (
    LoginIn,
    NewTokenOut,
    PasswordChangeIn,
    RegisterIn,
    TokenCreateIn,
    TokenOut,
    UserOut,
)
from shijing.accounts.service import Principal
from shijing.core.errors import NotAuthenticated
from shijing.core.http import ClockDep, DbSession, SettingsDep, client_address

router = APIRouter(tags=["accounts"])


def user_out(principal: Principal) -> UserOut:
    user = principal.user
    return UserOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=sorted(principal.roles),
        created_at=user.created_at,
    )


@router.post("/auth/register", status_code=status.HTTP_201_CREATED, response_model=UserOut)
def register(
    body: RegisterIn, session: DbSession, clock: ClockDep, passwords: PasswordsDep
) -> UserOut:
    user = service.register_user(
        session,
        clock,
        passwords,
        email=str(body.email),
        password=body.password,
        display_name=body.display_name,
    )
    return user_out(Principal(user=user, roles=service.roles_of(session, user.id)))


@router.post("/auth/login", status_code=status.HTTP_201_CREATED, response_model=NewTokenOut)
def login(
    body: LoginIn,
    request: Request,
    session: DbSession,
    clock: ClockDep,
    passwords: PasswordsDep,
    limiter: LimiterDep,
    settings: SettingsDep,
) -> NewTokenOut:
    """Exchange email and password for a bearer token."""
    user = service.authenticate(
        session,
        clock,
        passwords,
        limiter,
        email=body.email,
        password=body.password,
        client=client_address(request),
    )
    token, clear = service.create_api_token(
        session, clock, user, name=body.token_name, days=settings.api_token_days
    )
    return NewTokenOut(**TokenOut.model_validate(token).model_dump(), token=clear)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(principal: CurrentPrincipal, session: DbSession, clock: ClockDep) -> None:
    """Revoke the token this request was made with."""
    if principal.api_token_id is None:
        raise NotAuthenticated("log out of the API with the token to revoke")
    service.revoke_api_token(session, clock, principal.user, principal.api_token_id)


@router.get("/me", response_model=UserOut)
def me(principal: CurrentPrincipal) -> UserOut:
    return user_out(principal)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    body: PasswordChangeIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
    passwords: PasswordsDep,
) -> None:
    """Change the password; every other token and browser session of the account is ended."""
    service.change_password(
        session,
        clock,
        passwords,
        principal.user,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_api_token_id=principal.api_token_id,
        keep_page_session_id=principal.page_session_id,
    )


@router.get("/me/tokens", response_model=list[TokenOut])
def list_tokens(principal: CurrentPrincipal, session: DbSession) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in service.list_api_tokens(session, principal.user)]


@router.post("/me/tokens", status_code=status.HTTP_201_CREATED, response_model=NewTokenOut)
def create_token(
    body: TokenCreateIn, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> NewTokenOut:
    token, clear = service.create_api_token(
        session, clock, principal.user, name=body.name, days=body.days
    )
    return NewTokenOut(**TokenOut.model_validate(token).model_dump(), token=clear)


@router.delete("/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(
    token_id: int, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> None:
    service.revoke_api_token(session, clock, principal.user, token_id)
