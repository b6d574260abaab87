"""Money is an integer number of fen (分, 1/100 yuan). Never floats."""

from __future__ import annotations

import re

_YUAN = re.compile(r"^\s*(-)?\s*¥?\s*(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d{1,2}))?\s*$")


def format_fen(fen: int, *, symbol: str = "¥") -> str:
    """``123450`` → ``¥1,234.50``; negative amounts keep their sign in front."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("money is an integer number of fen")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


def parse_yuan(text: str) -> int:
    """``"¥1,234.5"`` → ``123450`` fen. Raises ValueError for anything that is not an amount."""
    match = _YUAN.match(text)
    if not match:
        raise ValueError(f"not an amount of money: {text!r}")
    negative, whole, frac = match.groups()
    fen = int(whole.replace(",", "")) * 100 + int((frac or "0").ljust(2, "0"))
    return -fen if negative else fen


def percent_of(fen: int, basis_points: int) -> int:
    """A share of an amount in basis points (1/10,000), rounded half up to the fen."""
    return (fen * basis_points + 5_000) // 10_000
