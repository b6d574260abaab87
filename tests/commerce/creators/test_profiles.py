"""Creator profiles: opening one (which makes the account a creator), reading, editing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.accounts.service import roles_of
from shijing.commerce.creators import service
from shijing.commerce.creators.models import Creator
from shijing.core.clock import ManualClock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from tests.commerce.creators.support import API, events, open_creator
from tests.factories import make_user, principal_of, signed_up


def _creators(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Creator)) or 0


def test_opening_a_profile_grants_the_role_and_emits_an_event(
    session: Session, clock: ManualClock
) -> None:
    user = make_user(session, clock, display_name="小杨哥")
    creator = service.open_creator_profile(
        session,
        clock,
        user,
        handle="Xiao_Yang",
        bio="  带你逛市井  ",
        categories=["apparel.womens", "fresh", "apparel.womens"],
    )
    assert (creator.handle, creator.display_name, creator.bio) == (
        "xiao_yang",
        "小杨哥",
        "带你逛市井",
    )
    assert creator.categories == ["apparel.womens", "fresh"]
    assert creator.follower_count == 0
    assert Role.CREATOR.value in roles_of(session, user.id)
    [opened] = events(session, "creator.opened")
    assert opened["creator_id"] == creator.id
    assert opened["user_id"] == user.id
    assert opened["handle"] == "xiao_yang"


@pytest.mark.parametrize(
    "handle", ["ab", "a" * 31, "with space", "李佳琦", "dash-es", "", "dot.ted", "x\x00yz"]
)
def test_bad_handle_is_422_and_writes_nothing(
    session: Session, clock: ManualClock, handle: str
) -> None:
    user = make_user(session, clock)
    with pytest.raises(InvalidInput) as info:
        service.open_creator_profile(session, clock, user, handle=handle)
    assert info.value.field == "handle"
    assert _creators(session) == 0
    assert roles_of(session, user.id) == {Role.BUYER.value}
    assert events(session, "creator.opened") == []


def test_handles_are_unique_whatever_the_case(session: Session, clock: ManualClock) -> None:
    service.open_creator_profile(session, clock, make_user(session, clock), handle="laotie")
    with pytest.raises(Conflict) as info:
        service.open_creator_profile(session, clock, make_user(session, clock), handle="LaoTie")
    assert (info.value.code, info.value.field) == ("handle_taken", "handle")
    assert _creators(session) == 1


def test_one_profile_per_account(session: Session, clock: ManualClock) -> None:
    user = make_user(session, clock)
    service.open_creator_profile(session, clock, user, handle="first")
    with pytest.raises(Conflict) as info:
        service.open_creator_profile(session, clock, user, handle="second")
    assert info.value.code == "creator_exists"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"categories": ["apparel", "toys"]}, "categories.1"),
        ({"categories": ["fresh"] * 11}, "categories"),
        ({"avatar_url": "ftp://cdn.example.com/a.png"}, "avatar_url"),
        ({"avatar_url": "javascript:alert(1)"}, "avatar_url"),
        ({"avatar_url": "https://"}, "avatar_url"),
        ({"bio": "a\x00b"}, "bio"),
        ({"bio": "x" * 501}, "bio"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "bell\x07"}, "display_name"),
    ],
)
def test_bad_profile_fields_are_422_naming_the_field(
    session: Session, clock: ManualClock, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        service.open_creator_profile(
            session, clock, make_user(session, clock), handle="fine_handle", **fields
        )
    assert info.value.field == field
    assert _creators(session) == 0


def test_editing_changes_only_what_is_given(session: Session, clock: ManualClock) -> None:
    user = make_user(session, clock)
    creator = service.open_creator_profile(
        session, clock, user, handle="editor", avatar_url="https://img.example.com/a.png"
    )
    me = principal_of(session, user)
    service.update_creator_profile(session, clock, me, bio="新简介\n第二行", categories=["home"])
    assert (creator.bio, creator.categories) == ("新简介\n第二行", ["home"])
    assert creator.avatar_url == "https://img.example.com/a.png"
    assert events(session, "creator.updated")[0]["fields"] == ["bio", "categories"]
    service.update_creator_profile(session, clock, me, bio="新简介\n第二行")  # no change
    assert len(events(session, "creator.updated")) == 1
    service.update_creator_profile(session, clock, me, avatar_url="")
    assert creator.avatar_url is None


def test_editing_without_a_profile_is_404(session: Session, clock: ManualClock) -> None:
    me = principal_of(session, make_user(session, clock))
    with pytest.raises(NotFound):
        service.update_creator_profile(session, clock, me, bio="x")


# -- over HTTP --------------------------------------------------------------------------------


def test_open_read_and_edit_over_http(client: TestClient, anon: TestClient) -> None:
    headers, created = open_creator(
        client, "GoodStuff", display_name="好物推荐官", categories=["cosmetics"]
    )
    assert created["handle"] == "goodstuff"
    assert "creator" in client.get(f"{API}/me", headers=headers).json()["roles"]

    public = anon.get(f"{API}/creators/{created['id']}").json()
    assert public["display_name"] == "好物推荐官"
    assert public["followed_by_me"] is None
    assert "user_id" not in public
    by_handle = anon.get(f"{API}/creators/by-handle/GOODSTUFF")
    assert by_handle.json()["id"] == created["id"]
    assert client.get(f"{API}/creators/me", headers=headers).json()["id"] == created["id"]

    patched = client.patch(
        f"{API}/creators/me",
        json={"bio": "每晚八点", "avatar_url": "https://img.example.com/me.jpg"},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["bio"], patched.json()["categories"]) == ("每晚八点", ["cosmetics"])
    removed = client.patch(f"{API}/creators/me", json={"avatar_url": None}, headers=headers)
    assert removed.json()["avatar_url"] is None


def test_http_refusals(client: TestClient, anon: TestClient) -> None:
    headers, _ = open_creator(client, "taken_one")
    _, other = signed_up(client)
    taken = client.post(f"{API}/creators", json={"handle": "TAKEN_ONE"}, headers=other)
    assert taken.status_code == 409
    assert taken.json() == {
        "error": "handle_taken",
        "message": "this handle is taken",
        "field": "handle",
    }
    bad = client.post(f"{API}/creators", json={"handle": "no"}, headers=other)
    assert (bad.status_code, bad.json()["field"]) == (422, "handle")
    unknown = client.post(
        f"{API}/creators", json={"handle": "okay", "categories": ["nope"]}, headers=other
    )
    assert (unknown.status_code, unknown.json()["field"]) == (422, "categories.0")
    extra = client.patch(f"{API}/creators/me", json={"handle": "renamed"}, headers=headers)
    assert (extra.status_code, extra.json()["field"]) == (422, "handle")
    assert anon.post(f"{API}/creators", json={"handle": "anon_x"}).status_code == 401
    assert client.get(f"{API}/creators/me", headers=other).status_code == 404
    assert client.patch(f"{API}/creators/me", json={"bio": "x"}, headers=other).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/creators/999999",
        "/creators/by-handle/nobody_here",
        "/creators/by-handle/not%20a%20handle",
    ],
)
def test_unknown_creators_are_404(anon: TestClient, path: str) -> None:
    response = anon.get(API + path)
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


@pytest.mark.parametrize("creator_id", ["0", "99999999999999999999999", "abc"])
def test_out_of_range_ids_are_422_not_500(anon: TestClient, creator_id: str) -> None:
    response = anon.get(f"{API}/creators/{creator_id}")
    assert (response.status_code, response.json()["field"]) == (422, "creator_id")
