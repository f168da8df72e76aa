"""Bench 8: this project against the original spec's stack (FastAPI + SQLModel, ../shared/peer),
side by side on the million-row database, in one run.

Both read the same tables with the same secret. The peer runs as its README says (one uvicorn
process, in its own virtualenv under bench/results/); this project runs as the README's
"Deployment" section says (PRODUCTION_SERVER: uvicorn workers, PostgreSQL + Redis). Four requests:
the list (?limit=50), a filtered list, one task, and a create (bench/peer_routes.py adds the
last three to the peer, in its style).

- Sequential: one keep-alive connection per server, the servers' requests interleaved one by
  one, so a slow stretch of this shared machine lands on both; p50/p95 and their ratio ours/peer.
- Concurrent: 1, 8 and 32 keep-alive clients for a few seconds per server, in ABBA order,
  requests/s and the ratio ours/peer.
Targets (issue 25): sequential p50 and p95 ratio <= 1 for the list and one task; requests/s at 8
and 32 clients >= the peer's for each request.

Run alone: `python -m bench.peer` (BENCH_QUICK=1 for fewer requests). BENCH_PEER_ALSO=daphne,
uvicorn1,granian adds other ways of serving this project to the same run, for comparison only.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from core.tests.live_daphne import LiveDaphne

from . import common, loadgen

PEER_DIR = Path(os.environ.get("PEER_DIR", common.ROOT.parent / "shared" / "peer"))
PEER_VENV = common.RESULTS / "peer-venv"

SEQUENTIAL_N = int(os.environ.get("BENCH_PEER_N", 600))
STAGE_S = float(os.environ.get("BENCH_PEER_STAGE_S", 3.0))
CLIENTS = (1, 8, 32)
if os.environ.get("BENCH_QUICK"):
    SEQUENTIAL_N, STAGE_S = 200, 1.5

WORKERS = int(os.environ.get("BENCH_WORKERS", 0)) or None  # None: the recipe's default


def production_server(port: int, workers: int | None = None) -> list[str]:
    """This project as README "Deployment" runs it: uvicorn (uvloop + httptools) workers on the
    Channels app, one per core unless WEB_CONCURRENCY says otherwise."""
    n = workers or int(os.environ.get("WEB_CONCURRENCY", 0)) or os.cpu_count() or 1
    bin_dir = Path(sys.executable).parent
    return [
        str(bin_dir / "uvicorn"), "todo_project.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(n),
        "--loop", "uvloop", "--http", "httptools", "--lifespan", "off",
        "--ws-max-size", "65536", "--timeout-graceful-shutdown", "5", "--no-access-log",
    ]


def other_server(kind: str, port: int) -> list[str]:
    """Other ways to serve the same app, for the comparison rows (BENCH_PEER_ALSO)."""
    bin_dir = Path(sys.executable).parent
    if kind == "daphne":  # `make run`'s server, one process
        return [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(port), "-v", "0",
                "--websocket-max-message-size", "65536", "--websocket-max-frame-size", "65536",
                "--application-close-timeout", "5", "todo_project.asgi:application"]
    if kind == "uvicorn1":
        return production_server(port, workers=1)
    if kind.startswith("uvicorn"):  # uvicornN: N workers
        return production_server(port, workers=int(kind.removeprefix("uvicorn")))
    if kind.startswith("granian"):  # granian or granianN
        n = kind.removeprefix("granian") or str(os.cpu_count() or 1)
        return [str(bin_dir / "granian"), "--interface", "asginl", "--host", "127.0.0.1", "--port", str(port),
                "--workers", n, "--loop", "uvloop", "--no-ws", "--log-level", "warning", "todo_project.asgi:application"]
    raise ValueError(f"unknown server {kind}")


# --------------------------------------------------------------------------- processes


class Server(LiveDaphne):
    """A server process on 127.0.0.1 (the tests' live server, core/tests/live_daphne.py), ready once
    `health` answers and every worker has started."""

    def __init__(self, name: str, argv: list[str], port: int, env: dict[str, str], health: str, cwd: Path, workers: int = 1):
        common.RESULTS.mkdir(parents=True, exist_ok=True)
        log_path = common.RESULTS / f"peer-{name}-{port}.log"
        log_path.write_text("")
        super().__init__(env, log_path, port=port, argv=argv, health=health, cwd=cwd)
        self.name = name
        self.start(ready_timeout=120)
        # Workers load the app one by one; the first to answer is not the last to be ready.
        deadline = time.monotonic() + 120
        while workers > 1 and "uvicorn" in argv[0] and time.monotonic() < deadline:
            if self.log_path.read_text().count("Started server process") >= workers:
                break
            time.sleep(0.3)
        time.sleep(1.0)


def ensure_peer_venv() -> Path:
    """The peer's own virtualenv (its README: python -m venv + pip install -r requirements.txt)."""
    stamp = PEER_VENV / ".installed"
    wanted = (PEER_DIR / "requirements.txt").read_text()
    if not stamp.exists() or stamp.read_text() != wanted:
        print(f"  installing the peer's requirements into {PEER_VENV.relative_to(common.ROOT)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "--quiet", "-r", str(PEER_DIR / "requirements.txt")], check=True)
        stamp.write_text(wanted)
    return PEER_VENV


def start_peer(secret: str) -> Server:
    venv = ensure_peer_venv()
    # setup(kind="big") left the big database in DATABASE_URL.
    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql+psycopg://", 1)
    env = {"PATH": os.environ.get("PATH", ""), "PEER_DB": url, "PEER_SECRET": secret,
           "PYTHONPATH": str(PEER_DIR), "PYTHONUNBUFFERED": "1"}
    port = common.free_port()
    argv = [str(venv / "bin" / "uvicorn"), "peer_routes:app", "--app-dir", str(common.ROOT / "bench"),
            "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    return Server("peer", argv, port, env, "/docs", cwd=PEER_DIR)


def start_ours(kind: str) -> Server:
    port = common.free_port()
    env = {**os.environ, **common.BENCH_ENV}
    argv = production_server(port, WORKERS) if kind == "recipe" else other_server(kind, port)
    workers = int(argv[argv.index("--workers") + 1]) if "--workers" in argv else 1
    return Server(kind, argv, port, env, "/health/", cwd=common.ROOT, workers=workers)


# --------------------------------------------------------------------------- requests


@dataclass
class Case:
    label: str
    ours: str  # method + path on this project
    peer: str  # the same request on the peer
    body: bool = False  # a create: a JSON body with a fresh title each time
    targeted_latency: bool = False

    def raw(self, side: str, token: str, i: int) -> bytes:
        method, path = (self.ours if side != "peer" else self.peer).split(" ", 1)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        body = b""
        if self.body:
            headers["Content-Type"] = "application/json"
            body = json.dumps({"title": f"Bench create {i}", "priority": "high"}).encode()
        return loadgen.Request(method, path, headers, body).encode("127.0.0.1")


def cases(task_id: int) -> list[Case]:
    return [
        Case("list ?limit=50", "GET /api/tasks/?limit=50", "GET /api/tasks/?limit=50", targeted_latency=True),
        Case("filtered: open, by due date", "GET /api/tasks/?limit=50&completed=false&ordering=due_date",
             "GET /api/tasks/filtered?limit=50&completed=false"),
        Case("one task", f"GET /api/tasks/{task_id}/", f"GET /api/tasks/{task_id}", targeted_latency=True),
        Case("create", "POST /api/tasks/", "POST /api/tasks/", body=True),
    ]


async def sequential(servers: dict[str, Server], case: Case, tokens: dict[str, str], n: int) -> dict[str, list[float]]:
    """n requests per server over one keep-alive connection each, the servers taking turns request
    by request (the order rotating), so the machine's drift falls on every server alike."""
    conns = {name: await loadgen.Connection("127.0.0.1", s.port).open() for name, s in servers.items()}
    names = list(servers)
    out: dict[str, list[float]] = {name: [] for name in names}
    for i in range(n + 20):
        order = names[i % len(names):] + names[: i % len(names)]
        for name in order:
            raw = case.raw(name, tokens[name], i)
            latency, status = await loadgen.timed(conns[name], raw, (200, 201))
            if status not in (200, 201):
                raise RuntimeError(f"{name} {case.label}: HTTP {status}")
            if i >= 20:  # the first 20 warm caches and connections
                out[name].append(latency)
    for c in conns.values():
        await c.close()
    return out


async def concurrent(server: Server, case: Case, token: str, clients: int, seconds: float) -> loadgen.Run:
    return await loadgen.load("127.0.0.1", server.port, lambda i: case.raw(server.name, token, i), clients, seconds)


# --------------------------------------------------------------------------- main


def main() -> common.Report:
    common.setup(kind="big")
    from django.contrib.auth import get_user_model

    from tasks.models import Task, TaskChange

    from .task_api import ensure_data

    try:
        import uvloop

        uvloop.install()  # the generator's own loop: less of the shared CPU spent on the client side
    except ImportError:
        pass

    report = common.Report("peer", "Bench 8: this project vs the FastAPI + SQLModel peer, side by side")
    owner, _ = ensure_data()
    writer = common.make_users("bench-peer-writer", 1)[0]
    task_id = Task.objects.filter(owner=owner).order_by("-id").values_list("id", flat=True).first()
    also = [k for k in os.environ.get("BENCH_PEER_ALSO", "").split(",") if k]

    servers: dict[str, Server] = {}
    try:
        servers["peer"] = start_peer(os.environ["SECRET_KEY"])
        for kind in ["recipe", *also]:
            servers[kind] = start_ours(kind)
        recipe_argv = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(servers["recipe"].process.args))
        report.note(f"ours = {recipe_argv} (REDIS_URL={'set' if os.environ.get('REDIS_URL') else 'unset'})")
        report.note(f"peer = one uvicorn (asyncio, h11) on {PEER_DIR.name}/app.py + bench/peer_routes.py")
        owner_token, writer_token = common.access_token(owner), common.access_token(writer)
        loads = os.getloadavg()
        report.note(f"load average before: {loads[0]:.2f} {loads[1]:.2f} {loads[2]:.2f} on {os.cpu_count()} CPUs")

        for case in cases(task_id):
            token = writer_token if case.body else owner_token
            tokens = {name: token for name in servers}
            print(f"  -- {case.label}", flush=True)
            seq = asyncio.run(sequential(servers, case, tokens, SEQUENTIAL_N))
            peer_s = common.summary_ms(seq["peer"])
            for name in servers:
                if name == "peer":
                    continue
                s = common.summary_ms(seq[name])
                row = {"request": case.label, "server": name, "p50": s["p50"], "p95": s["p95"],
                       "peer_p50": peer_s["p50"], "peer_p95": peer_s["p95"],
                       "x_p50": round(s["p50"] / peer_s["p50"], 2), "x_p95": round(s["p95"] / peer_s["p95"], 2)}
                report.row("sequential (ms; x = ours / peer, <= 1 is faster)", **row)
                if name == "recipe" and case.targeted_latency:
                    report.target(f"{case.label}: sequential p50 ours/peer", row["x_p50"], 1.0, "x")
                    report.target(f"{case.label}: sequential p95 ours/peer", row["x_p95"], 1.0, "x")

            for clients in CLIENTS:
                totals: dict[str, loadgen.Run] = {name: loadgen.Run() for name in servers}
                cpu: dict[str, float] = {name: 0.0 for name in servers}
                # ABBA (and round-robin for more servers): neither side always runs first or last.
                order = list(servers) + list(reversed(servers))
                for name in order:
                    cpu_before = servers[name].cpu_seconds()
                    run = asyncio.run(concurrent(servers[name], case, tokens[name], clients, STAGE_S))
                    cpu[name] += servers[name].cpu_seconds() - cpu_before
                    t = totals[name]
                    t.seconds += run.seconds
                    t.latencies += run.latencies
                    for status, k in run.errors.items():
                        t.errors[status] = t.errors.get(status, 0) + k
                peer_rps = totals["peer"].ok / totals["peer"].seconds
                for name in servers:
                    if name == "peer":
                        continue
                    t = totals[name]
                    rps = t.ok / t.seconds
                    row = {"request": case.label, "clients": clients, "server": name, "rps": round(rps, 1),
                           "peer_rps": round(peer_rps, 1), "x_rps": round(rps / peer_rps, 2),
                           "p95": common.summary_ms(t.latencies)["p95"],
                           "peer_p95": common.summary_ms(totals["peer"].latencies)["p95"],
                           "cpu_ms_req": round(1000 * cpu[name] / max(t.ok, 1), 2),
                           "peer_cpu_ms_req": round(1000 * cpu["peer"] / max(totals["peer"].ok, 1), 2),
                           "errors": sum(t.errors.values()) + sum(totals["peer"].errors.values())}
                    report.row("requests/s (x = ours / peer, >= 1 is more)", **row)
                    if name == "recipe" and clients in (8, 32):
                        report.target(f"{case.label}: req/s at {clients} clients ours/peer", row["x_rps"], 1.0, "x",
                                      higher_is_better=True)
                    if name == "recipe":
                        report.target(f"{case.label}: no errors at {clients} clients", float(row["errors"]), 0)
        loads = os.getloadavg()
        report.note(f"load average after: {loads[0]:.2f} {loads[1]:.2f} {loads[2]:.2f}")
    finally:
        for server in servers.values():
            server.stop()
        # The creates leave the big table as task_api expects it (its counts decide a reload).
        TaskChange.objects.filter(owner=writer).delete()
        Task.objects.filter(owner=writer).delete()
        get_user_model().objects.filter(pk=writer.pk).update(last_login=None)
    report.write()
    return report


if __name__ == "__main__":
    main()
