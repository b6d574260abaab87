"""Double-entry ledger: accounts and balanced postings in integer fen. Knows money, not business."""
