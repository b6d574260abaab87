"""What every benchmark needs: a fresh PostgreSQL database, pgbench as the in-run baseline, a
server process, latency percentiles, and a results section in BENCHMARKS.md.

Benchmarks compare against a baseline measured in the same run (ratios, not absolute times):
these machines are shared and noisy."""

from __future__ import annotations

import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
PG_ADMIN_URL = os.environ.get(
    "SHIJING_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


@contextmanager
def fresh_pg_database(name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for the run; dropped afterwards."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _libpq_args(url: str) -> list[str]:
    m = re.match(
        r"^[^:]+://(?P<user>[^@:/]+)?@?(?P<host>[^:/]+)(?::(?P<port>\d+))?/(?P<db>.+)$", url
    )
    if not m:
        raise ValueError(f"cannot read host and database from {url}")
    args = ["-h", m["host"], "-p", m["port"] or "5432"]
    if m["user"]:
        args += ["-U", m["user"]]
    return [*args, m["db"]]


@dataclass
class Latencies:
    count: int
    p50_ms: float
    p99_ms: float
    mean_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latencies:
        if not seconds:
            return cls(0, 0.0, 0.0, 0.0)
        ordered = sorted(seconds)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

        return cls(len(ordered), pct(0.50), pct(0.99), statistics.fmean(ordered) * 1000)


@dataclass
class PgbenchResult:
    tps: float
    latencies: Latencies
    clients: int
    seconds: int
    script: str
    samples: list[float] = field(default_factory=list, repr=False)  # each latency, in seconds


def run_pgbench(
    url: str,
    *,
    clients: int,
    seconds: int,
    scale: int = 10,
    script: Path | None = None,
    initialise: bool = True,
    defines: dict[str, str] | None = None,
) -> PgbenchResult:
    """Run pgbench (TPC-B-like by default, or ``script``) and read its per-transaction log."""
    conn_args = _libpq_args(url)
    if initialise:
        subprocess.run(
            ["pgbench", "-i", "-q", "-s", str(scale), *conn_args], check=True, capture_output=True
        )
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            "pgbench",
            "-c",
            str(clients),
            "-j",
            str(min(clients, 2)),
            "-T",
            str(seconds),
            "-M",
            "prepared",
            "-l",
            "--log-prefix",
            f"{tmp}/pgbench",
            "-n",
        ]
        for key, value in (defines or {}).items():
            cmd += ["-D", f"{key}={value}"]
        if script is not None:
            cmd += ["-f", str(script)]
        out = subprocess.run([*cmd, *conn_args], check=True, capture_output=True, text=True)
        match = re.search(r"tps = ([\d.]+)", out.stdout)
        if not match:
            raise RuntimeError(f"pgbench printed no tps:\n{out.stdout}\n{out.stderr}")
        samples: list[float] = []
        for log in Path(tmp).glob("pgbench*"):
            for line in log.read_text().splitlines():
                parts = line.split()
                if len(parts) >= 3:
                    samples.append(int(parts[2]) / 1e6)
    return PgbenchResult(
        float(match.group(1)),
        Latencies.of(samples),
        clients,
        seconds,
        script.name if script else "tpcb-like",
        samples,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVER_PIDS: dict[str, int] = {}  # base URL -> pid of each running `server()`


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(
    database_url: str,
    *,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
    args: Sequence[str] = (),
) -> Iterator[str]:
    """`shijing serve` in a child process; yields its base URL once /healthz answers. Its stderr
    goes to a temporary file, not a pipe: a pipe nobody reads fills up under a flood of warnings
    and then blocks the server mid-run."""
    port = free_port()
    errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in finally)
    env = {
        **os.environ,
        "SHIJING_DATABASE_URL": database_url,
        "SHIJING_LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shijing",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            *args,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                errors.seek(0)
                raise RuntimeError(f"server exited: {errors.read()[-4000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("server did not come up in 60 s")
            time.sleep(0.2)
        SERVER_PIDS[base] = proc.pid
        yield base
    finally:
        SERVER_PIDS.pop(base, None)
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        errors.close()


def machine_line() -> str:
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.machine()} · "
        f"{os.cpu_count()} cores · Python {platform.python_version()}"
    )


def record(section: str, markdown: str) -> None:
    """Replace (or add) the section between its markers in BENCHMARKS.md."""
    start, end = f"<!-- bench:{section} -->", f"<!-- /bench:{section} -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    current = BENCHMARKS_MD.read_text() if BENCHMARKS_MD.exists() else "# Benchmarks\n"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        _, after = rest.split(end, 1)
        updated = before + block + after
    else:
        updated = current.rstrip() + "\n\n" + block + "\n"
    BENCHMARKS_MD.write_text(updated)
