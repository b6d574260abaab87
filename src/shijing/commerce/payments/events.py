"""The events the payments domain emits (``shijing.core.outbox.emit``), one name each.

Every payload carries ``payment_id`` and ``order_id``; a charge's events also carry the caller's
``context`` (buyer and shop ids). The orders domain subscribes to ``PAYMENT_CAPTURED`` and
``PAYMENT_REFUNDED``.
"""

from __future__ import annotations

PAYMENT_CAPTURED = "payment.captured"  # provider, provider_ref, amount_fen, captured_at
PAYMENT_FAILED = "payment.failed"  # provider, amount_fen, failure_code, at
# refund_id, amount_fen, payment_refunded_fen (all refunded on the payment), reason,
# aftersale_id, at
PAYMENT_REFUNDED = "payment.refunded"
