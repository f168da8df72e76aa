"""Bench 4: many websockets on daphne, turns arriving at rising rates.

500 connections (one user each, JWT) are opened on one daphne process; the resident memory of
the process before and after opening them gives the cost of an idle connection. Then turns
arrive on idle connections at a fixed rate for a few seconds per stage, rising until a stage
misses (p95 turn over 250 ms, or any error, or any lost frame). Every turn must show turn.start,
at least one delta and turn.end, in order. Then the same with two daphne processes sharing the
Redis channel layer (connections split between them). The load generator runs on the same
machine (127.0.0.1 only) and takes CPU from the server: the figures are a floor.
Targets: at least 25 turns/s held on one process; under 100 KB per idle connection.
Run alone: `python -m bench.concurrency` (BENCH_CONNECTIONS, BENCH_RATES, BENCH_STAGE_S).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import uuid

from . import common

CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 500))
RATES = [int(r) for r in os.environ.get("BENCH_RATES", "5,10,15,20,25,30,35,40,50,60,70,80,100").split(",")]
STAGE_S = float(os.environ.get("BENCH_STAGE_S", 8))
P95_LIMIT_MS = 250
if os.environ.get("BENCH_QUICK"):
    CONNECTIONS, STAGE_S = min(CONNECTIONS, 200), 4


class Conn:
    """One client websocket with a reader task; at most one turn at a time, like a person."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token
        self.ws = None
        self.turn: dict | None = None
        self.done: asyncio.Event = asyncio.Event()
        self.conversation_id = None
        self.step = 0
        self.anomalies: list[str] = []
        self.tasks_changed = 0

    async def open(self) -> None:
        import websockets

        self.ws = await websockets.connect(
            self.url, subprotocols=common.ws_subprotocols(self.token), open_timeout=120,
            ping_interval=None, max_queue=None, compression=None,
        )
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                now = time.perf_counter()
                if kind == "tasks.changed":
                    self.tasks_changed += 1
                    continue
                if kind == "conversations.changed":
                    # Sent to every socket of the user when a turn renames or adds a conversation
                    # (its other tabs' lists): not part of this socket's turn.
                    continue
                turn = self.turn
                if turn is None:
                    self.anomalies.append(f"frame outside a turn: {kind}")
                    continue
                turn["frames"].append(kind)
                if kind == "turn.start":
                    turn["start"] = now - turn["sent"]
                    self.conversation_id = frame.get("conversation_id")
                elif kind == "delta" and turn.get("first_delta") is None:
                    turn["first_delta"] = now - turn["sent"]
                elif kind == "error":
                    turn["errors"].append(frame.get("code"))
                    if "turn.start" not in turn["frames"]:
                        self._finish(now)
                elif kind == "turn.end":
                    turn["status"] = frame.get("status")
                    self._finish(now)
        except Exception as exc:  # noqa: BLE001 - a dropped connection is a result, not a crash
            self.anomalies.append(f"connection lost: {exc!r}")
            if self.turn is not None:
                self.turn["errors"].append("connection_lost")
                self._finish(time.perf_counter())

    def _finish(self, now: float) -> None:
        self.turn["end"] = now - self.turn["sent"]
        self.turn = None
        self.done.set()

    @property
    def idle(self) -> bool:
        return self.turn is None

    async def send_turn(self, results: list[dict]) -> None:
        text = common.TURN_SCRIPT[self.step % len(common.TURN_SCRIPT)]
        if self.step % len(common.TURN_SCRIPT) == 0:
            self.conversation_id = None
        self.step += 1
        turn = {"sent": time.perf_counter(), "frames": [], "errors": [], "status": None, "end": None,
                "start": None, "first_delta": None, "text": text}
        self.turn = turn
        self.done.clear()
        results.append(turn)
        await self.ws.send(json.dumps({"type": "message", "text": text, "conversation_id": self.conversation_id,
                                       "client_id": uuid.uuid4().hex}))

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


def turn_ok(turn: dict) -> bool:
    frames = turn["frames"]
    return (
        not turn["errors"] and turn["status"] == "complete" and frames[:1] == ["turn.start"]
        and frames[-1:] == ["turn.end"] and "delta" in frames
    )


async def open_all(urls: list[str], tokens: list[str]) -> list[Conn]:
    conns = [Conn(urls[i % len(urls)], tokens[i]) for i in range(len(tokens))]
    for i in range(0, len(conns), 50):  # in batches: a 500-wide handshake storm tests the backlog, not us
        await asyncio.gather(*(c.open() for c in conns[i:i + 50]))
    return conns


async def stage(conns: list[Conn], rate: int, seconds: float) -> dict:
    results: list[dict] = []
    backlog = 0
    start = time.perf_counter()
    total = int(rate * seconds)
    rng = random.Random(rate)
    for n in range(total):
        # Evenly spaced arrivals; a late loop catches up rather than drifting.
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        idle = [c for c in conns if c.idle]
        if not idle:
            backlog += 1
            continue
        await rng.choice(idle).send_turn(results)
    sent_for = time.perf_counter() - start
    deadline = time.perf_counter() + 15
    while any(t["end"] is None for t in results) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    lost = [t for t in results if t["end"] is None]
    ok = [t for t in results if t["end"] is not None and turn_ok(t)]
    bad = [t for t in results if t["end"] is not None and not turn_ok(t)]
    s = common.summary_ms([t["end"] for t in results if t["end"] is not None])
    return {
        "rate": rate, "sent": len(results), "ok": len(ok), "errors": len(bad), "lost": len(lost),
        "no_idle_conn": backlog, "sent_per_s": round(len(results) / sent_for, 1),
        "p50": s.get("p50"), "p95": s.get("p95"), "max": s.get("max"),
        "error_codes": sorted({c for t in bad for c in t["errors"]} | ({"missing frames"} if any(not t["errors"] and t["status"] == "complete" for t in bad) else set())),
    }


async def scenario(report: common.Report, label: str, daphnes: list[common.Daphne], tokens: list[str]) -> dict:
    urls = [d.ws_url for d in daphnes]
    # Warm-up: load the model and agent code in every process, then measure idle memory.
    for d in daphnes:
        warm = common.NetworkSocket(d.ws_url, tokens[0])
        await warm.open()
        conv = None
        for text in common.TURN_SCRIPT:
            conv = (await common.run_turn(warm, text, conv))["conversation_id"]
        await warm.close()
    await asyncio.sleep(1)
    before = [d.rss_kb() for d in daphnes]
    t0 = time.perf_counter()
    conns = await open_all(urls, tokens)
    open_s = time.perf_counter() - t0
    await asyncio.sleep(3)
    after = [d.rss_kb() for d in daphnes]
    per_conn_kb = (sum(after) - sum(before)) / len(conns)
    report.row("memory", setup=label, connections=len(conns), open_s=round(open_s, 1),
               rss_before_mb=round(sum(before) / 1024, 1), rss_after_mb=round(sum(after) / 1024, 1),
               kb_per_idle_conn=round(per_conn_kb, 1))

    held = 0
    for rate in RATES:
        cpu0 = sum(d.cpu_seconds() for d in daphnes)
        row = await stage(conns, rate, STAGE_S)
        # Server CPU per completed turn: what caps the rate on this machine, whatever else runs on it.
        row["server_cpu_ms_per_turn"] = round((sum(d.cpu_seconds() for d in daphnes) - cpu0) * 1000 / max(1, row["ok"] + row["errors"]), 1)
        row["error_codes"] = ",".join(row["error_codes"]) or "-"
        report.row("rising rate", setup=label, **row)
        passed = row["errors"] == 0 and row["lost"] == 0 and row["p95"] is not None and row["p95"] <= P95_LIMIT_MS
        if not passed:
            break
        held = rate
    if held == RATES[-1]:
        report.note(f"{label}: held every rate tried, up to {held} turns/s; its ceiling is higher (BENCH_RATES)")
    anomalies = [a for c in conns for a in c.anomalies]
    if anomalies:
        report.note(f"{label}: {len(anomalies)} connection anomalies, e.g. {anomalies[0]}")
    for c in conns:
        await c.close()
    return {"held": held, "kb_per_conn": per_conn_kb, "anomalies": len(anomalies)}


def reset_users(count: int) -> list:
    from chat.models import Conversation
    from tasks.models import Task

    users = common.make_users("bench-conc", count)
    ids = [u.pk for u in users]
    Task.objects.filter(owner_id__in=ids).delete()
    Conversation.objects.filter(owner_id__in=ids).delete()
    return users


def main() -> common.Report:
    common.setup()
    common.raise_fd_limit(4 * CONNECTIONS + 1024)
    report = common.Report("concurrency", f"Bench 4: {CONNECTIONS} websockets, rising turn rates")
    tokens = [common.access_token(u) for u in reset_users(CONNECTIONS)]

    with common.Daphne(log_name="concurrency-1") as d1:
        one = asyncio.run(scenario(report, "1 process", [d1], tokens))
    report.target("1 process: highest rate held (p95<=250ms, no errors/loss)", one["held"], 25, " turns/s", higher_is_better=True)
    report.target("1 process: memory per idle connection", round(one["kb_per_conn"], 1), 100, " KB")

    if common.backend().startswith("postgresql") and os.environ.get("REDIS_URL"):
        reset_users(CONNECTIONS)
        with common.Daphne(log_name="concurrency-2a") as d1, common.Daphne(log_name="concurrency-2b") as d2:
            two = asyncio.run(scenario(report, "2 processes + Redis", [d1, d2], tokens))
        report.target("2 processes: highest rate held", two["held"], 25, " turns/s", higher_is_better=True)
        report.target("2 processes: memory per idle connection", round(two["kb_per_conn"], 1), 100, " KB")
    else:
        report.note("two-process run skipped: needs REDIS_URL (and PostgreSQL) for a shared channel layer")
    report.note(f"stages of {STAGE_S:g} s; a stage passes with p95 turn.end <= {P95_LIMIT_MS} ms, zero error frames, "
                "zero lost frames; the client shares the 2 CPUs with the server")
    report.write()
    return report


if __name__ == "__main__":
    main()
