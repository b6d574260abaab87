"""``Idempotency-Key``: the first answer to a request is kept and replayed for its repeats.

The key is claimed *before* the work, in the same transaction: a concurrent request with the same
key waits on the unique ``(user_id, scope, key)`` row (PostgreSQL) or on the writer lock (SQLite)
until the first one commits, and then replays its answer, so two racing repeats never do the work
twice. A request that fails leaves no record (its transaction is rolled back), so retrying it
simply tries again. The same key with a different request is a 422 naming ``Idempotency-Key``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.commerce.orders.models import IdempotencyRecord
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100
_IN_PROGRESS = 0


@dataclass
class Claim:
    """What ``claim`` found: a stored answer to replay, or a fresh record to settle."""

    record: IdempotencyRecord
    replay: bool


def fingerprint(*parts: Any) -> str:
    """A stable hash of what makes two requests "the same" (path ids and parsed body)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
            field=HEADER,
            code="invalid_idempotency_key",
        )
    return key


def _find(session: Session, user_id: int, scope: str, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id,
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.key == key,
        )
    )


def _replay(record: IdempotencyRecord, request_hash: str) -> Claim:
    if record.request_hash != request_hash:
        raise InvalidInput(
            "this key was already used for a different request; use a new key",
            field=HEADER,
            code="idempotency_key_reused",
        )
    if record.status_code == _IN_PROGRESS:  # only visible to the request holding it
        raise Conflict(
            "a request with this key is still being processed",
            field=HEADER,
            code="idempotency_in_progress",
        )
    return Claim(record=record, replay=True)


def claim(
    session: Session, clock: Clock, *, user_id: int, scope: str, key: str, request_hash: str
) -> Claim:
    """Claim ``key`` for this request, or find the answer stored for it."""
    key = check_key(key)
    existing = _find(session, user_id, scope, key)
    if existing is not None:
        return _replay(existing, request_hash)
    record = IdempotencyRecord(
        user_id=user_id,
        scope=scope,
        key=key,
        request_hash=request_hash,
        status_code=_IN_PROGRESS,
        response={},
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():  # flushes what is pending first, then the savepoint
            session.add(record)
            session.flush()
    except IntegrityError:  # a concurrent request with the key committed first
        winner = _find(session, user_id, scope, key)
        if winner is None:
            raise Conflict(
                "a request with this key is still being processed",
                field=HEADER,
                code="idempotency_in_progress",
            ) from None
        return _replay(winner, request_hash)
    return Claim(record=record, replay=False)


def settle(session: Session, claimed: Claim, *, status_code: int, response: dict[str, Any]) -> None:
    """Store the answer given to the claiming request."""
    claimed.record.status_code = status_code
    claimed.record.response = response
    session.flush()
