"""Bench 2: what a chat turn costs as the user's data grows.

Conversation history of 1, 100, 1,000 and 10,000 messages (with 10 tasks), and task lists of
10, 1,000 and 100,000 tasks (with a 1-message history). For each, the turn script (add / list /
resolve-and-complete / chat) runs in-process through the real ASGI app, counting SQL statements
per turn in every thread, and again over TCP to daphne for end-to-end time.
Targets: queries per turn constant (no N+1), time per turn within 1.5x from smallest to largest.
Run alone: `python -m bench.chat_scaling`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections import defaultdict
from datetime import timedelta

from . import common

HISTORY_SIZES = [1, 100, 1_000, 10_000]
TASK_SIZES = [10, 1_000, 100_000]
CYCLES_INPROC = int(os.environ.get("BENCH_SCALE_CYCLES", 8))  # x4 turns
CYCLES_NET = int(os.environ.get("BENCH_SCALE_NET_CYCLES", 4))
if os.environ.get("BENCH_QUICK"):
    CYCLES_INPROC, CYCLES_NET = 3, 2
BULK_PREFIX = "Bulk task"
NOUNS = ["report", "dentist", "invoice", "garden", "taxes", "car", "slides", "tickets", "kitchen", "budget"]


def prepare(history: int, tasks: int):
    """A user with `tasks` tasks and one conversation of `history` messages. Returns (user, conversation_id).

    The bulk tasks are kept between runs (100,000 take a few seconds to write); what the turns
    added last time is removed."""
    from django.utils import timezone

    from chat.models import Conversation, Message
    from tasks.models import Task

    user = common.make_users(f"bench-scale-h{history}-t{tasks}", 1)[0]
    Task.objects.filter(owner=user).exclude(title__startswith=BULK_PREFIX).delete()
    if Task.objects.filter(owner=user).count() != tasks:
        Task.objects.filter(owner=user).delete()
        today = timezone.localdate()
        batch = []
        for i in range(tasks):
            batch.append(Task(
                owner=user, title=f"{BULK_PREFIX} {i} {NOUNS[i % len(NOUNS)]}",
                description="" if i % 2 else f"Notes on {NOUNS[i % len(NOUNS)]}",
                completed=i % 3 == 0, priority=("low", "medium", "high")[i % 3],
                due_date=None if i % 5 == 0 else today + timedelta(days=(i % 90) - 45),
            ))
            if len(batch) == 5000:
                Task.objects.bulk_create(batch)
                batch = []
        Task.objects.bulk_create(batch)
        common.vacuum_analyze("tasks_task")
    Conversation.objects.filter(owner=user).delete()
    conv = Conversation.objects.create(owner=user, title="Long conversation")
    Message.objects.bulk_create(
        [
            Message(conversation=conv, role="user" if i % 2 == 0 else "assistant",
                    content=f"Earlier message {i} about the {NOUNS[i % len(NOUNS)]}")
            for i in range(history)
        ],
        batch_size=5000,
    )
    return user, conv.id


async def drive(sock, conversation_id: int, cycles: int, counter: common.QueryCounter | None) -> list[dict]:
    await sock.open()
    for text in common.TURN_SCRIPT:  # warm-up, not counted
        await common.run_turn(sock, text, conversation_id)
    results = []
    if counter:
        counter.take()
    for _ in range(cycles):
        for text in common.TURN_SCRIPT:
            r = await common.run_turn(sock, text, conversation_id)
            r["text"] = text
            if counter:
                r["queries"] = len(counter.take())
            results.append(r)
    await sock.close()
    return results


def main() -> common.Report:
    common.setup()
    report = common.Report("chat_scaling", "Bench 2: turn cost as history and task list grow")
    configs = [(h, 10) for h in HISTORY_SIZES] + [(1, t) for t in TASK_SIZES if t != 10]

    prepared = {}
    for history, tasks in configs:
        prepared[(history, tasks)] = prepare(history, tasks)
    from django.db import connection

    with connection.cursor() as cur:
        # Planner statistics, as autovacuum would have them for tables that grew over time; right
        # after a bulk load PostgreSQL thinks a conversation has a handful of messages.
        cur.execute("ANALYZE")

    # Opening a conversation reads one page of it, however long it is (not a target; shown so a
    # regression to "every message" would be seen).
    from django.test import Client

    for history in HISTORY_SIZES:
        user, conv_id = prepared[(history, 10)]
        client = Client(HTTP_AUTHORIZATION=f"Bearer {common.access_token(user)}")
        path = f"/api/conversations/{conv_id}/"
        times, response = [], None
        for i in range(25):
            t0 = time.perf_counter()
            response = client.get(path)
            if i >= 5:  # the first few warm up
                times.append(time.perf_counter() - t0)
        body = response.json()
        s_open = common.summary_ms(times)
        report.row(
            "open the conversation (GET /api/conversations/{id}/)",
            history=f"{history:,}", messages_returned=len(body["messages"]), earlier=body["earlier_messages"],
            kb=round(len(response.content) / 1024, 1), ms_p50=s_open["p50"], ms_p95=s_open["p95"],
        )

    per_config = {}
    with common.QueryCounter() as counter:
        for (history, tasks), (user, conv_id) in prepared.items():
            token = common.access_token(user)
            counter.active = True
            results = asyncio.run(drive(common.InProcessSocket(token), conv_id, CYCLES_INPROC, counter))
            counter.active = False
            per_config[(history, tasks)] = {"inproc": results}

    with common.Daphne(log_name="chat_scaling") as daphne:
        for (history, tasks), (user, conv_id) in prepared.items():
            token = common.access_token(user)
            per_config[(history, tasks)]["net"] = asyncio.run(
                drive(common.NetworkSocket(daphne.ws_url, token), conv_id, CYCLES_NET, None)
            )

    queries_by_text: dict[str, set[int]] = defaultdict(set)
    p50s = {}
    for (history, tasks), data in per_config.items():
        inproc, net = data["inproc"], data["net"]
        failed = sum(1 for r in inproc + net if r["errors"] or r["status"] != "complete")
        q = [r["queries"] for r in inproc]
        by_text = {}
        for text in common.TURN_SCRIPT:
            counts = sorted({r["queries"] for r in inproc if r["text"] == text})
            queries_by_text[text].update(counts)
            by_text[text] = counts
        s_in = common.summary_ms([r["end"] for r in inproc])
        s_net = common.summary_ms([r["end"] for r in net])
        p50s[(history, tasks)] = s_in["p50"]
        report.row(
            "per turn",
            history=history, tasks=tasks, turns=len(inproc), failed=failed,
            queries_median=statistics.median(q), queries_min=min(q), queries_max=max(q),
            **{f"q[{t.split()[0].lower()}]": "/".join(map(str, c)) for t, c in by_text.items()},
            ms_p50=s_in["p50"], ms_p95=s_in["p95"], net_ms_p50=s_net["p50"], net_ms_p95=s_net["p95"],
        )
        if failed:
            bad = next(r for r in inproc + net if r["errors"] or r["status"] != "complete")
            report.note(f"h={history} t={tasks}: {failed} failed turns, e.g. {bad['errors']} status={bad['status']}")

    varying = {t: sorted(c) for t, c in queries_by_text.items() if len(c) > 1}
    report.target("messages whose query count varies with size", len(varying), 0)
    if varying:
        report.note(f"query counts that vary by size: {varying}")
    base = p50s[(1, 10)]
    hist_ratio = max(p50s[(h, 10)] for h in HISTORY_SIZES) / base
    task_ratio = max(p50s[(1, t)] for t in TASK_SIZES) / base
    report.target("turn p50, largest history / smallest", round(hist_ratio, 2), 1.5, "x")
    report.target("turn p50, largest task list / smallest", round(task_ratio, 2), 1.5, "x")
    report.note("ms = in-process server time to turn.end; net = over TCP to daphne; "
                "q[...] = SQL statements per turn for each message of the script (all threads)")
    report.write()
    return report


if __name__ == "__main__":
    main()
