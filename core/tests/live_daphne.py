"""Real daphne processes for the tests that need the whole server: browser tests, scale-out
(two daphnes on one PostgreSQL and one Redis), crash and restart, the MCP door's live clients.
One helper for all of them; the benchmarks start theirs from bench/common.py, the same way.

pytest-django's live_server is WSGI and cannot serve websockets, so these start the ASGI app the
way production does (the flags `make run` uses), on an OS-assigned free port, against a database
the caller sets up. A process is polled for /health/: there is nothing to await across it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = "todo_project.asgi:application"
# Same limits as `make run`: daphne refuses anything far larger than a chat frame.
DAPHNE_FLAGS = ["--websocket-max-message-size", "65536", "--websocket-max-frame-size", "65536",
                "--application-close-timeout", "5"]
PASSWORD = "Sturdy-pass-9182"
WAIT_S = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(*, database_url: str, redis_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a plain-HTTP server with production settings otherwise, and the offline model."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or "live-test-secret-key-0123456789abcdefghijklmnop",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_PROXY_SSL_HEADER="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        WHITENOISE_USE_FINDERS="true",
        AGENT_MODEL="local",
        OPENAI_AGENTS_DISABLE_TRACING="1",
        LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        **extra,
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
    )


def daphne_argv(port: int, *extra: str, app: str = APP) -> list[str]:
    """The daphne command line `make run` uses, on 127.0.0.1:`port`."""
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), *DAPHNE_FLAGS, *extra, app]


class LiveDaphne:
    """One server process (and its workers), polled on `health` until it answers. `argv` runs another
    command line (the benchmarks' uvicorn recipe, the FastAPI peer) on the same port; by default
    daphne as `make run` starts it. The process leads a session of its own, so stopping or killing
    it reaches every worker it started and nothing else."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        *,
        app: str = APP,
        port: int | None = None,
        argv: list[str] | None = None,
        health: str = "/health/",
        cwd: Path = ROOT,
    ) -> None:
        self.env, self.log_path, self.app, self.health, self.cwd = env, log_path, app, health, cwd
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/chat/"
        self.argv = argv or daphne_argv(self.port, app=app)
        self.name = Path(self.argv[0]).name if argv else "daphne"
        self.process: subprocess.Popen | None = None

    def start(self, ready_timeout: float = 60) -> LiveDaphne:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}{self.health}", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not become healthy in {ready_timeout}s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)  # the session it leads: its workers too
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no cleanup, like a crashed machine."""
        if self.process and self.process.poll() is None:
            self._signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(timeout=5)

    def cpu_seconds(self) -> float:
        """User + system CPU of the process and every worker it started, from /proc: a figure the
        machine's load does not inflate the way it does wall-clock times."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # field 5, the process group
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def api(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
        return http_json(method, f"{self.url}{path}", body, token)


@contextmanager
def sqlite_server(workdir: Path, **extra: str):
    """A daphne on a freshly migrated SQLite file in `workdir`, stopped on exit."""
    env = server_env(database_url=f"sqlite:///{workdir / 'db.sqlite3'}", **extra)
    migrate(env)
    daphne = LiveDaphne(env, workdir / "daphne.log").start()
    try:
        yield daphne
    finally:
        daphne.stop()


# --- two daphnes on one PostgreSQL and one Redis, as behind a load balancer --------------------


def require_services() -> tuple[str, str]:
    """(DATABASE_URL, REDIS_URL) when they are PostgreSQL and Redis; otherwise a printed skip, or a
    failure when REQUIRE_SERVICES=1 says those services must be there."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    missing = []
    if not database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        missing.append("DATABASE_URL is not PostgreSQL")
    if not redis_url:
        missing.append("REDIS_URL is not set")
    if missing:
        reason = "scale-out test needs PostgreSQL and Redis: " + "; ".join(missing)
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
        print(f"SKIP {reason}")
        pytest.skip(reason)
    return database_url, redis_url


@contextmanager
def scratch_postgres_database(database_url: str):
    """A new database beside the one DATABASE_URL names, dropped on exit; yields its URL."""
    import environ
    import psycopg

    cfg = environ.Env.db_url_config(database_url)
    conn = psycopg.connect(
        dbname="postgres", user=cfg.get("USER") or None, password=cfg.get("PASSWORD") or None,
        host=cfg.get("HOST") or None, port=cfg.get("PORT") or None, autocommit=True,
    )
    name = f"{cfg['NAME']}_live_{uuid.uuid4().hex[:8]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url.rsplit("/", 1)[0] + "/" + name
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@contextmanager
def two_servers_on_shared_services(workdir: Path):
    database_url, redis_url = require_services()
    with scratch_postgres_database(database_url) as shared_url:
        env = server_env(database_url=shared_url, redis_url=redis_url)
        migrate(env)
        servers: list[LiveDaphne] = []
        try:
            servers = [LiveDaphne(env, workdir / f"daphne-{i}.log").start() for i in (1, 2)]
            yield servers
        finally:
            for server in servers:
                server.stop()


# --- clients -----------------------------------------------------------------------------------


def http_json(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=WAIT_S) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else {})
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, (json.loads(raw) if raw else {})


def register_and_token(register_on: LiveDaphne, token_from: LiveDaphne, username: str) -> str:
    status, _ = http_json("POST", f"{register_on.url}/api/auth/register/", {"username": username, "password": PASSWORD})
    assert status == 201
    status, tokens = http_json("POST", f"{token_from.url}/api/auth/token/", {"username": username, "password": PASSWORD})
    assert status == 200, tokens
    return tokens["access"]


def open_socket(server: LiveDaphne, token: str):
    from websockets.sync.client import connect

    ws = connect(
        f"ws://127.0.0.1:{server.port}/ws/chat/", subprotocols=["todo.v1", f"access_token.{token}"], open_timeout=WAIT_S
    )
    assert ws.subprotocol == "todo.v1"
    return ws


def frames_until(ws, frame_type: str) -> list[dict]:
    frames = []
    while True:
        frame = json.loads(ws.recv(timeout=WAIT_S))
        frames.append(frame)
        if frame["type"] == frame_type:
            return frames
