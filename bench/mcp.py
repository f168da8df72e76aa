"""Bench 6: the MCP door against the REST API, the same operations in the same run.

One daphne; one keep-alive HTTP connection per door; samples interleaved (MCP, REST, MCP, ...) so
both see the same machine. `tools/call list_tasks` (pending, first page) against
`GET /api/tasks/?completed=false&limit=50`, and `tools/call add_task` (one task) against
`POST /api/tasks/`; the MCP calls use a personal access token, REST a JWT, on a user with 50
pending tasks. Target: each MCP p95 within 1.5x of the REST p95.
Run alone: `python -m bench.mcp` (BENCH_MCP_N samples per operation and door, default 300).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import time

from . import common

SAMPLES = int(os.environ.get("BENCH_MCP_N", 300))
if os.environ.get("BENCH_QUICK"):
    SAMPLES = 60
WARMUP = 20
RATIO = 1.5


def _request(conn: http.client.HTTPConnection, method: str, path: str, body: dict | None, headers: dict) -> tuple[float, dict]:
    t0 = time.perf_counter()
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    elapsed = time.perf_counter() - t0
    assert response.status in (200, 201), (path, response.status, raw[:300])
    return elapsed, json.loads(raw)


def main() -> common.Report:
    common.setup()
    os.environ["MCP_RATE"] = "1000000/min"
    report = common.Report("mcp", "Bench 6: MCP tools/call vs the same operation over REST")
    from mcp_door.services import token_create
    from tasks.models import Task
    from tasks.services import task_create

    user = common.make_users("bench-mcp", 1)[0]
    Task.objects.filter(owner=user).delete()
    for i in range(50):
        task_create(owner=user, title=f"Pending task {i}")
    _token, secret = token_create(owner=user, name="bench")
    jwt = common.access_token(user)

    # A port the OS picks: on a shared machine another run's daphne may take the bench range's first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with common.Daphne(port=port, log_name="mcp") as daphne:
        mcp = http.client.HTTPConnection("127.0.0.1", daphne.port, timeout=30)
        rest = http.client.HTTPConnection("127.0.0.1", daphne.port, timeout=30)
        mcp_headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json",
                       "Accept": "application/json, text/event-stream", "Host": "127.0.0.1"}
        rest_headers = {"Authorization": f"Bearer {jwt}", "Content-Type": "application/json", "Host": "127.0.0.1"}

        def mcp_call(name: str, arguments: dict) -> float:
            rpc = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
            elapsed, answer = _request(mcp, "POST", "/mcp", rpc, mcp_headers)
            assert not answer["result"].get("isError"), answer
            return elapsed

        operations = {
            "list_tasks": (lambda: mcp_call("list_tasks", {"status": "pending"}),
                           lambda: _request(rest, "GET", "/api/tasks/?completed=false&limit=50", None, rest_headers)[0]),
            "add_task": (lambda i: mcp_call("add_task", {"tasks": [{"title": f"MCP task {i}"}]}),
                         lambda i: _request(rest, "POST", "/api/tasks/", {"title": f"REST task {i}"}, rest_headers)[0]),
        }
        for name, (over_mcp, over_rest) in operations.items():
            times: dict[str, list[float]] = {"mcp": [], "rest": []}
            for i in range(SAMPLES + WARMUP):
                takes_index = name == "add_task"
                m = over_mcp(i) if takes_index else over_mcp()
                r = over_rest(i) if takes_index else over_rest()
                if i >= WARMUP:
                    times["mcp"].append(m)
                    times["rest"].append(r)
            s_mcp, s_rest = common.summary_ms(times["mcp"]), common.summary_ms(times["rest"])
            report.row("latency (ms, one keep-alive connection per door)", operation=name, samples=SAMPLES,
                       mcp_p50=s_mcp["p50"], mcp_p95=s_mcp["p95"], rest_p50=s_rest["p50"], rest_p95=s_rest["p95"],
                       p95_ratio=round(s_mcp["p95"] / s_rest["p95"], 2))
            report.target(f"{name}: MCP p95 / REST p95", round(s_mcp["p95"] / s_rest["p95"], 2), RATIO, "x")
        mcp.close()
        rest.close()
    Task.objects.filter(owner=user).delete()
    report.write()
    return report


if __name__ == "__main__":
    main()
