"""Commerce's fact tables: their Arrow schemas, shared by the exporter (from SQLite or
PostgreSQL) and the simulator's bulk generator, so both write the same Parquet. Other domains
declare their own tables beside their code (integrity's flags in ``integrity/facts.py``).

Each table is partitioned by ``day`` (UTC date of the fact's first time: placement, opening,
review, filing, flagging), Hive style: ``<root>/<table>/day=YYYY-MM-DD/*.parquet``. Times are
UTC microseconds; money is integer fen; ids are the operational ids.
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

ORDERS = pa.schema(
    [
        ("order_id", pa.int64()),
        ("day", pa.date32()),
        ("placed_at", TS),
        ("buyer_id", pa.int64()),
        ("shop_id", pa.int64()),
        ("creator_id", pa.int64()),  # null: not sold by a creator
        ("product_id", pa.int64()),
        ("category", pa.string()),  # the product's category code (peers: its root)
        ("root_category", pa.string()),
        ("traffic_source", pa.string()),
        ("total_fen", pa.int64()),
        ("status", pa.string()),
        ("paid_at", TS),
        ("ship_due_at", TS),
        ("shipped_at", TS),
        ("picked_up_at", TS),
        ("delivered_at", TS),
        ("completed_at", TS),
        ("cancelled_at", TS),
        ("cancelled_by", pa.string()),  # buyer, shop, system
        ("refunded_fen", pa.int64()),
        # Appended for buyer credit (trust, 2026-12): failed payment attempts on this order and
        # when the buyer's account was opened.
        ("payment_failures", pa.int32()),
        ("buyer_registered_at", TS),
        # Appended for integrity (2026-12): keyed hashes linking accounts that share a device, a
        # ship-to address or a payment instrument (null: not known), and the ship-to province
        # (return-postage farming ships to remote provinces).
        ("device_fp", pa.string()),
        ("address_fp", pa.string()),
        ("instrument_fp", pa.string()),
        ("ship_province", pa.string()),
    ]
)

AFTERSALES = pa.schema(
    [
        ("aftersale_id", pa.int64()),
        ("day", pa.date32()),
        ("order_id", pa.int64()),
        ("shop_id", pa.int64()),
        ("buyer_id", pa.int64()),
        ("creator_id", pa.int64()),
        ("kind", pa.string()),
        ("reason", pa.string()),
        ("status", pa.string()),
        ("opened_at", TS),
        ("responded_at", TS),
        ("auto_approved", pa.bool_()),
        ("amount_fen", pa.int64()),
        ("refunded_fen", pa.int64()),
        ("escalated_at", TS),
        ("ruled_at", TS),
        ("ruling", pa.string()),
        ("fault", pa.string()),  # shop, buyer, carrier, none (null: never ruled)
        ("closed_at", TS),
    ]
)

REVIEWS = pa.schema(
    [
        ("review_id", pa.int64()),
        ("day", pa.date32()),
        ("order_id", pa.int64()),
        ("shop_id", pa.int64()),
        ("creator_id", pa.int64()),
        ("product_id", pa.int64()),
        ("buyer_id", pa.int64()),
        ("created_at", TS),
        ("product_rating", pa.int8()),
        ("logistics_rating", pa.int8()),
        ("service_rating", pa.int8()),
        ("hidden", pa.bool_()),
        # Appended for integrity (2026-12): the review's text, for near-duplicate detection.
        ("text", pa.string()),
    ]
)

COMPLAINTS = pa.schema(
    [
        ("complaint_id", pa.int64()),
        ("day", pa.date32()),
        ("complainant_id", pa.int64()),
        ("target_kind", pa.string()),
        ("shop_id", pa.int64()),
        ("creator_id", pa.int64()),
        ("order_id", pa.int64()),
        ("category", pa.string()),
        ("status", pa.string()),
        ("created_at", TS),
        ("resolved_at", TS),
    ]
)
