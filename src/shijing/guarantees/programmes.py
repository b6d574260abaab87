"""The two industry programmes: certified jewellery (真宝仓) and the used-phone warranty.

A certified jewel ships only with the appraisal certificate of that very piece recorded on its
order; anyone can verify a certificate by its number. A used phone in the warranty programme is
listed with an inspection report, and one IMEI is on at most one listed report at a time.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shijing.accounts.service import Principal
from shijing.commerce.catalog.categories import luhn_ok
from shijing.commerce.catalog.models import Product, Sku
from shijing.commerce.catalog.stock_caps import register as register_stock_cap
from shijing.commerce.orders.models import Order
from shijing.commerce.shipping.preconditions import register
from shijing.commerce.shops.access import require_shop_staff
from shijing.core.clock import Clock
from shijing.core.errors import Conflict, InvalidInput, NotFound
from shijing.core.outbox import emit
from shijing.guarantees import coverage
from shijing.guarantees import events as guarantee_events
from shijing.guarantees.models import Certificate, InspectionStatus, PhoneInspection

CERTIFICATE_NO = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")
GRADES = ("S", "A", "B", "C")


def _text(value: str, field: str, max_len: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput("is required", field=field)
    if len(text) > max_len:
        raise InvalidInput(f"at most {max_len} characters", field=field)
    return text


def normalise_certificate_no(number: str) -> str:
    text = number.strip().upper()
    if not CERTIFICATE_NO.match(text):
        raise InvalidInput(
            "4 to 40 letters, digits or dashes, starting with a letter or digit", field="number"
        )
    return text


def _product_of_shop(session: Session, principal: Principal, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("no such product", field="product_id")
    require_shop_staff(session, principal, product.shop_id, allow_operator=False)
    return product


# -- certified jewellery ------------------------------------------------------------------------


def record_certificate(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    product_id: int,
    number: str,
    appraiser: str,
    material: str,
    weight_g: str | float,
) -> Certificate:
    """The shop records the appraisal certificate of one piece of a jewellery product."""
    product = _product_of_shop(session, principal, product_id)
    if not product.category.startswith("jewellery"):
        raise InvalidInput("certificates are for jewellery products", field="product_id")
    cert_no = normalise_certificate_no(number)
    who = _text(appraiser, "appraiser", 80)
    what = _text(material, "material", 40)
    try:
        grams = Decimal(str(weight_g))
    except InvalidOperation:
        raise InvalidInput("must be a weight in grams", field="weight_g") from None
    if not grams.is_finite() or grams <= 0 or grams > 100_000:
        raise InvalidInput("must be between 0 and 100000 grams", field="weight_g")
    if session.scalar(select(Certificate.id).where(Certificate.number == cert_no)):
        raise Conflict("this certificate number is recorded already", field="number", code="taken")
    cert = Certificate(
        number=cert_no,
        shop_id=product.shop_id,
        product_id=product.id,
        appraiser=who,
        material=what,
        weight_mg=int(grams * 1000),
        recorded_by=principal.id,
        recorded_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(cert)
            session.flush()
    except IntegrityError:
        raise Conflict(
            "this certificate number is recorded already", field="number", code="taken"
        ) from None
    emit(
        session,
        clock,
        guarantee_events.GUARANTEE_CERTIFICATE_RECORDED,
        certificate_id=cert.id,
        number=cert_no,
        shop_id=product.shop_id,
        product_id=product.id,
    )
    return cert


def assign_certificate(
    session: Session, clock: Clock, principal: Principal, *, order_id: int, number: str
) -> Certificate:
    """The piece going out on this order is the one with this certificate."""
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("no such order", field="order_id")
    require_shop_staff(session, principal, order.shop_id, allow_operator=False)
    cert_no = normalise_certificate_no(number)
    cert = session.scalar(
        select(Certificate).where(Certificate.number == cert_no).with_for_update()
    )
    if cert is None or cert.shop_id != order.shop_id:
        raise NotFound("no such certificate in this shop", field="number")
    if cert.product_id != order.product_id:
        raise Conflict("the certificate is for another product", field="number")
    if cert.order_id is not None and cert.order_id != order.id:
        raise Conflict("the certificate's piece has shipped on another order", field="number")
    if order.shipped_at is not None:
        raise Conflict("the order has shipped", field="order_id")
    cert.order_id = order.id
    cert.assigned_at = clock.now()
    session.flush()
    emit(
        session,
        clock,
        guarantee_events.GUARANTEE_CERTIFICATE_ASSIGNED,
        certificate_id=cert.id,
        number=cert_no,
        order_id=order.id,
    )
    return cert


def verify_certificate(session: Session, number: str) -> Certificate:
    """Public: the certificate with this number (404 when there is none)."""
    try:
        cert_no = normalise_certificate_no(number)
    except InvalidInput:
        raise NotFound("no certificate with this number", field="number") from None
    cert = session.scalar(select(Certificate).where(Certificate.number == cert_no))
    if cert is None:
        raise NotFound("no certificate with this number", field="number")
    return cert


def certificate_of_order(session: Session, order_id: int) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.order_id == order_id))


@register("guarantees.certified_jewellery")
def _certified_pieces_ship_with_their_certificate(session: Session, order: Order) -> None:
    if not coverage.carries(session, order, "certified_jewellery"):
        return
    if certificate_of_order(session, order.id) is None:
        raise Conflict(
            "a certified jewel ships with its appraisal certificate: record the piece's "
            "certificate on the order first",
            field="certificate",
            code="certificate_required",
        )


# -- used phones ----------------------------------------------------------------------------------


def record_inspection(
    session: Session,
    clock: Clock,
    principal: Principal,
    *,
    product_id: int,
    imei: str,
    grade: str,
    battery_health: int,
    inspector: str,
    notes: str = "",
) -> PhoneInspection:
    """List a used phone in the warranty programme with its inspection report."""
    product = _product_of_shop(session, principal, product_id)
    if product.category != "phones.used":
        raise InvalidInput("inspection reports are for used phones", field="product_id")
    digits = imei.strip().replace(" ", "")
    if not (len(digits) == 15 and digits.isdigit() and luhn_ok(digits)):
        raise InvalidInput("must be a 15-digit IMEI with a valid check digit", field="imei")
    if grade not in GRADES:
        raise InvalidInput(f"must be one of {', '.join(GRADES)}", field="grade")
    if isinstance(battery_health, bool) or not isinstance(battery_health, int):
        raise InvalidInput("must be a whole percentage", field="battery_health")
    if not 50 <= battery_health <= 100:
        raise InvalidInput("must be between 50 and 100", field="battery_health")
    who = _text(inspector, "inspector", 80)
    if len(notes) > 500:
        raise InvalidInput("at most 500 characters", field="notes")
    # One phone is one unit: a listing with more stock would sell the same IMEI twice.
    units = session.scalar(select(func.sum(Sku.stock)).where(Sku.product_id == product.id)) or 0
    if units > 1:
        raise Conflict(
            f"a used phone is one unit; the listing has {units} in stock",
            field="product_id",
            code="more_than_one",
        )
    listed_imei = product.attributes.get("imei") if product.attributes else None
    if listed_imei and str(listed_imei) != digits:
        raise Conflict("the IMEI differs from the one on the listing", field="imei")
    # Listed on another product: refused. Listed on this one: a new inspection replaces it.
    taken = session.scalar(
        select(PhoneInspection.id).where(
            PhoneInspection.imei == digits,
            PhoneInspection.status == InspectionStatus.LISTED.value,
            PhoneInspection.product_id != product.id,
        )
    )
    if taken:
        raise Conflict("this IMEI is already listed for sale", field="imei", code="imei_listed")
    for old in session.scalars(
        select(PhoneInspection).where(
            PhoneInspection.product_id == product.id,
            PhoneInspection.status == InspectionStatus.LISTED.value,
        )
    ):
        old.status = InspectionStatus.RETIRED.value
    session.flush()  # retired before the new report takes the IMEI (a partial unique index)
    report = PhoneInspection(
        product_id=product.id,
        shop_id=product.shop_id,
        imei=digits,
        grade=grade,
        battery_health=battery_health,
        notes=notes.strip(),
        inspector=who,
        status=InspectionStatus.LISTED.value,
        inspected_at=clock.now(),
        recorded_by=principal.id,
    )
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:  # listed meanwhile by a concurrent request
        raise Conflict(
            "this IMEI is already listed for sale", field="imei", code="imei_listed"
        ) from None
    emit(
        session,
        clock,
        guarantee_events.GUARANTEE_PHONE_LISTED,
        inspection_id=report.id,
        product_id=product.id,
        shop_id=product.shop_id,
        imei=digits,
    )
    return report


@register_stock_cap("guarantees.one_phone_per_listing")
def _a_listed_phone_is_one_unit(session: Session, product: Product) -> tuple[int, str] | None:
    listed = session.scalar(
        select(PhoneInspection.id).where(
            PhoneInspection.product_id == product.id,
            PhoneInspection.status == InspectionStatus.LISTED.value,
        )
    )
    return None if listed is None else (1, "a used phone in the warranty programme is one unit")


def inspection_of_product(session: Session, product_id: int) -> PhoneInspection | None:
    return session.scalar(
        select(PhoneInspection)
        .where(PhoneInspection.product_id == product_id)
        .order_by(PhoneInspection.id.desc())
        .limit(1)
    )


def phone_sold(session: Session, clock: Clock, *, order_id: int) -> PhoneInspection | None:
    """A paid order takes the listed phone: its IMEI is off the market until relisted."""
    order = session.get(Order, order_id)
    if order is None:
        return None
    report = session.scalar(
        select(PhoneInspection)
        .where(
            PhoneInspection.product_id == order.product_id,
            PhoneInspection.status == InspectionStatus.LISTED.value,
        )
        .with_for_update()
    )
    if report is None:
        return None
    report.status = InspectionStatus.SOLD.value
    report.order_id = order.id
    session.flush()
    emit(
        session,
        clock,
        guarantee_events.GUARANTEE_PHONE_SOLD,
        inspection_id=report.id,
        order_id=order.id,
        imei=report.imei,
    )
    return report
