"""Fact tables at scale, generated straight to Parquet without the services: vectorised with
numpy, written day by day in chunks, with exactly the schemas of the registered fact tables
(``<out>/<table>/day=YYYY-MM-DD/part-N.parquet``), plus labels beside them.

The same latent model as the service-level simulator, drawn in bulk: shops with a quality
profile (some counterfeit); brushing rings that hide as the simulator's do (several target shops,
bursts or a thin steady rate, camouflage orders at popular honest shops, hijacked aged accounts,
a few shared devices, drop addresses and cards, scripted near-duplicate reviews); review farms
of fresh accounts; return abusers (serial returns, empty-box claims, return postage farmed
through made-up remote addresses); and the innocent, blocks of loyal fans of honest shops.

Fingerprints are opaque 32-hex-character ids of the same width as the platform's keyed hashes
(a bulk run has no raw device ids to hash), consistent across the tables and the labels."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shijing.commerce.catalog.categories import root_of
from shijing.facts.schemas import AFTERSALES, COMPLAINTS, ORDERS, REVIEWS
from shijing.integrity.facts import FLAGS
from shijing.sim import texts
from shijing.sim.agents import ALL_CATEGORIES, PROVINCE_NAMES, REMOTE_PROVINCES

US = 1_000_000
HOUR = 3600 * US
SOURCES = np.array(["live_room", "public_feed", "followers_feed", "search", "product_page"])
SOURCE_P = [0.45, 0.25, 0.12, 0.12, 0.06]
CATS = np.array(ALL_CATEGORIES)
ROOTS = np.array([root_of(c) for c in ALL_CATEGORIES])
NO_REASON = np.array([not c.startswith(("fresh", "agri")) for c in ALL_CATEGORIES])
START = datetime(2026, 1, 5, tzinfo=UTC)
PROVINCES = np.array(PROVINCE_NAMES)
REMOTE = np.array([PROVINCE_NAMES.index(p) for p in REMOTE_PROVINCES])
RING_SIZE = 8  # fake accounts per ring
HIJACKED = 2  # real aged accounts per ring
FARM_SIZE = 10  # fresh accounts per review farm
SHAPES = np.array(["multi_shop", "spread_thin", "burst", "review_burst"])
ABUSE = np.array(["", "serial_return", "empty_box", "postage_farming"])
FAKE_KINDS = np.array(["", "ring_script", "burst", "ring_account"])
# fingerprint id spaces: honest ids are the buyer's, ring ids sit above them
DEVICE, ADDRESS, INSTRUMENT = 1, 2, 3
RING_BASE = 1 << 40
FARMED_BASE = 1 << 41  # made-up remote addresses of postage farming


@dataclass(frozen=True)
class BulkResult:
    orders: int
    aftersales: int
    reviews: int
    complaints: int
    flags: int
    files: int
    seconds: float


@dataclass(frozen=True)
class Market:
    n_buyers: int
    n_shops: int
    n_creators: int
    shop_cat: np.ndarray
    defect: np.ndarray
    late: np.ndarray
    counterfeit: np.ndarray
    refuses: np.ndarray
    quality: np.ndarray
    fake_from: int  # buyer ids >= fake_from are fake accounts (rings', then review farms')
    ring_target: np.ndarray  # per ring, the first shop it brushes
    abuser_until: int  # buyer ids < abuser_until are return abusers
    # Rings 0..n_rings-1 brush; rings n_rings.. are review farms (shape review_burst).
    ring_shape: np.ndarray  # index into SHAPES
    ring_targets: np.ndarray  # (rings, 3) shop indices; -1: no more targets
    ring_members: np.ndarray  # (rings, 10) buyer ids: 8 fakes then 2 hijacked; a farm's 10
    ring_devices: np.ndarray  # per ring, how many devices it shares
    ring_addresses: np.ndarray
    ring_instruments: np.ndarray
    ring_province: np.ndarray
    burst_every: np.ndarray
    burst_len: np.ndarray
    burst_offset: np.ndarray
    farm_from: int  # buyer ids >= farm_from are review farms' fresh accounts
    farm_day: np.ndarray  # per farm, the day of its burst
    province: np.ndarray  # per buyer, the home province
    two_devices: np.ndarray
    family_of: np.ndarray  # per buyer, whose home address they share
    farmer: np.ndarray  # return abusers who farm return postage
    remote: np.ndarray  # a farmer's remote province
    loyal_shops: np.ndarray
    fans: np.ndarray  # per loyal shop, its fans' buyer ids

    @property
    def n_rings(self) -> int:
        return int(np.sum(self.ring_shape != 3))

    @property
    def hijacked(self) -> np.ndarray:
        return self.ring_members[: self.n_rings, RING_SIZE:].reshape(-1)


def draw_market(orders: int, rng: np.random.Generator) -> Market:
    n_shops = max(20, orders // 2_000)
    n_buyers = max(200, orders // 8)
    n_creators = max(10, n_shops // 4)
    good = rng.random(n_shops) < 0.7
    defect = np.where(good, rng.beta(1.2, 40, n_shops), rng.beta(2, 14, n_shops))
    late = np.clip(
        np.where(good, rng.normal(0.03, 0.03, n_shops), rng.normal(0.25, 0.05, n_shops)), 0, 0.9
    )
    counterfeit = np.where(rng.random(n_shops) < 0.05, rng.uniform(0.4, 0.9, n_shops), 0.0)
    refuses = rng.random(n_shops) < np.where(good, 0.05, 0.25)
    service = np.where(refuses, 0.1, 1.0)
    quality = 0.5 * np.clip(1 - 4 * defect - counterfeit, 0, 1) + 0.2 * (1 - late) + 0.3 * service
    n_rings = max(1, n_shops // 100)
    n_farms = max(1, n_rings // 2)
    n_fake = n_rings * RING_SIZE + n_farms * FARM_SIZE
    fake_from = n_buyers - n_fake
    farm_from = n_buyers - n_farms * FARM_SIZE
    abuser_until = max(1, n_buyers // 200)
    honest_shops = np.flatnonzero(counterfeit == 0)
    # targets: distinct honest shops where there are enough; a multi-shop ring has three
    k = n_rings + n_farms
    shape = np.concatenate([np.arange(n_rings) % 3, np.full(n_farms, 3)]).astype(np.int8)
    pool = rng.permutation(honest_shops)
    pool = np.resize(pool, max(len(pool), 3 * k))
    targets = pool[: 3 * k].reshape(k, 3).astype(np.int64)
    targets[shape != 0, 1:] = -1
    # hijacked: aged honest accounts (drawn after the registration ages, in ``generate``,
    # from the top of the honest range: the zipf head is everyone's, not a ring's)
    honest_hi = rng.permutation(np.arange(abuser_until, fake_from))[: n_rings * HIJACKED]
    members = np.zeros((k, RING_SIZE + HIJACKED), np.int64)
    for r in range(n_rings):
        members[r, :RING_SIZE] = fake_from + r * RING_SIZE + np.arange(RING_SIZE)
        members[r, RING_SIZE:] = honest_hi[r * HIJACKED : (r + 1) * HIJACKED]
    for f in range(n_farms):
        members[n_rings + f] = farm_from + f * FARM_SIZE + np.arange(FARM_SIZE)
    # the innocent: the best-run honest shops, each with a block of loyal fans
    n_loyal = max(1, n_shops // 50)
    loyal_shops = np.setdiff1d(honest_shops, targets[targets >= 0])
    loyal_shops = loyal_shops[np.argsort(defect[loyal_shops], kind="stable")][:n_loyal]
    taken = np.zeros(n_buyers, bool)
    taken[members.reshape(-1)] = True
    taken[:abuser_until] = True
    free = rng.permutation(np.flatnonzero(~taken[:fake_from]))
    fans_per = min(30, max(1, len(free) // max(1, 4 * len(loyal_shops))))
    fans = free[: fans_per * len(loyal_shops)].reshape(len(loyal_shops), fans_per)
    province = rng.integers(0, len(PROVINCES), n_buyers)
    family = np.arange(n_buyers)
    shares = (rng.random(n_buyers) < 0.08) & (np.arange(n_buyers) > abuser_until)
    shares &= np.arange(n_buyers) < fake_from
    family[shares] -= 1
    province[shares] = province[family[shares]]
    farmer = np.zeros(n_buyers, bool)
    farmer[:abuser_until] = rng.random(abuser_until) < 0.6
    farmer[0] = True
    return Market(
        n_buyers=n_buyers,
        n_shops=n_shops,
        n_creators=n_creators,
        shop_cat=rng.integers(0, len(CATS), n_shops),
        defect=defect,
        late=late,
        counterfeit=counterfeit,
        refuses=refuses,
        quality=np.round(quality, 4),
        fake_from=fake_from,
        ring_target=targets[:n_rings, 0],
        abuser_until=abuser_until,
        ring_shape=shape,
        ring_targets=targets,
        ring_members=members,
        ring_devices=rng.integers(2, 4, k),
        ring_addresses=rng.integers(1, 4, k),
        ring_instruments=rng.integers(1, 4, k),
        ring_province=rng.integers(0, len(PROVINCES), k),
        burst_every=rng.integers(6, 12, k),
        burst_len=rng.integers(2, 4, k),
        burst_offset=rng.integers(0, 5, k),
        farm_from=farm_from,
        farm_day=rng.integers(2, 9, n_farms),
        province=province,
        two_devices=rng.random(n_buyers) < 0.2,
        family_of=family,
        farmer=farmer,
        remote=REMOTE[rng.integers(0, len(REMOTE), n_buyers)],
        loyal_shops=loyal_shops,
        fans=fans,
    )


HEX = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64, vectorised: a well-spread 64-bit hash of each id."""
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def fingerprints(
    kind: int, ids: np.ndarray, seed: int, valid: np.ndarray | None = None
) -> pa.Array:
    """Opaque 32-hex-character fingerprints of ids of one kind (device, address, instrument)."""
    salt = np.uint64((seed * 4 + kind) * 0x2545F4914F6CDD1D & 0xFFFFFFFFFFFFFFFF)
    first = _mix(ids.astype(np.uint64) ^ salt)
    second = _mix(first ^ np.uint64(kind))
    both = np.stack([first, second], axis=1)  # (n, 2) uint64: 16 bytes
    digits = HEX[both.view(np.uint8).reshape(len(ids), 16)]
    strings = np.ascontiguousarray(digits).view("S32").reshape(-1)
    out = pa.array(strings, mask=None if valid is None else ~valid).cast(pa.string())
    return out


def fingerprint_list(kind: int, ids: np.ndarray, seed: int) -> list[str]:
    return [str(x) for x in fingerprints(kind, np.asarray(ids, np.int64), seed).to_pylist()]


SCRIPT_VARIANTS = 64


def _script_pool(seed: int) -> np.ndarray:
    """Each script's postings: ``SCRIPT_VARIANTS`` small edits of it, script after script."""
    rng = random.Random(seed)
    return np.array(
        [
            texts.fake_review(rng, script)
            for script in range(len(texts.SCRIPTS))
            for _ in range(SCRIPT_VARIANTS)
        ]
    )


GOODS_KEYS = sorted(texts.GOODS)
CAT_GOODS = np.array([GOODS_KEYS.index(texts.goods_key(c)) for c in ALL_CATEGORIES])


@dataclass(frozen=True)
class _Pools:
    openers: np.ndarray
    goods: np.ndarray  # (goods keys, phrases), flattened
    per_goods: int
    logistics: np.ndarray  # good ones first, then bad ones
    n_good_logistics: int
    life: np.ndarray
    closing: np.ndarray  # good, mid, bad
    closing_at: tuple[int, int, int, int]


def _honest_pools() -> _Pools:
    per = min(len(v) for v in texts.GOODS.values())
    goods = np.array([p for key in GOODS_KEYS for p in texts.GOODS[key][:per]])
    life = sorted({p.format(n=n) for p in texts.LIFE for n in range(2, 31)})
    closing = [*texts.CLOSING_GOOD, *texts.CLOSING_MID, *texts.CLOSING_BAD]
    a, b = len(texts.CLOSING_GOOD), len(texts.CLOSING_MID)
    return _Pools(
        openers=np.array(texts.OPENERS),
        goods=goods,
        per_goods=per,
        logistics=np.array([*texts.LOGISTICS_GOOD, *texts.LOGISTICS_BAD, ""]),
        n_good_logistics=len(texts.LOGISTICS_GOOD),
        life=np.array([*life, *[""] * len(life)]),
        closing=np.array(closing),
        closing_at=(0, a, a + b, len(closing)),
    )


def _honest_text(
    rng: np.random.Generator, pools: _Pools, cat: np.ndarray, rating: np.ndarray
) -> pa.Array:
    """Buyers' own words, composed in bulk from the same phrase pools as the simulator's."""
    k = len(cat)
    base = CAT_GOODS[cat] * pools.per_goods
    first = rng.integers(0, pools.per_goods, k)
    second = (first + rng.integers(1, pools.per_goods, k)) % pools.per_goods
    n_log = len(pools.logistics) - 1
    good = rating >= 4
    logistics = np.where(
        rng.random(k) < 0.4,
        n_log,  # the empty phrase: not every buyer mentions delivery
        np.where(
            good,
            rng.integers(0, pools.n_good_logistics, k),
            rng.integers(pools.n_good_logistics, n_log, k),
        ),
    )
    g0, m0, b0, end = pools.closing_at
    closing = np.where(
        good,
        rng.integers(g0, m0, k),
        np.where(rating == 3, rng.integers(m0, b0, k), rng.integers(b0, end, k)),
    )
    parts = [
        _phrases(pools.openers, rng.integers(0, len(pools.openers), k)),
        _phrases(pools.goods, base + first),
        _phrases(
            np.append(pools.goods, ""),
            np.where(rng.random(k) < 0.5, base + second, len(pools.goods)),
        ),
        _phrases(pools.life, rng.integers(0, len(pools.life), k)),
        _phrases(pools.logistics, logistics),
        _phrases(pools.closing, closing),
    ]
    options = pc.JoinOptions(null_handling="skip")
    return pc.binary_join_element_wise(*parts, "，", options=options)


def _phrases(choices: np.ndarray, index: np.ndarray) -> pa.Array:
    """Like ``_strings``, with the empty phrase as null (a join skips it)."""
    dictionary = pa.array([str(c) or None for c in choices], type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int32)), dictionary).cast(
        pa.string()
    )


@dataclass(frozen=True)
class _Vocab:
    """Every fingerprint a run can use, computed once: a row's is a ``take`` from here. Honest
    ids first (a buyer's devices, home, card), then four per ring."""

    devices: pa.Array
    addresses: pa.Array
    instruments: pa.Array


def _vocab(m: Market, seed: int) -> _Vocab:
    rings = RING_BASE + np.arange(len(m.ring_members) * 4, dtype=np.int64)
    return _Vocab(
        fingerprints(DEVICE, np.concatenate([np.arange(2 * m.n_buyers), rings]), seed),
        fingerprints(ADDRESS, np.concatenate([np.arange(m.n_buyers), rings]), seed),
        fingerprints(INSTRUMENT, np.concatenate([np.arange(m.n_buyers), rings]), seed),
    )


def _fingerprint_columns(
    m: Market,
    vocab: _Vocab,
    rng: np.random.Generator,
    seed: int,
    buyer: np.ndarray,
    ring: np.ndarray,
    slot: np.ndarray,
    ringed: np.ndarray,
    farmed: np.ndarray,
    order_id: np.ndarray,
    paid: np.ndarray,
) -> dict[str, pa.Array]:
    """Where the order came from and went: the device, the address, the card, the province.
    A ring's orders use its few shared ones; a postage farmer's, a made-up remote address."""
    n = len(buyer)
    ring_at = ring * 4
    own_device = buyer * 2 + (m.two_devices[buyer] & (rng.random(n) < 0.3))
    shared = np.where(
        rng.random(n) < 0.2,
        rng.integers(0, 1 << 30, n) % m.ring_devices[ring],
        slot % m.ring_devices[ring],
    )
    device = np.where(ringed, 2 * m.n_buyers + ring_at + shared, own_device)
    has_device = ringed | (rng.random(n) < 0.97)  # some page buyers send no device id
    address = np.where(
        ringed,
        m.n_buyers + ring_at + rng.integers(0, 1 << 30, n) % m.ring_addresses[ring],
        m.family_of[buyer],
    )
    # a made-up remote address per farmed order, appended to the vocabulary for this chunk
    farmed_at = np.flatnonzero(farmed)
    addresses = vocab.addresses
    if len(farmed_at):
        made_up = fingerprints(ADDRESS, FARMED_BASE + order_id[farmed_at], seed)
        address[farmed_at] = len(addresses) + np.arange(len(farmed_at))
        addresses = pa.concat_arrays([addresses, made_up])
    instrument = np.where(ringed, m.n_buyers + ring_at + slot % m.ring_instruments[ring], buyer)
    province = np.where(
        ringed, m.ring_province[ring], np.where(farmed, m.remote[buyer], m.province[buyer])
    )
    return {
        "device_fp": vocab.devices.take(pa.array(device, mask=~has_device)),
        "address_fp": addresses.take(pa.array(address)),
        "instrument_fp": vocab.instruments.take(pa.array(instrument, mask=~paid)),
        "ship_province": _strings(PROVINCES, province),
    }


def _ts(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(values, type=pa.int64(), mask=mask).cast(pa.timestamp("us", tz="UTC"))


def _i64(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(values, type=pa.int64(), mask=None if valid is None else ~valid)


def _strings(choices: np.ndarray, index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Dictionary-decoded strings from a small vocabulary, without a Python loop per row."""
    dictionary = pa.array(choices.astype(str))
    idx = pa.array(index.astype(np.int32), mask=None if valid is None else ~valid)
    return pa.DictionaryArray.from_arrays(idx, dictionary).cast(pa.string())


def _table(schema: pa.Schema, arrays: list[pa.Array], **extra: pa.Array) -> pa.Table:
    """The arrays as the schema's leading columns, ``extra`` by name, and nulls for any column
    appended to the schema later that this generator does not know yet."""
    n = len(arrays[0])
    named = dict(zip(schema.names, arrays, strict=False)) | extra
    columns = [named.get(f.name, pa.nulls(n, f.type)).cast(f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


class _Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.files = 0

    def write(self, table: str, days: np.ndarray, batch: pa.Table, part: int) -> None:
        """One file per day present in the batch (rows are sorted by day)."""
        if batch.num_rows == 0:
            return
        bounds = np.flatnonzero(np.diff(days)) + 1
        starts = np.concatenate([[0], bounds])
        ends = np.concatenate([bounds, [len(days)]])
        for s, e in zip(starts, ends, strict=True):
            day = date(1970, 1, 1) + timedelta(days=int(days[s]))
            folder = self.out / table / f"day={day.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(
                batch.slice(s, e - s), folder / f"part-{part}.parquet", compression="snappy"
            )
            self.files += 1


def generate(
    out: Path,
    *,
    orders: int,
    seed: int = 7,
    days: int = 90,
    chunk: int = 1_000_000,
    start: datetime = START,
    progress: Callable[[int, int], None] | None = None,
) -> BulkResult:
    import time

    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    m = draw_market(orders, rng)
    writer = _Writer(out)
    buyer_perm = rng.permutation(m.fake_from)
    shop_perm = rng.permutation(m.n_shops)
    registered = int(start.timestamp()) * US - rng.integers(HOUR, 720 * 24 * HOUR, m.n_buyers)
    start_us = int(start.timestamp()) * US
    day = 24 * HOUR
    # ring accounts are young, the hijacked ones aged, a farm's opened on the eve of its burst
    n_ring_fakes = m.farm_from - m.fake_from
    registered[m.fake_from : m.farm_from] = start_us - rng.integers(2 * day, 40 * day, n_ring_fakes)
    registered[m.hijacked] = start_us - rng.integers(400 * day, 900 * day, len(m.hijacked))
    farm_day = m.farm_day % days
    for f, d in enumerate(farm_day):
        accounts = m.ring_members[m.n_rings + f]
        registered[accounts] = start_us + int(d) * day - rng.integers(HOUR, 12 * HOUR, FARM_SIZE)
    is_target = np.zeros(m.n_shops, bool)
    is_target[m.ring_targets[m.ring_targets >= 0]] = True
    n_targets = (m.ring_targets >= 0).sum(axis=1)
    script_pool = _script_pool(seed)
    vocab = _vocab(m, seed)
    honest_pools = _honest_pools()
    day0 = (start.date() - date(1970, 1, 1)).days
    totals = {"aftersales": 0, "reviews": 0, "complaints": 0, "flags": 0}
    brushing_ids: list[np.ndarray] = []
    labelled: list[pa.Table] = []
    abusive: list[pa.Table] = []
    fake_reviews: list[pa.Table] = []
    next_id = {"aftersale": 1, "review": 1, "complaint": 1, "flag": 1}
    done = 0
    part = 0
    while done < orders:
        n = min(chunk, orders - done)
        order_id = np.arange(done + 1, done + n + 1, dtype=np.int64)
        # Orders are spread evenly over the days, in order: chunk k holds a run of days.
        day_idx = (order_id - 1) * days // orders
        placed = start_us + day_idx * 86_400 * US + np.sort(rng.integers(0, 86_400 * US, n))
        placed = np.maximum.accumulate(placed)
        buyer = buyer_perm[(rng.zipf(1.6, n) - 1) % m.fake_from]
        shop = shop_perm[(rng.zipf(1.3, n) - 1) % m.n_shops]
        # loyal fans come back to their shop, again and again
        fan_row = rng.random(n) < 0.02
        fs = rng.integers(0, len(m.loyal_shops), n)
        fk = rng.integers(0, m.fans.shape[1], n)
        buyer = np.where(fan_row, m.fans[fs, fk], buyer)
        shop = np.where(fan_row, m.loyal_shops[fs], shop)
        # rings: a thin steady rate, or bursts; several targets for a multi-shop ring
        ring = rng.integers(0, m.n_rings, n)
        active = (day_idx - m.burst_offset[ring]) % m.burst_every[ring] < m.burst_len[ring]
        rate = np.where(
            m.ring_shape[ring] == 1,
            0.6,
            np.where(active, m.burst_every[ring] / m.burst_len[ring], 0.0),
        )
        brushing = ~fan_row & (rng.random(n) < 0.03 * rate)
        pick = (rng.random(n) * n_targets[ring]).astype(np.int64)
        shop = np.where(brushing, m.ring_targets[ring, pick], shop)
        # camouflage: ring accounts buying at honest shops, as popular as the feed makes them
        camo = (
            ~brushing
            & ~fan_row
            & (rng.random(n) < 0.012)
            & ~is_target[shop]
            & (m.counterfeit[shop] == 0)
        )
        # the member: a fake account, or (twice as often) one of the two hijacked ones
        slot = rng.integers(0, RING_SIZE + 2 * HIJACKED, n)
        slot = np.where(slot >= RING_SIZE + HIJACKED, slot - HIJACKED, slot)
        buyer = np.where(brushing | camo, m.ring_members[ring, slot], buyer)
        # review farms: on the day of the burst, each fresh account buys once from the target
        for f, d in enumerate(farm_day):
            rows = np.flatnonzero((day_idx == d) & ~brushing & ~camo & ~fan_row)
            if len(rows) < FARM_SIZE:
                continue
            rows = np.sort(rng.choice(rows, FARM_SIZE, replace=False))
            farm = m.n_rings + f
            brushing[rows] = True
            ring[rows] = farm
            slot[rows] = np.arange(FARM_SIZE)
            shop[rows] = m.ring_targets[farm, 0]
            buyer[rows] = m.ring_members[farm]
        ringed = brushing | camo
        ring_of = np.where(ringed, ring, -1)
        cat = m.shop_cat[shop]
        source = rng.choice(len(SOURCES), n, p=SOURCE_P)
        source = np.where(brushing, 3, source)
        has_creator = (source <= 2) & ~brushing
        creator = rng.integers(0, m.n_creators, n)
        product = shop * 10 + rng.integers(0, 5, n)
        total = (rng.lognormal(np.log(12_000), 0.9, n)).astype(np.int64) // 10 * 10 + 90
        unpaid = (rng.random(n) < 0.03) & ~brushing
        paid_at = placed + rng.integers(10 * US, 600 * US, n)
        ship_due = paid_at + 48 * HOUR
        late = rng.random(n) < m.late[shop]
        ship_delay = np.where(late, rng.uniform(49, 96, n), np.minimum(46, rng.exponential(16, n)))
        ship_delay = np.where(brushing, rng.uniform(1, 8, n), ship_delay)
        cancelled_paid = (rng.random(n) < 0.015) & ~brushing & ~unpaid
        shipped = ~unpaid & ~cancelled_paid
        shipped_at = paid_at + (ship_delay * HOUR).astype(np.int64)
        picked_at = shipped_at + rng.integers(HOUR // 2, 2 * HOUR, n)
        delivered_at = picked_at + (rng.uniform(16, 96, n) * HOUR).astype(np.int64)
        cancelled_at = np.where(
            unpaid, placed + 30 * 60 * US, paid_at + rng.integers(HOUR, 30 * HOUR, n)
        )
        # a paid order cancelled: by the buyer, or by the shop (out of stock, more often at
        # the shops that are late anyway)
        by_shop = cancelled_paid & (rng.random(n) < 0.25 + m.late[shop])
        cancelled_by = np.where(unpaid, 2, np.where(by_shop, 1, 0))  # system / shop / buyer
        counterfeit = rng.random(n) < m.counterfeit[shop]
        defect = (rng.random(n) < m.defect[shop]) | counterfeit
        abuser = buyer < m.abuser_until
        no_reason = (rng.random(n) < np.where(abuser, 0.7, 0.05)) & NO_REASON[cat] & ~defect
        # return postage farmed: to a made-up remote address, returned without a reason
        farmed = abuser & m.farmer[buyer] & NO_REASON[cat] & ~defect & (rng.random(n) < 0.4)
        no_reason |= farmed
        claim = shipped & ~brushing & ((defect & (rng.random(n) < 0.8)) | no_reason)
        # an empty-box claim: the parcel "arrived empty" (there is no such reason: wrong_item)
        empty = shipped & abuser & ~claim & ~defect & (rng.random(n) < 0.15)
        # broken on the way: refunded, and half of them ruled the carrier's fault in arbitration
        damaged = shipped & ~brushing & ~claim & ~empty & (rng.random(n) < 0.004)
        claim |= empty
        # (a shop refuses most empty-box claims, and the buyer takes it to arbitration)
        aftersale_refunded = (claim & ~empty & (~m.refuses[shop] | (rng.random(n) < 0.5))) | (
            empty & (rng.random(n) < 0.3)
        )
        aftersale_refunded |= damaged
        claim = claim | damaged
        abuse = np.select(
            [empty, farmed & claim, abuser & no_reason & claim], [2, 3, 1], default=0
        ).astype(np.int8)
        refunded = np.where(aftersale_refunded, total, 0) + np.where(cancelled_paid, total, 0)
        completed_at = delivered_at + np.where(
            rng.random(n) < 0.55, rng.integers(HOUR, 72 * HOUR, n), 7 * 24 * HOUR
        )
        status = np.select(
            [unpaid | cancelled_paid, aftersale_refunded],
            [5, 6],
            default=4,
        )
        statuses = np.array(
            [
                "pending_payment",
                "paid",
                "shipped",
                "delivered",
                "completed",
                "cancelled",
                "refunded",
            ]
        )
        failures = np.where(rng.random(n) < 0.03, rng.integers(1, 3, n), 0)
        days_arr = (day0 + day_idx).astype(np.int32)
        orders_table = _table(
            ORDERS,
            [
                _i64(order_id),
                pa.array(days_arr, type=pa.date32()),
                _ts(placed),
                _i64(buyer + 1),
                _i64(shop + 1),
                _i64(creator + 1, has_creator),
                _i64(product + 1),
                _strings(CATS, cat),
                _strings(ROOTS, cat),
                _strings(SOURCES, source),
                _i64(total),
                _strings(statuses, status),
                _ts(paid_at, ~unpaid),
                _ts(ship_due, ~unpaid),
                _ts(shipped_at, shipped),
                _ts(picked_at, shipped),
                _ts(delivered_at, shipped),
                _ts(completed_at, shipped & ~aftersale_refunded),
                _ts(cancelled_at, unpaid | cancelled_paid),
                _strings(
                    np.array(["buyer", "shop", "system"]), cancelled_by, unpaid | cancelled_paid
                ),
                _i64(refunded),
            ],
            payment_failures=pa.array(failures, type=pa.int32()),
            buyer_registered_at=_ts(registered[buyer]),
            **_fingerprint_columns(
                m, vocab, rng, seed, buyer, ring, slot, ringed, farmed, order_id, ~unpaid
            ),
        )
        writer.write("orders", days_arr, orders_table, part)
        brushing_ids.append(order_id[brushing])

        # after-sales: one per claimed order, opened a day or two after delivery
        idx = np.flatnonzero(claim)
        k = len(idx)
        opened = delivered_at[idx] + rng.integers(HOUR, 48 * HOUR, k)
        a_days = (opened // (86_400 * US)).astype(np.int32)
        order_ = np.argsort(a_days, kind="stable")
        idx, opened, a_days = idx[order_], opened[order_], a_days[order_]
        refused = (m.refuses[shop[idx]] & (rng.random(k) < 0.85)) | (
            empty[idx] & ~aftersale_refunded[idx]
        )
        in_transit = damaged[idx]
        escalated = (refused & (rng.random(k) < 0.7) & ~in_transit) | (
            in_transit & (rng.random(k) < 0.5)
        )
        ok = aftersale_refunded[idx]
        reason_idx = np.where(
            in_transit,
            3,
            np.where(empty[idx], 4, np.where(no_reason[idx], 0, np.where(counterfeit[idx], 2, 1))),
        )
        fault_idx = np.where(in_transit, 2, abuser[idx].astype(np.int8))  # shop / buyer / carrier
        responded = opened + rng.integers(HOUR, 40 * HOUR, k)
        ruled = responded + rng.integers(24 * HOUR, 96 * HOUR, k)
        closed = np.where(escalated, ruled, responded) + rng.integers(HOUR, 120 * HOUR, k)
        a_table = _table(
            AFTERSALES,
            [
                _i64(np.arange(next_id["aftersale"], next_id["aftersale"] + k)),
                pa.array(a_days, type=pa.date32()),
                _i64(order_id[idx]),
                _i64(shop[idx] + 1),
                _i64(buyer[idx] + 1),
                _i64(creator[idx] + 1, has_creator[idx]),
                _strings(
                    np.array(["return_refund", "refund_only"]),
                    ((defect[idx] & (rng.random(k) < 0.4)) | empty[idx]).astype(np.int8),
                ),
                _strings(
                    np.array(
                        [
                            "no_reason_7d",
                            "quality",
                            "counterfeit",
                            "damaged_in_transit",
                            "wrong_item",
                        ]
                    ),
                    reason_idx,
                ),
                _strings(np.array(["refunded", "closed"]), (~ok).astype(np.int8)),
                _ts(opened),
                _ts(responded),
                pa.array(rng.random(k) < 0.1),
                _i64(total[idx]),
                _i64(np.where(ok, total[idx], 0)),
                _ts(responded + 24 * HOUR, escalated),
                _ts(ruled, escalated),
                _strings(np.array(["refund", "close"]), (~ok).astype(np.int8), escalated),
                _strings(np.array(["shop", "buyer", "carrier"]), fault_idx, escalated),
                _ts(closed),
            ],
        )
        writer.write("aftersales", a_days, a_table, part)
        bad_claim = abuse[idx] > 0
        abusive.append(
            pa.table(
                {
                    "aftersale_id": np.arange(next_id["aftersale"], next_id["aftersale"] + k)[
                        bad_claim
                    ],
                    "order_id": order_id[idx][bad_claim],
                    "abuse": _strings(ABUSE, abuse[idx][bad_claim]),
                }
            )
        )
        next_id["aftersale"] += k
        totals["aftersales"] += k

        # reviews: a third of delivered orders (nine in ten brushing orders, all five stars)
        # (a review farm's every order, within hours of delivery: the burst)
        farm_row = brushing & (ring >= m.n_rings)
        p_review = np.where(farm_row, 1.0, np.where(brushing, 0.9, np.where(defect, 0.55, 0.33)))
        reviewed = shipped & (rng.random(n) < p_review)
        idx = np.flatnonzero(reviewed)
        k = len(idx)
        created = delivered_at[idx] + np.where(
            farm_row[idx], rng.integers(HOUR, 18 * HOUR, k), rng.integers(HOUR, 12 * 24 * HOUR, k)
        )
        r_days = (created // (86_400 * US)).astype(np.int32)
        order_ = np.argsort(r_days, kind="stable")
        idx, created, r_days = idx[order_], created[order_], r_days[order_]
        bad = defect[idx]
        product_r = np.where(bad, rng.integers(1, 4, k), rng.integers(4, 6, k))
        logistics_r = np.where(late[idx], rng.integers(1, 4, k), rng.integers(4, 6, k))
        service_r = np.where(m.refuses[shop[idx]], rng.integers(1, 3, k), rng.integers(4, 6, k))
        five = brushing[idx]
        fake_kind = np.select(
            [farm_row[idx], brushing[idx], camo[idx]], [2, 1, 3], default=0
        ).astype(np.int8)
        scripted = _strings(
            script_pool,
            (ring[idx] % len(texts.SCRIPTS)) * SCRIPT_VARIANTS
            + rng.integers(0, SCRIPT_VARIANTS, k),
        )
        own_words = _honest_text(rng, honest_pools, cat[idx], np.where(five, 5, product_r))
        text = pc.if_else(pa.array(five), scripted, own_words)
        review_ids = np.arange(next_id["review"], next_id["review"] + k)
        is_fake = fake_kind > 0
        fake_reviews.append(
            pa.table(
                {
                    "review_id": review_ids[is_fake],
                    "order_id": order_id[idx][is_fake],
                    "fake_kind": _strings(FAKE_KINDS, fake_kind[is_fake]),
                }
            )
        )
        order_fake = np.zeros(n, np.int8)
        order_fake[idx] = fake_kind
        keep = ringed | (abuse > 0) | (order_fake > 0)
        labelled.append(
            pa.table(
                {
                    "order_id": order_id[keep],
                    "brushing": brushing[keep],
                    "camouflage": camo[keep],
                    "ring": _i64(ring_of[keep], ring_of[keep] >= 0),
                    "fake_review": _strings(FAKE_KINDS, order_fake[keep], order_fake[keep] > 0),
                    "abusive_aftersale": _strings(ABUSE, abuse[keep], abuse[keep] > 0),
                    "postage_farming": farmed[keep],
                }
            )
        )
        r_table = _table(
            REVIEWS,
            [
                _i64(np.arange(next_id["review"], next_id["review"] + k)),
                pa.array(r_days, type=pa.date32()),
                _i64(order_id[idx]),
                _i64(shop[idx] + 1),
                _i64(creator[idx] + 1, has_creator[idx]),
                _i64(product[idx] + 1),
                _i64(buyer[idx] + 1),
                _ts(created),
                pa.array(np.where(five, 5, product_r).astype(np.int8)),
                pa.array(np.where(five, 5, logistics_r).astype(np.int8)),
                pa.array(np.where(five, 5, service_r).astype(np.int8)),
                pa.array(np.zeros(k, dtype=bool)),
            ],
            text=text,
        )
        writer.write("reviews", r_days, r_table, part)
        next_id["review"] += k
        totals["reviews"] += k

        # complaints: counterfeit discovered, rude service, late delivery
        complains = (
            shipped
            & ~brushing
            & (
                (counterfeit & (rng.random(n) < 0.5))
                | (rng.random(n) < 0.004)
                | (late & (rng.random(n) < 0.04))
            )
        )
        idx = np.flatnonzero(complains)
        k = len(idx)
        created = delivered_at[idx] + rng.integers(HOUR, 72 * HOUR, k)
        c_days = (created // (86_400 * US)).astype(np.int32)
        order_ = np.argsort(c_days, kind="stable")
        idx, created, c_days = idx[order_], created[order_], c_days[order_]
        category = np.where(counterfeit[idx], 0, np.where(late[idx], 2, 1))
        upheld = rng.random(k) < np.where(counterfeit[idx], 0.9, 0.6)
        c_table = _table(
            COMPLAINTS,
            [
                _i64(np.arange(next_id["complaint"], next_id["complaint"] + k)),
                pa.array(c_days, type=pa.date32()),
                _i64(buyer[idx] + 1),
                _strings(np.array(["shop"]), np.zeros(k, dtype=np.int8)),
                _i64(shop[idx] + 1),
                _i64(np.zeros(k, dtype=np.int64), np.zeros(k, dtype=bool)),
                _i64(order_id[idx]),
                _strings(np.array(["counterfeit", "rude_service", "delivery_problem"]), category),
                _strings(np.array(["dismissed", "upheld"]), upheld.astype(np.int8)),
                _ts(created),
                _ts(created + rng.integers(12 * HOUR, 96 * HOUR, k)),
            ],
        )
        writer.write("complaints", c_days, c_table, part)
        next_id["complaint"] += k
        totals["complaints"] += k

        # flags: integrity detection catches most brushing orders, a day to ten after placement
        caught = brushing & (rng.random(n) < 0.6)
        idx = np.flatnonzero(caught)
        k = len(idx)
        created = placed[idx] + rng.integers(24 * HOUR, 240 * HOUR, k)
        f_days = (created // (86_400 * US)).astype(np.int32)
        order_ = np.argsort(f_days, kind="stable")
        idx, created, f_days = idx[order_], created[order_], f_days[order_]
        f_table = _table(
            FLAGS,
            [
                _i64(np.arange(next_id["flag"], next_id["flag"] + k)),
                pa.array(f_days, type=pa.date32()),
                _strings(np.array(["order"]), np.zeros(k, dtype=np.int8)),
                _i64(order_id[idx]),
                _strings(np.array(["brushing ring"]), np.zeros(k, dtype=np.int8)),
                _strings(np.array(["integrity"]), np.zeros(k, dtype=np.int8)),
                _ts(created),
                _ts(created, np.zeros(k, dtype=bool)),
                _ts(created),  # in force from the day it was raised
            ],
        )
        writer.write("flags", f_days, f_table, part)
        next_id["flag"] += k
        totals["flags"] += k

        done += n
        part += 1
        if progress:
            progress(done, orders)
    _write_labels(
        out,
        m,
        seed,
        np.concatenate(brushing_ids) if brushing_ids else np.array([], np.int64),
        orders=pa.concat_tables(labelled),
        aftersales=pa.concat_tables(abusive),
        reviews=pa.concat_tables(fake_reviews),
    )
    return BulkResult(
        orders,
        totals["aftersales"],
        totals["reviews"],
        totals["complaints"],
        totals["flags"],
        writer.files,
        round(time.perf_counter() - began, 2),
    )


def _write_labels(
    out: Path,
    m: Market,
    seed: int,
    brushing: np.ndarray,
    *,
    orders: pa.Table,
    aftersales: pa.Table,
    reviews: pa.Table,
) -> None:
    """Labels beside the data: ``labels/{shops,brushing_orders,orders,buyers,rings,aftersales,
    reviews}.parquet`` and ``ground_truth.json`` (a summary with the ring list)."""
    labels = out / "labels"
    labels.mkdir(parents=True, exist_ok=True)
    shop_ids = np.arange(1, m.n_shops + 1)
    brushed_by: list[list[int]] = [[] for _ in range(m.n_shops)]
    for r, targets in enumerate(m.ring_targets):
        for t in targets[targets >= 0]:
            brushed_by[int(t)].append(r)
    brushed = np.array([bool(b) for b in brushed_by])
    loyal = np.isin(np.arange(m.n_shops), m.loyal_shops)
    pq.write_table(
        pa.table(
            {
                "shop_id": shop_ids,
                "quality": m.quality,
                "defect_rate": np.round(m.defect, 4),
                "late_share": np.round(m.late, 4),
                "counterfeit_share": np.round(m.counterfeit, 4),
                "refuses_aftersales": m.refuses,
                "dishonest": (m.counterfeit > 0) | brushed,
                "brushed_by_rings": pa.array(brushed_by, type=pa.list_(pa.int64())),
                "loyal_fans": loyal,
            }
        ),
        labels / "shops.parquet",
    )
    pq.write_table(
        pa.table({"order_id": brushing, "brushing": np.ones(len(brushing), bool)}),
        labels / "brushing_orders.parquet",
    )
    pq.write_table(orders, labels / "orders.parquet")
    pq.write_table(aftersales, labels / "aftersales.parquet")
    pq.write_table(reviews, labels / "reviews.parquet")
    kind = np.full(m.n_buyers, "normal", dtype=object)
    kind[: m.abuser_until] = "return_abuser"
    kind[m.fans.reshape(-1)] = "loyal_fan"
    kind[m.fake_from :] = "fake"
    kind[m.hijacked] = "hijacked"
    ring_of = np.full(m.n_buyers, -1, np.int64)
    for r, members in enumerate(m.ring_members):
        ring_of[members] = r
    fan_of = np.full(m.n_buyers, -1, np.int64)
    for shop, fans in zip(m.loyal_shops, m.fans, strict=True):
        fan_of[fans] = shop + 1
    abuse = [
        ["serial_return", "empty_box", *(["postage_farming"] if m.farmer[i] else [])]
        for i in range(m.abuser_until)
    ]
    keep = kind != "normal"
    ids = np.flatnonzero(keep)
    pq.write_table(
        pa.table(
            {
                "buyer_id": ids + 1,
                "kind": pa.array(kind[keep].astype(str)),
                "ring": _i64(ring_of[keep], ring_of[keep] >= 0),
                "fan_of_shop_id": _i64(fan_of[keep], fan_of[keep] >= 0),
                "abuse": pa.array(
                    [abuse[i] if i < m.abuser_until else [] for i in ids],
                    type=pa.list_(pa.string()),
                ),
            }
        ),
        labels / "buyers.parquet",
    )
    rings = []
    for r in range(len(m.ring_members)):
        farm = m.ring_shape[r] == 3
        members = m.ring_members[r]
        base = RING_BASE + r * 4
        targets = m.ring_targets[r]
        rings.append(
            {
                "ring": r,
                "shape": str(SHAPES[m.ring_shape[r]]),
                "target_shop_ids": [int(t) + 1 for t in targets[targets >= 0]],
                "member_buyer_ids": [int(b) + 1 for b in members],
                "fake_member_buyer_ids": [
                    int(b) + 1 for b in (members if farm else members[:RING_SIZE])
                ],
                "hijacked_buyer_ids": [] if farm else [int(b) + 1 for b in members[RING_SIZE:]],
                "device_fps": fingerprint_list(DEVICE, base + np.arange(m.ring_devices[r]), seed),
                "address_fps": fingerprint_list(
                    ADDRESS, base + np.arange(m.ring_addresses[r]), seed
                ),
                "instrument_fps": fingerprint_list(
                    INSTRUMENT, base + np.arange(m.ring_instruments[r]), seed
                ),
            }
        )
    pq.write_table(pa.Table.from_pylist(rings), labels / "rings.parquet")
    (out / "ground_truth.json").write_text(
        json.dumps(
            {
                "shops": int(m.n_shops),
                "dishonest_shop_ids": [int(i) for i in shop_ids[(m.counterfeit > 0) | brushed]],
                "brushing_ring_targets": [int(t) + 1 for t in m.ring_target],
                "fake_buyer_ids": [int(m.fake_from + 1), int(m.n_buyers)],
                "return_abuser_ids": [1, int(m.abuser_until)],
                "loyal_shop_ids": [int(s) + 1 for s in m.loyal_shops],
                "brushing_orders": len(brushing),
                "rings": rings,
                "labels": "labels/*.parquet",
            },
            ensure_ascii=False,
            indent=1,
        )
    )
