"""The operator console's score definitions: every version with its status and the last day it
was scored, the forms that put one on trial, take it off and switch it on, and what switching a
version on would change (``?compare=VERSION[&as_of=YYYY-MM-DD]``) — bands before → after, how
far scores moved and in what order, and the shops and creators that moved most.

The comparison reads stored scores only (``trust.comparison``); when two versions cannot be
compared the page says why instead of failing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from shijing.accounts.deps import MaybePrincipal
from shijing.accounts.service import Principal
from shijing.commerce.creators import service as creators
from shijing.core.clock import Clock
from shijing.core.errors import DomainError, InvalidInput, NotFound
from shijing.core.http import ClockDep, DbSession, Id
from shijing.trust import comparison, versions
from shijing.trust.models import ScoreDefinitionRow
from shijing.web.i18n import pick_language, translate
from shijing.web.pages.access import sign_in
from shijing.web.pages.auth import Csrf
from shijing.web.pages.forms import FORM
from shijing.web.pages.ops_forms import act, allow, done_id, explain, show
from shijing.web.pages.shop import shop_names

if TYPE_CHECKING:
    from shijing.trust.comparison import Comparison

router = APIRouter(include_in_schema=False)

VERSION_MAX = 20  # as ``versions.add_definition`` allows
# How bands and credit levels are listed in a transition table, best first; names a definition
# adds of its own come after these, in alphabetical order.
BAND_ORDER = ("excellent", "good", "fair", "poor", "low", comparison.NOT_ENOUGH_DATA)
# Each form and the service it calls; their refusals carry their own codes (``ops.error.<code>``
# or the shared ``error.<code>`` translate them)
ChangeVersion = Callable[..., ScoreDefinitionRow]
CHANGES: dict[str, ChangeVersion] = {
    "start-trial": versions.start_trial,
    "stop-trial": versions.stop_trial,
    "activate": versions.activate_definition,
}


# -- the list of versions -----------------------------------------------------------------------


def _status(row: ScoreDefinitionRow) -> str:
    if row.active:
        return "active"
    return "trial" if row.trial else "inactive"


def _scores_context(
    session: Session,
    clock: Clock,
    lang: str,
    *,
    compare: str | None = None,
    as_of: str | None = None,
) -> dict[str, Any]:
    """Every version (the newest first) with its status and last scored day, and the chosen
    version's comparison with the active one."""
    rows = versions.list_definitions(session, clock)
    context: dict[str, Any] = {
        "definitions": rows,
        "statuses": {r.id: _status(r) for r in rows},
        "last_run": {r.id: versions.last_run_day(session, r.version) for r in rows},
        "active": versions.active_version(session),
        "compare": None,
        "keep": "",
        "comparison": None,
        "compare_errors": {},
        "compare_values": {"as_of": as_of or ""},
    }
    if compare is not None:
        context["compare"] = compare
        context["keep"] = _keep(compare, as_of)
        context.update(_comparison_context(session, clock, lang, compare, as_of))
    return context


def _keep(compare: str, as_of: str | None) -> str:
    """The query that keeps the comparison on screen after a form is answered."""
    return "?" + urlencode({"compare": compare, "as_of": as_of or ""})


# -- the comparison -----------------------------------------------------------------------------


def _day(value: str | None) -> date | None:
    """The day typed (YYYY-MM-DD), None when none was; ValueError when it is not a day."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


def _ordered(names: Iterable[str]) -> list[str]:
    found = set(names)
    known = [n for n in BAND_ORDER if n in found]
    return known + sorted(found - set(BAND_ORDER))


def _matrix(bands: dict[str, dict[str, int]]) -> dict[str, Any]:
    """A square transition table (before in rows, after in columns, every name seen in either,
    so that the diagonal is "unchanged") and its counts."""
    names = _ordered({*bands, *(after for row in bands.values() for after in row)})
    return {"rows": names, "columns": names, "counts": bands}


def _refusal(
    lang: str, exc: DomainError, candidate: str, active: str, as_of: date | None
) -> dict[str, str]:
    """Why two versions cannot be compared, in the page's language, by the field to blame."""
    if isinstance(exc, NotFound) and exc.field == "version":
        return {FORM: translate(lang, "ops.scores.error.unknown_version", version=candidate)}
    if isinstance(exc, InvalidInput) and exc.field == "against":
        return {FORM: translate(lang, "ops.scores.error.is_active", version=candidate)}
    if isinstance(exc, InvalidInput) and exc.field == "as_of":
        if as_of is not None:
            return {
                "as_of": translate(
                    lang,
                    "ops.scores.error.not_scored_on",
                    day=as_of.isoformat(),
                    version=candidate,
                    active=active,
                )
            }
        return {
            FORM: translate(lang, "ops.scores.error.never_both", version=candidate, active=active)
        }
    return {FORM: explain(lang, exc)}


def _comparison_context(
    session: Session, clock: Clock, lang: str, candidate: str, as_of: str | None
) -> dict[str, Any]:
    active = versions.active_version(session)
    if not candidate.strip() or len(candidate) > VERSION_MAX or not candidate.isprintable():
        shown = "".join(ch for ch in candidate if ch.isprintable())[:VERSION_MAX]
        error = translate(lang, "ops.scores.error.unknown_version", version=shown)
        return {"compare_errors": {FORM: error}}
    try:
        day = _day(as_of)
    except ValueError:
        return {"compare_errors": {"as_of": translate(lang, "ops.scores.error.bad_day")}}
    try:
        found = comparison.compare(session, clock, candidate=candidate, as_of=day)
    except (InvalidInput, NotFound) as exc:
        return {"compare_errors": _refusal(lang, exc, candidate, active, day)}
    return {"comparison": found, **_comparison_extras(session, found)}


def _comparison_extras(session: Session, found: Comparison) -> dict[str, Any]:
    """The transition tables and the names of the shops and creators that moved most."""
    creator_rows = creators.creators_by_ids(session, {m.creator_id for m in found.creators.movers})
    return {
        "bands": _matrix(found.shops.bands),
        "levels": _matrix(found.buyers.levels),
        "shop_names": shop_names(session, {m.shop_id for m in found.shops.movers}),
        "creator_names": {i: (c.display_name, c.handle) for i, c in creator_rows.items()},
    }


# -- pages and forms ----------------------------------------------------------------------------


def _shown(request: Request, session: Session, clock: Clock) -> Callable[[], dict[str, Any]]:
    query = request.query_params
    lang = pick_language(request)
    return lambda: _scores_context(
        session, clock, lang, compare=query.get("compare"), as_of=query.get("as_of")
    )


@router.get("/ops/scores")
def score_versions(
    request: Request,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
    done: str | None = None,
) -> Response:
    """The versions, and with ``?compare=`` the chosen one beside the active one (422 with the
    reason shown when they cannot be compared)."""
    if principal is None:
        return sign_in("/ops/scores")
    allow(request, principal)
    shown = _shown(request, session, clock)()
    shown["done"] = done_id(done)
    return show(request, "scores", shown, status=422 if shown["compare_errors"] else 200)


def _definition(session: Session, definition_id: int) -> ScoreDefinitionRow:
    row = session.get(ScoreDefinitionRow, definition_id)
    if row is None:
        raise NotFound("no such score definition", field="definition_id")
    return row


@router.post("/ops/scores/{definition_id}/{action}")
async def change_version(
    definition_id: Id,
    action: str,
    request: Request,
    _csrf: Csrf,
    principal: MaybePrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Response:
    """Put a version on trial, take it off trial, or switch it on."""
    if action not in CHANGES:
        raise NotFound("no such page")
    change = CHANGES[action]

    def check(_values: dict[str, str], _lang: str) -> dict[str, str]:
        _definition(session, definition_id)  # 404 for a version that is not there
        return {}

    def run(_me: Principal, _values: dict[str, str]) -> None:
        change(session, clock, version=_definition(session, definition_id).version)

    return await act(
        request,
        principal,
        session,
        "scores",
        definition_id,
        (),
        check,
        run,
        _shown(request, session, clock),
    )
