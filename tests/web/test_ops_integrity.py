"""The operator console's integrity section, over a block, flags and runs built with the ORM (no
detector runs here): only operators see it; a block shows its members, shops, shared devices,
evidence and timeline, in Chinese and in English, open blocks first; dismissing needs a note,
lifts the block's flags and cannot be followed by a confirmation; a flag is lifted once; a failed
run's error is shown; bad input is answered next to its field and writes nothing, never a 500."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role, User
from shijing.commerce.orders.models import Order
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.integrity.models import IntegrityBlock, IntegrityFlag, IntegrityRun
from tests.factories import make_order, make_product, make_shop, make_user
from tests.guarantees.builders import operator
from tests.web.pages import EN, HX, ZH, csrf_token, log_in, post_form

RING_REASON = (
    "3 accounts placed 4 orders at 2 shops within 2 days; members share 2 devices, 1 addresses"
)
RUN_ERROR = "RuntimeError: the facts export is missing orders.parquet"


@dataclass
class Planted:
    ring: list[User]
    shops: list[Shop]
    orders: list[Order]
    run: IntegrityRun
    failed_run: IntegrityRun
    block: IntegrityBlock  # open brushing ring
    other: IntegrityBlock  # a dismissed block, more suspicious than the open one
    ring_flags: list[IntegrityFlag]
    loose_flag: IntegrityFlag  # an operator's flag, in no block


def _text_of(page: str, element_id: str, until: str = "p|dd|li|td|tr|h3") -> str:
    """The text inside the element with this id (up to its closing tag), unescaped."""
    pattern = rf'id="{re.escape(element_id)}"[^>]*>(.*?)</({until})>'
    match = re.search(pattern, page, re.S)
    assert match, element_id
    text = html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))
    return " ".join(text.split())


def _plant(session: Session, clock: ManualClock) -> Planted:
    now = clock.now()
    ring = [make_user(session, clock, display_name=n) for n in ("刷手甲", "刷手乙", "刷手丙")]
    shops = [make_shop(session, clock, name=n) for n in ("可疑店一", "可疑店二")]
    products = [make_product(session, clock, shop=s) for s in shops]
    orders = [
        make_order(session, clock, buyer=ring[i % 3], product=products[i % 2]) for i in range(4)
    ]
    run = IntegrityRun(
        as_of=date(2026, 11, 28),
        definition_version="v1",
        engine="duckdb",
        trigger="daily",
        status="succeeded",
        error=None,
        counts={
            "brushing.dense": {"orders": 40, "blocks": 1, "orders_flagged": 4},
            "rules.shopee": {"shops": [shops[0].id]},
            "written": {"flags": {"brushing.dense": 7}, "blocks": 1},
        },
        started_at=now - timedelta(hours=2),
        finished_at=now - timedelta(hours=2),
    )
    failed_run = IntegrityRun(
        as_of=date(2026, 11, 29),
        definition_version="v1",
        engine="duckdb",
        trigger="manual",
        status="failed",
        error=RUN_ERROR,
        counts={},
        started_at=now - timedelta(hours=1),
        finished_at=now - timedelta(hours=1),
    )
    session.add_all([run, failed_run])
    session.flush()
    block = IntegrityBlock(
        run_id=run.id,
        detector="brushing.dense",
        definition_version="v1",
        score=0.87,
        density=1.0,
        buyer_ids=[u.id for u in ring],
        shop_ids=[s.id for s in shops],
        order_ids=[o.id for o in orders],
        review_ids=[],
        reason=RING_REASON,
        evidence={
            "orders": 4,
            "median_account_age_days": 2.0,
            "burst_share": 0.75,
            "amount_regularity": 0.9,
            "time_span_days": 1.5,
            "new_relation_share": 1.0,
            "shared_fingerprints": {"device_fp": 2, "address_fp": 1, "instrument_fp": 0},
            "timeline": [["2026-11-26", 3], ["2026-11-27", 1]],
        },
        status="open",
        created_at=now - timedelta(hours=2),
    )
    other = IntegrityBlock(
        run_id=run.id,
        detector="reviews.duplicate",
        definition_version="v1",
        score=0.95,
        density=None,
        buyer_ids=[ring[0].id],
        shop_ids=[shops[1].id],
        order_ids=[],
        review_ids=[],
        reason="2 reviews by 1 buyers at 1 shops are near-copies of one text",
        evidence={"reviews": 2, "buyers": 1, "sample": "质量很好"},
        status="dismissed",
        created_at=now - timedelta(hours=2),
        decided_at=now - timedelta(hours=1),
        decision_note="一家人写的",
    )
    session.add_all([block, other])
    session.flush()

    def flag(kind: str, subject_id: int, reason: str) -> IntegrityFlag:
        return IntegrityFlag(
            subject_kind=kind,
            subject_id=subject_id,
            reason=reason,
            source="integrity",
            created_at=now - timedelta(hours=2),
            detector="brushing.dense",
            definition_version="v1",
            run_id=run.id,
            block_id=block.id,
            score=0.8,
            evidence={},
        )

    ring_flags = [flag("order", o.id, "brushing ring: " + RING_REASON) for o in orders]
    ring_flags += [flag("buyer", u.id, "member of a brushing ring") for u in ring]
    loose_flag = IntegrityFlag(
        subject_kind="buyer",
        subject_id=ring[2].id,
        reason="operator: chargeback pattern",
        source="operator",
        created_at=now - timedelta(minutes=30),
        evidence={},
    )
    session.add_all([*ring_flags, loose_flag])
    session.commit()
    return Planted(ring, shops, orders, run, failed_run, block, other, ring_flags, loose_flag)


def _signed_in_operator(client: TestClient, session: Session, clock: ManualClock) -> User:
    user = operator(session, clock)
    session.commit()
    log_in(client, user.email)
    return user


def _post(
    client: TestClient, path: str, data: dict[str, str], *, headers: dict[str, str] | None = None
) -> httpx.Response:
    return post_form(client, path, data, token_from="/ops/integrity", headers=headers)


def _fresh(session: Session, planted: Planted) -> tuple[IntegrityBlock, list[IntegrityFlag]]:
    session.expire_all()
    block = session.get(IntegrityBlock, planted.block.id)
    assert block is not None
    flags = [session.get(IntegrityFlag, f.id) for f in planted.ring_flags]
    assert all(flags)
    return block, [f for f in flags if f is not None]


# -- access -------------------------------------------------------------------------------------


def test_only_operators_see_the_integrity_section(
    client: TestClient, anon: TestClient, session: Session, clock: ManualClock
) -> None:
    planted = _plant(session, clock)
    away = anon.get("/ops/integrity", follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == "/login?next=/ops/integrity"

    shopper = make_user(session, clock)
    merchant = make_user(session, clock, roles=(Role.MERCHANT,))
    session.commit()
    for who in (shopper, merchant):
        log_in(client, who.email)
        page = client.get("/ops/integrity", headers=EN)
        assert page.status_code == 404
        assert "Page not found" in page.text
        token = csrf_token(client, "/")
        for path, data in (
            (f"/ops/integrity/blocks/{planted.block.id}/decide", {"action": "dismiss"}),
            (f"/ops/integrity/flags/{planted.loose_flag.id}/lift", {}),
        ):
            refused = client.post(
                path,
                data={"csrf_token": token, "note": "x", "reason": "x", **data},
                headers=EN,
                follow_redirects=False,
            )
            assert refused.status_code == 404, path
    block, flags = _fresh(session, planted)
    assert block.status == "open"
    assert all(f.lifted_at is None for f in flags)

    _signed_in_operator(client, session, clock)
    page = client.get("/ops/integrity", headers=EN)
    assert page.status_code == 200, page.text
    assert 'href="/ops/integrity" aria-current="page">Integrity</a>' in page.text
    assert 'href="/ops/integrity">诚信</a>' in client.get("/ops", headers=ZH).text  # the nav


def test_unknown_and_junk_ids_are_4xx_pages_never_500(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    _signed_in_operator(client, session, clock)
    for value in ("999999", "1099511627776", "-1", "abc"):
        for path in (f"/ops/integrity/blocks/{value}/decide", f"/ops/integrity/flags/{value}/lift"):
            response = _post(client, path, {"action": "dismiss", "note": "x", "reason": "x"})
            assert 400 <= response.status_code < 500, (path, response.status_code)
    assert _post(client, "/ops/integrity/blocks/999999/decide", {}).status_code == 404
    for query in ("?status=nonsense", "?offset=-5", "?offset=abc", "?done=x&kind=zzz"):
        assert client.get("/ops/integrity" + query, headers=EN).status_code == 200, query


# -- the queue ----------------------------------------------------------------------------------


def test_a_block_shows_members_shops_devices_and_timeline_in_both_languages(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    planted = _plant(session, clock)
    _signed_in_operator(client, session, clock)
    b = planted.block.id
    ring_ids = [u.id for u in planted.ring]

    zh = client.get("/ops/integrity", headers=ZH)
    assert zh.status_code == 200, zh.text
    page = zh.text
    assert _text_of(page, f"block-{b}", "h3") == f"可疑群组 #{b} · 刷单团伙（每日检测） 待审核"
    assert _text_of(page, f"block-{b}-summary") == (
        "3 个账号在 2 家店铺下单 4 笔，密度 100%，共用 2 台设备、1 个收货地址"
    )
    assert _text_of(page, f"block-{b}-reason") == RING_REASON  # the detector's own words
    assert _text_of(page, f"block-{b}-members", "dd") == " ".join(
        f"{u.display_name} #{u.id}" for u in planted.ring
    )
    assert _text_of(page, f"block-{b}-shops", "dd") == " ".join(
        f"{s.name} #{s.id}" for s in planted.shops
    )
    assert _text_of(page, f"block-{b}-shared", "dd") == "设备 2 · 收货地址 1 · 支付账户 0"
    assert _text_of(page, f"block-{b}-score") == "0.87 · 密度 100%"
    assert _text_of(page, f"block-{b}-ev-median_account_age_days") == "2 天"
    assert _text_of(page, f"block-{b}-ev-burst_share") == "75%"
    timeline = _text_of(page, f"block-{b}-timeline", "dd")
    assert "2026-11-26 3 2026-11-27 1" in timeline
    assert page.count("<rect ") >= 2  # one bar per day
    assert _text_of(page, f"block-{b}-flags") == "生效 7 个，共 7 个"
    assert _text_of(page, f"block-{b}-dismiss-about", "span") == (
        "判定误报将撤销该群组生效中的 7 个标记"
    )
    assert "确认违规" in page
    assert "判定误报" in page
    assert 'href="/ops/integrity" aria-current="page">诚信</a>' in page
    # open blocks first, though the dismissed one is more suspicious; it has no form
    assert page.index(f'id="block-{b}"') < page.index(f'id="block-{planted.other.id}"')
    assert f"/ops/integrity/blocks/{planted.other.id}/decide" not in page
    assert _text_of(page, f"block-{planted.other.id}-summary") == (
        "1 个账号在 1 家店铺写下 2 条评价，内容几乎相同"
    )
    assert "一家人写的" in _text_of(page, f"block-{planted.other.id}-decision", "dd")
    # the runs: the failed one with its error, the other with its counts
    assert _text_of(page, f"run-{planted.failed_run.id}-error") == RUN_ERROR
    assert "失败" in _text_of(page, f"run-{planted.failed_run.id}-status", "span")
    counts = _text_of(page, f"run-{planted.run.id}-counts", "td")
    assert "刷单团伙（每日检测） : 订单 40 · 群组 1 · 标记订单 4" in counts
    # the flags: kind, subject, detector, and the lift form for those in force
    flag_row = _text_of(page, f"flag-{planted.loose_flag.id}", "tr")
    assert f"买家 #{planted.ring[2].id} 刷手丙" in flag_row
    assert "运营手动标记" in flag_row
    assert "operator: chargeback pattern" in flag_row
    assert f"/ops/integrity/flags/{planted.loose_flag.id}/lift" in page
    assert "共 8 个标记（8 个生效中）" in page

    en = client.get("/ops/integrity", headers=EN).text
    assert _text_of(en, f"block-{b}", "h3") == f"Block #{b} · Brushing ring (daily run) Open"
    assert _text_of(en, f"block-{b}-summary") == (
        "3 accounts placed 4 orders at 2 shops, density 100%, sharing 2 devices, 1 address"
    )
    assert _text_of(en, f"block-{b}-members", "dd") == " ".join(
        f"{u.display_name} #{u.id}" for u in planted.ring
    )
    assert _text_of(en, f"block-{b}-shared", "dd") == (
        "Devices 2 · Addresses 1 · Payment instruments 0"
    )
    assert "2026-11-26 3 2026-11-27 1" in _text_of(en, f"block-{b}-timeline", "dd")
    assert _text_of(en, f"block-{b}-dismiss-about", "span") == (
        "Dismissing lifts the block's 7 flags in force"
    )
    assert _text_of(en, f"run-{planted.failed_run.id}-error") == RUN_ERROR
    assert "Failed" in _text_of(en, f"run-{planted.failed_run.id}-status", "span")
    assert 'href="/ops/integrity" aria-current="page">Integrity</a>' in en
    assert all(f"#{i}" in en for i in ring_ids)

    only = client.get("/ops/integrity?status=dismissed", headers=EN).text
    assert f'id="block-{planted.other.id}"' in only
    assert f'id="block-{b}"' not in only
    assert _text_of(only, "queue-total") == "Blocks: 1, 1 shown; open in all: 1"
    assert 'value="dismissed" selected>Dismissed (1)</option>' in only


# -- deciding a block ---------------------------------------------------------------------------


def test_dismiss_needs_a_note_lifts_the_flags_and_cannot_then_be_confirmed(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    planted = _plant(session, clock)
    me = _signed_in_operator(client, session, clock)
    b = planted.block.id
    path = f"/ops/integrity/blocks/{b}/decide"

    empty = _post(client, path, {"action": "dismiss", "note": "  "})
    assert empty.status_code == 422
    assert _text_of(empty.text, f"e-ib{b}-note") == "Required"
    assert f'id="f-ib{b}-note" name="note" rows="2" maxlength="300" aria-invalid="true"' in (
        empty.text
    )
    zh = _post(client, path, {"action": "dismiss", "note": ""}, headers=ZH | HX)
    assert zh.status_code == 422
    assert "<html" not in zh.text  # the section only, for HTMX
    assert _text_of(zh.text, f"e-ib{b}-note") == "必填"
    odd = _post(client, path, {"action": "delete", "note": "typed this"})
    assert odd.status_code == 422
    assert _text_of(odd.text, f"e-ib{b}-action") == "Choose one from the list"
    assert "typed this</textarea>" in odd.text  # what was typed is kept
    block, flags = _fresh(session, planted)
    assert block.status == "open"
    assert block.decision_note is None
    assert all(f.lifted_at is None for f in flags)

    done = _post(client, path, {"action": "dismiss", "note": "老粉丝团购，不是刷单"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/ops/integrity?done={b}&kind=block"
    block, flags = _fresh(session, planted)
    assert block.status == "dismissed"
    assert block.decided_by == me.id
    assert block.decision_note == "老粉丝团购，不是刷单"
    assert all(f.lifted_at is not None for f in flags)
    assert {f.lift_reason for f in flags} == {"block dismissed: 老粉丝团购，不是刷单"}
    assert {f.lifted_by for f in flags} == {me.id}
    loose = session.get(IntegrityFlag, planted.loose_flag.id)
    assert loose is not None
    assert loose.lifted_at is None
    page = client.get(done.headers["location"], headers=EN).text
    assert _text_of(page, "done") == f"Block #{b} decided"
    assert _text_of(page, f"block-{b}-status", "span") == "Dismissed"
    assert _text_of(page, f"block-{b}-flags") == "0 in force of 7"

    again = _post(client, path, {"action": "confirm", "note": "on second thoughts"})
    assert again.status_code == 409
    assert _text_of(again.text, f"e-ib{b}-_form") == (
        "Its current state does not allow this (someone may have handled it); reload "
        "(now Dismissed)"
    )
    block, flags = _fresh(session, planted)
    assert block.status == "dismissed"
    assert block.decision_note == "老粉丝团购，不是刷单"
    assert all(f.lifted_at is not None for f in flags)


def test_confirming_keeps_the_flags_and_leaves_only_dismiss(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    planted = _plant(session, clock)
    _signed_in_operator(client, session, clock)
    b = planted.block.id
    shown = _post(
        client, f"/ops/integrity/blocks/{b}/decide", {"action": "confirm", "note": "同设备刷单"}
    )
    assert shown.status_code == 303
    block, flags = _fresh(session, planted)
    assert block.status == "confirmed"
    assert all(f.lifted_at is None for f in flags)
    page = client.get("/ops/integrity", headers=ZH).text
    assert _text_of(page, f"block-{b}-status", "span") == "已确认"
    start = page.index(f'id="block-{b}"')
    card = page[start : page.index("</li>\n", start)]
    assert 'value="dismiss"' in card
    assert 'value="confirm"' not in card


# -- lifting a flag -----------------------------------------------------------------------------


def test_lifting_a_flag_needs_a_reason_and_happens_once(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    planted = _plant(session, clock)
    me = _signed_in_operator(client, session, clock)
    flag_id = planted.loose_flag.id
    path = f"/ops/integrity/flags/{flag_id}/lift"

    empty = _post(client, path, {"reason": ""})
    assert empty.status_code == 422
    assert _text_of(empty.text, f"e-fl{flag_id}-reason") == "Required"
    assert f"e-ib{flag_id}-" not in empty.text  # not shown at the block of the same id
    session.expire_all()
    row = session.get(IntegrityFlag, flag_id)
    assert row is not None
    assert row.lifted_at is None

    lifted = _post(client, path, {"reason": "chargebacks were the bank's error"}, headers=HX | EN)
    assert lifted.status_code == 200
    assert _text_of(lifted.text, "done") == f"Flag #{flag_id} lifted"
    assert "Lifted" in _text_of(lifted.text, f"flag-{flag_id}-state", "td")
    session.expire_all()
    row = session.get(IntegrityFlag, flag_id)
    assert row is not None
    assert row.lifted_at is not None
    assert row.lifted_by == me.id
    assert row.lift_reason == "chargebacks were the bank's error"

    again = _post(client, path, {"reason": "twice"})
    assert again.status_code == 409
    assert _text_of(again.text, f"e-fl{flag_id}-_form") == (
        "This flag is lifted already (someone may have handled it); reload"
    )
    session.expire_all()
    row = session.get(IntegrityFlag, flag_id)
    assert row is not None
    assert row.lift_reason == "chargebacks were the bank's error"
    others = session.scalars(
        select(IntegrityFlag).where(
            IntegrityFlag.id != flag_id, IntegrityFlag.lifted_at.is_not(None)
        )
    ).all()
    assert others == []


def test_the_dashboard_counts_the_open_blocks(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    _plant(session, clock)  # one open block, one dismissed
    _signed_in_operator(client, session, clock)
    page = client.get("/ops", headers=EN)
    assert page.status_code == 200
    card = _text_of(page.text, "q-integrity", until="a")
    assert card.split()[:2] == ["Integrity", "1"]
