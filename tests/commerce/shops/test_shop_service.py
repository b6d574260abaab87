"""Shops through the service: opening, the return address and promise, staff and invitations,
status changes, and the events each emits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts import service as accounts
from shijing.accounts.models import Role
from shijing.commerce.shops import service as shops
from shijing.commerce.shops import staff as shop_staff
from shijing.commerce.shops.access import shop_role
from shijing.commerce.shops.models import Shop, ShopInvite
from shijing.commerce.shops.states import InviteStatus
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from tests.commerce.shops.support import events
from tests.factories import make_shop, make_user, principal_of

GOOD: dict[str, Any] = {
    "name": "老铁服饰",
    "main_category": "apparel.womens",
    "return_province": "浙江",
    "return_city": "杭州",
    "return_address": "余杭区文一西路 1 号",
}


def _shop_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Shop)) or 0


def test_opening_a_shop_makes_the_caller_its_owner_and_a_merchant(
    session: Session, clock: ManualClock
) -> None:
    user = make_user(session, clock)
    assert Role.MERCHANT.value not in accounts.roles_of(session, user.id)
    shop = shops.create_shop(session, clock, principal_of(session, user), **GOOD)
    assert (shop.status, shop.ship_within_hours, shop.owner_user_id) == ("active", 48, user.id)
    assert shop_role(session, user.id, shop.id) == "owner"
    assert Role.MERCHANT.value in accounts.roles_of(session, user.id)
    [created] = events(session, "shop.created")
    assert created["shop_id"] == shop.id
    assert created["owner_user_id"] == user.id
    assert created["main_category"] == "apparel.womens"
    assert created["ship_within_hours"] == 48


def test_province_may_be_given_by_its_full_name_and_is_stored_short(
    session: Session, clock: ManualClock
) -> None:
    user = make_user(session, clock)
    shop = shops.create_shop(
        session,
        clock,
        principal_of(session, user),
        **{**GOOD, "return_province": "新疆维吾尔自治区", "ship_within_hours": 168},
    )
    assert (shop.return_province, shop.ship_within_hours) == ("新疆", 168)


@pytest.mark.parametrize("taken", ["老铁服饰", " 老铁服饰 "])
def test_a_taken_name_is_409_naming_name(session: Session, clock: ManualClock, taken: str) -> None:
    make_shop(session, clock, name="老铁服饰")
    before = _shop_count(session)
    user = make_user(session, clock)
    with pytest.raises(Conflict) as info:
        shops.create_shop(session, clock, principal_of(session, user), **{**GOOD, "name": taken})
    assert (info.value.field, info.value.code) == ("name", "name_taken")
    assert _shop_count(session) == before


def test_names_differing_only_in_case_or_width_are_the_same_name(
    session: Session, clock: ManualClock
) -> None:
    make_shop(session, clock, name="ABC 旗舰店")
    user = make_user(session, clock)
    for lookalike in ("abc 旗舰店", "ＡＢＣ 旗舰店", " ABC   旗舰店"):
        with pytest.raises(Conflict):
            shops.create_shop(
                session, clock, principal_of(session, user), **{**GOOD, "name": lookalike}
            )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "店" * 61}, "name"),
        ({"name": "坏\x00名字"}, "name"),
        ({"main_category": "weapons"}, "main_category"),
        ({"return_province": "加州"}, "return_province"),
        ({"return_province": "杭州"}, "return_province"),
        ({"return_city": ""}, "return_city"),
        ({"return_city": "市" * 41}, "return_city"),
        ({"return_address": "路" * 201}, "return_address"),
        ({"ship_within_hours": 0}, "ship_within_hours"),
        ({"ship_within_hours": 169}, "ship_within_hours"),
        ({"ship_within_hours": True}, "ship_within_hours"),
    ],
)
def test_bad_shop_input_is_422_naming_the_field_and_writes_nothing(
    session: Session, clock: ManualClock, change: dict[str, Any], field: str
) -> None:
    user = make_user(session, clock)
    with pytest.raises(InvalidInput) as info:
        shops.create_shop(session, clock, principal_of(session, user), **{**GOOD, **change})
    assert info.value.field == field
    assert _shop_count(session) == 0
    assert Role.MERCHANT.value not in accounts.roles_of(session, user.id)
    assert events(session, "shop.created") == []


def test_staff_update_the_return_address_and_promise(session: Session, clock: ManualClock) -> None:
    staff = make_user(session, clock)
    shop = make_shop(session, clock, staff=(staff,))
    shops.update_shop(
        session,
        clock,
        principal_of(session, staff),
        shop.id,
        return_province="广东省",
        return_city="深圳",
        ship_within_hours=24,
    )
    assert (shop.return_province, shop.return_city, shop.ship_within_hours) == ("广东", "深圳", 24)
    [updated] = events(session, "shop.updated")
    assert updated["changed"] == ["return_city", "return_province", "ship_within_hours"]
    assert updated["before"]["ship_within_hours"] == 48
    assert updated["after"]["ship_within_hours"] == 24
    # Sending the same values again changes nothing and says nothing.
    shops.update_shop(session, clock, principal_of(session, staff), shop.id, ship_within_hours=24)
    assert len(events(session, "shop.updated")) == 1


# -- invitations and staff --------------------------------------------------------------------


def test_invite_accept_and_remove(session: Session, clock: ManualClock) -> None:
    owner = make_user(session, clock)
    shop = make_shop(session, clock, owner=owner)
    invitee = make_user(session, clock, email="Helper@Example.com")
    invite = shop_staff.invite_staff(
        session, clock, principal_of(session, owner), shop.id, email=" HELPER@example.com "
    )
    assert invite.email == "helper@example.com"
    assert invite.expires_at == clock.now() + timedelta(days=7)
    mine, total = shop_staff.list_my_invites(session, clock, principal_of(session, invitee))
    assert total == 1
    assert (mine[0].invite.id, mine[0].shop_name) == (invite.id, shop.name)

    member = shop_staff.accept_invite(session, clock, principal_of(session, invitee), invite.id)
    assert (member.role, shop_role(session, invitee.id, shop.id)) == ("staff", "staff")
    assert shop_staff.invite_state(invite, clock.now()) == InviteStatus.ACCEPTED
    assert shop_staff.list_my_invites(session, clock, principal_of(session, invitee))[1] == 0
    members, total = shop_staff.list_members(session, principal_of(session, invitee), shop.id)
    assert [(m.user_id, m.role) for m in members] == [(owner.id, "owner"), (invitee.id, "staff")]

    shop_staff.remove_staff(session, clock, principal_of(session, owner), shop.id, invitee.id)
    assert shop_role(session, invitee.id, shop.id) is None
    with pytest.raises(NotFound):
        shop_staff.list_members(session, principal_of(session, invitee), shop.id)

    [invited] = events(session, "shop.staff_invited")
    assert (invited["invite_id"], invited["invitee_user_id"]) == (invite.id, invitee.id)
    [joined] = events(session, "shop.staff_joined")
    assert (joined["shop_id"], joined["user_id"]) == (shop.id, invitee.id)
    [removed] = events(session, "shop.staff_removed")
    assert (removed["user_id"], removed["removed_by"]) == (invitee.id, owner.id)


def test_an_invite_expires_after_seven_days(session: Session, clock: ManualClock) -> None:
    owner = make_user(session, clock)
    shop = make_shop(session, clock, owner=owner)
    invitee = make_user(session, clock)
    invite = shop_staff.invite_staff(
        session, clock, principal_of(session, owner), shop.id, email=invitee.email
    )
    clock.advance(timedelta(days=7))
    assert shop_staff.list_my_invites(session, clock, principal_of(session, invitee))[1] == 0
    with pytest.raises(Conflict, match="expired") as info:
        shop_staff.accept_invite(session, clock, principal_of(session, invitee), invite.id)
    assert info.value.code == "invalid_state"
    assert shop_role(session, invitee.id, shop.id) is None
    # An expired invite no longer blocks a new one.
    again = shop_staff.invite_staff(
        session, clock, principal_of(session, owner), shop.id, email=invitee.email
    )
    listed, _ = shop_staff.list_invites(
        session, clock, principal_of(session, owner), shop.id, status=InviteStatus.EXPIRED
    )
    assert [i.id for i in listed] == [invite.id]
    shop_staff.accept_invite(session, clock, principal_of(session, invitee), again.id)


def test_a_revoked_invite_cannot_be_accepted_or_revoked_again(
    session: Session, clock: ManualClock
) -> None:
    owner = make_user(session, clock)
    shop = make_shop(session, clock, owner=owner)
    invitee = make_user(session, clock)
    invite = shop_staff.invite_staff(
        session, clock, principal_of(session, owner), shop.id, email=invitee.email
    )
    shop_staff.revoke_invite(session, clock, principal_of(session, owner), shop.id, invite.id)
    assert events(session, "shop.invite_revoked")[0]["invite_id"] == invite.id
    with pytest.raises(Conflict):
        shop_staff.accept_invite(session, clock, principal_of(session, invitee), invite.id)
    with pytest.raises(Conflict):
        shop_staff.revoke_invite(session, clock, principal_of(session, owner), shop.id, invite.id)
    assert shop_role(session, invitee.id, shop.id) is None


def test_only_the_invitee_may_accept(session: Session, clock: ManualClock) -> None:
    owner = make_user(session, clock)
    shop = make_shop(session, clock, owner=owner)
    invitee = make_user(session, clock)
    invite = shop_staff.invite_staff(
        session, clock, principal_of(session, owner), shop.id, email=invitee.email
    )
    for stranger in (make_user(session, clock), owner):
        with pytest.raises(NotFound):
            shop_staff.accept_invite(session, clock, principal_of(session, stranger), invite.id)
    with pytest.raises(NotFound):
        shop_staff.accept_invite(session, clock, principal_of(session, invitee), invite.id + 999)
    assert events(session, "shop.staff_joined") == []


@pytest.mark.parametrize(
    ("who", "error", "field"),
    [
        ("nobody", InvalidInput, "email"),
        ("owner", Conflict, "email"),
        ("staff", Conflict, "email"),
        ("pending", Conflict, "email"),
    ],
)
def test_refused_invitations(
    session: Session, clock: ManualClock, who: str, error: type[DomainError], field: str
) -> None:
    owner = make_user(session, clock)
    staff = make_user(session, clock)
    pending = make_user(session, clock)
    shop = make_shop(session, clock, owner=owner, staff=(staff,))
    shop_staff.invite_staff(
        session, clock, principal_of(session, owner), shop.id, email=pending.email
    )
    email = {
        "nobody": "nobody@example.com",
        "owner": owner.email,
        "staff": staff.email,
        "pending": pending.email,
    }[who]
    before = session.scalar(select(func.count()).select_from(ShopInvite))
    with pytest.raises(error) as info:
        shop_staff.invite_staff(session, clock, principal_of(session, owner), shop.id, email=email)
    assert info.value.field == field
    assert session.scalar(select(func.count()).select_from(ShopInvite)) == before


def test_staff_may_not_invite_revoke_or_remove(session: Session, clock: ManualClock) -> None:
    owner = make_user(session, clock)
    staff = make_user(session, clock)
    other = make_user(session, clock)
    shop = make_shop(session, clock, owner=owner, staff=(staff, other))
    as_staff = principal_of(session, staff)
    with pytest.raises(Forbidden):
        shop_staff.invite_staff(
            session, clock, as_staff, shop.id, email=make_user(session, clock).email
        )
    with pytest.raises(Forbidden):
        shop_staff.remove_staff(session, clock, as_staff, shop.id, other.id)
    with pytest.raises(Forbidden):
        shops.close_shop(session, clock, as_staff, shop.id)


def test_the_owner_cannot_be_removed(session: Session, clock: ManualClock) -> None:
    owner = make_user(session, clock)
    shop = make_shop(session, clock, owner=owner)
    with pytest.raises(Conflict) as info:
        shop_staff.remove_staff(session, clock, principal_of(session, owner), shop.id, owner.id)
    assert info.value.field == "user_id"
    assert shop_role(session, owner.id, shop.id) == "owner"
    with pytest.raises(NotFound):
        shop_staff.remove_staff(
            session, clock, principal_of(session, owner), shop.id, make_user(session, clock).id
        )


# -- status -----------------------------------------------------------------------------------


def test_suspension_hides_the_shop_and_reinstatement_shows_it(
    session: Session, clock: ManualClock
) -> None:
    owner = make_user(session, clock)
    shop = make_shop(session, clock, owner=owner)
    operator = principal_of(session, make_user(session, clock, roles=(Role.OPERATOR,)))
    shops.suspend_shop(session, clock, operator, shop.id, reason="假货投诉")
    assert (shop.status, shop.status_reason) == ("suspended", "假货投诉")
    assert not shops.is_active(session, shop.id)
    with pytest.raises(NotFound):
        shops.view_shop(session, None, shop.id)
    assert shops.view_shop(session, principal_of(session, owner), shop.id) == (shop, True)
    assert shops.view_shop(session, operator, shop.id) == (shop, True)
    shops.reinstate_shop(session, clock, operator, shop.id, reason="整改完成")
    assert shops.view_shop(session, None, shop.id) == (shop, False)
    changes = events(session, "shop.status_changed")
    assert [(e["from"], e["to"], e["reason"], e["actor"]) for e in changes] == [
        ("active", "suspended", "假货投诉", operator.id),
        ("suspended", "active", "整改完成", operator.id),
    ]


def test_suspending_needs_an_operator_and_a_reason(session: Session, clock: ManualClock) -> None:
    owner = make_user(session, clock)
    shop = make_shop(session, clock, owner=owner)
    with pytest.raises(Forbidden):
        shops.suspend_shop(session, clock, principal_of(session, owner), shop.id, reason="x")
    operator = principal_of(session, make_user(session, clock, roles=(Role.OPERATOR,)))
    with pytest.raises(InvalidInput) as info:
        shops.suspend_shop(session, clock, operator, shop.id, reason="  ")
    assert info.value.field == "reason"
    with pytest.raises(NotFound):
        shops.suspend_shop(session, clock, operator, shop.id + 999, reason="x")
    assert shop.status == "active"


def test_a_closed_shop_is_final_and_refuses_changes(session: Session, clock: ManualClock) -> None:
    owner = make_user(session, clock)
    shop = make_shop(session, clock, owner=owner)
    invitee = make_user(session, clock)
    as_owner = principal_of(session, owner)
    invite = shop_staff.invite_staff(session, clock, as_owner, shop.id, email=invitee.email)
    shops.close_shop(session, clock, as_owner, shop.id, reason="不做了")
    assert shop.status == "closed"
    with pytest.raises(Conflict):
        shops.update_shop(session, clock, as_owner, shop.id, ship_within_hours=24)
    with pytest.raises(Conflict):
        shop_staff.invite_staff(
            session, clock, as_owner, shop.id, email=make_user(session, clock).email
        )
    with pytest.raises(Conflict):
        shop_staff.accept_invite(session, clock, principal_of(session, invitee), invite.id)
    operator = principal_of(session, make_user(session, clock, roles=(Role.OPERATOR,)))
    with pytest.raises(Conflict):
        shops.suspend_shop(session, clock, operator, shop.id, reason="x")
    with pytest.raises(NotFound):
        shops.view_shop(session, None, shop.id)
    mine, _ = shops.list_my_shops(session, as_owner)
    assert [(m.shop.id, m.role, m.shop.status) for m in mine] == [(shop.id, "owner", "closed")]
