"""The events Trust Purchase (guarantees) emits (``shijing.core.outbox.emit``), one name each.

Claim events carry the claim: ``claim_id``, ``code`` (the guarantee), ``order_id``, ``shop_id``,
``buyer_id``, ``status``, ``amount_fen``, and ``at`` and ``by`` (None for the platform). A claim's
transitions are named after the status they lead to and also carry ``from_status`` and the
transition's detail. Badge events carry ``shop_id``, ``status`` (the enrolment's, after it),
``reason``, ``at`` and ``grace_until``.
"""

from __future__ import annotations

from collections.abc import Mapping

GUARANTEE_CATALOGUE_ADDED = "guarantee.catalogue_added"  # version, by_user_id
GUARANTEE_CATALOGUE_ACTIVATED = "guarantee.catalogue_activated"  # version, by_user_id
# the guarantees promised on a new order: order_id, shop_id, buyer_id, codes, catalogue_version
GUARANTEE_PROMISED = "guarantee.promised"

GUARANTEE_CLAIM_OPENED = "guarantee.claim_opened"
GUARANTEE_CLAIM_UNDER_REVIEW = "guarantee.claim_under_review"  # to the operators' queue
GUARANTEE_CLAIM_APPROVED = "guarantee.claim_approved"  # by the rules or an operator; paid next
GUARANTEE_CLAIM_REJECTED = "guarantee.claim_rejected"  # note
GUARANTEE_CLAIM_PAID = "guarantee.claim_paid"  # paid_fen
GUARANTEE_CLAIM_RECOVERED = "guarantee.claim_recovered"  # a fast refund taken back: reason
# the return reached the shop, so the fast refund stands (late: True when it had been
# recovered and the recovery was undone)
GUARANTEE_FAST_REFUND_SETTLED = "guarantee.fast_refund_settled"

GUARANTEE_CLAIM_HELD = "guarantee.claim_held"  # a flag holds the payment: flag_ids

# by the status a claim has just moved to (the targets of ``states.CLAIM``; a new claim's
# ``GUARANTEE_CLAIM_OPENED`` is emitted on its own)
CLAIM_BY_STATUS: Mapping[str, str] = {
    "under_review": GUARANTEE_CLAIM_UNDER_REVIEW,
    "approved": GUARANTEE_CLAIM_APPROVED,
    "held": GUARANTEE_CLAIM_HELD,
    "rejected": GUARANTEE_CLAIM_REJECTED,
    "paid": GUARANTEE_CLAIM_PAID,
    "recovered": GUARANTEE_CLAIM_RECOVERED,
}

GUARANTEE_BADGE_GRANTED = "guarantee.badge_granted"  # the shop qualified and joined
GUARANTEE_BADGE_WARNED = "guarantee.badge_warned"  # no longer qualifies: grace_until is set
GUARANTEE_BADGE_RESTORED = "guarantee.badge_restored"  # qualifies again within the grace
GUARANTEE_BADGE_REVOKED = "guarantee.badge_revoked"  # a counterfeit ruling, or the grace ended
GUARANTEE_BADGE_WITHDRAWN = "guarantee.badge_withdrawn"  # the shop left the programme

# by the badge event's kind (``enrolment._record``; also stored as ``BadgeEvent.kind``)
BADGE_BY_KIND: Mapping[str, str] = {
    "granted": GUARANTEE_BADGE_GRANTED,
    "warned": GUARANTEE_BADGE_WARNED,
    "restored": GUARANTEE_BADGE_RESTORED,
    "revoked": GUARANTEE_BADGE_REVOKED,
    "withdrawn": GUARANTEE_BADGE_WITHDRAWN,
}

# jewellery certificates: certificate_id, number, and shop_id, product_id when recorded or
# order_id when assigned to the piece an order ships
GUARANTEE_CERTIFICATE_RECORDED = "guarantee.certificate_recorded"
GUARANTEE_CERTIFICATE_ASSIGNED = "guarantee.certificate_assigned"
# used phones: inspection_id, imei, and product_id, shop_id when listed or order_id when sold
GUARANTEE_PHONE_LISTED = "guarantee.phone_listed"
GUARANTEE_PHONE_SOLD = "guarantee.phone_sold"
