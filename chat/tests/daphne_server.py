"""Real daphne processes for the browser and scale-out tests.

pytest-django's live_server is WSGI and cannot serve websockets, so these tests start the
ASGI app the way production does, on an OS-assigned free port, against a database they set
up themselves.
"""

from __future__ import annotations

import os
import socket
from contextlib import contextmanager
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
# Same limits as `make run`: daphne refuses anything far larger than a chat frame.
DAPHNE_FLAGS = ["--websocket-max-message-size", "65536", "--websocket-max-frame-size", "65536",
                "--application-close-timeout", "5"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(*, database_url: str, redis_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a plain-HTTP local server with the offline model."""
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
        cwd=BASE_DIR, env=env, check=True, capture_output=True, timeout=180,
    )


class DaphneServer:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, ready_timeout: float = 60) -> "DaphneServer":
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), *DAPHNE_FLAGS,
             "todo_project.asgi:application"],
            cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + ready_timeout
        # Polling a child process's port: there is nothing to await across the process boundary.
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health/", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"daphne did not become healthy in {ready_timeout}s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@contextmanager
def sqlite_server(workdir: Path, **extra: str):
    """A daphne on a freshly migrated SQLite file in `workdir`, stopped on exit."""
    env = server_env(database_url=f"sqlite:///{workdir / 'db.sqlite3'}", **extra)
    migrate(env)
    daphne = DaphneServer(env, workdir / "daphne.log").start()
    try:
        yield daphne
    finally:
        daphne.stop()
