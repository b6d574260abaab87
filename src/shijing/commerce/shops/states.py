"""The lifecycles of a shop and of a staff invitation, as data."""

from __future__ import annotations

from enum import StrEnum

from shijing.commerce.shops.models import ShopStatus as S
from shijing.core.states import StateMachine

SHOP = StateMachine.build(
    "shop",
    [s.value for s in S],
    {
        "suspend": ([S.ACTIVE], S.SUSPENDED),  # an operator, with a reason
        "reinstate": ([S.SUSPENDED], S.ACTIVE),  # an operator, with a reason
        # The owner; a suspended shop is reinstated first, so closing is no way round a
        # suspension. Closed is final.
        "close": ([S.ACTIVE], S.CLOSED),
    },
)


class InviteStatus(StrEnum):
    """Derived from the row's times: an invite expires by the clock, not by a job."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


INVITE = StateMachine.build(
    "shop invite",
    [s.value for s in InviteStatus],
    {
        "accept": ([InviteStatus.PENDING], InviteStatus.ACCEPTED),
        "revoke": ([InviteStatus.PENDING], InviteStatus.REVOKED),
    },
)
