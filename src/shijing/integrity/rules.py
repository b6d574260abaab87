"""The rule baselines big platforms run, reported beside the dense detector (they flag nothing
themselves: a rule that fires on a shop puts it in the run's report for an operator to look at).

- Shopee's rule: a shop whose orders ÷ unique buyers reach a ratio within one window of hours;
- fingerprint clusters: a device or address used by several buyers;
- new-account bursts: a shop receiving many orders from young accounts in one day.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from shijing.integrity.definition import RulesDefinition

DAY = 86_400


def _shopee(frame: pd.DataFrame, rule: RulesDefinition) -> list[int]:
    window = frame.assign(slot=frame.ts // (rule.window_hours * 3600))
    per = window.groupby(["shop_id", "slot"]).agg(n=("order_id", "size"), u=("buyer_id", "nunique"))
    hit = per[per.n >= rule.orders_per_buyer * per.u]
    return sorted({int(s) for s in hit.index.get_level_values(0)})


def _clusters(frame: pd.DataFrame, rule: RulesDefinition) -> dict[str, int]:
    out: dict[str, int] = {}
    for column in ("device_fp", "address_fp"):
        users = frame.dropna(subset=[column]).groupby(column).buyer_id.nunique()
        out[column] = int((users >= rule.cluster_min_buyers).sum())
    return out


def _new_account_bursts(frame: pd.DataFrame, rule: RulesDefinition) -> list[int]:
    young = frame[(frame.ts - frame.registered.fillna(-1e18)) < rule.new_account_days * DAY]
    per = young.assign(day=young.ts // DAY).groupby(["shop_id", "day"]).order_id.size()
    return sorted({int(s) for s in per[per >= rule.new_account_orders].index.get_level_values(0)})


def report(orders: pa.Table, rule: RulesDefinition) -> dict[str, Any]:
    """What each rule finds in the window's paid orders."""
    if orders.num_rows == 0:
        return {
            "rules.shopee": {"shops": []},
            "rules.fingerprint_clusters": {},
            "rules.new_accounts": {"shops": []},
        }
    frame = orders.select(
        ["order_id", "buyer_id", "shop_id", "ts", "registered", "device_fp", "address_fp"]
    ).to_pandas()
    frame["ts"] = frame.ts.astype(np.int64)
    return {
        "rules.shopee": {"shops": _shopee(frame, rule)},
        "rules.fingerprint_clusters": _clusters(frame, rule),
        "rules.new_accounts": {"shops": _new_account_bursts(frame, rule)},
    }
