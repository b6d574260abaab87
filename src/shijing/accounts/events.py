"""The events the accounts domain emits (``shijing.core.outbox.emit``), one name each.

Every payload carries ``user_id``; nothing else about the person (no email, no password).
"""

from __future__ import annotations

USER_REGISTERED = "user.registered"
USER_ROLE_GRANTED = "user.role_granted"  # role: the role's value ("seller", "operator", ...)
USER_PASSWORD_CHANGED = "user.password_changed"
USER_SIGNED_IN = "user.signed_in"  # a page session was opened
USER_SIGNED_OUT = "user.signed_out"  # a page session was closed
API_TOKEN_CREATED = "api_token.created"  # token_id
API_TOKEN_REVOKED = "api_token.revoked"  # token_id
