"""The events the creators domain emits (``shijing.core.outbox.emit``), one name each.

Every payload carries ``at``; creator events carry ``creator_id`` and ``user_id`` (the creator's
own user, or the follower's for a follow), distribution-plan events ``plan_id``, ``shop_id``,
``product_id`` and the acting ``user_id``.
"""

from __future__ import annotations

CREATOR_OPENED = "creator.opened"  # handle, categories
CREATOR_UPDATED = "creator.updated"  # fields: the names of the fields changed
CREATOR_FOLLOWED = "creator.followed"  # user_id: the follower; follower_count after
CREATOR_UNFOLLOWED = "creator.unfollowed"  # user_id: the follower; follower_count after
DISTRIBUTION_PLAN_PUBLISHED = "distribution_plan.published"  # commission_bps
DISTRIBUTION_PLAN_CLOSED = "distribution_plan.closed"
