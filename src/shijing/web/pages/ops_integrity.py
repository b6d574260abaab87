"""The operator console's integrity section: the review queue of the blocks the detectors found
(brushing rings, near-copied reviews, return abuse) — open ones first, the most suspicious first,
``?status=`` for one status — each with its members and shops by name, its evidence in numbers
and in a sentence of the page's language beside the detector's own English words, the
fingerprints its members share and a day-by-day timeline of its orders, and the form that
confirms it or dismisses it (which lifts every flag it raised). Below: the latest detection runs
and the latest flags, with the form that lifts one.

The queue's "open first" order and the list of flags are this page's own queries; every change
goes through ``integrity.blocks`` and ``integrity.flags``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from shijing.accounts.deps import MaybePrincipal
from shijing.accounts.service import Principal
from shijing.core.errors import Conflict
from shijing.core.http import ClockDep, DbSession, Id
from shijing.core.pagination import PageParams, fetch_page
from shijing.integrity import blocks, flags, runs
from shijing.integrity.models import BlockStatus, IntegrityBlock, IntegrityFlag, IntegrityRun
from shijing.web import charts
from shijing.web.charts import Chart
from shijing.web.i18n import pick_language, translate
from shijing.web.pages.access import sign_in
from shijing.web.pages.auth import Csrf
from shijing.web.pages.ops_forms import (
    act,
    allow,
    check_choice,
    check_text,
    collect,
    done_id,
    show,
    user_names,
)
from shijing.web.pages.shop import shop_names

router = APIRouter(include_in_schema=False)

BLOCKS_SHOWN = 50  # blocks of the queue per page; the count says how many there are
FLAGS_SHOWN = 50  # the latest flags
RUNS_SHOWN = 10  # the latest detection runs
MEMBERS_SHOWN = 30  # buyers (and shops) of one block named; the rest are counted
TIMELINE_DAYS = 60  # the last days of a block's timeline drawn
NOTE_MAX = 300  # as a block's decision note and a flag's lift reason are stored
DECISIONS = ("confirm", "dismiss")
STATUSES = tuple(s.value for s in BlockStatus)
KINDS = ("block", "flag")  # the two lists whose items the forms act on
BRUSHING = ("brushing.dense", "brushing.incremental", "brushing.fingerprint")
FINGERPRINTS = ("device_fp", "address_fp", "instrument_fp")
# Evidence numbers shown under a block, in this order, and how each is written
PERCENT = ("burst_share", "new_relation_share")
DAYS = ("median_account_age_days", "time_span_days")
EVIDENCE = (
    "orders",
    "reviews",
    "buyers",
    "returns",
    "claims",
    "shops",
    "median_account_age_days",
    "time_span_days",
    "burst_share",
    "new_relation_share",
    "amount_regularity",
    "window_hours",
    "home",
    "away",
    "sample",
)
TEXT_MAX = 120  # characters of a piece of text evidence shown


# -- reading evidence ---------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """A number the evidence holds, None for anything else (the JSON is a detector's)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _count(value: Any) -> int | None:
    found = _number(value)
    return int(found) if found is not None else None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)[:TEXT_MAX]
    return str(value)[:TEXT_MAX]


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def _nouns(lang: str, noun: str, n: int) -> str:
    """A count with its noun, "8 个账号" / "8 accounts" (and "1 account", from an ``.one``
    entry where the language has one)."""
    key = f"ops.integrity.n.{noun}"
    one = translate(lang, f"{key}.one", n=n)
    return one if n == 1 and one != f"{key}.one" else translate(lang, key, n=n)


def _shared(evidence: Mapping[str, Any]) -> dict[str, int]:
    """How many devices, addresses and payment instruments two or more members used."""
    raw = evidence.get("shared_fingerprints")
    found = raw if isinstance(raw, dict) else {}
    return {fp: max(0, _count(found.get(fp)) or 0) for fp in FINGERPRINTS}


def _timeline(evidence: Mapping[str, Any]) -> list[tuple[str, int]]:
    """The block's orders per day (YYYY-MM-DD, n), oldest first; malformed entries left out."""
    raw = evidence.get("timeline")
    days: list[tuple[str, int]] = []
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, list | tuple) and len(entry) == 2 and isinstance(entry[0], str):
            n = _count(entry[1])
            if n is not None and n >= 0:
                days.append((entry[0][:10], n))
    return sorted(days)[-TIMELINE_DAYS:]


def _summary(lang: str, block: IntegrityBlock, shared: dict[str, int]) -> str:
    """One sentence of the block's evidence numbers in the page's language, e.g. "8 个账号在
    4 家店铺下单 32 笔，密度 100%，共用 2 台设备"."""
    evidence = block.evidence if isinstance(block.evidence, dict) else {}

    def n(key: str, default: int) -> int:
        found = _count(evidence.get(key))
        return found if found is not None else default

    buyers = _nouns(lang, "accounts", len(block.buyer_ids or []))
    shops = _nouns(lang, "shops", len(block.shop_ids or []))
    detector = block.detector
    parts: list[str] = []
    if detector in BRUSHING:
        orders = _nouns(lang, "orders", n("orders", len(block.order_ids or [])))
        parts.append(
            translate(
                lang, "ops.integrity.summary.brushing", buyers=buyers, shops=shops, orders=orders
            )
        )
        if block.density is not None:
            parts.append(
                translate(lang, "ops.integrity.summary.density", pct=_percent(block.density))
            )
        what = [_nouns(lang, fp, count) for fp, count in shared.items() if count]
        if what:
            joined = translate(lang, "ops.integrity.list_sep").join(what)
            parts.append(translate(lang, "ops.integrity.summary.shared", what=joined))
    elif detector == "reviews.duplicate":
        reviews = _nouns(lang, "reviews", n("reviews", len(block.review_ids or [])))
        parts.append(
            translate(
                lang, "ops.integrity.summary.duplicate", buyers=buyers, shops=shops, reviews=reviews
            )
        )
    elif detector == "reviews.burst":
        parts.append(
            translate(
                lang,
                "ops.integrity.summary.burst",
                buyers=buyers,
                shops=shops,
                n=n("reviews", len(block.review_ids or [])),
                hours=n("window_hours", 0),
            )
        )
    elif detector == "returns.remote_address":
        parts.append(
            translate(
                lang,
                "ops.integrity.summary.remote",
                n=n("returns", len(block.order_ids or [])),
                home=_text(evidence.get("home", "?")),
                away=_text(evidence.get("away", "?")),
            )
        )
    elif detector == "returns.empty_box":
        parts.append(
            translate(
                lang,
                "ops.integrity.summary.empty_box",
                shops=_nouns(lang, "shops", n("shops", len(block.shop_ids or []))),
                n=n("claims", len(block.order_ids or [])),
            )
        )
    else:
        parts.append(translate(lang, "ops.integrity.summary.other", buyers=buyers, shops=shops))
    return translate(lang, "ops.integrity.sep").join(parts)


def _evidence_rows(lang: str, evidence: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The evidence's numbers (and words) by name, each written as it reads best."""
    rows: list[tuple[str, str]] = []
    for key in EVIDENCE:
        if key not in evidence:
            continue
        value = evidence[key]
        number = _number(value)
        if key in PERCENT:
            shown = _percent(number)
        elif key in DAYS:
            shown = (
                "—" if number is None else translate(lang, "ops.integrity.days", n=f"{number:g}")
            )
        elif key == "amount_regularity":
            shown = "—" if number is None else f"{number:.2f}"
        elif number is not None:
            shown = f"{number:g}"
        else:
            shown = _text(value)
        rows.append((key, shown))
    return rows


# -- the queue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockView:
    """One block as the queue shows it."""

    block: IntegrityBlock
    summary: str
    evidence: list[tuple[str, str]]
    shared: dict[str, int]
    timeline: list[tuple[str, int]]
    chart: Chart
    members: list[int]  # the buyer ids named (the first ``MEMBERS_SHOWN``)
    shops: list[int]
    flags_active: int
    flags_total: int

    @property
    def more_members(self) -> int:
        return len(self.block.buyer_ids or []) - len(self.members)

    @property
    def more_shops(self) -> int:
        return len(self.block.shop_ids or []) - len(self.shops)


def _page_params(offset: str | None) -> PageParams:
    start = int(offset) if offset and offset.isdigit() and len(offset) < 8 else 0
    return PageParams(limit=BLOCKS_SHOWN, offset=start)


def _queue(
    session: Session, status: str | None, paging: PageParams
) -> tuple[list[IntegrityBlock], int]:
    """Blocks of one status (the most suspicious first), or all of them with the open ones
    first."""
    if status:
        return blocks.list_blocks(session, paging, status=status)
    open_first = case((IntegrityBlock.status == BlockStatus.OPEN.value, 0), else_=1)
    query = select(IntegrityBlock).order_by(
        open_first, IntegrityBlock.score.desc(), IntegrityBlock.id
    )
    return fetch_page(session, query, paging)


def _flag_counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per block: its flags in force and all it raised."""
    if not ids:
        return {}
    active = func.sum(case((IntegrityFlag.lifted_at.is_(None), 1), else_=0))
    rows = session.execute(
        select(IntegrityFlag.block_id, active, func.count(IntegrityFlag.id))
        .where(IntegrityFlag.block_id.in_(ids))
        .group_by(IntegrityFlag.block_id)
    )
    return {int(b): (int(a or 0), int(t)) for b, a, t in rows}


def _view(lang: str, block: IntegrityBlock, counts: tuple[int, int]) -> BlockView:
    evidence = block.evidence if isinstance(block.evidence, dict) else {}
    shared = _shared(evidence)
    timeline = _timeline(evidence)
    return BlockView(
        block=block,
        summary=_summary(lang, block, shared),
        evidence=_evidence_rows(lang, evidence),
        shared=shared,
        timeline=timeline,
        chart=charts.bars([(day, float(n)) for day, n in timeline]),
        members=list(block.buyer_ids or [])[:MEMBERS_SHOWN],
        shops=list(block.shop_ids or [])[:MEMBERS_SHOWN],
        flags_active=counts[0],
        flags_total=counts[1],
    )


def _status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(IntegrityBlock.status, func.count(IntegrityBlock.id)).group_by(IntegrityBlock.status)
    )
    found = {str(s): int(n) for s, n in rows}
    return {s: found.get(s, 0) for s in STATUSES}


# -- runs and flags -----------------------------------------------------------------------------


def _written(value: Any) -> str:
    """A run's count as text: a number, a list by its length, a table by its entries."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, list):
        return str(len(value))
    if isinstance(value, dict):
        return ", ".join(f"{k} {_written(v)}" for k, v in value.items())[:TEXT_MAX] or "0"
    return _text(value)


def _run_counts(run: IntegrityRun) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per detector (and the rules, and what was written): each of its counts as text."""
    counts = run.counts if isinstance(run.counts, dict) else {}
    shown: list[tuple[str, list[tuple[str, str]]]] = []
    for detector, value in counts.items():
        items = value.items() if isinstance(value, dict) else [("n", value)]
        shown.append((str(detector), [(str(k), _written(v)) for k, v in items]))
    return shown


def _latest_flags(session: Session) -> tuple[list[IntegrityFlag], int, int]:
    query = select(IntegrityFlag).order_by(IntegrityFlag.created_at.desc(), IntegrityFlag.id.desc())
    found, total = fetch_page(session, query, PageParams(limit=FLAGS_SHOWN, offset=0))
    active = session.scalar(
        select(func.count(IntegrityFlag.id)).where(IntegrityFlag.lifted_at.is_(None))
    )
    return found, total, int(active or 0)


# -- the page -----------------------------------------------------------------------------------


def _integrity_context(
    session: Session, lang: str, *, status: str | None = None, offset: str | None = None
) -> dict[str, Any]:
    chosen = status if status in STATUSES else None
    paging = _page_params(offset)
    found, total = _queue(session, chosen, paging)
    counts = _flag_counts(session, [b.id for b in found])
    views = [_view(lang, b, counts.get(b.id, (0, 0))) for b in found]
    latest, flags_total, flags_active = _latest_flags(session)
    people = {i for v in views for i in v.members}
    people |= {b.decided_by for b in found if b.decided_by is not None}
    people |= {f.subject_id for f in latest if f.subject_kind == "buyer"}
    people |= {f.lifted_by for f in latest if f.lifted_by is not None}
    latest_runs = runs.latest_runs(session, limit=RUNS_SHOWN)
    return {
        "blocks": views,
        "total": total,
        "paging": paging,
        "filter": {"status": chosen or ""},
        "statuses": STATUSES,
        "status_counts": _status_counts(session),
        "people": user_names(session, people),
        "shop_names": shop_names(session, {s for v in views for s in v.shops}),
        "runs": latest_runs,
        "run_counts": {r.id: _run_counts(r) for r in latest_runs},
        "flags": latest,
        "flags_total": flags_total,
        "flags_active": flags_active,
        "note_max": NOTE_MAX,
        "kind": "block",
    }


def _shown(request: Request, session: Session) -> Callable[[], dict[str, Any]]:
    query = request.query_params
    lang = pick_language(request)
    return lambda: _integrity_context(
        session, lang, status=query.get("status"), offset=query.get("offset")
    )


@router.get("/ops/integrity")
def integrity_queue(
    request: Request,
    principal: MaybePrincipal,
    session: DbSession,
    done: str | None = None,
    kind: str | None = None,
) -> Response:
    """The review queue, the latest runs and the latest flags (``?status=``, ``?offset=``;
    ``?done=<id>&kind=block|flag`` marks what was just handled)."""
    if principal is None:
        return sign_in("/ops/integrity")
    allow(request, principal)
    shown = _shown(request, session)()
    shown["done"] = done_id(done)
    shown["kind"] = kind if kind in KINDS else "block"
    return show(request, "integrity", shown)


@router.post("/ops/integrity/blocks/{block_id}/decide")
async def decide_block(
    block_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """Confirm a block (its flags stay) or dismiss it as a false positive (every flag it raised
    is lifted), with a note."""

    def check(values: dict[str, str], lang: str) -> dict[str, str]:
        blocks.get_block(session, block_id)  # 404 for a block that is not there
        return collect(
            action=check_choice(values["action"], DECISIONS, lang),
            note=check_text(values["note"], NOTE_MAX, lang),
        )

    def run(me: Principal, values: dict[str, str]) -> None:
        blocks.decide(
            session,
            clock,
            me,
            block_id=block_id,
            action=values["action"],
            note=values["note"].strip(),
        )

    return await act(
        request,
        principal,
        session,
        "integrity",
        block_id,
        ("action", "note"),
        check,
        run,
        _shown(request, session),
        kind="block",
    )


@router.post("/ops/integrity/flags/{flag_id}/lift")
async def lift_flag(
    flag_id: Id,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """Lift one flag with a reason: from the next run on its order, review or buyer counts in
    scores again."""

    def check(values: dict[str, str], lang: str) -> dict[str, str]:
        flags.get_flag(session, flag_id)  # 404 for a flag that is not there
        return collect(reason=check_text(values["reason"], NOTE_MAX, lang))

    def run(me: Principal, values: dict[str, str]) -> None:
        try:
            flags.lift_flag(session, clock, me, flag_id=flag_id, reason=values["reason"].strip())
        except Conflict as exc:  # lifted already (by someone else, or in another tab)
            raise Conflict(exc.message, field=exc.field, code="flag_lifted") from exc

    return await act(
        request,
        principal,
        session,
        "integrity",
        flag_id,
        ("reason",),
        check,
        run,
        _shown(request, session),
        kind="flag",
    )
