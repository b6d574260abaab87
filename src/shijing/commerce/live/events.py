"""The events the live domain emits (``shijing.core.outbox.emit``), one name each.

Every payload carries ``live_session_id``; ``web.live.bridge`` republishes most of them to the
room's viewers.
"""

from __future__ import annotations

LIVE_SCHEDULED = "live.scheduled"  # creator_id, title, scheduled_at, at
LIVE_STARTED = "live.started"  # creator_id, scheduled_at, started_at, viewer_count
# creator_id, started_at, ended_at, and the session's totals: peak_viewers, orders_count, gmv_fen
LIVE_ENDED = "live.ended"
LIVE_CANCELLED = "live.cancelled"  # creator_id, scheduled_at, cancelled_at (never started)
# the whole showcase after any change: items [{item_id, product_id, position}], pinned_item_id
LIVE_SHOWCASE_CHANGED = "live.showcase_changed"
LIVE_SHOWCASE_ADDED = "live.showcase_added"  # item_id, product_id, position, at
LIVE_SHOWCASE_REMOVED = "live.showcase_removed"  # item_id, product_id, at
LIVE_SHOWCASE_REORDERED = "live.showcase_reordered"  # item_ids in their new order, at
LIVE_PINNED = "live.pinned"  # item_id, product_id, pinned_at, previous_item_id
# item_id, product_id, pinned_at (when that pin began), unpinned_at, reason ("replaced", ...)
LIVE_UNPINNED = "live.unpinned"
