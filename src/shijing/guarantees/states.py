"""The claim lifecycle as data."""

from __future__ import annotations

from shijing.core.states import StateMachine
from shijing.guarantees.models import ClaimStatus as S

CLAIM = StateMachine.build(
    "claim",
    [s.value for s in S],
    {
        "auto_approve": ([S.OPENED], S.APPROVED),  # within the rules that approve by themselves
        "review": ([S.OPENED], S.UNDER_REVIEW),  # to the operators' queue
        "approve": ([S.UNDER_REVIEW], S.APPROVED),
        "reject": ([S.UNDER_REVIEW], S.REJECTED),
        # an integrity flag on the buyer or the order holds the payment (held, not refused) …
        "hold": ([S.APPROVED], S.HELD),
        # … until the last such flag is lifted: approved again, and paid as any approved claim
        "release": ([S.HELD], S.APPROVED),
        "pay": ([S.APPROVED], S.PAID),  # exactly once: the claim row is locked, keys are unique
        "recover": ([S.PAID], S.RECOVERED),  # a fast refund whose return never came back
    },
)
