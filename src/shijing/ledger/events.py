"""The events the ledger emits (``shijing.core.outbox.emit``), one name each."""

from __future__ import annotations

# a balanced transaction was written: transaction_id, kind, idempotency_key, legs
# (account code → amount in fen), at
LEDGER_POSTED = "ledger.posted"
