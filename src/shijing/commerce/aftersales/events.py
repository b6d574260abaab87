"""The events the after-sales domain emits (``shijing.core.outbox.emit``), one name each.

Every payload carries ``aftersale_id``, ``order_id``, ``shop_id``, ``buyer_id``, ``kind``,
``reason`` and ``status`` (the after-sale's status after the event). A transition's event is
named after its action (``states.AFTERSALE``) and also carries ``from_status``, ``at``, ``by``
(the acting user; None for a deadline) and the action's detail (``auto``, ``reject_reason``,
``amount_fen``, a ruling's ``ruling``, ``fault`` and ``note``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping

# amount_fen, opened_at, delivered_at, category, creator_id, respond_due_at
AFTERSALE_REQUESTED = "aftersale.requested"
# an operator's ruling in arbitration, before it is enforced by "close", "refund" or
# "rule_return": ruling, fault, note, at, by
AFTERSALE_RULED = "aftersale.ruled"

AFTERSALE_APPROVE_RETURN = "aftersale.approve_return"  # the buyer is to send the goods back
AFTERSALE_REFUND = "aftersale.refund"  # the money went back: amount_fen
# the buyer sent the goods back: shipment_id, carrier_code, tracking_no
AFTERSALE_SHIP_RETURN = "aftersale.ship_return"
AFTERSALE_RECEIVE_RETURN = "aftersale.receive_return"
AFTERSALE_RESHIP = "aftersale.reship"  # an exchange sent out: carrier_code, tracking_no
AFTERSALE_REJECT = "aftersale.reject"  # reject_reason
AFTERSALE_ESCALATE = "aftersale.escalate"  # to arbitration: statement
AFTERSALE_RULE_RETURN = "aftersale.rule_return"  # arbitration for the buyer; goods come back
AFTERSALE_CLOSE = "aftersale.close"  # closed without a refund
AFTERSALE_WITHDRAW = "aftersale.withdraw"  # by the buyer

# by the action just applied (every action of ``states.AFTERSALE``)
BY_ACTION: Mapping[str, str] = {
    "approve_return": AFTERSALE_APPROVE_RETURN,
    "refund": AFTERSALE_REFUND,
    "ship_return": AFTERSALE_SHIP_RETURN,
    "receive_return": AFTERSALE_RECEIVE_RETURN,
    "reship": AFTERSALE_RESHIP,
    "reject": AFTERSALE_REJECT,
    "escalate": AFTERSALE_ESCALATE,
    "rule_return": AFTERSALE_RULE_RETURN,
    "close": AFTERSALE_CLOSE,
    "withdraw": AFTERSALE_WITHDRAW,
}
