"""The scoring computation, written once as Ibis expressions (DuckDB or Spark run it).

Heavy lifting (filters, joins, aggregates, shrinkage toward the category average and the peer
percentiles) is Ibis. What comes back is small (one row per shop and indicator, per creator, per
buyer); weighting, bands, medians and wording are done on those rows (``scoring``: numpy and
Python), so both engines give identical scores from identical aggregates.

Time: ``as_of`` is a date D; the scores use facts strictly before D 00:00 UTC (T+1), over the
window [D - window_days, D).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shijing.facts.engines import FactsEngine, Seconds
from shijing.facts.export import exported_days
from shijing.integrity import facts as _integrity_facts  # noqa: F401  (the flags scores leave out)
from shijing.trust.definition import (
    ALL_PEERS,
    APPROVED_AFTERSALE_STATUSES,
    CREATOR_OUTCOMES,
    EXCUSED_FAULTS,
    HIGHER_IS_BETTER,
    QUALITY_REASONS,
    BuyerCreditDefinition,
    CreatorScoreDefinition,
    Indicator,
    ShopScoreDefinition,
)

SECONDS_PER_WEEK = 7 * 24 * 3600


@dataclass
class Facts:
    orders: ir.Table
    aftersales: ir.Table
    reviews: ir.Table
    complaints: ir.Table
    flags: ir.Table
    # whole epoch seconds of a timestamp, in the engine's own SQL function
    whole_seconds: Seconds
    # the kinds of subject any flag was ever raised on: an exclusion with no flag of its kind
    # is left out of the query (an anti-join against nothing still probes every row)
    flag_kinds: frozenset[str] = frozenset({"order", "review", "buyer"})


def load_facts(engine: FactsEngine, root: Path, as_of: date, days: int) -> Facts:
    """The fact tables needed to score as of ``as_of`` with windows up to ``days`` long."""
    first = as_of - timedelta(days=days)
    return Facts(
        orders=engine.table(root, "orders", first, as_of),
        aftersales=engine.table(root, "aftersales", first, as_of),
        reviews=engine.table(root, "reviews", first, as_of),
        complaints=engine.table(root, "complaints", first, as_of),
        # flags raised on the day itself too: a detection run's are in force from its day
        flags=engine.table(root, "flags", None, as_of + timedelta(days=1)),
        whole_seconds=engine.whole_seconds,
        flag_kinds=flag_kinds(root, as_of + timedelta(days=1)),
    )


def flag_kinds(root: Path, as_of: date) -> frozenset[str]:
    """The subject kinds of the flags in partitions before ``as_of`` (one small column read)."""
    files = [
        path
        for day in exported_days(root, "flags")
        if day < as_of
        for path in sorted((root / "flags" / f"day={day.isoformat()}").glob("*.parquet"))
    ]
    if not files:
        return frozenset()
    kinds = pq.read_table(files, columns=["subject_kind"], partitioning=None).column(0)
    return frozenset(str(k) for k in pc.unique(kinds).to_pylist() if k is not None)


def _unflagged(f: Facts, t: ir.Table, kind: str, column: str, end: ir.TimestampScalar) -> ir.Table:
    """``t`` without the rows whose ``column`` names a subject flagged (``kind``) at ``end``."""
    if kind not in f.flag_kinds:
        return t
    flagged = _active_flags(f, kind, end)
    return t.anti_join(flagged, t[column] == flagged.flagged_id)


def instant(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _ts(day: date) -> ir.TimestampScalar:
    return ibis.literal(instant(day), type="timestamp('UTC')")


def _int(cond: ir.BooleanValue) -> ir.IntegerValue:
    return cond.fill_null(False).cast("int64")


def _before(col: ir.TimestampValue, end: ir.TimestampScalar) -> ir.BooleanValue:
    return col.notnull() & (col < end)


def _active_flags(f: Facts, kind: str, end: ir.TimestampScalar) -> ir.Table:
    flags = f.flags
    return (
        flags.filter(
            flags.subject_kind == kind,
            flags.effective_at.fill_null(flags.created_at) < end,
            flags.lifted_at.isnull() | (flags.lifted_at >= end),
        )
        .select(flagged_id=flags.subject_id)
        .distinct()
    )


def _window_orders(f: Facts, start: ir.TimestampScalar, end: ir.TimestampScalar) -> ir.Table:
    """Paid, unflagged orders placed in the window."""
    o = f.orders
    o = o.filter(o.placed_at >= start, o.placed_at < end, _before(o.paid_at, end))
    return _unflagged(f, o, "order", "order_id", end)


def _excused_removed(f: Facts, end: ir.TimestampScalar) -> ir.Table:
    """After-sales opened before the end, minus those ruled the buyer's or the carrier's fault."""
    a = f.aftersales
    a = a.filter(a.opened_at < end)
    excused = a.fault.isin(EXCUSED_FAULTS).fill_null(False) & _before(a.ruled_at, end)
    return a.filter(~excused)


def _counted_aftersales(f: Facts, orders: ir.Table, end: ir.TimestampScalar) -> ir.Table:
    """After-sales of the window's orders opened before the end, minus those ruled the buyer's
    or the carrier's fault."""
    a = _excused_removed(f, end)
    keep = orders.select(o_id=orders.order_id)
    return a.semi_join(keep, a.order_id == keep.o_id)


def _quality_return(a: ir.Table, end: ir.TimestampScalar) -> ir.BooleanValue:
    shop_fault = (a.fault == "shop").fill_null(False) & _before(a.ruled_at, end)
    approved = a.status.isin(APPROVED_AFTERSALE_STATUSES).fill_null(False)
    return a.reason.isin(QUALITY_REASONS).fill_null(False) & (approved | shop_fault)


def _counted_reviews(f: Facts, start: ir.TimestampScalar, end: ir.TimestampScalar) -> ir.Table:
    r = f.reviews
    r = r.filter(r.created_at >= start, r.created_at < end, ~r.hidden.fill_null(False))
    r = _unflagged(f, r, "review", "review_id", end)
    return _unflagged(f, r, "order", "order_id", end)


def _upheld_complaints(
    f: Facts, kind: str, start: ir.TimestampScalar, end: ir.TimestampScalar
) -> ir.Table:
    c = f.complaints
    c = c.filter(
        c.target_kind == kind,
        c.status == "upheld",
        c.created_at >= start,
        c.created_at < end,
        _before(c.resolved_at, end),
    )
    return _unflagged(f, c, "order", "order_id", end)


# -- shop experience score ---------------------------------------------------------------------


def shop_indicator_values(f: Facts, as_of: date, d: ShopScoreDefinition) -> ir.Table:
    """Long table: one row per (shop, indicator) with its count ``x`` over its base ``n``
    (for the time indicators, ``x`` is total seconds), the shrunk value and the shop's volume."""
    end, start = _ts(as_of), _ts(as_of - timedelta(days=d.window_days))
    o = _window_orders(f, start, end)
    pickup_known = _before(o.picked_up_at, end) | (
        _before(o.ship_due_at, end) & ~o.cancelled_by.isin(("buyer", "system")).fill_null(False)
    )
    on_time = _before(o.picked_up_at, end) & (o.picked_up_at <= o.ship_due_at)
    delivered = _before(o.delivered_at, end)
    delivery_secs = ibis.ifelse(
        delivered & o.picked_up_at.notnull(),
        f.whole_seconds(o.delivered_at) - f.whole_seconds(o.picked_up_at),
        ibis.null("int64"),
    )
    o = o.mutate(
        pickup_n=_int(pickup_known),
        pickup_x=_int(pickup_known & on_time),
        delivered_n=_int(delivered),
        delivery_secs=delivery_secs,
        cancel_x=_int((o.cancelled_by == "shop") & _before(o.cancelled_at, end)),
    )
    # the after-sales, one row per order, joined to the orders in the same pass (no second read
    # of the orders to find which after-sales belong to the window's orders)
    a = _excused_removed(f, end)
    response_end = ibis.coalesce(a.responded_at, a.closed_at, end)
    response_end = ibis.ifelse(response_end < end, response_end, end)
    a = a.mutate(
        quality=_int(_quality_return(a, end)),
        dispute=_int((a.fault == "shop").fill_null(False) & _before(a.ruled_at, end)),
        response_secs=f.whole_seconds(response_end) - f.whole_seconds(a.opened_at),
    )
    per_order_as = a.group_by(a.order_id.name("as_order")).aggregate(
        quality=a.quality.max(),
        dispute=a.dispute.max(),
        response_n=a.response_secs.count(),
        response_x=a.response_secs.sum(),
    )
    o = o.left_join(per_order_as, o.order_id == per_order_as.as_order)
    # one pass over the orders, by shop and root category (a shop may sell in several)
    by_cat = o.group_by(["shop_id", "root_category"]).aggregate(
        quality_x=o.quality.sum(),
        dispute_x=o.dispute.sum(),
        response_n=o.response_n.sum(),
        response_x=o.response_x.sum(),
        orders=o.order_id.count(),
        pickup_n=o.pickup_n.sum(),
        pickup_x=o.pickup_x.sum(),
        delivered_n=o.delivered_n.sum(),
        delivery_n=o.delivery_secs.count(),
        delivery_x=o.delivery_secs.sum(),
        cancel_x=o.cancel_x.sum(),
    )
    per_shop = by_cat.group_by("shop_id").aggregate(
        quality_x=by_cat.quality_x.sum(),
        dispute_x=by_cat.dispute_x.sum(),
        response_n=by_cat.response_n.sum(),
        response_x=by_cat.response_x.sum(),
        orders=by_cat.orders.sum(),
        pickup_n=by_cat.pickup_n.sum(),
        pickup_x=by_cat.pickup_x.sum(),
        delivered_n=by_cat.delivered_n.sum(),
        delivery_n=by_cat.delivery_n.sum(),
        delivery_x=by_cat.delivery_x.sum(),
        cancel_x=by_cat.cancel_x.sum(),
    )
    # the shop's peers: the root category most of its window orders are in
    rank = ibis.row_number().over(
        group_by=by_cat.shop_id, order_by=[ibis.desc(by_cat.orders), by_cat.root_category]
    )
    cats = by_cat.mutate(r=rank).filter(lambda t: t.r == 0).select("shop_id", "root_category")

    r = _counted_reviews(f, start, end)
    per_shop_r = r.group_by(r.shop_id.name("r_shop")).aggregate(
        review_n=r.review_id.count(), negative_x=_int(r.product_rating <= 2).sum()
    )
    c = _upheld_complaints(f, "shop", start, end)
    per_shop_c = c.group_by(c.shop_id.name("c_shop")).aggregate(complaint_x=c.complaint_id.count())

    s = per_shop.inner_join(cats, "shop_id")
    s = s.left_join(per_shop_r, s.shop_id == per_shop_r.r_shop)
    s = s.left_join(per_shop_c, s.shop_id == per_shop_c.c_shop)

    # One row per shop → one row per (shop, indicator), by unnesting an array of structs: the
    # joined per-shop table is referenced once, so no engine plans (or scans) it eight times.
    counts = {
        Indicator.NEGATIVE_REVIEW_RATE: (s.negative_x, s.review_n),
        Indicator.QUALITY_RETURN_RATE: (s.quality_x, s.delivered_n),
        Indicator.ON_TIME_PICKUP_RATE: (s.pickup_x, s.pickup_n),
        Indicator.DELIVERY_HOURS: (s.delivery_x, s.delivery_n),
        Indicator.COMPLAINT_RATE: (s.complaint_x, s.orders),
        Indicator.DISPUTE_SHOP_FAULT_RATE: (s.dispute_x, s.orders),
        Indicator.AFTERSALE_RESPONSE_HOURS: (s.response_x, s.response_n),
        Indicator.SHOP_CANCEL_RATE: (s.cancel_x, s.orders),
    }
    items = ibis.array(
        [
            ibis.struct(
                {
                    "indicator": ibis.literal(indicator.value),
                    "x": x.fill_null(0).cast("int64"),
                    "n": n.fill_null(0).cast("int64"),
                }
            )
            for indicator, (x, n) in counts.items()
        ]
    )
    long = s.select(
        shop_id=s.shop_id,
        root_category=s.root_category,
        orders=s.orders,
        eligible=s.orders >= d.min_orders,
        item=items.unnest(),
    ).unpack("item")
    # peers: the root category when it has enough eligible shops to rank against, else every
    # eligible shop on the platform (a lone shop must not be "better than all its peers");
    # counted per (category, indicator) after the unnest, where each shop is one row
    category = ibis.window(group_by=[long.root_category, long.indicator])
    category_peers = _int(long.eligible).sum().over(category)
    long = long.mutate(
        peer_group=ibis.ifelse(
            category_peers >= d.min_peers, long.root_category, ibis.literal(ALL_PEERS)
        )
    )

    # Shrinkage toward the peer group's pooled value, with a prior worth ``prior_orders``
    # pseudo-orders. An indicator counted over something other than orders (reviews,
    # after-sales, deliveries) gets the same prior in its own unit: prior_orders times how many
    # of that unit the peers have per order (50 pseudo-orders ≈ 3.5 pseudo-after-sales where 7%
    # of orders open one), so a rare base is not swamped by a prior meant for orders.
    # The "*" group is every shop (those of large categories too), so each figure is taken
    # over the category or over the indicator as a whole, whichever the row's group is.
    is_all = long.peer_group == ALL_PEERS
    in_category = ibis.window(group_by=[long.root_category, long.indicator])
    in_all = ibis.window(group_by=[long.indicator])

    def pooled(col: ir.NumericColumn) -> ir.NumericValue:
        return ibis.ifelse(is_all, col.sum().over(in_all), col.sum().over(in_category))

    cat_x, cat_n, cat_orders = pooled(long.x), pooled(long.n), pooled(long.orders)
    prior = ibis.ifelse(cat_n > 0, cat_x / cat_n, ibis.null("float64"))
    k = ibis.ifelse(
        cat_orders > 0,
        ibis.literal(float(d.prior_orders)) * cat_n / cat_orders,
        ibis.literal(float(d.prior_orders)),
    )
    raw = ibis.ifelse(long.n > 0, long.x / long.n, ibis.null("float64"))
    shrunk_den = long.n + k
    shrunk = ibis.ifelse(
        shrunk_den > 0, (long.x + k * prior.fill_null(0.0)) / shrunk_den, ibis.null("float64")
    )
    long = long.mutate(raw=raw, prior=prior, shrunk=shrunk)
    higher = ibis.literal([i.value for i in HIGHER_IS_BETTER])
    goodness = ibis.ifelse(higher.contains(long.indicator), long.shrunk, -long.shrunk)
    long = long.mutate(goodness=goodness.fill_null(0.0))

    # ranked among the eligible shops of the peer group (the others get no rank)
    is_all = long.peer_group == ALL_PEERS
    by_category = [long.root_category, long.indicator, long.eligible]
    by_all = [long.indicator, long.eligible]
    category_w = ibis.window(group_by=by_category, order_by=long.goodness)
    all_w = ibis.window(group_by=by_all, order_by=long.goodness)
    no_float, no_int = ibis.null("float64"), ibis.null("int64")

    def among_peers(on_category: ir.Value, on_all: ir.Value, none: ir.Value) -> ir.Value:
        return ibis.ifelse(long.eligible, ibis.ifelse(is_all, on_all, on_category), none)

    long = long.mutate(
        cume=among_peers(ibis.cume_dist().over(category_w), ibis.cume_dist().over(all_w), no_float),
        better_than=among_peers(
            ibis.percent_rank().over(category_w), ibis.percent_rank().over(all_w), no_float
        ),
        peers=among_peers(
            long.shop_id.count().over(ibis.window(group_by=by_category)),
            long.shop_id.count().over(ibis.window(group_by=by_all)),
            no_int,
        ),
    )
    return long.select(
        "shop_id",
        "root_category",
        "peer_group",
        "orders",
        "indicator",
        "x",
        "n",
        "raw",
        "prior",
        "shrunk",
        "eligible",
        "cume",
        "better_than",
        "peers",
    )


# -- creator word-of-mouth score ---------------------------------------------------------------


def _creator_orders(f: Facts, as_of: date, d: CreatorScoreDefinition) -> ir.Table:
    """The window's counted orders of creators, each with its weight, value and reasons."""
    end, start = _ts(as_of), _ts(as_of - timedelta(days=d.window_days))
    o = _window_orders(f, start, end)
    o = o.filter(o.creator_id.notnull())
    a = _counted_aftersales(f, o, end)
    bad_returns = a.filter(_quality_return(a, end)).select(bad_order=a.order_id).distinct()
    r = _counted_reviews(f, start, end)
    r = r.select(rv_order=r.order_id, rating=r.product_rating.cast("int64"))
    c = _upheld_complaints(f, "creator", start, end)
    c_shop = _upheld_complaints(f, "shop", start, end)
    complained = ibis.union(
        c.select(c_order=c.order_id), c_shop.select(c_order=c_shop.order_id), distinct=True
    ).filter(lambda t: t.c_order.notnull())
    o = o.left_join(bad_returns, o.order_id == bad_returns.bad_order)
    o = o.left_join(r, o.order_id == r.rv_order)
    o = o.left_join(complained, o.order_id == complained.c_order)
    # why an order went badly (one order may have several reasons; each is counted)
    why = {
        "negative_review": (o.rating <= 2).fill_null(False),
        "quality_return": o.bad_order.notnull(),
        "complaint": o.c_order.notnull(),
        "shop_cancel": ((o.cancelled_by == "shop") & _before(o.cancelled_at, end)).fill_null(False),
    }
    bad = why["negative_review"] | why["quality_return"] | why["complaint"] | why["shop_cancel"]
    known = bad | _before(o.delivered_at, end)
    value = ibis.ifelse(
        bad,
        0.0,
        ibis.ifelse(o.rating.notnull(), (o.rating - 1) / 4.0, float(d.unreviewed_value)),
    )
    weeks = ((f.whole_seconds(end) - f.whole_seconds(o.placed_at)) // SECONDS_PER_WEEK).cast(
        "int64"
    )
    weight = o.total_fen.cast("float64") * (ibis.literal(float(d.weekly_decay)) ** weeks)
    o = o.filter(known).mutate(
        w=weight,
        wv=weight * value,
        bad_i=_int(bad),
        **{f"{k}_i": _int(v) for k, v in why.items()},
        # the weight an order with this reason carries: what the reason costs the outcome
        **{f"{k}_w": ibis.ifelse(v, weight, 0.0) for k, v in why.items()},
    )
    return o


def creator_outcomes(f: Facts, as_of: date, d: CreatorScoreDefinition) -> ir.Table:
    """Per creator: orders counted, the amount-and-recency weighted sum of order outcomes, and
    per reason an order went badly (``CREATOR_OUTCOMES``) how many and what weight."""
    o = _creator_orders(f, as_of, d)
    return o.group_by("creator_id").aggregate(
        orders=o.order_id.count(),
        bad_orders=o.bad_i.sum(),
        weight=o.w.sum(),
        weighted_value=o.wv.sum(),
        **{f"{k}_n": o[f"{k}_i"].sum() for k in CREATOR_OUTCOMES},
        **{f"{k}_w": o[f"{k}_w"].sum() for k in CREATOR_OUTCOMES},
    )


def creator_shops(f: Facts, as_of: date, d: CreatorScoreDefinition) -> ir.Table:
    """Per (creator, shop): the orders the creator sold for the shop in the window and how many
    went badly, so that a creator can see whose goods cost the score."""
    outcomes = _creator_orders(f, as_of, d)
    return outcomes.group_by(["creator_id", "shop_id"]).aggregate(
        orders=outcomes.order_id.count(), bad_orders=outcomes.bad_i.sum()
    )


# -- buyer credit ------------------------------------------------------------------------------


def buyer_aggregates(f: Facts, as_of: date, d: BuyerCreditDefinition) -> ir.Table:
    """Per buyer: account opening, completed orders, returns and what is normal for the
    categories bought, buyer-fault rulings, rejected claims, failed payments, flags.

    Flagged orders count only as flags (a brushed order completes nothing). After-sales with a
    fault ruled are the ruling's: the buyer's count as buyer fault (once, not also as a rejected
    claim), the carrier's or the shop's against nobody here; neither is a return of the
    buyer's own choosing."""
    end, start = _ts(as_of), _ts(as_of - timedelta(days=d.window_days))
    allo = f.orders.filter(f.orders.placed_at >= start, f.orders.placed_at < end)
    flagged_orders = _active_flags(f, "order", end)
    counted = _unflagged(f, allo, "order", "order_id", end)
    paid = counted.filter(_before(counted.paid_at, end))
    a = f.aftersales.filter(f.aftersales.opened_at < end)
    paid_ids = paid.select(p_id=paid.order_id)
    a = a.semi_join(paid_ids, a.order_id == paid_ids.p_id)
    ruled = a.fault.notnull() & _before(a.ruled_at, end)
    refunded = a.filter(((a.refunded_fen > 0) | (a.status == "refunded")) & ~ruled)
    returned_orders = refunded.select(ret_order=refunded.order_id).distinct()
    p = paid.left_join(returned_orders, paid.order_id == returned_orders.ret_order)
    p = p.mutate(returned=_int(p.ret_order.notnull()))
    norm = p.group_by(p.root_category.name("norm_cat")).aggregate(
        norm_rate=p.returned.sum() / p.order_id.count()
    )
    p = p.inner_join(norm, p.root_category == norm.norm_cat)
    per_buyer_paid = p.group_by(p.buyer_id.name("pb")).aggregate(
        paid_orders=p.order_id.count(),
        completed=_int(_before(p.completed_at, end)).sum(),
        returns=p.returned.sum(),
        expected_returns=p.norm_rate.sum(),
    )
    per_buyer = allo.group_by("buyer_id").aggregate(registered_at=allo.buyer_registered_at.max())
    payments = counted.group_by(counted.buyer_id.name("fp")).aggregate(
        failed_payments=counted.payment_failures.fill_null(0).cast("int64").sum()
    )
    claims = a.group_by(a.buyer_id.name("ab")).aggregate(
        buyer_fault=_int(ruled & (a.fault == "buyer")).sum(),
        rejected=_int(((a.status == "rejected") | (a.ruling == "close")) & ~ruled).sum(),
    )
    fo = allo.semi_join(flagged_orders, allo.order_id == flagged_orders.flagged_id)
    order_flags = fo.group_by(fo.buyer_id.name("fb")).aggregate(order_flags=fo.order_id.count())
    buyer_flags = _active_flags(f, "buyer", end).mutate(buyer_flag=1)

    b = per_buyer.left_join(per_buyer_paid, per_buyer.buyer_id == per_buyer_paid.pb)
    b = b.left_join(payments, b.buyer_id == payments.fp)
    b = b.left_join(claims, b.buyer_id == claims.ab)
    b = b.left_join(order_flags, b.buyer_id == order_flags.fb)
    b = b.left_join(buyer_flags, b.buyer_id == buyer_flags.flagged_id)
    return b.select(
        buyer_id=b.buyer_id,
        registered_at=b.registered_at,
        paid_orders=b.paid_orders.fill_null(0),
        completed=b.completed.fill_null(0),
        returns=b.returns.fill_null(0),
        expected_returns=b.expected_returns.fill_null(0.0),
        buyer_fault=b.buyer_fault.fill_null(0),
        rejected=b.rejected.fill_null(0),
        failed_payments=b.failed_payments.fill_null(0),
        flags=(b.order_flags.fill_null(0) + b.buyer_flag.fill_null(0)).cast("int64"),
    )


def data_bounds(engine: FactsEngine, f: Facts) -> tuple[datetime | None, int]:
    """The first order's placement and how many orders there are (for input checks)."""
    o = f.orders
    rows = engine.collect(o.aggregate(first=o.placed_at.min(), n=o.order_id.count()))
    first: datetime | None = rows[0]["first"] if rows else None
    return first, int(rows[0]["n"]) if rows else 0


def collect(engine: FactsEngine, expr: ir.Table) -> list[dict[str, Any]]:
    return engine.collect(expr)
