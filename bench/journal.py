"""Bench 6: what the task change journal costs, and how fast undo is.

1. Task writes through the API (create, update, complete, delete), each timed, in alternating
   blocks with the journal on and off in the same process (off: tasks.journal's two writers are
   replaced by no-ops, which is all the journal adds to a write). Target: p95 with <= 1.25x without.
2. Undo of a chat turn that deleted 100 tasks, through POST /api/chat/turns/{message_id}/undo/.
   Target: p95 < 100 ms on PostgreSQL.

Both run in-process through Django's test client (the whole request path: middleware, JWT auth,
DRF, services, the commit and its tasks.changed announcement), not over a socket, so the figures
are the server's own time.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

from . import common

BLOCKS = 20  # alternating journal on / off
ROUNDS_PER_BLOCK = 10  # create + update + complete + delete each
UNDO_SAMPLES = 40
UNDO_TASKS = 100
OPS = ("create", "update", "complete", "delete")


@contextmanager
def journal_off():
    from tasks import journal

    saved = journal.record, journal.record_many
    journal.record = lambda **kwargs: None
    journal.record_many = lambda changes: None
    try:
        yield
    finally:
        journal.record, journal.record_many = saved


def _client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {common.access_token(user)}")
    return client


def _round(client, times: dict[str, list[float]]) -> None:
    def timed(op: str, call):
        t0 = time.perf_counter()
        response = call()
        times[op].append(time.perf_counter() - t0)
        assert response.status_code < 300, (op, response.status_code, response.content[:300])
        return response

    task = timed("create", lambda: client.post("/api/tasks/", {"title": "Bench write", "priority": "high"}, format="json")).json()
    url = f"/api/tasks/{task['id']}/"
    timed("update", lambda: client.patch(url, {"title": "Bench write, renamed", "due_date": "2027-03-01"}, format="json"))
    timed("complete", lambda: client.patch(url, {"completed": True}, format="json"))
    timed("delete", lambda: client.delete(url))


def bench_writes(report: common.Report, user) -> None:
    client = _client(user)
    with_j: dict[str, list[float]] = {op: [] for op in OPS}
    without: dict[str, list[float]] = {op: [] for op in OPS}
    for _ in range(3):  # warm-up: connection, caches, first-request imports
        _round(client, {op: [] for op in OPS})
    for block in range(BLOCKS):
        on = block % 2 == 0
        for _ in range(ROUNDS_PER_BLOCK):
            if on:
                _round(client, with_j)
            else:
                with journal_off():
                    _round(client, without)
    all_with = [t for op in OPS for t in with_j[op]]
    all_without = [t for op in OPS for t in without[op]]
    for op in (*OPS, "all writes"):
        a = common.summary_ms(all_with if op == "all writes" else with_j[op])
        b = common.summary_ms(all_without if op == "all writes" else without[op])
        report.row(
            "API write latency (ms), journal on vs off",
            op=op, n=a["n"], with_p50=a["p50"], with_p95=a["p95"], without_p50=b["p50"], without_p95=b["p95"],
            ratio_p95=round(a["p95"] / b["p95"], 3),
        )
    a, b = common.summary_ms(all_with), common.summary_ms(all_without)
    report.target("write p95 with the journal / without (create, update, complete, delete)", round(a["p95"] / b["p95"], 3), 1.25, "x")


def bench_undo(report: common.Report, user) -> None:
    from chat.models import Conversation, Message
    from tasks import services
    from tasks.journal import ChangeSource
    from tasks.models import Door, Task

    Task.objects.filter(owner=user).delete()
    for i in range(UNDO_TASKS):
        services.task_create(owner=user, title=f"Undo bench task {i}", description="x" * 40, priority="low")
    conversation = Conversation.objects.create(owner=user, title="undo bench")
    client = _client(user)
    times: list[float] = []
    for i in range(UNDO_SAMPLES + 2):
        reply = Message.objects.create(conversation=conversation, role="assistant", content="Deleted them all.")
        turn = ChangeSource.for_turn(door=Door.CHAT, message_id=reply.pk)
        deleted = services.task_delete_all(user=user, source=turn)
        assert len(deleted) == UNDO_TASKS
        t0 = time.perf_counter()
        response = client.post(f"/api/chat/turns/{reply.pk}/undo/")
        elapsed = time.perf_counter() - t0
        assert response.status_code == 200, response.content[:300]
        assert Task.objects.filter(owner=user).count() == UNDO_TASKS
        if i >= 2:  # warm-up
            times.append(elapsed)
    s = common.summary_ms(times)
    report.row("undo of a turn that deleted 100 tasks (ms)", n=s["n"], p50=s["p50"], p95=s["p95"], max=s["max"])
    on_pg = common.backend().startswith("postgres")
    report.target("undo of a 100-deletion turn, p95" + ("" if on_pg else " (SQLite; the target is for PostgreSQL)"), s["p95"], 100, " ms")


def main() -> common.Report:
    common.setup()
    report = common.Report("journal", "Bench 6: task change journal cost and undo of a turn")
    from tasks.models import Task, TaskChange

    user = common.make_users("bench-journal", 1)[0]
    Task.objects.filter(owner=user).delete()
    TaskChange.objects.filter(owner=user).delete()
    bench_writes(report, user)
    bench_undo(report, user)
    report.write()
    return report


if __name__ == "__main__":
    main()
