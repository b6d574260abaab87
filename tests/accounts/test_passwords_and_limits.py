from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from redis import Redis

from shijing.accounts import service
from shijing.accounts.passwords import Passwords
from shijing.accounts.ratelimit import LoginRateLimiter, MemoryFailureStore, RedisFailureStore
from shijing.core.clock import ManualClock
from shijing.core.errors import NotAuthenticated, RateLimited
from tests.conftest import IN_CI
from tests.factories import PASSWORD, make_user


def test_hashes_are_argon2id_and_verify() -> None:
    passwords = Passwords(time_cost=1, memory_kib=1024)
    hashed = passwords.hash("老铁 password")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "老铁 password")
    assert not passwords.verify(hashed, "other")
    assert not passwords.verify(None, "anything")


def test_login_rehashes_when_parameters_change(session, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session, clock)
    old_hash = user.password_hash
    stronger = Passwords(time_cost=2, memory_kib=2048)
    limiter = LoginRateLimiter(MemoryFailureStore(clock))
    service.authenticate(
        session, clock, stronger, limiter, email=user.email, password=PASSWORD, client="10.0.0.1"
    )
    assert user.password_hash != old_hash
    assert "t=2" in user.password_hash
    assert stronger.verify(user.password_hash, PASSWORD)


def test_memory_limiter_window(clock: ManualClock) -> None:
    limiter = LoginRateLimiter(MemoryFailureStore(clock), per_account=2, window_seconds=60)
    for _ in range(2):
        limiter.record_failure("a@example.com", None)
    with pytest.raises(RateLimited) as info:
        limiter.check("A@example.com", None)
    assert info.value.retry_after == 60
    clock.advance(timedelta(seconds=61))
    limiter.check("a@example.com", None)


@pytest.fixture
def redis_client() -> Redis:
    client = Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        client.ping()
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"Redis is not reachable: {exc}", pytrace=False)
        pytest.skip(f"Redis is not reachable: {exc}")
    return client


def test_redis_limiter_is_shared_between_processes(redis_client: Redis) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    first = LoginRateLimiter(RedisFailureStore(redis_client, prefix), per_account=3)
    second = LoginRateLimiter(RedisFailureStore(redis_client, prefix), per_account=3)
    for _ in range(3):
        first.record_failure("fan@example.com", "10.1.1.1")
    with pytest.raises(RateLimited) as info:
        second.check("fan@example.com", "10.9.9.9")
    assert 0 < info.value.retry_after <= 900
    second.record_success("fan@example.com")
    first.check("fan@example.com", "10.1.1.1")
    keys = list(redis_client.scan_iter(prefix + "*"))
    assert all(b"fan@example.com" not in k for k in keys)  # emails are not kept in clear
    redis_client.delete(*keys)


def test_authenticate_rejects_inactive_accounts(session, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session, clock)
    user.is_active = False
    limiter = LoginRateLimiter(MemoryFailureStore(clock))
    with pytest.raises(NotAuthenticated):
        service.authenticate(
            session,
            clock,
            Passwords(time_cost=1, memory_kib=1024),
            limiter,
            email=user.email,
            password=PASSWORD,
            client=None,
        )
