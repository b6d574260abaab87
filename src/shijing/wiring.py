"""Every module that registers event subscribers and due steps when imported, in one place.

Each process that delivers outbox events or runs deadlines imports this: the server
(``web.app``), ``shijing worker`` and the simulator. A process that imported less would still
deliver every event, marking it done with the missing subscribers never run (a claim never
paid, a badge never re-evaluated): so they all import the same list.
"""

from __future__ import annotations

import shijing.commerce.wiring
import shijing.guarantees.handlers
import shijing.integrity.handlers
import shijing.trust.handlers  # noqa: F401
