"""Use-cases of the accounts domain. Functions take a Session and a Clock and only flush."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.accounts import events as account_events
from shijing.accounts.models import ApiToken, PageSession, Role, User, UserRole
from shijing.accounts.passwords import Passwords
from shijing.accounts.ratelimit import LoginRateLimiter
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from shijing.core.outbox import emit

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "shj_"
BAD_CREDENTIALS = "email or password is incorrect"


@dataclass(frozen=True)
class Principal:
    """Who is making a request, and with which rights."""

    user: User
    roles: frozenset[str] = field(default_factory=frozenset)
    api_token_id: int | None = None
    page_session_id: int | None = None

    @property
    def id(self) -> int:
        return self.user.id

    def has(self, role: Role) -> bool:
        return role is Role.BUYER or role.value in self.roles

    @property
    def is_operator(self) -> bool:
        return Role.OPERATOR.value in self.roles


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password_strength(password: str, field_name: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"must be at least {MIN_PASSWORD_LENGTH} characters long", field=field_name
        )


def register_user(
    session: Session,
    clock: Clock,
    passwords: Passwords,
    *,
    email: str,
    password: str,
    display_name: str,
    roles: tuple[Role, ...] = (),
) -> User:
    """Open an account. Every account is a buyer; further roles may be granted at once."""
    email = normalise_email(email)
    _check_password_strength(password)
    if not display_name.strip():
        raise InvalidInput("must not be empty", field="display_name")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(
            "an account with this email already exists", field="email", code="email_taken"
        )
    now = clock.now()
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=passwords.hash(password),
        is_active=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise Conflict(
            "an account with this email already exists", field="email", code="email_taken"
        ) from exc
    for role in roles:
        grant_role(session, clock, user, role)
    emit(session, clock, account_events.USER_REGISTERED, user_id=user.id)
    return user


def grant_role(session: Session, clock: Clock, user: User, role: Role) -> None:
    if role is Role.BUYER:
        return
    exists = session.scalar(
        select(UserRole.id).where(UserRole.user_id == user.id, UserRole.role == role.value)
    )
    if exists is None:
        session.add(UserRole(user_id=user.id, role=role.value, granted_at=clock.now()))
        session.flush()
        emit(session, clock, account_events.USER_ROLE_GRANTED, user_id=user.id, role=role.value)


def roles_of(session: Session, user_id: int) -> frozenset[str]:
    rows = session.scalars(select(UserRole.role).where(UserRole.user_id == user_id))
    return frozenset({Role.BUYER.value, *rows})


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(
    session: Session,
    clock: Clock,
    passwords: Passwords,
    limiter: LoginRateLimiter,
    *,
    email: str,
    password: str,
    client: str | None,
) -> User:
    """Check credentials. Unknown email and wrong password fail the same way, in the same time."""
    email = normalise_email(email)
    limiter.check(email, client)
    user = find_user_by_email(session, email)
    ok = passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        limiter.record_failure(email, client)
        raise NotAuthenticated(BAD_CREDENTIALS, code="bad_credentials")
    limiter.record_success(email)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
        session.flush()
    return user


def change_password(
    session: Session,
    clock: Clock,
    passwords: Passwords,
    user: User,
    *,
    current_password: str,
    new_password: str,
    keep_page_session_id: int | None = None,
    keep_api_token_id: int | None = None,
) -> None:
    """Change the password and sign out every other browser and token of the account."""
    if not passwords.verify(user.password_hash, current_password):
        raise InvalidInput("the current password is incorrect", field="current_password")
    _check_password_strength(new_password, "new_password")
    now = clock.now()
    user.password_hash = passwords.hash(new_password)
    user.password_changed_at = now
    for page in session.scalars(
        select(PageSession).where(PageSession.user_id == user.id, PageSession.ended_at.is_(None))
    ):
        if page.id != keep_page_session_id:
            page.ended_at = now
    for token in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        if token.id != keep_api_token_id:
            token.revoked_at = now
    session.flush()
    emit(session, clock, account_events.USER_PASSWORD_CHANGED, user_id=user.id)


# -- API tokens -------------------------------------------------------------------------------


def create_api_token(
    session: Session, clock: Clock, user: User, *, name: str, days: int
) -> tuple[ApiToken, str]:
    """A new bearer token; the clear token is returned once and never stored."""
    if not name.strip():
        raise InvalidInput("must not be empty", field="name")
    if days <= 0 or days > 365:
        raise InvalidInput("must be between 1 and 365 days", field="days")
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken(
        user_id=user.id,
        name=name.strip(),
        token_hash=_digest(clear),
        prefix=clear[:10],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    emit(session, clock, account_events.API_TOKEN_CREATED, user_id=user.id, token_id=token.id)
    return token, clear


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_api_token(session: Session, clock: Clock, user: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("no such token")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        session.flush()
        emit(session, clock, account_events.API_TOKEN_REVOKED, user_id=user.id, token_id=token.id)
    return token


def principal_from_token(session: Session, clock: Clock, clear: str) -> Principal:
    """The principal behind a bearer token; 401 when unknown, revoked or expired."""
    # Token and user in one round trip: every API request starts here.
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _digest(clear))
    ).one_or_none()
    now = clock.now()
    if row is None:
        raise NotAuthenticated("the token is invalid, expired or revoked", code="bad_token")
    token, user = row
    if token.revoked_at is not None or token.expires_at <= now or not user.is_active:
        raise NotAuthenticated("the token is invalid, expired or revoked", code="bad_token")
    # Writing on every request would serialise reads; a minute's precision is plenty.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return Principal(user=user, roles=roles_of(session, user.id), api_token_id=token.id)


# -- page sessions ----------------------------------------------------------------------------


def start_page_session(
    session: Session, clock: Clock, user: User, *, days: int
) -> tuple[PageSession, str]:
    clear = secrets.token_urlsafe(32)
    now = clock.now()
    page = PageSession(
        user_id=user.id,
        token_hash=_digest(clear),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(page)
    session.flush()
    emit(session, clock, account_events.USER_SIGNED_IN, user_id=user.id)
    return page, clear


def principal_from_page_session(session: Session, clock: Clock, clear: str) -> Principal | None:
    page = session.scalar(select(PageSession).where(PageSession.token_hash == _digest(clear)))
    if page is None or page.ended_at is not None or page.expires_at <= clock.now():
        return None
    user = session.get(User, page.user_id)
    if user is None or not user.is_active:
        return None
    return Principal(user=user, roles=roles_of(session, user.id), page_session_id=page.id)


def end_page_session(session: Session, clock: Clock, page_session_id: int) -> None:
    page = session.get(PageSession, page_session_id)
    if page is not None and page.ended_at is None:
        page.ended_at = clock.now()
        session.flush()
        emit(session, clock, account_events.USER_SIGNED_OUT, user_id=page.user_id)


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0
