"""Bench 1: one chat turn over the websocket with the offline model.

300 turns (a script of add / list / resolve-and-complete / chat, a new conversation every 4
turns), timed from sending the message to turn.start, to the first delta and to turn.end:
- in-process: the real ASGI app (JWT auth middleware, router, ChatConsumer, ChatTurn, the agent
  runner, the offline model) through channels' WebsocketCommunicator; this is "server time";
- end-to-end: the same over a TCP websocket to a daphne process.
Target: p95 to turn.end under 40 ms of server time.
Run alone: `python -m bench.chat_turn` (BENCH_TURNS=n to change the count).
"""

from __future__ import annotations

import asyncio
import os
import time

from . import common

TURNS = int(os.environ.get("BENCH_TURNS", 300))
if os.environ.get("BENCH_QUICK"):
    TURNS = 60


def reset_user(username: str):
    from chat.models import Conversation
    from tasks.models import Task

    user = common.make_users(username, 1)[0]
    Task.objects.filter(owner=user).delete()
    Conversation.objects.filter(owner=user).delete()
    return user


async def drive(sock, turns: int) -> list[dict]:
    await sock.open()
    results = []
    conversation_id = None
    # Warm-up: first-use imports, the model, connections. Not counted.
    for text in common.TURN_SCRIPT:
        r = await common.run_turn(sock, text, conversation_id)
        conversation_id = r["conversation_id"]
    for i in range(turns):
        step = i % len(common.TURN_SCRIPT)
        if step == 0:
            conversation_id = None
        r = await common.run_turn(sock, common.TURN_SCRIPT[step], conversation_id)
        conversation_id = r["conversation_id"]
        r["text"] = common.TURN_SCRIPT[step]
        results.append(r)
    await sock.close()
    return results


def summarise(report: common.Report, where: str, results: list[dict]) -> dict:
    bad = [r for r in results if r["errors"] or r["status"] != "complete"]
    row = {"where": where, "turns": len(results), "failed": len(bad)}
    for key in ("start", "first_delta", "end"):
        s = common.summary_ms([r[key] for r in results if r[key] is not None])
        row[f"{key}_p50"] = s.get("p50")
        row[f"{key}_p95"] = s.get("p95")
    row["end_max"] = common.summary_ms([r["end"] for r in results if r["end"] is not None]).get("max")
    report.row("turn latency (ms)", **row)
    per_text = {}
    for text in common.TURN_SCRIPT:
        ends = [r["end"] for r in results if r["text"] == text and r["end"] is not None]
        per_text[text] = common.summary_ms(ends)
        report.row(f"turn.end by message, {where} (ms)", message=text, p50=per_text[text].get("p50"),
                   p95=per_text[text].get("p95"), tools=max((r["tools"] for r in results if r["text"] == text), default=0))
    if bad:
        report.note(f"{where}: {len(bad)} turns failed, e.g. {bad[0]['errors']} status={bad[0]['status']}")
    return row


def main() -> common.Report:
    common.setup()
    report = common.Report("chat_turn", f"Bench 1: chat turn over the websocket, offline model, {TURNS} turns")

    user = reset_user("bench-chat-turn")
    token = common.access_token(user)
    # Loaded before the CPU clock starts: importing the app (Django, the agents SDK) took about 2 s
    # of CPU, which was counted into the in-process CPU per turn (about 7 ms of it per turn).
    import todo_project.asgi  # noqa: F401
    cpu0 = time.process_time()
    inproc = asyncio.run(drive(common.InProcessSocket(token), TURNS))
    # CPU per turn does not grow when other work shares the machine; wall-clock latency does.
    cpu_in = (time.process_time() - cpu0) * 1000 / (TURNS + len(common.TURN_SCRIPT))
    row_in = summarise(report, "in-process", inproc)

    user = reset_user("bench-chat-turn")
    with common.Daphne(log_name="chat_turn") as daphne:
        cpu0 = daphne.cpu_seconds()
        over_tcp = asyncio.run(drive(common.NetworkSocket(daphne.ws_url, token), TURNS))
        cpu_net = (daphne.cpu_seconds() - cpu0) * 1000 / (TURNS + len(common.TURN_SCRIPT))
    row_net = summarise(report, "daphne (TCP)", over_tcp)
    report.row("CPU per turn (ms)", in_process_incl_client=round(cpu_in, 1), daphne_process=round(cpu_net, 1))

    report.target("p95 to turn.end, in-process server time", row_in["end_p95"], 40, " ms")
    report.target("turns failed (in-process + daphne)", row_in["failed"] + row_net["failed"], 0)
    report.note("times from sending the message frame; in-process = server time (no network, no daphne)")
    report.write()
    return report


if __name__ == "__main__":
    main()
