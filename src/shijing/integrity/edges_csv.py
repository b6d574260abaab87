"""Body of ``shijing integrity detect --edges ORDERS.csv --out FLAGS.csv``.

Reads orders with exactly the columns ``edge_id,buyer_id,shop_id,ts,amount_fen`` (ts in unix
seconds, ids of any kind, kept as the text given), runs the batch detector, and writes one row
``kind,id,flagged,score`` per buyer, shop and edge (``flagged`` is ``true``/``false``; ``score`` is
the suspiciousness, higher is worse). Bad input raises ``InvalidInput`` naming the field and the
line, and nothing is written (the output goes to a temporary file renamed at the end).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from shijing.core.errors import InvalidInput
from shijing.integrity.dense import DenseParams, DetectionResult, EdgeArrays, detect_blocks

COLUMNS = ("edge_id", "buyer_id", "shop_id", "ts", "amount_fen")
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class DetectSummary:
    edges: int
    buyers: int
    shops: int
    flagged_buyers: int
    flagged_shops: int
    flagged_edges: int
    blocks: int
    explanations: tuple[str, ...]


def _line_of(row: int) -> int:
    return row + 2  # 1-based, after the header


def _int_column(table: pa.Table, name: str) -> npt.NDArray[np.int64]:
    col = table.column(name)
    text = pc.utf8_trim_whitespace(col.cast(pa.string()))
    ok = pc.match_substring_regex(text, r"^[+-]?[0-9]{1,18}$")
    ok_np = np.asarray(ok.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    if not ok_np.all():
        row = int(np.argmin(ok_np))
        raise InvalidInput(
            f"{name} must be an integer on line {_line_of(row)} (got {text[row].as_py()!r})",
            field=name,
        )
    return np.asarray(text.cast(pa.int64()).to_numpy(), dtype=np.int64)


def read_edges(path: Path) -> tuple[npt.NDArray[np.str_], EdgeArrays]:
    """Validated orders: the edge ids as given, and the arrays for the detector."""
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", field="edges")
    if path.stat().st_size == 0:
        raise InvalidInput("the file is empty", field="edges")
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in COLUMNS},
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InvalidInput(f"cannot read the CSV: {exc}", field="edges") from exc
    names = list(table.column_names)
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InvalidInput(f"missing column {missing[0]!r}", field=missing[0])
    extra = [c for c in names if c not in COLUMNS]
    if extra:
        raise InvalidInput(f"unexpected column {extra[0]!r}", field=extra[0])
    if table.num_rows == 0:
        raise InvalidInput("the file has no orders", field="edges")
    for name in ("edge_id", "buyer_id", "shop_id"):
        empty = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(table.column(name))), 0)
        empty_np = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
        if empty_np.any():
            row = int(np.argmax(empty_np))
            raise InvalidInput(f"{name} is empty on line {_line_of(row)}", field=name)
    ts = _int_column(table, "ts")
    amount = _int_column(table, "amount_fen")
    if (amount < 0).any():
        row = int(np.argmax(amount < 0))
        raise InvalidInput(
            f"amount_fen must not be negative on line {_line_of(row)}", field="amount_fen"
        )
    edge_ids = np.asarray(table.column("edge_id").to_numpy(zero_copy_only=False), dtype=np.str_)
    buyers = np.asarray(table.column("buyer_id").to_numpy(zero_copy_only=False), dtype=np.str_)
    shops = np.asarray(table.column("shop_id").to_numpy(zero_copy_only=False), dtype=np.str_)
    return edge_ids, EdgeArrays.from_columns(buyers, shops, ts, amount)


def _write(
    out: Path, edge_ids: npt.NDArray[np.str_], edges: EdgeArrays, res: DetectionResult
) -> None:
    kind = np.concatenate(
        [
            np.full(edges.n_buyers, "buyer"),
            np.full(edges.n_shops, "shop"),
            np.full(edges.n_edges, "edge"),
        ]
    )
    ids = np.concatenate(
        [edges.buyer_ids.astype(np.str_), edges.shop_ids.astype(np.str_), edge_ids]
    )
    flagged = np.concatenate([res.buyer_flagged, res.shop_flagged, res.edge_flagged])
    score = np.concatenate([res.buyer_score, res.shop_score, res.edge_score])
    table = pa.table(
        {
            "kind": pa.array(kind),
            "id": pa.array(ids),
            "flagged": pa.array(np.where(flagged, "true", "false")),
            "score": pa.array(np.round(score, 6)),
        }
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".flags-", suffix=".csv", dir=out.parent)
    os.close(fd)
    try:
        pacsv.write_csv(table, tmp, write_options=pacsv.WriteOptions(quoting_style="needed"))
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def detect_csv(
    edges_path: Path,
    out_path: Path,
    *,
    params: DenseParams | None = None,
    progress: Progress | None = None,
) -> DetectSummary:
    """Read orders, detect, write flags. ``progress(stage, fraction)`` is called as it goes."""

    def step(stage: str, fraction: float) -> None:
        if progress is not None:
            progress(stage, fraction)

    step("reading orders", 0.0)
    edge_ids, edges = read_edges(Path(edges_path))
    step("detecting dense blocks", 0.3)
    res = detect_blocks(edges, params or DenseParams())
    step("writing flags", 0.9)
    _write(Path(out_path), edge_ids, edges, res)
    step("done", 1.0)
    return DetectSummary(
        edges=edges.n_edges,
        buyers=edges.n_buyers,
        shops=edges.n_shops,
        flagged_buyers=int(res.buyer_flagged.sum()),
        flagged_shops=int(res.shop_flagged.sum()),
        flagged_edges=int(res.edge_flagged.sum()),
        blocks=len(res.blocks),
        explanations=tuple(b.explain() for b in res.blocks),
    )
