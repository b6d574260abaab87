"""The events the shops domain emits (``shijing.core.outbox.emit``), one name each.

Every payload carries ``shop_id``.
"""

from __future__ import annotations

# owner_user_id, shop_name, main_category, return_province, ship_within_hours
SHOP_CREATED = "shop.created"
SHOP_UPDATED = "shop.updated"  # actor, changed (field names), before, after (their values)
# action, reason, actor (None: the platform), actor_is_operator, "from" and "to" statuses
SHOP_STATUS_CHANGED = "shop.status_changed"
SHOP_STAFF_INVITED = "shop.staff_invited"  # invite_id, invitee_user_id, invited_by, expires_at
SHOP_INVITE_REVOKED = "shop.invite_revoked"  # invite_id, revoked_by
SHOP_STAFF_JOINED = "shop.staff_joined"  # user_id, invite_id, invited_by
SHOP_STAFF_REMOVED = "shop.staff_removed"  # user_id, removed_by
