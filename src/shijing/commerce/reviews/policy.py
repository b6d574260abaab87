"""How long buyers may review, edit and follow up: policy, not code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class ReviewPolicy:
    review_window: timedelta = timedelta(days=15)  # from delivery
    edit_window: timedelta = timedelta(days=7)  # from the review: ratings may change until then
    followup_window: timedelta = timedelta(days=180)  # from delivery
    max_images: int = 9
    max_text: int = 1000


POLICY = ReviewPolicy()
