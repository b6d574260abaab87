"""Carrier integrations: registered by operators, authenticated by an API key stored as SHA-256.

The clear key is shown once, when the carrier is registered; a lost key means registering the
integration again under a new code (key rotation is not built yet).
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.commerce.shipping import events as shipping_events
from shijing.commerce.shipping.models import Carrier
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotAuthenticated
from shijing.core.outbox import emit
from shijing.core.pagination import PageParams, fetch_page

CARRIER_CODE = re.compile(r"^[a-z0-9]{2,20}$")
MAX_NAME_LENGTH = 40
KEY_PREFIX = "shc_"
BAD_KEY = "the carrier key is missing or invalid"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def normalise_code(code: str, *, field: str = "carrier_code") -> str:
    """A carrier code, trimmed and lower-cased; 422 unless 2–20 letters or digits."""
    value = code.strip().lower()
    if not CARRIER_CODE.fullmatch(value):
        raise InvalidInput("must be 2–20 lowercase letters or digits", field=field)
    return value


def register_carrier(
    session: Session, clock: Clock, *, code: str, name: str
) -> tuple[Carrier, str]:
    """A new carrier integration and its API key (returned once, stored only as a digest)."""
    code = normalise_code(code, field="code")
    name = name.strip()
    if not name:
        raise InvalidInput("must not be empty", field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"must be at most {MAX_NAME_LENGTH} characters", field="name")
    taken = Conflict("a carrier with this code already exists", field="code", code="code_taken")
    if session.scalar(select(Carrier.id).where(Carrier.code == code)) is not None:
        raise taken
    clear = KEY_PREFIX + secrets.token_urlsafe(32)
    carrier = Carrier(code=code, name=name, api_key_hash=_digest(clear), created_at=clock.now())
    session.add(carrier)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent registration of the same code won
        raise taken from exc
    emit(session, clock, shipping_events.CARRIER_REGISTERED, carrier_id=carrier.id, code=code)
    return carrier, clear


def carrier_from_key(session: Session, key: str | None) -> Carrier:
    """The carrier whose API key this is; 401 when missing or unknown."""
    if not key or not key.strip():
        raise NotAuthenticated(BAD_KEY, code="bad_carrier_key")
    carrier = session.scalar(select(Carrier).where(Carrier.api_key_hash == _digest(key.strip())))
    if carrier is None:
        raise NotAuthenticated(BAD_KEY, code="bad_carrier_key")
    return carrier


def find_carrier(session: Session, code: str) -> Carrier | None:
    return session.scalar(select(Carrier).where(Carrier.code == code))


def list_carriers(session: Session, *, page: PageParams | None = None) -> tuple[list[Carrier], int]:
    """Every carrier, by code; the page and the total."""
    return fetch_page(session, select(Carrier).order_by(Carrier.code), page or PageParams())
