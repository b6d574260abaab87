"""The complaint lifecycle as data."""

from __future__ import annotations

from shijing.commerce.complaints.models import ComplaintStatus as S
from shijing.core.states import StateMachine

COMPLAINT = StateMachine.build(
    "complaint",
    [s.value for s in S],
    {
        "take": ([S.OPEN], S.UNDER_REVIEW),  # an operator picks it from the triage queue
        "uphold": ([S.UNDER_REVIEW], S.UPHELD),
        "dismiss": ([S.OPEN, S.UNDER_REVIEW], S.DISMISSED),
        "withdraw": ([S.OPEN], S.WITHDRAWN),  # the complainant, before review starts
    },
)
