"""Event names are declared once, in the ``events.py`` of the domain that emits them, and this
test holds the names together (no database needed):

- no ``emit`` call and no ``bus.subscribe`` names its event with a string literal or an f-string,
  or with anything but a declared constant (``alias.CONST`` or ``CONST``, resolved through the
  file's imports) or a subscript of a declared mapping (``alias.BY_STATUS[status]``, which
  covers every value of the mapping);
- every event a subscriber listens to is declared and emitted somewhere;
- every declared name is emitted somewhere (no dead names), and each is declared once;
- each mapping from a state or an action to an event covers exactly what the code can pass.

Every ``events.py`` under ``src/shijing`` is picked up by itself: a new domain needs no change
here.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "shijing"
OUTBOX_EMIT = "shijing.core.outbox.emit"
OUTBOX_BUS = "shijing.core.outbox.bus"

NAME_FORMAT = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")
CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]*$")


# -- what the events modules declare -----------------------------------------------------------


def module_of(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def events_modules() -> list[str]:
    return sorted(module_of(path) for path in PACKAGE.rglob("events.py"))


@dataclass(frozen=True)
class Declared:
    """A constant of an events module: one event name, or a mapping's values."""

    values: frozenset[str]
    mapping: bool = False


Names = Mapping[str, Declared]  # by dotted name: shijing.commerce.orders.events.ORDER_PAID


def declared() -> dict[str, Declared]:
    """Every constant of every events module, by its dotted name."""
    found: dict[str, Declared] = {}
    for module_name in events_modules():
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if not CONSTANT.match(name):
                continue
            if isinstance(value, str):
                found[f"{module_name}.{name}"] = Declared(frozenset({value}))
            elif isinstance(value, Mapping):
                found[f"{module_name}.{name}"] = Declared(frozenset(value.values()), mapping=True)
    return found


def strings(names: Names) -> dict[str, str]:
    """The string constants only: dotted name → event name."""
    return {ref: next(iter(d.values)) for ref, d in names.items() if not d.mapping}


# -- what the source emits and subscribes to ---------------------------------------------------


@dataclass
class NameUse:
    """One place an event is named: an ``emit`` call or a ``bus.subscribe``."""

    where: str  # path:line
    kind: str  # "emit" or "subscribe"
    refs: frozenset[str] = frozenset()  # the declared constants it refers to, dotted
    literal: str | None = None  # the literal string, when it is one
    problem: str | None = None  # why the name is not a declared constant


@dataclass
class Imports:
    """What each name bound by a file's imports stands for, as a dotted path."""

    module: str
    is_package: bool
    bound: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, tree: ast.Module, module: str, is_package: bool) -> Imports:
        imports = cls(module, is_package)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        imports.bound[alias.asname] = alias.name
                    else:  # ``import a.b.c`` binds ``a``
                        top = alias.name.split(".")[0]
                        imports.bound[top] = top
            elif isinstance(node, ast.ImportFrom):
                base = imports._base(node)
                for alias in node.names:
                    imports.bound[alias.asname or alias.name] = f"{base}.{alias.name}"
        return imports

    def _base(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        package = self.module.split(".")
        if not self.is_package:
            package = package[:-1]
        package = package[: len(package) - (node.level - 1)]
        return ".".join([*package, *([node.module] if node.module else [])])

    def dotted(self, node: ast.expr) -> str | None:
        """``alias.CONST`` → ``shijing.x.events.CONST``; None for anything not imported."""
        if isinstance(node, ast.Name):
            return self.bound.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base is not None else None
        return None


def _is_emit(call: ast.Call, imports: Imports) -> bool:
    func = call.func
    if imports.dotted(func) == OUTBOX_EMIT:
        return True
    if isinstance(func, ast.Name):
        return func.id == "emit"
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "emit"
        and isinstance(func.value, ast.Name)
        and func.value.id == "outbox"
    )


def _is_subscribe(call: ast.Call, imports: Imports) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr != "subscribe":
        return False
    return imports.dotted(func.value) == OUTBOX_BUS or (
        isinstance(func.value, ast.Name) and func.value.id == "bus"
    )


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position and not any(
        isinstance(a, ast.Starred) for a in call.args[: position + 1]
    ):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _resolve(
    node: ast.expr, imports: Imports, names: Names
) -> tuple[frozenset[str], str | None, str | None]:
    """(declared constants referred to, the literal if it is one, what is wrong with it)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return frozenset(), node.value, f"a string literal {node.value!r}"
    if isinstance(node, ast.JoinedStr):
        return frozenset(), None, f"an f-string {ast.unparse(node)}"
    if isinstance(node, ast.IfExp):
        body, body_literal, body_problem = _resolve(node.body, imports, names)
        other, other_literal, other_problem = _resolve(node.orelse, imports, names)
        return body | other, body_literal or other_literal, body_problem or other_problem
    if isinstance(node, ast.Subscript):
        ref = imports.dotted(node.value)
        if ref is not None and ref in names and names[ref].mapping:
            return frozenset({ref}), None, None
        return frozenset(), None, f"{ast.unparse(node)}, not a subscript of an events mapping"
    ref = imports.dotted(node)
    if ref is not None and ref in names and not names[ref].mapping:
        return frozenset({ref}), None, None
    return frozenset(), None, f"{ast.unparse(node)}, not a constant of an events module"


def name_uses(source: str, *, module: str, path: str, names: Names) -> list[NameUse]:
    """Every ``emit(...)`` / ``outbox.emit(...)`` call and ``bus.subscribe(...)`` in a source,
    with what its event-name argument refers to."""
    tree = ast.parse(source, filename=path)
    imports = Imports.of(tree, module, is_package=path.endswith("__init__.py"))
    uses = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if _is_emit(node, imports):
            kind, argument = "emit", _argument(node, 2, "name")
        elif _is_subscribe(node, imports):
            kind, argument = "subscribe", _argument(node, 0, "event_name")
        else:
            continue
        use = NameUse(where=f"{path}:{node.lineno}", kind=kind)
        if argument is None:
            use.problem = "no event-name argument found"
        else:
            use.refs, use.literal, use.problem = _resolve(argument, imports, names)
        uses.append(use)
    return uses


def source_files() -> Iterator[Path]:
    yield from sorted(PACKAGE.rglob("*.py"))


def all_uses(names: Names) -> list[NameUse]:
    uses = []
    for path in source_files():
        relative = path.relative_to(ROOT).as_posix()
        uses += name_uses(path.read_text(), module=module_of(path), path=relative, names=names)
    return uses


# -- the checks --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def names() -> dict[str, Declared]:
    return declared()


@pytest.fixture(scope="module")
def uses(names: Names) -> list[NameUse]:
    return all_uses(names)


@pytest.fixture(scope="module")
def emitted(uses: list[NameUse], names: Names) -> set[str]:
    """Every event name some emit call names (a mapping's subscript names all its values)."""
    return {
        name for use in uses if use.kind == "emit" for ref in use.refs for name in names[ref].values
    }


@pytest.fixture(scope="module")
def referenced(uses: list[NameUse]) -> set[str]:
    return {ref for use in uses if use.kind == "emit" for ref in use.refs}


def test_the_scan_finds_the_events_modules_and_the_emit_calls(
    names: Names, uses: list[NameUse]
) -> None:
    modules = events_modules()
    assert "shijing.commerce.orders.events" in modules
    assert "shijing.accounts.events" in modules
    assert len([u for u in uses if u.kind == "emit"]) > 50
    assert any(u.kind == "subscribe" for u in uses)
    assert "order.paid" in strings(names).values()


def test_no_event_is_named_by_a_literal_or_a_free_expression(uses: list[NameUse]) -> None:
    wrong = [
        f"{use.where}: {use.kind} names its event with {use.problem}"
        for use in uses
        if use.problem is not None
    ]
    assert not wrong, "name events by the constants of an events.py:\n" + "\n".join(wrong)


def test_each_event_name_is_declared_once_and_well_formed(
    names: Names,
) -> None:
    by_value: dict[str, list[str]] = {}
    for ref, value in strings(names).items():
        by_value.setdefault(value, []).append(ref)
    twice = {value: refs for value, refs in by_value.items() if len(refs) > 1}
    assert not twice, f"declared more than once: {twice}"
    malformed = sorted(v for v in by_value if not NAME_FORMAT.match(v))
    assert not malformed, f"event names look like 'noun.verb_or_state': {malformed}"


def test_a_mapping_picks_among_its_modules_constants(names: Names) -> None:
    constants = strings(names)
    for ref, d in names.items():
        if not d.mapping:
            continue
        module_name = ref.rpartition(".")[0]
        own = {v for r, v in constants.items() if r.rpartition(".")[0] == module_name}
        extra = d.values - own
        assert not extra, f"{ref} maps to names its module does not declare: {extra}"


def test_every_subscribed_event_is_declared_and_emitted(names: Names, emitted: set[str]) -> None:
    import shijing.web.live.bridge
    import shijing.wiring  # noqa: F401  (registers every subscriber)
    from shijing.core.outbox import bus

    declared_names = set(strings(names).values())
    subscribed = set(bus.handlers)
    assert "order.paid" in subscribed
    assert "live.pinned" in subscribed  # the live-room bridge's
    undeclared = sorted(subscribed - declared_names)
    assert not undeclared, f"subscribed to, declared in no events.py: {undeclared}"
    never = sorted(subscribed - emitted)
    assert not never, f"subscribed to, never emitted: {never}"


def test_every_declared_name_is_emitted(
    names: Names, emitted: set[str], referenced: set[str]
) -> None:
    constants = strings(names)
    dead = sorted(f"{ref} = {value!r}" for ref, value in constants.items() if value not in emitted)
    assert not dead, "declared, never emitted:\n" + "\n".join(dead)
    unused = sorted(ref for ref in names if ref not in constants and ref not in referenced)
    assert not unused, f"mappings no emit call uses: {unused}"


# -- the mappings against the lifecycles they follow -------------------------------------------


def _targets(machine: object) -> set[str]:
    from shijing.core.states import StateMachine

    assert isinstance(machine, StateMachine)
    return {t.target for t in machine.actions.values()}


def _badge_kinds() -> set[str]:
    """The kinds ``enrolment._record`` is called with (its fourth argument, always a literal)."""
    path = PACKAGE / "guarantees" / "enrolment.py"
    kinds = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "_record"
        ):
            kind = node.args[3]
            assert isinstance(kind, ast.Constant), f"enrolment.py:{node.lineno}: kind not literal"
            kinds.add(kind.value)
    return kinds


def test_each_mapping_covers_what_the_code_can_pass() -> None:
    from shijing.commerce.aftersales import events as aftersale_events
    from shijing.commerce.aftersales.states import AFTERSALE
    from shijing.commerce.catalog import events as catalog_events
    from shijing.commerce.catalog.states import PRODUCT
    from shijing.commerce.complaints import events as complaint_events
    from shijing.commerce.complaints.states import COMPLAINT
    from shijing.commerce.shipping import events as shipping_events
    from shijing.commerce.shipping.states import SHIPMENT
    from shijing.guarantees import events as guarantee_events
    from shijing.guarantees.states import CLAIM

    assert set(aftersale_events.BY_ACTION) == set(AFTERSALE.actions)
    assert set(catalog_events.BY_SHELF_STATE) == set(PRODUCT.states)
    assert set(complaint_events.BY_STATUS) == _targets(COMPLAINT)
    assert set(shipping_events.BY_STATUS) == _targets(SHIPMENT)
    assert set(guarantee_events.CLAIM_BY_STATUS) == _targets(CLAIM)
    assert set(guarantee_events.BADGE_BY_KIND) == _badge_kinds()


# -- the checker itself ------------------------------------------------------------------------

FAKE_NAMES = {
    "shijing.commerce.orders.events.ORDER_PAID": Declared(frozenset({"order.paid"})),
    "shijing.commerce.shipping.events.BY_STATUS": Declared(
        frozenset({"shipment.delivered"}), mapping=True
    ),
}


def _check(source: str) -> list[NameUse]:
    return name_uses(
        source, module="shijing.commerce.fake.service", path="fake.py", names=FAKE_NAMES
    )


def test_the_checker_catches_a_literal_and_an_f_string() -> None:
    uses = _check(
        "from shijing.core.outbox import emit\n"
        "from shijing.core import outbox\n"
        "def f(session, clock, what):\n"
        "    emit(session, clock, 'order.paid', order_id=1)\n"
        "    outbox.emit(session, clock, f'shipment.{what}')\n"
        "    emit(session, clock, name='order.paid')\n"
    )
    assert [(u.where, u.literal) for u in uses] == [
        ("fake.py:4", "order.paid"),
        ("fake.py:5", None),
        ("fake.py:6", "order.paid"),
    ]
    assert all(u.problem for u in uses)
    assert "f-string" in (uses[1].problem or "")


def test_the_checker_resolves_constants_through_the_imports() -> None:
    uses = _check(
        "import shijing.commerce.orders.events\n"
        "from shijing.commerce.orders import events as order_events\n"
        "from shijing.commerce.orders.events import ORDER_PAID\n"
        "from shijing.commerce.shipping import events\n"
        "from shijing.core.outbox import bus, emit\n"
        "@bus.subscribe(order_events.ORDER_PAID)\n"
        "def f(session, clock, what):\n"
        "    emit(session, clock, order_events.ORDER_PAID)\n"
        "    emit(session, clock, ORDER_PAID)\n"
        "    emit(session, clock, shijing.commerce.orders.events.ORDER_PAID)\n"
        "    emit(session, clock, events.BY_STATUS[what])\n"
    )
    assert [u.problem for u in uses] == [None] * 5
    assert [u.kind for u in uses].count("subscribe") == 1
    assert {ref for u in uses for ref in u.refs} == set(FAKE_NAMES)


def test_the_checker_refuses_what_only_looks_like_a_constant() -> None:
    uses = _check(
        "from shijing.core.outbox import bus, emit\n"
        "from shijing.commerce.orders import events as order_events\n"
        "ORDER_PAID = 'order.paid'\n"
        "@bus.subscribe('order.paid')\n"
        "def f(session, clock, name):\n"
        "    emit(session, clock, ORDER_PAID)\n"  # a local copy, not the declared constant
        "    emit(session, clock, name)\n"
        "    emit(session, clock, order_events.ORDER_PAYED)\n"
        "    emit(session, clock, order_events.ORDER_PAID[0])\n"
        "    emit(session, clock, 'order.' + name)\n"
    )
    assert len(uses) == 6
    assert all(u.problem for u in uses), [u for u in uses if not u.problem]
    assert not any(u.refs for u in uses)
