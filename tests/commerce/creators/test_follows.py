"""Follows: idempotent both ways, never of oneself, and a follower count that stays equal to
the number of follows however many fans follow and unfollow at once."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shijing.commerce.creators import service
from shijing.commerce.creators.models import Creator, Follow
from shijing.core.clock import ManualClock
from shijing.core.db import Database
from shijing.core.errors import InvalidInput, NotFound
from tests.commerce.creators.support import API, events, open_creator
from tests.factories import make_creator, make_user, signed_up


def test_follow_and_unfollow_are_idempotent(session: Session, clock: ManualClock) -> None:
    creator = make_creator(session, clock)
    fan = make_user(session, clock)
    first = service.follow_creator(session, clock, user_id=fan.id, creator_id=creator.id)
    again = service.follow_creator(session, clock, user_id=fan.id, creator_id=creator.id)
    assert (first.changed, first.follower_count) == (True, 1)
    assert (again.changed, again.following, again.follower_count) == (False, True, 1)
    assert service.is_following(session, fan.id, creator.id)
    assert [e["user_id"] for e in events(session, "creator.followed")] == [fan.id]

    gone = service.unfollow_creator(session, clock, user_id=fan.id, creator_id=creator.id)
    noop = service.unfollow_creator(session, clock, user_id=fan.id, creator_id=creator.id)
    assert (gone.changed, gone.follower_count) == (True, 0)
    assert (noop.changed, noop.following, noop.follower_count) == (False, False, 0)
    [unfollowed] = events(session, "creator.unfollowed")
    assert (unfollowed["user_id"], unfollowed["creator_id"]) == (fan.id, creator.id)
    session.refresh(creator)
    assert creator.follower_count == 0


def test_a_creator_cannot_follow_themselves(session: Session, clock: ManualClock) -> None:
    creator = make_creator(session, clock)
    with pytest.raises(InvalidInput) as info:
        service.follow_creator(session, clock, user_id=creator.user_id, creator_id=creator.id)
    assert (info.value.code, info.value.field) == ("self_follow", "creator_id")
    assert session.scalar(select(func.count()).select_from(Follow)) == 0


def test_following_an_unknown_creator_is_404(session: Session, clock: ManualClock) -> None:
    fan = make_user(session, clock)
    with pytest.raises(NotFound):
        service.follow_creator(session, clock, user_id=fan.id, creator_id=999_999)
    with pytest.raises(NotFound):
        service.unfollow_creator(session, clock, user_id=fan.id, creator_id=999_999)


def test_lists_of_follows_and_followers_are_paginated(session: Session, clock: ManualClock) -> None:
    a, b, c = (make_creator(session, clock) for _ in range(3))
    fans = [make_user(session, clock) for _ in range(5)]
    for creator in (a, b, c):
        service.follow_creator(session, clock, user_id=fans[0].id, creator_id=creator.id)
    for fan in fans[1:]:
        service.follow_creator(session, clock, user_id=fan.id, creator_id=a.id)
    followed, total = service.follows_of(session, fans[0].id, limit=2, offset=0)
    assert total == 3
    assert [cr.id for cr, _ in followed] == [c.id, b.id]
    followers, total = service.followers_of(session, a.id, limit=2, offset=1)
    assert total == 5
    assert [f.user_id for f in followers] == [fans[3].id, fans[2].id]
    with pytest.raises(InvalidInput) as info:
        service.followers_of(session, a.id, limit=101)
    assert info.value.field == "limit"


# -- over HTTP --------------------------------------------------------------------------------


def test_follow_over_http(client: TestClient, anon: TestClient) -> None:
    creator_headers, creator = open_creator(client, "followme")
    _, fan = signed_up(client)
    url = f"{API}/creators/{creator['id']}/follow"
    first = client.post(url, headers=fan)
    assert first.status_code == 200, first.text
    assert first.json() == {"creator_id": creator["id"], "following": True, "follower_count": 1}
    assert client.post(url, headers=fan).json()["follower_count"] == 1
    assert client.get(f"{API}/creators/{creator['id']}", headers=fan).json()["followed_by_me"]
    assert anon.get(f"{API}/creators/{creator['id']}").json()["follower_count"] == 1

    mine = client.get(f"{API}/me/follows", headers=fan).json()
    assert (mine["total"], mine["items"][0]["creator"]["handle"]) == (1, "followme")
    followers = client.get(f"{API}/creators/me/followers", headers=creator_headers).json()
    assert followers["total"] == 1
    assert followers["items"][0]["display_name"] == "老铁"

    gone = client.delete(url, headers=fan)
    assert gone.json() == {"creator_id": creator["id"], "following": False, "follower_count": 0}
    assert client.delete(url, headers=fan).status_code == 200
    assert client.get(f"{API}/me/follows", headers=fan).json()["total"] == 0


def test_follow_refusals_over_http(client: TestClient, anon: TestClient) -> None:
    creator_headers, creator = open_creator(client, "selfie")
    url = f"{API}/creators/{creator['id']}/follow"
    own = client.post(url, headers=creator_headers)
    assert (own.status_code, own.json()["error"], own.json()["field"]) == (
        422,
        "self_follow",
        "creator_id",
    )
    assert anon.post(url).status_code == 401
    _, fan = signed_up(client)
    assert client.post(f"{API}/creators/424242/follow", headers=fan).status_code == 404
    assert client.get(f"{API}/me/follows", headers=fan, params={"limit": 0}).status_code == 422
    assert anon.get(f"{API}/me/follows").status_code == 401


def test_only_the_creator_sees_their_followers(client: TestClient, anon: TestClient) -> None:
    _, creator = open_creator(client, "private_list")
    _, fan = signed_up(client)
    client.post(f"{API}/creators/{creator['id']}/follow", headers=fan)
    other_creator, _ = open_creator(client, "nosy_one")
    # The list is always "mine": a buyer has none, another creator sees their own (empty) list.
    assert client.get(f"{API}/creators/me/followers", headers=fan).status_code == 404
    theirs = client.get(f"{API}/creators/me/followers", headers=other_creator).json()
    assert theirs["total"] == 0
    assert anon.get(f"{API}/creators/me/followers").status_code == 401


# -- concurrency ------------------------------------------------------------------------------


def _count_matches(db: Database, creator_id: int) -> tuple[int, int]:
    with db.sessions() as s:
        counted = s.scalar(select(Creator.follower_count).where(Creator.id == creator_id))
        rows = s.scalar(select(func.count()).where(Follow.creator_id == creator_id))
        return int(counted or 0), int(rows or 0)


def test_follower_count_stays_right_under_concurrent_follows(
    committing_db: Database, clock: ManualClock
) -> None:
    with committing_db.transaction() as s:
        creator_id = make_creator(s, clock).id
        fans = [make_user(s, clock).id for _ in range(24)]
        late = [make_user(s, clock).id for _ in range(8)]

    def act(job: tuple[str, int]) -> None:
        action, user_id = job
        with committing_db.transaction() as s:
            if action == "follow":
                service.follow_creator(s, clock, user_id=user_id, creator_id=creator_id)
            else:
                service.unfollow_creator(s, clock, user_id=user_id, creator_id=creator_id)

    shuffle = random.Random(7).shuffle
    # Every fan follows twice at once: each is counted once.
    jobs = [("follow", u) for u in fans] * 2
    shuffle(jobs)
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(act, jobs))
    assert _count_matches(committing_db, creator_id) == (24, 24)

    # Half unfollow (twice each) while newcomers follow (twice each).
    jobs = [("unfollow", u) for u in fans[::2]] * 2 + [("follow", u) for u in late] * 2
    shuffle(jobs)
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(act, jobs))
    assert _count_matches(committing_db, creator_id) == (20, 20)
