"""The after-sale lifecycle as data."""

from __future__ import annotations

from shijing.commerce.aftersales.models import AfterSaleStatus as S
from shijing.core.states import StateMachine

AFTERSALE = StateMachine.build(
    "after-sale",
    [s.value for s in S],
    {
        # the shop (or the deadline) approves a return or an exchange
        "approve_return": ([S.REQUESTED], S.AWAITING_RETURN),
        # money goes back: an approved refund-only request, a received return, a ruling
        "refund": ([S.REQUESTED, S.RETURN_RECEIVED, S.IN_ARBITRATION], S.REFUNDED),
        "ship_return": ([S.AWAITING_RETURN], S.RETURN_SHIPPED),
        "receive_return": ([S.RETURN_SHIPPED], S.RETURN_RECEIVED),
        "reship": ([S.RETURN_RECEIVED], S.EXCHANGED),
        # the shop refuses a request, an exchange's returned goods, or a delivered return
        # that is not what was sold (the buyer may take it to arbitration)
        "reject": ([S.REQUESTED, S.RETURN_SHIPPED, S.RETURN_RECEIVED], S.REJECTED),
        "escalate": ([S.REJECTED], S.IN_ARBITRATION),
        # arbitration for the buyer on a return: the goods still come back first
        "rule_return": ([S.IN_ARBITRATION], S.AWAITING_RETURN),
        "close": ([S.REJECTED, S.IN_ARBITRATION, S.AWAITING_RETURN], S.CLOSED),
        "withdraw": ([S.REQUESTED, S.AWAITING_RETURN], S.WITHDRAWN),
    },
)

OPEN = frozenset(
    {
        S.REQUESTED,
        S.AWAITING_RETURN,
        S.RETURN_SHIPPED,
        S.RETURN_RECEIVED,
        S.REJECTED,
        S.IN_ARBITRATION,
    }
)
