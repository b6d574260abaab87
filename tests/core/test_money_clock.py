from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shijing.core.clock import ManualClock, SystemClock, to_display
from shijing.core.money import format_fen, parse_yuan, percent_of


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "¥0.00"),
        (5, "¥0.05"),
        (123450, "¥1,234.50"),
        (-2500, "-¥25.00"),
        (10**11, "¥1,000,000,000.00"),
    ],
)
def test_format_fen(fen: int, text: str) -> None:
    assert format_fen(fen) == text


def test_format_fen_refuses_floats() -> None:
    with pytest.raises(TypeError):
        format_fen(12.5)  # type: ignore[arg-type]


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_parse_is_the_inverse_of_format(fen: int) -> None:
    assert parse_yuan(format_fen(fen)) == fen


@pytest.mark.parametrize("text", ["", "abc", "1.234", "¥1,23.00", "1e5"])
def test_parse_refuses_what_is_not_money(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_yuan(text)


def test_percent_of_rounds_half_up_to_the_fen() -> None:
    assert percent_of(1000, 550) == 55
    assert percent_of(999, 50) == 5  # 4.995 → 5


def test_manual_clock_moves_only_forward() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    clock.advance(timedelta(hours=2))
    assert clock.now() == datetime(2026, 1, 1, 2, tzinfo=UTC)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2026, 1, 1))


def test_system_clock_is_aware_utc_and_display_is_shanghai() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert to_display(datetime(2026, 1, 1, 16, tzinfo=UTC)).hour == 0
