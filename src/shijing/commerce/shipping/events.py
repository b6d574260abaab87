"""The events the shipping domain emits (``shijing.core.outbox.emit``), one name each.

Shipment events carry ``shipment_id``, ``order_id``, ``aftersale_id`` (a return's, else None),
``direction`` ("outbound" or "return"), ``carrier_code`` and ``at`` (the carrier's time for a
tracking event).
"""

from __future__ import annotations

from collections.abc import Mapping

CARRIER_REGISTERED = "carrier.registered"  # carrier_id, code
SHIPMENT_CREATED = "shipment.created"  # tracking_no
# inferred: True when no pickup scan came and a later scan implied the pickup
SHIPMENT_PICKED_UP = "shipment.picked_up"
SHIPMENT_IN_TRANSIT = "shipment.in_transit"
SHIPMENT_DELIVERED = "shipment.delivered"
SHIPMENT_FAILED = "shipment.failed"  # a failed delivery attempt (it may be retried)

# by the status a shipment has just moved to (``states.SHIPMENT``; not "created")
BY_STATUS: Mapping[str, str] = {
    "picked_up": SHIPMENT_PICKED_UP,
    "in_transit": SHIPMENT_IN_TRANSIT,
    "delivered": SHIPMENT_DELIVERED,
    "failed": SHIPMENT_FAILED,
}
