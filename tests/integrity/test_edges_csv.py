"""CSV command body: reads orders, writes flags for every buyer, shop and edge; bad input names
the field and writes nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from shijing.core.errors import InvalidInput
from shijing.integrity.edges_csv import detect_csv
from tests.integrity.graphs import small_graph

HEADER = "edge_id,buyer_id,shop_id,ts,amount_fen\n"


def _write_graph(path: Path) -> set[str]:
    g = small_graph(seed=5, density=0.3, camouflage="biased")
    with path.open("w") as f:
        f.write(HEADER)
        for e, b, s, t, a in zip(g.edge_id, g.buyer_id, g.shop_id, g.ts, g.amount_fen, strict=True):
            f.write(f"E{e},{b},{s},{t},{a}\n")
    return {str(x) for x in g.ring_buyers}


def test_flags_every_buyer_shop_and_edge(tmp_path: Path) -> None:
    src, out = tmp_path / "orders.csv", tmp_path / "flags.csv"
    ring = _write_graph(src)
    seen: list[tuple[str, float]] = []
    summary = detect_csv(src, out, progress=lambda stage, frac: seen.append((stage, frac)))
    assert seen[0][1] == 0.0
    assert seen[-1][1] == 1.0
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["kind", "id", "flagged", "score"]
    kinds = {k: [r for r in rows if r["kind"] == k] for k in ("buyer", "shop", "edge")}
    assert len(kinds["buyer"]) == summary.buyers
    assert len(kinds["shop"]) == summary.shops
    assert len(kinds["edge"]) == summary.edges
    assert {r["flagged"] for r in rows} <= {"true", "false"}
    flagged = {r["id"] for r in kinds["buyer"] if r["flagged"] == "true"}
    assert flagged
    assert flagged <= ring
    assert all(r["id"].startswith("E") for r in kinds["edge"])
    assert summary.blocks >= 1
    assert summary.explanations


@pytest.mark.parametrize(
    ("content", "field", "line"),
    [
        ("", "edges", None),
        ("edge_id,buyer_id,shop_id,ts\n1,a,s,10\n", "amount_fen", None),
        (HEADER.strip() + ",note\n1,a,s,10,100,x\n", "note", None),
        (HEADER + "1,a,s,10,100\n2,b,s,soon,100\n", "ts", 3),
        (HEADER + "1,a,s,10,100\n2,b,s,11,12.5\n", "amount_fen", 3),
        (HEADER + "1,a,s,10,-100\n", "amount_fen", 2),
        (HEADER, "edges", None),
        (HEADER + "1,,s,10,100\n", "buyer_id", 2),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    tmp_path: Path, content: str, field: str, line: int | None
) -> None:
    src, out = tmp_path / "orders.csv", tmp_path / "flags.csv"
    src.write_text(content)
    with pytest.raises(InvalidInput) as err:
        detect_csv(src, out)
    assert err.value.field == field
    if line is not None:
        assert f"line {line}" in err.value.message
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        detect_csv(tmp_path / "nope.csv", tmp_path / "flags.csv")
    assert err.value.field == "edges"
    assert not (tmp_path / "flags.csv").exists()
