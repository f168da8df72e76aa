"""Bench 5: live update latency across processes.

A task is changed through the API on daphne process 1 (PATCH over a keep-alive HTTP connection)
while the owner's websocket is open on daphne process 2; the time is from sending the request to
the `tasks.changed` frame arriving on the socket (through PostgreSQL commit, on_commit, the Redis
channel layer, process 2's consumer). Without REDIS_URL both ends are the same process (the
in-memory layer cannot cross processes); the result says which.
Target: p95 under 50 ms.
Run alone: `python -m bench.live_updates` (BENCH_LIVE_N samples, default 200).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import time

from . import common

SAMPLES = int(os.environ.get("BENCH_LIVE_N", 200))
if os.environ.get("BENCH_QUICK"):
    SAMPLES = 50


async def measure(api_port: int, ws_url: str, token: str, task_id: int) -> tuple[list[float], list[float], int]:
    sock = common.NetworkSocket(ws_url, token)
    await sock.open()
    conn = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Host": "127.0.0.1"}
    loop = asyncio.get_running_loop()

    def patch(title: str) -> float:
        conn.request("PATCH", f"/api/tasks/{task_id}/", body=json.dumps({"title": title}), headers=headers)
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
        return time.perf_counter()

    to_frame, to_response, missed = [], [], 0
    for i in range(SAMPLES + 5):
        title = f"Live update {i}"
        t0 = time.perf_counter()
        # The request runs in a thread so the socket is read while the API call is in flight.
        response_at = loop.run_in_executor(None, patch, title)
        try:
            while True:
                frame = await sock.recv(timeout=5)
                if frame.get("type") == "tasks.changed" and (frame.get("task") or {}).get("title") == title:
                    arrived = time.perf_counter()
                    break
        except asyncio.TimeoutError:
            missed += 1
            await response_at
            continue
        done = await response_at
        if i >= 5:  # warm-up
            to_frame.append(arrived - t0)
            to_response.append(done - t0)
    conn.close()
    await sock.close()
    return to_frame, to_response, missed


def main() -> common.Report:
    common.setup()
    report = common.Report("live_updates", "Bench 5: task change via API -> tasks.changed on another process")
    from tasks.models import Task
    from tasks.services import task_create

    user = common.make_users("bench-live", 1)[0]
    Task.objects.filter(owner=user).delete()
    task = task_create(owner=user, title="Live update target")
    token = common.access_token(user)

    cross = bool(os.environ.get("REDIS_URL"))
    if cross:
        with common.Daphne(log_name="live-1") as p1, common.Daphne(log_name="live-2") as p2:
            frame_s, resp_s, missed = asyncio.run(measure(p1.port, p2.ws_url, token, task.pk))
        where = "API on process 1, socket on process 2 (Redis layer)"
    else:
        with common.Daphne(log_name="live-1") as p1:
            frame_s, resp_s, missed = asyncio.run(measure(p1.port, p1.ws_url, token, task.pk))
        where = "one process (in-memory layer; no REDIS_URL)"
        report.note("no REDIS_URL: API and socket on the same daphne; the cross-process figure needs Redis")
    s_frame, s_resp = common.summary_ms(frame_s), common.summary_ms(resp_s)
    report.row("latency (ms, from sending the PATCH)", where=where, samples=len(frame_s), missed=missed,
               frame_p50=s_frame.get("p50"), frame_p95=s_frame.get("p95"), frame_max=s_frame.get("max"),
               response_p50=s_resp.get("p50"), response_p95=s_resp.get("p95"))
    report.target("p95 API change -> tasks.changed frame" + ("" if cross else " (single process)"), s_frame.get("p95"), 50, " ms")
    report.target("changes whose frame never arrived (5 s)", missed, 0)
    report.write()
    return report


if __name__ == "__main__":
    main()
