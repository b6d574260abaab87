"""Failed-login rate limits, per account and per client address.

A fixed window of failures: once a key has ``limit`` failures inside ``window`` seconds, attempts
are refused with 429 until the window ends. In memory by default; in Redis when configured, so
that every server process shares the counts.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from typing import Protocol

from redis import Redis

from shijing.core.clock import Clock
from shijing.core.errors import RateLimited


class FailureStore(Protocol):
    def failures(self, key: str) -> tuple[int, int]:
        """(failures in the current window, seconds until it ends)."""
        ...

    def add_failure(self, key: str, window: int) -> None: ...

    def clear(self, key: str) -> None: ...


class MemoryFailureStore:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}  # key → (count, window end)

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def failures(self, key: str) -> tuple[int, int]:
        with self._lock:
            count, ends = self._windows.get(key, (0, 0.0))
            now = self._now()
            if ends <= now:
                self._windows.pop(key, None)
                return 0, 0
            return count, math.ceil(ends - now)

    def add_failure(self, key: str, window: int) -> None:
        with self._lock:
            now = self._now()
            count, ends = self._windows.get(key, (0, 0.0))
            if ends <= now:
                count, ends = 0, now + window
            self._windows[key] = (count + 1, ends)

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


class RedisFailureStore:
    def __init__(self, client: Redis[bytes], prefix: str = "shijing:login:") -> None:
        self.client = client
        self.prefix = prefix

    def failures(self, key: str) -> tuple[int, int]:
        pipe = self.client.pipeline()
        pipe.get(self.prefix + key)
        pipe.ttl(self.prefix + key)
        raw, ttl = pipe.execute()
        if raw is None:
            return 0, 0
        return int(raw), max(int(ttl), 1)

    def add_failure(self, key: str, window: int) -> None:
        pipe = self.client.pipeline()
        pipe.incr(self.prefix + key)
        pipe.expire(self.prefix + key, window, nx=True)
        pipe.execute()

    def clear(self, key: str) -> None:
        self.client.delete(self.prefix + key)


def _key(kind: str, value: str) -> str:
    # Hash so that emails and addresses are not kept in clear in a shared store.
    return f"{kind}:{hashlib.sha256(value.lower().encode()).hexdigest()[:32]}"


@dataclass
class LoginRateLimiter:
    store: FailureStore
    per_account: int = 5
    per_client: int = 20
    window_seconds: int = 900

    def check(self, email: str, client: str | None) -> None:
        """Refuse with 429 (and Retry-After) when the account or the client is over its limit."""
        checks = [(_key("acct", email), self.per_account)]
        if client:
            checks.append((_key("ip", client), self.per_client))
        for key, limit in checks:
            count, retry_after = self.store.failures(key)
            if count >= limit:
                raise RateLimited(
                    "too many failed sign-in attempts; try again later",
                    retry_after=retry_after,
                )

    def record_failure(self, email: str, client: str | None) -> None:
        self.store.add_failure(_key("acct", email), self.window_seconds)
        if client:
            self.store.add_failure(_key("ip", client), self.window_seconds)

    def record_success(self, email: str) -> None:
        self.store.clear(_key("acct", email))
