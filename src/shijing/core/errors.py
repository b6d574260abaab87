"""Domain errors with a stable code. One handler in the web layer maps them to HTTP."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user can cause. ``code`` is stable; ``message`` is for people."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    """The request is well-formed but a value is not acceptable (422)."""

    status = 422
    code = "invalid"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class Forbidden(DomainError):
    """The role may never do this (403). Not for objects that are someone else's: use NotFound."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """Does not exist, or is not yours: the two are deliberately indistinguishable (404)."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The current state forbids the action, or a unique value is taken (409)."""

    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after
