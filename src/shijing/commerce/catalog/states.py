"""A product's lifecycle on the shelf, as data (stored as ``Product.published``)."""

from __future__ import annotations

from shijing.core.states import StateMachine

PUBLISHED = "published"
UNPUBLISHED = "unpublished"

PRODUCT = StateMachine.build(
    "product",
    [UNPUBLISHED, PUBLISHED],
    {
        "publish": ([UNPUBLISHED], PUBLISHED),
        "unpublish": ([PUBLISHED], UNPUBLISHED),
    },
)


def shelf_state(published: bool) -> str:
    return PUBLISHED if published else UNPUBLISHED
