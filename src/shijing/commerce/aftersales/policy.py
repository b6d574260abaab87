"""After-sales windows and deadlines: policy, not code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from shijing.commerce.aftersales.models import AfterSaleKind as K
from shijing.commerce.aftersales.models import AfterSaleReason as R

QUALITY_REASONS = frozenset(
    {
        R.QUALITY,
        R.NOT_AS_DESCRIBED,
        R.DAMAGED_IN_TRANSIT,
        R.WRONG_ITEM,
        R.COUNTERFEIT,
        R.DEAD_ON_ARRIVAL,
        R.ALLERGY,
    }
)


@dataclass(frozen=True)
class AfterSalePolicy:
    no_reason_window: timedelta = timedelta(days=7)  # from delivery
    quality_window: timedelta = timedelta(days=30)  # from delivery
    # Reasons with a window of their own (dead on arrival must be reported at once).
    reason_windows: dict[str, timedelta] = field(
        default_factory=lambda: {
            R.DEAD_ON_ARRIVAL.value: timedelta(hours=48),
            R.DAMAGED_IN_TRANSIT.value: timedelta(days=7),
            R.ALLERGY.value: timedelta(days=7),
        }
    )
    # Reasons that need photos or documents.
    evidence_required: frozenset[str] = frozenset(
        {
            R.DAMAGED_IN_TRANSIT.value,
            R.DEAD_ON_ARRIVAL.value,
            R.WRONG_ITEM.value,
            R.COUNTERFEIT.value,
            R.QUALITY.value,
        }
    )
    shop_response: timedelta = timedelta(hours=48)
    buyer_return: timedelta = timedelta(days=7)  # to send the goods back once approved
    shop_receipt: timedelta = timedelta(days=7)  # to confirm a delivered return
    escalation: timedelta = timedelta(days=7)  # to take a rejection to arbitration

    def window(self, reason: str) -> timedelta:
        if reason in self.reason_windows:
            return self.reason_windows[reason]
        if reason == R.NO_REASON_7D.value or reason == R.OTHER.value:
            return self.no_reason_window
        return self.quality_window


POLICY = AfterSalePolicy()

# A no-reason return must come back; "refund only" is for what need not (or cannot) return.
KINDS_FOR_REASON: dict[str, frozenset[str]] = {
    R.NO_REASON_7D.value: frozenset({K.RETURN_REFUND.value, K.EXCHANGE.value}),
}
