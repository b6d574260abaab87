"""The operator console's score definitions: only operators see them; trial, stop and activate
through the page's forms change the stored versions (and a refused activation says why, in the
page's language, and writes nothing); the comparison of two versions' stored scores of one day
shows the real numbers, and a comparison that cannot be made is explained, never a 500."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shijing.accounts.models import Role
from shijing.commerce.creators.models import Creator
from shijing.commerce.shops.models import Shop
from shijing.core.clock import ManualClock
from shijing.trust import versions
from shijing.trust.definition import ScoreDefinition
from shijing.trust.models import (
    ScoreDefinitionRow,
)
from tests.factories import make_creator, make_shop, make_user
from tests.guarantees.builders import operator
from tests.trust.stored import stored_run, two_versions_scored
from tests.web.pages import EN, HX, ZH, csrf_token, log_in, post_form


def _text_of(page: str, element_id: str, until: str = "p|dd|li|td|tr|h3|section") -> str:
    """The text inside the element with this id (up to its closing tag), unescaped."""
    pattern = rf'id="{re.escape(element_id)}"[^>]*>(.*?)</({until})>'
    match = re.search(pattern, page, re.S)
    assert match, element_id
    text = html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))
    return " ".join(text.split())


def _signed_in_operator(client: TestClient, session: Session, clock: ManualClock) -> None:
    user = operator(session, clock)
    session.commit()
    log_in(client, user.email)


def _post(
    client: TestClient, path: str, *, headers: dict[str, str] | None = None
) -> httpx.Response:
    return post_form(client, path, {}, token_from="/ops/scores", headers=headers)


def _row(session: Session, version: str) -> ScoreDefinitionRow:
    session.expire_all()
    row = session.scalar(select(ScoreDefinitionRow).where(ScoreDefinitionRow.version == version))
    assert row is not None
    return row


def _add(session: Session, clock: ManualClock, version: str, **shop: Any) -> ScoreDefinitionRow:
    body = ScoreDefinition().model_dump(mode="json")
    body["shop"].update(shop or {"prior_orders": 80})
    return versions.add_definition(
        session, clock, version=version, body=body, note=f"{version} test"
    )


@dataclass
class Stored:
    shops: list[Shop]
    creators: list[Creator]


def _stored(session: Session, clock: ManualClock) -> Stored:
    """v1 (active) and v2 scored on DAY (``two_versions_scored``) for real shops, creators and
    buyers, whose names the page shows."""
    shops = [make_shop(session, clock, name=f"评分店{n}") for n in range(1, 6)]
    hosts = [make_creator(session, clock, handle=h) for h in ("moverone", "movertwo")]
    buyers = [make_user(session, clock), make_user(session, clock)]
    two_versions_scored(
        session,
        clock,
        shops=[s.id for s in shops],
        creators=[c.id for c in hosts],
        buyers=[b.id for b in buyers],
    )
    session.commit()
    return Stored(shops=shops, creators=hosts)


# -- access -------------------------------------------------------------------------------------


def test_only_operators_see_score_versions(
    client: TestClient, anon: TestClient, session: Session, clock: ManualClock
) -> None:
    versions.ensure_default_definition(session, clock)
    shopper = make_user(session, clock)
    merchant = make_user(session, clock, roles=(Role.MERCHANT,))
    make_shop(session, clock, owner=merchant)
    session.commit()
    v1 = _row(session, "v1")

    for path in ("/ops/scores", "/ops/scores?compare=v2"):
        away = anon.get(path, follow_redirects=False)
        assert away.status_code == 303, path
        assert away.headers["location"] == "/login?next=/ops/scores"

    for who in (shopper, merchant):
        log_in(client, who.email)
        page = client.get("/ops/scores?compare=v2", headers=EN)
        assert page.status_code == 404
        assert "Page not found" in page.text
        token = csrf_token(client, "/")
        refused = client.post(
            f"/ops/scores/{v1.id}/stop-trial",
            data={"csrf_token": token},
            headers=EN,
            follow_redirects=False,
        )
        assert refused.status_code == 404

    _signed_in_operator(client, session, clock)
    page = client.get("/ops/scores", headers=EN)
    assert page.status_code == 200, page.text
    assert 'href="/ops/scores" aria-current="page">Scores</a>' in page.text
    assert _text_of(page.text, "definition-v1", "h3") == "v1 Active"
    assert "defaults" in page.text
    assert 'href="/ops/scores"' in client.get("/ops", headers=EN).text  # the nav entry
    zh = client.get("/ops/scores", headers=ZH)
    assert zh.status_code == 200
    assert _text_of(zh.text, "definition-v1", "h3") == "v1 生效中"
    assert "评分版本" in zh.text


def test_unknown_versions_and_actions_are_404_pages(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    v1 = versions.ensure_default_definition(session, clock)
    _signed_in_operator(client, session, clock)
    for path in ("/ops/scores/999999/activate", f"/ops/scores/{v1.id}/demolish"):
        assert _post(client, path).status_code == 404, path
    assert _post(client, "/ops/scores/abc/activate").status_code == 422


# -- the forms ----------------------------------------------------------------------------------


def test_trial_stop_and_activate_through_the_forms(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    versions.ensure_default_definition(session, clock)
    v2 = _add(session, clock, "v2")
    session.commit()
    _signed_in_operator(client, session, clock)
    assert _text_of(client.get("/ops/scores", headers=EN).text, "definition-v2", "h3") == (
        "v2 Inactive"
    )

    started = _post(client, f"/ops/scores/{v2.id}/start-trial")
    assert started.status_code == 303
    assert started.headers["location"] == f"/ops/scores?done={v2.id}"
    assert _row(session, "v2").trial is True
    after = client.get(started.headers["location"], headers=EN).text
    assert _text_of(after, "done") == "Version v2 updated"
    assert _text_of(after, "definition-v2", "h3") == "v2 On trial"
    assert f"/ops/scores/{v2.id}/stop-trial" in after

    stopped = _post(client, f"/ops/scores/{v2.id}/stop-trial", headers=HX | EN)
    assert stopped.status_code == 200
    assert "<html" not in stopped.text  # HTMX gets the section back, not the page
    assert _text_of(stopped.text, "definition-v2", "h3") == "v2 Inactive"
    assert _row(session, "v2").trial is False

    # scored on the same day as the active one, v2 may be switched on
    stored_run(session, clock, "v1")
    stored_run(session, clock, "v2")
    session.commit()
    activated = _post(client, f"/ops/scores/{v2.id}/activate")
    assert activated.status_code == 303
    assert (_row(session, "v2").active, _row(session, "v1").active) == (True, False)
    page = client.get("/ops/scores", headers=EN).text
    assert _text_of(page, "definition-v2", "h3") == "v2 Active"
    assert _text_of(page, "definition-v1", "h3") == "v1 Inactive"
    assert "/ops/scores?compare=v1" in page  # v1 was scored: it can be compared with v2


def test_activating_an_unscored_version_says_why_and_changes_nothing(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    versions.ensure_default_definition(session, clock)
    stored_run(session, clock, "v1")
    v3 = _add(session, clock, "v3")
    session.commit()
    _signed_in_operator(client, session, clock)
    page = client.get("/ops/scores", headers=EN).text
    assert _text_of(page, "definition-v1", "li").count("2026-11-20") == 1
    assert "Not scored yet" in _text_of(page, "definition-v3", "li")
    assert "/ops/scores?compare=v3" not in page  # nothing to compare yet

    refused = _post(client, f"/ops/scores/{v3.id}/activate")
    assert refused.status_code == 409
    assert _text_of(refused.text, f"e-sd{v3.id}-_form").startswith(
        "Not scored up to the active version's last scored day yet"
    )
    zh = _post(client, f"/ops/scores/{v3.id}/activate", headers=HX | ZH)
    assert zh.status_code == 409
    assert "<html" not in zh.text
    assert _text_of(zh.text, f"e-sd{v3.id}-_form").startswith(
        "该版本尚未评分到生效版本的最近评分日"
    )
    v1 = _row(session, "v1")
    assert (v1.active, _row(session, "v3").active, _row(session, "v3").activated_at) == (
        True,
        False,
        None,
    )

    # a stale form (the active version has none): the service refuses, the page says so
    stale = _post(client, f"/ops/scores/{v1.id}/start-trial")
    assert stale.status_code == 409
    assert _text_of(stale.text, f"e-sd{v1.id}-_form") == "This is the active version"
    assert _row(session, "v1").trial is False


# -- the comparison -----------------------------------------------------------------------------


def test_the_comparison_shows_the_stored_scores_of_both_versions(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    stored = _stored(session, clock)
    one, two, three, four, five = stored.shops
    _signed_in_operator(client, session, clock)
    listing = client.get("/ops/scores", headers=EN).text
    assert 'href="/ops/scores?compare=v2#comparison"' in listing
    assert "Compare with the active version (v1)" in listing

    page = client.get("/ops/scores?compare=v2", headers=EN)
    assert page.status_code == 200, page.text
    text = page.text
    assert _text_of(text, "compared-on") == "Scores of 2026-11-20: v1 (active) → v2"
    # scored 5 · under both 3 · changes −7, +1, +12 · the order is kept
    # columns: shops, creators, buyers
    for row, shown in (
        ("subjects", "Scored 5 2 2"),
        ("compared", "Under both 3 1 2"),
        ("mean_change", "Mean change +2.00 -0.30 +7.00"),
        ("mean_abs_change", "Mean |change| 6.67 0.30 7.00"),
        ("max_abs_change", "Max |change| 12.00 0.30 14.00"),
        ("spearman", "Spearman 1.000 — —"),
    ):
        assert _text_of(text, f"summary-{row}", "tr") == shown, row
    for cell, count in (
        ("bands-excellent-good", "1"),
        ("bands-good-good", "1"),
        ("bands-fair-good", "1"),
        ("bands-not_enough_data-poor", "1"),
        ("bands-poor-not_enough_data", "1"),
        ("bands-excellent-excellent", "·"),
        ("levels-good-excellent", "1"),
        ("levels-fair-fair", "1"),
    ):
        assert _text_of(text, cell) == count, cell
    for key, n in (
        ("moved_up", 1),
        ("moved_down", 1),
        ("gained_score", 1),
        ("lost_score", 1),
        ("became_shown", 1),
        ("became_hidden", 0),
        ("buyers_up", 1),
        ("buyers_down", 0),
    ):
        assert _text_of(text, f"move-{key}", "li").endswith(f" {n}"), key
    # the biggest movers first, linked to the shop in the console
    movers = re.findall(r'id="mover-shop-(\d+)"', text)
    assert movers == [str(three.id), str(one.id), str(two.id)]
    mover = _text_of(text, f"mover-shop-{three.id}", "tr")
    assert mover == "评分店3 70.0 → 82.0 +12.0 fair → good"
    assert f'href="/ops/shops?q=%E8%AF%84%E5%88%86%E5%BA%973#shop-{three.id}"' in text
    assert "Product -10.0" in _text_of(text, f"mover-shop-{one.id}", "tr")
    assert f'id="mover-shop-{four.id}"' not in text  # no change to rank without two scores
    assert f'id="mover-shop-{five.id}"' not in text
    creator = _text_of(text, f"mover-creator-{stored.creators[0].id}", "tr")
    assert creator.endswith("4.5 → 4.2 -0.3")
    assert f"/ops/creators?q=moverone#creator-{stored.creators[0].id}" in text

    zh = client.get("/ops/scores?compare=v2&as_of=2026-11-20", headers=ZH)
    assert zh.status_code == 200
    assert _text_of(zh.text, f"mover-shop-{one.id}", "tr").endswith("优秀 → 良好")
    assert "数据不足" in zh.text
    assert _text_of(zh.text, "summary-mean_change", "tr") == "平均变化 +2.00 -0.30 +7.00"
    assert _text_of(zh.text, "move-moved_up", "li") == "店铺升档 1"

    # a form answered over HTMX keeps the comparison on screen
    v2 = _row(session, "v2")
    partial = _post(
        client, f"/ops/scores/{v2.id}/start-trial?compare=v2&as_of=", headers=HX | EN
    ).text
    assert _text_of(partial, "definition-v2", "h3") == "v2 On trial"
    assert _text_of(partial, "bands-fair-good") == "1"


def test_a_comparison_that_cannot_be_made_is_explained(
    client: TestClient, session: Session, clock: ManualClock
) -> None:
    _stored(session, clock)
    _add(session, clock, "v3")  # never scored
    session.commit()
    _signed_in_operator(client, session, clock)

    for query, element, message in (
        ("compare=v2&as_of=junk", "e-cmp-as_of", "Enter a day, e.g. 2026-11-20"),
        ("compare=v2&as_of=2026-13-40", "e-cmp-as_of", "Enter a day, e.g. 2026-11-20"),
        ("compare=v2&as_of=2026-11-21", "e-cmp-as_of", "v2 and v1 were not both scored on"),
        ("compare=v9", "e-cmp-_form", "There is no score definition version v9"),
        ("compare=v1", "e-cmp-_form", "v1 is the active version"),
        ("compare=v3", "e-cmp-_form", "v3 and the active version v1 have not been scored"),
        ("compare=%00%01", "e-cmp-_form", "There is no score definition version"),
        ("compare=" + "x" * 300, "e-cmp-_form", "There is no score definition version"),
        ("compare=", "e-cmp-_form", "There is no score definition version"),
    ):
        page = client.get(f"/ops/scores?{query}", headers=EN)
        assert page.status_code == 422, query
        assert _text_of(page.text, element).startswith(message), query
        assert 'id="summary"' not in page.text
        assert 'id="definition-v1"' in page.text  # the list is still there
    typed = client.get("/ops/scores?compare=v2&as_of=junk", headers=EN).text
    assert 'value="junk"' in typed  # what was typed is kept
    assert 'aria-invalid="true"' in typed
    zh = client.get("/ops/scores?compare=v9", headers=ZH)
    assert zh.status_code == 422
    assert _text_of(zh.text, "e-cmp-_form") == "没有评分版本 v9"
