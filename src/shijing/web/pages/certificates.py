"""The public certificate check of certified jewellery (真宝仓): anyone, signed in or not, can
look a certificate up by its number."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from shijing.accounts.deps import MaybePrincipal
from shijing.core.errors import NotFound
from shijing.core.http import DbSession
from shijing.guarantees import programmes
from shijing.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/certificates")
def certificate_check(
    request: Request,
    principal: MaybePrincipal,
    session: DbSession,
    number: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    request.state.principal = principal
    context: dict[str, object] = {"values": {"number": number or ""}}
    status = 200
    if number:
        try:
            context["certificate"] = programmes.verify_certificate(session, number)
        except NotFound:
            context["errors"] = {"number": "certificate.unknown"}
            status = 404
    return render(request, "certificate.html", context, status=status)
