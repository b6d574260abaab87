"""The events the reviews domain emits (``shijing.core.outbox.emit``), one name each.

Every payload carries ``review_id`` and ``shop_id``.
"""

from __future__ import annotations

# order_id, buyer_id, product_id, creator_id, the three ratings, created_at, delivered_at
REVIEW_CREATED = "review.created"
# order_id, product_id, before (the ratings before), the three ratings now, at
REVIEW_UPDATED = "review.updated"
REVIEW_FOLLOWED_UP = "review.followed_up"  # the buyer's follow-up text: at
REVIEW_REPLIED = "review.replied"  # the shop's reply: by, at
REVIEW_HIDDEN = "review.hidden"  # by an operator: order_id, by, reason, at
