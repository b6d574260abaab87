"""Fingerprints of what an order was placed with: the buyer's device, the ship-to address, the
payment instrument. Integrity links accounts through them (a ring shares a few phones and a few
addresses), so they are stored, but only as a keyed hash: the raw device id, address or
instrument never leaves the row it came from, and without the key the hash cannot be matched
against a guessed value.

The key is derived from the settings' ``secret_key`` (HMAC-SHA256 with a fixed label), so a
deployment's fingerprints are stable across restarts and differ between deployments.

Where a device id comes from: the API takes the client's ``X-Device-Id`` header (optional); a
page purchase uses the ``shijing_device`` cookie when the browser has one, else the page session
cookie (one login on one browser is the closest thing to a device a page has).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache

from shijing.core.errors import InvalidInput
from shijing.core.settings import get_settings

DEVICE_HEADER = "X-Device-Id"
DEVICE_COOKIE = "shijing_device"
MAX_DEVICE_ID = 128
HEX_CHARS = 32  # 128 bits of the HMAC: ample to tell devices apart, short to store and index
_LABEL = b"shijing.fingerprint.v1"
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()


def normalise(text: str) -> str:
    """NFKC, whitespace collapsed to one space and trimmed, case-folded: ``"Ａ  b"`` → ``"a b"``."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def fingerprint(value: str, *, secret: str | None = None) -> str:
    """The keyed hash (32 hex characters) of a normalised value."""
    return _hash(normalise(value), secret)


def _hash(normalised: str, secret: str | None) -> str:
    key = _key(secret if secret is not None else get_settings().secret_key)
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()[:HEX_CHARS]


def address_fingerprint(
    province: str, city: str, address: str, *, secret: str | None = None
) -> str:
    """The fingerprint of a ship-to address: province, city and street, not name or phone."""
    parts = (normalise(province), normalise(city), normalise(address))
    return _hash("\n".join(parts), secret)  # a normalised part never holds a newline


def device_fingerprint(device_id: str | None, *, secret: str | None = None) -> str | None:
    """The fingerprint of a client's device id; None when there is none. A device id longer
    than 128 characters, or with control characters, is a 422 on ``device_id``."""
    if device_id is None:
        return None
    if not device_id.strip():
        return None
    if len(device_id) > MAX_DEVICE_ID:
        raise InvalidInput(f"at most {MAX_DEVICE_ID} characters", field="device_id")
    if any(unicodedata.category(ch) == "Cc" for ch in device_id):
        raise InvalidInput("must not contain control characters", field="device_id")
    return fingerprint(device_id, secret=secret)
