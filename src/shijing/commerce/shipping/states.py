"""The shipment lifecycle as data, and how a carrier's tracking event maps onto it.

    created → picked_up → in_transit → delivered
                  └──────────┴──→ failed → in_transit (a failed delivery is retried)

Carriers' events arrive late, twice and out of order; the table is permissive where the parcel's
story is still unambiguous and the service records everything else as history:

- A missing scan does not block a later one: ``in_transit``, ``delivered`` and
  ``failed_delivery`` are accepted straight from ``created`` (the pickup scan was lost or comes
  later). The pickup time is then taken to be the time of that first event, and a pickup scan
  that arrives afterwards with an earlier time corrects it (on-time pickup uses the real scan).
- ``delivered`` is accepted from any non-delivered state, a failed attempt included (the next
  attempt succeeded without a new in-transit scan), and whatever its time: delivery is final.
- An event the table refuses from the current state (a pickup scan after the parcel is already in
  transit, another hub scan while in transit, anything after delivery) is kept in the shipment's
  history but moves nothing, and so is an event older than the one that set the current state
  (a late in-transit scan after a failed attempt must not undo the failure).

A carrier is never answered 409 for a stale event: it would retry it forever.
"""

from __future__ import annotations

from shijing.commerce.shipping.models import ShipmentStatus as S
from shijing.commerce.shipping.models import TrackingKind as K
from shijing.core.states import StateMachine

SHIPMENT = StateMachine.build(
    "shipment",
    [s.value for s in S],
    {
        "pick_up": ([S.CREATED], S.PICKED_UP),
        "transit": ([S.CREATED, S.PICKED_UP, S.FAILED], S.IN_TRANSIT),
        "deliver": ([S.CREATED, S.PICKED_UP, S.IN_TRANSIT, S.FAILED], S.DELIVERED),
        "fail": ([S.CREATED, S.PICKED_UP, S.IN_TRANSIT], S.FAILED),
    },
)

ACTION_OF_KIND: dict[str, str] = {
    K.PICKED_UP.value: "pick_up",
    K.IN_TRANSIT.value: "transit",
    K.DELIVERED.value: "deliver",
    K.FAILED_DELIVERY.value: "fail",
}
