"""A small keep-alive HTTP/1.1 load generator on asyncio, for bench/peer.py.

Each client is one TCP connection sending one request at a time (as a browser tab or an API
client would). One event loop drives them all: on this 2-core machine the generator shares the
CPU with the servers it measures, and a thread per client (http.client) spent more of it on the
GIL than on the requests. Connecting is not timed; every request is.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""

    def encode(self, host: str) -> bytes:
        head = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        head += [f"{k}: {v}" for k, v in self.headers.items()]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + self.body


class Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> "Connection":
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        """One request (already encoded) and its whole response: (status, body)."""
        assert self.reader and self.writer
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            body = b"".join(parts)
        else:
            body = b""
        if headers.get("connection", "").lower() == "close":
            await self.close()
            await self.open()
        return status, body

    async def close(self) -> None:
        if self.writer:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
            self.writer = None


@dataclass
class Run:
    """What one stretch of load measured."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return len(self.latencies)


async def timed(conn: Connection, raw: bytes, ok: tuple[int, ...]) -> tuple[float, int]:
    t0 = time.perf_counter()
    status, _ = await conn.send(raw)
    return time.perf_counter() - t0, status


async def load(host: str, port: int, make_raw, clients: int, seconds: float, ok: tuple[int, ...] = (200, 201)) -> Run:
    """`clients` connections each sending requests back to back for `seconds`.

    make_raw(i) returns the i-th request's bytes (a create gets a fresh title each time). Requests
    per second = requests answered / wall time; a request still running at the deadline is
    awaited and counted, so the time is taken when the last one ends."""
    conns = [await Connection(host, port).open() for _ in range(clients)]
    run = Run()
    counter = iter(range(10**9))

    async def client(conn: Connection) -> None:
        while time.perf_counter() < deadline:
            try:
                if conn.writer is None:
                    await conn.open()
                latency, status = await timed(conn, make_raw(next(counter)), ok)
            except (OSError, asyncio.IncompleteReadError):
                # A server that drops the connection (overloaded, crashed) is an error, counted as
                # status 0; the client reconnects and goes on.
                run.errors[0] = run.errors.get(0, 0) + 1
                await conn.close()
                await asyncio.sleep(0.05)
                continue
            if status in ok:
                run.latencies.append(latency)
            else:
                run.errors[status] = run.errors.get(status, 0) + 1

    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(client(c) for c in conns))
    run.seconds = time.perf_counter() - started
    for c in conns:
        await c.close()
    return run
