"""Shared plumbing for the benchmarks: environment, database, percentiles, daphne processes,
users and tokens, and the JSON + table report.

Benchmarks print figures; they are not tests. Each module runs alone (`python -m bench.task_api`)
or all together (`make bench`). With DATABASE_URL / REDIS_URL set they use PostgreSQL and Redis;
without, a SQLite file under bench/results/ and the in-memory channel layer.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import resource
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit, urlunsplit
from core.tests.live_daphne import LiveDaphne, daphne_argv

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PORT_RANGE = range(8700, 8800)

# What every benchmark process and every daphne it starts runs with: production-like
# (DEBUG off, so no query log kept in memory), plain HTTP on loopback, the offline model.
BENCH_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_PROXY_SSL_HEADER": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
    "AGENT_MODEL": "local",
    "OPENAI_AGENTS_DISABLE_TRACING": "1",
    "AGENT_TRACING": "false",
    # Per-request INFO logs would measure the log handler, not the app.
    "LOG_LEVEL": "WARNING",
    "JWT_ACCESS_MINUTES": "600",
    # Load generators send far more than a person would; lift the per-user throttles.
    "CHAT_RATE": "100000/min",
    "AGENT_DAILY_TOKEN_BUDGET": "0",
    "WHITENOISE_USE_FINDERS": "false",
    "PYTHONUNBUFFERED": "1",
}


# --------------------------------------------------------------------------- environment


def backend() -> str:
    return "postgresql+redis" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite+memory"


def database_url(kind: str = "main") -> str:
    """The database a benchmark uses. kind="big" is the million-row task table (kept between runs)."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        if kind == "big":
            if os.environ.get("BENCH_BIG_DATABASE_URL"):
                return os.environ["BENCH_BIG_DATABASE_URL"]
            parts = urlsplit(url)
            return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_big"))
        return url
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "bench_big.sqlite3" if kind == "big" else "bench.sqlite3"
    return f"sqlite:///{RESULTS / name}"


def ensure_postgres_database(url: str) -> None:
    """CREATE DATABASE if it is missing (the big one is named after DATABASE_URL)."""
    if not url.startswith("postgres"):
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(kind: str = "main", migrate: bool = True) -> None:
    """Configure the environment, set Django up on the bench database and migrate it.

    The environment is left in os.environ so the daphne processes started later share it."""
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    url = database_url(kind)
    ensure_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "todo_project.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    raise_fd_limit()
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    from django.core.cache import cache

    # Turn locks and rate counters left by an interrupted run would refuse the first turns
    # ("busy"). The cache is this benchmark's own (its Redis DB number, or local memory).
    cache.clear()
    maintain_database()


def maintain_database() -> None:
    """What autovacuum does for a production database, done before measuring.

    The PostgreSQL on this machine runs with autovacuum off (`env_info` records it). Every bench
    run deletes and re-creates its users' turns and tasks, so without this each run measured
    against the dead rows of all earlier runs (89,000 dead messages beside 17,000 live ones after
    a session of runs), on tables that never had planner statistics."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")


def raise_fd_limit(wanted: int = 16384) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, wanted), hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def env_info() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    info: dict[str, Any] = {
        "backend": backend(),
        "database": connection.vendor,
        "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1],
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            info["postgres"] = cur.fetchone()[0]
            cur.execute("SHOW autovacuum")
            info["autovacuum"] = cur.fetchone()[0]
    return info


def python_speed_ms() -> float:
    """A fixed pure-Python workload, the median of nine runs, in milliseconds (lower is faster).

    This shared VM's speed drifts from second to second, and every figure here drifts with it
    (bench/README.md gives the spread seen). Each report records this before and after it
    measures, so a run can be told apart from a slow stretch of the machine."""
    runs = []
    for _ in range(9):
        started = time.perf_counter()
        total = 0
        for i in range(300_000):
            total += i * i % 7
        runs.append(time.perf_counter() - started)
    return round(sorted(runs)[4] * 1000, 1)


# --------------------------------------------------------------------------- statistics


def percentile(values: Iterable[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100), like numpy's default."""
    data = sorted(values)
    if not data:
        return float("nan")
    k = (len(data) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """p50/p95/p99/mean/max in milliseconds from durations in seconds."""
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50": round(percentile(ms, 50), 3),
        "p95": round(percentile(ms, 95), 3),
        "p99": round(percentile(ms, 99), 3),
        "mean": round(sum(ms) / len(ms), 3),
        "max": round(max(ms), 3),
    }


# --------------------------------------------------------------------------- report


@dataclass
class Report:
    """One benchmark's figures: tables of rows plus target checks; written as JSON and printed."""

    name: str
    title: str
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    speed_before_ms: float = field(default_factory=python_speed_ms)

    def row(self, table: str, **values: Any) -> None:
        self.tables.setdefault(table, []).append(values)
        print(f"  {table}: " + ", ".join(f"{k}={_fmt(v)}" for k, v in values.items()), flush=True)

    def target(self, what: str, value: float | None, limit: float, unit: str = "", higher_is_better: bool = False) -> bool:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            met = False
        else:
            met = value >= limit if higher_is_better else value <= limit
        op = ">=" if higher_is_better else "<="
        self.targets.append(
            {"bench": self.name, "what": what, "value": value, "target": f"{op} {limit:g}{unit}", "met": met}
        )
        return met

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}")

    def write(self) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.name}.json"
        data = {
            "bench": self.name,
            "title": self.title,
            "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "runtime_s": round(time.perf_counter() - self.started, 1),
            "env": env_info(),
            "python_speed_ms": {"before": self.speed_before_ms, "after": python_speed_ms()},
            "tables": self.tables,
            "targets": self.targets,
            "notes": self.notes,
            **self.extra,
        }
        path.write_text(json.dumps(data, indent=2, default=str))
        print()
        speed = data["python_speed_ms"]
        print(f"== {self.title} ({data['env']['backend']}, {data['runtime_s']} s; "
              f"machine speed {speed['before']} -> {speed['after']} ms, see python_speed_ms) ==")
        for name, rows in self.tables.items():
            print_table(rows, title=name)
        print_targets(self.targets)
        print(f"  written: {path.relative_to(ROOT)}")
        return path


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(rows: list[dict[str, Any]], title: str | None = None, header: bool = True) -> None:
    if not rows:
        return
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    cells = [[_fmt(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    if title:
        print(f"\n  [{title}]")
    if header:
        print("  " + "  ".join(c.rjust(w) for c, w in zip(columns, widths)))
    for r in cells:
        print("  " + "  ".join(v.rjust(w) for v, w in zip(r, widths)))
    sys.stdout.flush()


def print_targets(targets: list[dict[str, Any]]) -> None:
    if not targets:
        return
    rows = [
        {"bench": t["bench"], "what": t["what"], "value": t["value"], "target": t["target"], "result": "MET" if t["met"] else "MISSED"}
        for t in targets
    ]
    columns = list(rows[0])
    cells = [[_fmt(r[c]) for c in columns] for r in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("\n  [targets]")
    print("  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for r in cells:
        print("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)))
    sys.stdout.flush()


# --------------------------------------------------------------------------- users and tokens


def vacuum_analyze(table: str) -> None:
    """Statistics and visibility map as autovacuum leaves a table a minute after a bulk load: without
    them PostgreSQL cannot count a user's tasks from an index alone, and plans on stale sizes."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else f"ANALYZE {table}")


def make_users(prefix: str, count: int) -> list:
    """`count` users named prefix-0..n, created in bulk (no password hashing: they use JWTs)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    names = [f"{prefix}-{i}" for i in range(count)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=n, password="!bench-unusable") for n in names if n not in existing], batch_size=1000
    )
    by_name = {u.username: u for u in User.objects.filter(username__in=names)}
    return [by_name[n] for n in names]


def access_token(user) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    return str(AccessToken.for_user(user))


def ws_subprotocols(token: str) -> list[str]:
    return ["todo.v1", f"access_token.{token}"]


# --------------------------------------------------------------------------- daphne processes


def free_port() -> int:
    """A free port from this benchmark's range (8700-8799), else one the OS picks."""
    for port in PORT_RANGE:
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daphne(LiveDaphne):
    """A daphne process serving the real ASGI app on 127.0.0.1, with the bench environment: the
    tests' live server (core/tests/live_daphne.py), started at once, with its CPU and memory read.

    BENCH_SERVER=uvicorn runs one uvicorn worker of the README's production recipe instead (the
    same flags as bench/peer.py), so every bench can be run on either server."""

    def __init__(self, port: int | None = None, extra_env: dict[str, str] | None = None, log_name: str = "daphne"):
        port = port or free_port()
        env = {**os.environ, **BENCH_ENV, **(extra_env or {})}
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        RESULTS.mkdir(parents=True, exist_ok=True)
        log_path = RESULTS / f"{log_name}-{port}.log"
        log_path.write_text("")
        # No access log: one line per request would measure the log, not the app.
        argv = daphne_argv(port, "-v", "0")
        if os.environ.get("BENCH_SERVER") == "uvicorn":
            from .peer import production_server

            argv = production_server(port, workers=1)
        # The raised open-files limit (setup) is inherited: 500+ sockets per process.
        super().__init__(env, log_path, port=port, argv=argv)
        self.start()

    @property
    def proc(self) -> subprocess.Popen:
        return self.process

    def rss_kb(self) -> int:
        """Resident memory of the daphne process, from /proc (kB)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def __enter__(self) -> "Daphne":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def ws_origin(port: int) -> str:
    return f"http://127.0.0.1:{port}"


# --------------------------------------------------------------------------- chat turns

# One conversation's worth of messages the offline model understands: a tool write, a read,
# a resolve-then-write (list, then complete), and plain talk.
TURN_SCRIPT = [
    "Add buy milk tomorrow",
    "What's on my list?",
    "Mark buy milk as done",
    "Thanks!",
]


class InProcessSocket:
    """The real ASGI app (auth middleware, routing, ChatConsumer) driven in this process."""

    def __init__(self, token: str):
        from channels.testing import WebsocketCommunicator

        from todo_project.asgi import application

        self.comm = WebsocketCommunicator(application, "/ws/chat/", subprotocols=ws_subprotocols(token))

    async def open(self) -> None:
        connected, _ = await self.comm.connect(timeout=30)
        if not connected:
            raise RuntimeError("websocket refused")

    async def send(self, frame: dict) -> None:
        await self.comm.send_json_to(frame)

    async def recv(self, timeout: float) -> dict:
        return await self.comm.receive_json_from(timeout=timeout)

    async def close(self) -> None:
        await self.comm.disconnect()


class NetworkSocket:
    """A websocket to a daphne process over TCP (the `websockets` client)."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token
        self.ws = None

    async def open(self) -> None:
        import websockets

        self.ws = await websockets.connect(
            self.url, subprotocols=ws_subprotocols(self.token), open_timeout=60, ping_interval=None,
            max_queue=None, compression=None,
        )

    async def send(self, frame: dict) -> None:
        await self.ws.send(json.dumps(frame))

    async def recv(self, timeout: float) -> dict:
        import asyncio

        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def close(self) -> None:
        await self.ws.close()


async def run_turn(sock, text: str, conversation_id: int | None = None, timeout: float = 30) -> dict[str, Any]:
    """Sends one message and reads frames to turn.end. Times are seconds from the send."""
    import uuid

    t0 = time.perf_counter()
    await sock.send({"type": "message", "text": text, "conversation_id": conversation_id, "client_id": uuid.uuid4().hex})
    out: dict[str, Any] = {"start": None, "first_delta": None, "end": None, "status": None, "errors": [],
                           "deltas": 0, "tools": 0, "tasks_changed": 0, "conversation_id": conversation_id}
    while True:
        frame = await sock.recv(timeout)
        now = time.perf_counter() - t0
        kind = frame.get("type")
        if kind == "turn.start":
            out["start"] = now
            out["conversation_id"] = frame["conversation_id"]
        elif kind == "delta":
            out["deltas"] += 1
            if out["first_delta"] is None:
                out["first_delta"] = now
        elif kind == "tool.call":
            out["tools"] += 1
        elif kind == "tasks.changed":
            out["tasks_changed"] += 1
        elif kind == "error":
            out["errors"].append(frame.get("code"))
            if out["start"] is None:  # refused before the turn began: no turn.end follows
                out["end"] = now
                return out
        elif kind == "turn.end":
            out["end"] = now
            out["status"] = frame.get("status")
            return out


class QueryCounter:
    """Counts SQL statements from every thread while active.

    CaptureQueriesContext only sees the calling thread's connection; the consumer's ORM work runs
    in channels' database_sync_to_async worker thread, so this wraps the cursor class instead."""

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()
        self.queries: list[str] = []
        self.active = False
        self._orig = None

    def __enter__(self) -> "QueryCounter":
        from django.db.backends import utils

        counter = self
        orig = utils.CursorWrapper._execute_with_wrappers
        self._orig = orig

        def wrapped(self_, sql, params, many, executor):
            if counter.active:
                with counter.lock:
                    counter.queries.append(sql)
            return orig(self_, sql, params, many, executor)

        utils.CursorWrapper._execute_with_wrappers = wrapped
        return self

    def __exit__(self, *exc: object) -> None:
        from django.db.backends import utils

        utils.CursorWrapper._execute_with_wrappers = self._orig

    def take(self) -> list[str]:
        with self.lock:
            taken, self.queries = self.queries, []
        return taken
