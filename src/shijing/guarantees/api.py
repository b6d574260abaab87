"""HTTP API of Trust Purchase."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, status
from sqlalchemy import select

from shijing.accounts.deps import CurrentPrincipal, OperatorPrincipal
from shijing.accounts.service import Principal
from shijing.commerce.catalog.models import Product, Sku
from shijing.commerce.orders.access import get_order_for
from shijing.commerce.shops.access import require_shop_staff
from shijing.commerce.shops.service import get_shop, view_shop
from shijing.core.errors import InvalidInput, NotFound
from shijing.core.http import ClockDep, DbSession, Id
from shijing.core.pagination import Paging, fetch_page
from shijing.guarantees import balances, claims, coverage, deposits, enrolment, funds, programmes
from shijing.guarantees import catalogue as catalogues
from shijing.guarantees.models import BADGE_HOLDING, Claim, ClaimStatus
from shijing.guarantees.schemas import (
    ApplyIn,
    AssignCertificateIn,
    BadgeEventOut,
    CapitalIn,
    CatalogueIn,
    CatalogueOut,
    CertificateIn,
    CertificateOut,
    ClaimEventOut,
    ClaimIn,
    ClaimOut,
    ClaimPage,
    CoverageOut,
    DecisionIn,
    DepositOut,
    EnrolmentOut,
    FundsOut,
    GuaranteeOut,
    InspectionIn,
    InspectionOut,
    MoneyIn,
    PostingOut,
    PromiseOut,
    PublicCertificateOut,
    RejectIn,
    StatementLineOut,
)
from shijing.ledger.models import LedgerTransaction

router = APIRouter(tags=["trust purchase"])
KeyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="the same key moves the money once"),
]


def _require_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise InvalidInput("send an Idempotency-Key header", field="idempotency_key")
    if len(key.strip()) > 80:
        raise InvalidInput("must be 1 to 80 characters", field="idempotency_key")
    return key.strip()


def _shop_staff(session: DbSession, principal: Principal, shop_id: int) -> None:
    """The shop's staff and operators may read; 404 for everyone else and for no such shop."""
    get_shop(session, shop_id)
    require_shop_staff(session, principal, shop_id)


def _claims_page(session: DbSession, paging: Paging, **filters: Any) -> ClaimPage:
    query = claims.listing(**filters).order_by(Claim.opened_at.desc(), Claim.id.desc())
    rows, total = fetch_page(session, query, paging)
    return ClaimPage(
        items=[ClaimOut.model_validate(r) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


# -- public -------------------------------------------------------------------------------------


@router.get("/guarantees/catalogue", response_model=CatalogueOut)
def current_catalogue(session: DbSession, clock: ClockDep) -> CatalogueOut:
    row = catalogues.ensure_default(session, clock)
    body = catalogues.catalogue_of(row)
    return CatalogueOut(
        version=row.version,
        activated_at=row.activated_at,
        programme=body.programme.model_dump(mode="json"),
        guarantees=[g.model_dump(mode="json") for g in body.guarantees],
    )


@router.get("/products/{product_id}/guarantees", response_model=list[GuaranteeOut])
def product_guarantees(
    product_id: Id,
    session: DbSession,
    clock: ClockDep,
    sku_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    quantity: Annotated[int, Query(ge=1, le=999)] = 1,
) -> list[GuaranteeOut]:
    """The guarantees a purchase of this product would carry now."""
    product = session.get(Product, product_id)
    if product is None or not product.published:
        raise NotFound("no such product", field="product_id")
    price_query = select(Sku.price_fen).where(Sku.product_id == product.id)
    if sku_id is not None:
        price_query = price_query.where(Sku.id == sku_id)
    price = session.scalar(price_query.order_by(Sku.price_fen).limit(1))
    if price is None:
        raise NotFound("no such SKU of this product", field="sku_id")
    offers = coverage.offers(
        session,
        clock,
        shop_id=product.shop_id,
        product_id=product.id,
        category=product.category,
        total_fen=price * quantity,
    )
    return [
        GuaranteeOut(
            **{
                k: o.terms[k]
                for k in ("code", "name_zh", "name_en", "summary_zh", "summary_en", "payer")
            },
            claim_window_hours=o.terms["claim_window_hours"],
            max_fen=o.terms.get("max_fen"),
            premium_fen=None,
        )
        for o in offers
    ]


@router.get("/certificates/{number}", response_model=PublicCertificateOut)
def verify_certificate(number: str, session: DbSession) -> PublicCertificateOut:
    cert = programmes.verify_certificate(session, number)
    return PublicCertificateOut(
        number=cert.number,
        shop_id=cert.shop_id,
        product_id=cert.product_id,
        appraiser=cert.appraiser,
        material=cert.material,
        weight_mg=cert.weight_mg,
        recorded_at=cert.recorded_at,
        shipped=cert.order_id is not None,
    )


# -- buyers ---------------------------------------------------------------------------------


@router.get("/orders/{order_id}/coverage", response_model=CoverageOut)
def order_coverage(
    order_id: Id, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> CoverageOut:
    """The promises an order carries and the claims made under them (its buyer, the shop's
    staff, operators)."""
    order = get_order_for(session, principal, order_id)
    promises = coverage.promises_of(session, order.id)
    made = list(session.scalars(select(Claim).where(Claim.order_id == order.id).order_by(Claim.id)))
    return CoverageOut(
        order_id=order.id,
        promises=[PromiseOut.model_validate(p) for p in promises],
        claims=[ClaimOut.model_validate(c) for c in made],
    )


@router.post("/guarantees/claims", status_code=status.HTTP_201_CREATED, response_model=ClaimOut)
def open_claim(
    body: ClaimIn, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> Claim:
    return claims.open_claim(
        session,
        clock,
        principal,
        order_id=body.order_id,
        code=body.code,
        remedy=body.remedy,
        description=body.description,
        evidence_urls=body.evidence_urls,
        amount_fen=body.amount_fen,
    )


@router.get("/me/claims", response_model=ClaimPage)
def my_claims(principal: CurrentPrincipal, session: DbSession, paging: Paging) -> ClaimPage:
    return _claims_page(session, paging, buyer_id=principal.id)


@router.get("/guarantees/claims/queue", response_model=ClaimPage)
def review_queue(operator: OperatorPrincipal, session: DbSession, paging: Paging) -> ClaimPage:
    """Claims waiting for an operator, oldest first."""
    query = claims.listing(status=ClaimStatus.UNDER_REVIEW.value).order_by(
        Claim.opened_at, Claim.id
    )
    rows, total = fetch_page(session, query, paging)
    return ClaimPage(
        items=[ClaimOut.model_validate(r) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/guarantees/claims/{claim_id}", response_model=ClaimOut)
def get_claim(claim_id: Id, principal: CurrentPrincipal, session: DbSession) -> Claim:
    return claims.get_visible(session, principal, claim_id)


@router.get("/guarantees/claims/{claim_id}/history", response_model=list[ClaimEventOut])
def claim_history(
    claim_id: Id, principal: CurrentPrincipal, session: DbSession
) -> list[ClaimEventOut]:
    claims.get_visible(session, principal, claim_id)
    return [ClaimEventOut.model_validate(e) for e in claims.history(session, claim_id)]


@router.post("/guarantees/claims/{claim_id}/approve", response_model=ClaimOut)
def approve_claim(
    claim_id: Id, body: DecisionIn, operator: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> Claim:
    return claims.approve(
        session, clock, operator, claim_id, note=body.note, amount_fen=body.amount_fen
    )


@router.post("/guarantees/claims/{claim_id}/reject", response_model=ClaimOut)
def reject_claim(
    claim_id: Id, body: RejectIn, operator: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> Claim:
    return claims.reject(session, clock, operator, claim_id, note=body.note)


# -- shops ----------------------------------------------------------------------------------------


def _enrolment_out(session: DbSession, clock: ClockDep, shop_id: int) -> EnrolmentOut:
    row = enrolment.get_enrolment(session, shop_id)
    result = enrolment.qualification(session, clock, shop_id)
    return EnrolmentOut(
        shop_id=shop_id,
        status=row.status if row else "none",
        badge=bool(row and row.status in BADGE_HOLDING),
        since=row.badge_since if row else None,
        grace_until=row.grace_until if row else None,
        premium_fen=row.premium_fen if row else 0,
        return_rate_bps=row.return_rate_bps if row else 0,
        reason=row.reason if row else None,
        qualifies=result.ok,
        conditions=[{"field": f, "reason": r} for f, r in result.failures],
        facts=result.facts,
        history=[BadgeEventOut.model_validate(e) for e in enrolment.history(session, shop_id)],
    )


@router.get("/shops/{shop_id}/trust-purchase", response_model=EnrolmentOut)
def shop_enrolment(
    shop_id: Id, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> EnrolmentOut:
    """Badge status, what qualifies or does not, and the badge's history (the shop's staff and
    operators)."""
    _shop_staff(session, principal, shop_id)
    return _enrolment_out(session, clock, shop_id)


@router.post("/shops/{shop_id}/trust-purchase/apply", response_model=EnrolmentOut)
def apply(
    shop_id: Id, body: ApplyIn, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> EnrolmentOut:
    enrolment.apply(session, clock, principal, shop_id, accept_terms=body.accept_terms)
    return _enrolment_out(session, clock, shop_id)


@router.post("/shops/{shop_id}/trust-purchase/withdraw", response_model=EnrolmentOut)
def withdraw_from_programme(
    shop_id: Id, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> EnrolmentOut:
    enrolment.withdraw(session, clock, principal, shop_id)
    return _enrolment_out(session, clock, shop_id)


@router.get("/shops/{shop_id}/claims", response_model=ClaimPage)
def shop_claims(
    shop_id: Id,
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    status_filter: Annotated[ClaimStatus | None, Query(alias="status")] = None,
) -> ClaimPage:
    _shop_staff(session, principal, shop_id)
    return _claims_page(
        session, paging, shop_id=shop_id, status=status_filter.value if status_filter else None
    )


def _statement(session: DbSession, clock: ClockDep, shop_id: int) -> DepositOut:
    data = deposits.statement(session, clock, shop_id)
    return DepositOut(
        shop_id=data.shop_id,
        deposit_fen=data.deposit_fen,
        owed_fen=data.owed_fen,
        minimum_fen=data.minimum_fen,
        open_claims=data.open_claims,
        lines=[StatementLineOut(**line.__dict__) for line in data.lines],
    )


@router.get("/shops/{shop_id}/deposit", response_model=DepositOut)
def deposit_statement(
    shop_id: Id, principal: CurrentPrincipal, session: DbSession, clock: ClockDep
) -> DepositOut:
    _shop_staff(session, principal, shop_id)
    return _statement(session, clock, shop_id)


def _posting(session: DbSession, shop_id: int, txn: LedgerTransaction) -> PostingOut:
    return PostingOut(
        transaction_id=txn.id,
        idempotency_key=txn.idempotency_key,
        kind=txn.kind,
        posted_at=txn.posted_at,
        deposit_fen=funds.balance(session, funds.deposit(shop_id)),
        owed_fen=funds.owed_by_shop(session, shop_id),
    )


@router.post(
    "/shops/{shop_id}/deposit/top-up",
    status_code=status.HTTP_201_CREATED,
    response_model=PostingOut,
)
def top_up(
    shop_id: Id,
    body: MoneyIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
    idempotency_key: KeyHeader = None,
) -> PostingOut:
    txn = deposits.top_up(
        session,
        clock,
        principal,
        shop_id,
        amount_fen=body.amount_fen,
        idempotency_key=_require_key(idempotency_key),
    )
    return _posting(session, shop_id, txn)


@router.post(
    "/shops/{shop_id}/deposit/withdraw",
    status_code=status.HTTP_201_CREATED,
    response_model=PostingOut,
)
def withdraw(
    shop_id: Id,
    body: MoneyIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
    idempotency_key: KeyHeader = None,
) -> PostingOut:
    txn = deposits.withdraw(
        session,
        clock,
        principal,
        shop_id,
        amount_fen=body.amount_fen,
        idempotency_key=_require_key(idempotency_key),
    )
    return _posting(session, shop_id, txn)


@router.get("/shops/{shop_id}/badge")
def public_badge(shop_id: Id, session: DbSession) -> dict[str, Any]:
    """Public: whether the shop carries the Trust Purchase badge."""
    view_shop(session, None, shop_id)
    return {"shop_id": shop_id, "badge": enrolment.holds_badge(session, shop_id)}


# -- programmes -----------------------------------------------------------------------------


@router.post(
    "/products/{product_id}/certificates",
    status_code=status.HTTP_201_CREATED,
    response_model=CertificateOut,
)
def record_certificate(
    product_id: Id,
    body: CertificateIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Any:
    return programmes.record_certificate(
        session,
        clock,
        principal,
        product_id=product_id,
        number=body.number,
        appraiser=body.appraiser,
        material=body.material,
        weight_g=body.weight_g,
    )


@router.post("/orders/{order_id}/certificate", response_model=CertificateOut)
def assign_certificate(
    order_id: Id,
    body: AssignCertificateIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Any:
    return programmes.assign_certificate(
        session, clock, principal, order_id=order_id, number=body.number
    )


@router.post(
    "/products/{product_id}/inspection",
    status_code=status.HTTP_201_CREATED,
    response_model=InspectionOut,
)
def record_inspection(
    product_id: Id,
    body: InspectionIn,
    principal: CurrentPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> Any:
    return programmes.record_inspection(
        session,
        clock,
        principal,
        product_id=product_id,
        imei=body.imei,
        grade=body.grade,
        battery_health=body.battery_health,
        inspector=body.inspector,
        notes=body.notes,
    )


@router.get("/products/{product_id}/inspection", response_model=InspectionOut)
def product_inspection(product_id: Id, session: DbSession) -> Any:
    """Public: the inspection report of a used phone in the warranty programme."""
    report = programmes.inspection_of_product(session, product_id)
    if report is None:
        raise NotFound("no inspection report for this product", field="product_id")
    return report


# -- operators --------------------------------------------------------------------------------


@router.get("/guarantees/funds", response_model=FundsOut)
def fund_balances(operator: OperatorPrincipal, session: DbSession) -> FundsOut:
    found = balances.fund_balances(session)
    return FundsOut(
        accounts=found.accounts,
        shop_deposits_fen=found.shop_deposits_fen,
        shops_owe_fen=found.shop_receivables_fen,
        claims_paid_fen=found.claims_paid_fen,
        claims_open=found.claims_open,
    )


@router.post("/guarantees/funds/capital", status_code=status.HTTP_201_CREATED)
def pay_in_capital(
    body: CapitalIn,
    operator: OperatorPrincipal,
    session: DbSession,
    clock: ClockDep,
    idempotency_key: KeyHeader = None,
) -> dict[str, int]:
    key = _require_key(idempotency_key)
    funds.fund_platform(session, clock, amount_fen=body.amount_fen, key=f"capital:{key}")
    return {"guarantee_fund_fen": funds.balance(session, funds.FUND)}


@router.post(
    "/guarantees/catalogue/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=CatalogueOut,
)
def add_catalogue_version(
    body: CatalogueIn, operator: OperatorPrincipal, session: DbSession, clock: ClockDep
) -> CatalogueOut:
    row = catalogues.add_version(
        session,
        clock,
        version=body.version,
        body=body.catalogue,
        note=body.note,
        actor_user_id=operator.id,
    )
    parsed = catalogues.catalogue_of(row)
    return CatalogueOut(
        version=row.version,
        activated_at=row.activated_at,
        programme=parsed.programme.model_dump(mode="json"),
        guarantees=[g.model_dump(mode="json") for g in parsed.guarantees],
    )


@router.post("/guarantees/catalogue/versions/{version}/activate", response_model=CatalogueOut)
def activate_catalogue_version(
    version: Annotated[str, Path(min_length=1, max_length=20)],
    operator: OperatorPrincipal,
    session: DbSession,
    clock: ClockDep,
) -> CatalogueOut:
    row = catalogues.activate(session, clock, version=version, actor_user_id=operator.id)
    parsed = catalogues.catalogue_of(row)
    return CatalogueOut(
        version=row.version,
        activated_at=row.activated_at,
        programme=parsed.programme.model_dump(mode="json"),
        guarantees=[g.model_dump(mode="json") for g in parsed.guarantees],
    )
