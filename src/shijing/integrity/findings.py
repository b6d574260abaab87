"""What a detector hands back: the blocks it found (groups of accounts and shops, with evidence
in words) and the subjects to flag, each pointing at its block. Nothing here touches the
database; ``runs`` writes findings, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FoundBlock:
    detector: str
    score: float
    reason: str  # plain words for the operator
    density: float | None = None
    buyer_ids: list[int] = field(default_factory=list)
    shop_ids: list[int] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list)
    review_ids: list[int] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class FoundFlag:
    subject_kind: str  # order, review, buyer
    subject_id: int
    detector: str
    score: float
    reason: str
    block: int | None = None  # index into Findings.blocks
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class Findings:
    blocks: list[FoundBlock] = field(default_factory=list)
    flags: list[FoundFlag] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)  # per detector: what it found

    def add_block(self, block: FoundBlock) -> int:
        self.blocks.append(block)
        return len(self.blocks) - 1

    def flag(self, kind: str, subject_id: int, **kw: Any) -> None:
        self.flags.append(FoundFlag(kind, int(subject_id), **kw))

    def merge(self, other: Findings) -> None:
        offset = len(self.blocks)
        self.blocks.extend(other.blocks)
        for f in other.flags:
            if f.block is not None:
                f.block += offset
            self.flags.append(f)
        self.counts.update(other.counts)
