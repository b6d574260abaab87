"""The live-session lifecycle as data: scheduled → live → ended, or scheduled → cancelled."""

from __future__ import annotations

from shijing.commerce.live.models import LiveStatus as S
from shijing.core.errors import Conflict
from shijing.core.states import StateMachine

LIVE_SESSION = StateMachine.build(
    "live session",
    [s.value for s in S],
    {
        "start": ([S.SCHEDULED], S.LIVE),
        "end": ([S.LIVE], S.ENDED),
        "cancel": ([S.SCHEDULED], S.CANCELLED),
    },
)

# The showcase (and the pinned item) can be edited before and during the stream, not after.
SHOWCASE_EDITABLE: frozenset[str] = frozenset({S.SCHEDULED.value, S.LIVE.value})
# Viewers may wait in a scheduled room and watch a live one.
OPEN_TO_VIEWERS: frozenset[str] = frozenset({S.SCHEDULED.value, S.LIVE.value})


def require_showcase_editable(status: str) -> None:
    """409 ``invalid_state`` unless the session is scheduled or live."""
    if status not in SHOWCASE_EDITABLE:
        raise Conflict(
            f"cannot change the showcase of a live session that is {status}",
            field="status",
            code="invalid_state",
        )
