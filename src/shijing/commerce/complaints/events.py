"""The events the complaints domain emits (``shijing.core.outbox.emit``), one name each.

Every payload carries ``complaint_id``, ``shop_id`` or ``creator_id`` (the target; the other is
None), ``order_id`` (or None), ``category`` and ``at``. A transition's event is named after the
status it leads to and also carries ``from_status``, ``by`` (the operator or the complainant),
``note`` and ``filed_at``.
"""

from __future__ import annotations

from collections.abc import Mapping

COMPLAINT_FILED = "complaint.filed"  # complainant_id, target_kind ("shop" or "creator")
COMPLAINT_UNDER_REVIEW = "complaint.under_review"  # an operator took it from the queue
COMPLAINT_UPHELD = "complaint.upheld"  # what the shop's complaint rate counts
COMPLAINT_DISMISSED = "complaint.dismissed"
COMPLAINT_WITHDRAWN = "complaint.withdrawn"

# by the status a complaint has just moved to (``states.COMPLAINT``)
BY_STATUS: Mapping[str, str] = {
    "under_review": COMPLAINT_UNDER_REVIEW,
    "upheld": COMPLAINT_UPHELD,
    "dismissed": COMPLAINT_DISMISSED,
    "withdrawn": COMPLAINT_WITHDRAWN,
}
