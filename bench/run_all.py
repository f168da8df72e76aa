"""`make bench`: every benchmark in its own process, then one table of every target.

Each benchmark also runs alone: `python -m bench.<name>`. A benchmark that crashes is reported
and the others still run. BENCH_ONLY=task_api,chat_turn picks some.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from . import common

BENCHES = [
    ("task_api", "3. task list API, 1,000,000 rows"),
    ("chat_turn", "1. chat turn over the websocket"),
    ("chat_scaling", "2. turn cost as data grows"),
    ("concurrency", "4. 500 websockets, rising rates"),
    ("live_updates", "5. live update across processes"),
    ("mcp", "6. MCP tools/call vs REST"),
    ("journal", "7. task change journal cost and undo"),
    ("peer", "8. side by side with the FastAPI + SQLModel peer"),
]


def main() -> int:
    only = {b for b in os.environ.get("BENCH_ONLY", "").split(",") if b}
    chosen = [(name, title) for name, title in BENCHES if not only or name in only]
    print(f"Benchmarks on {common.backend()} "
          f"({'DATABASE_URL/REDIS_URL set' if common.backend().startswith('postgres') else 'no DATABASE_URL: SQLite + in-memory layer'})")
    started = time.perf_counter()
    outcome = {}
    for name, title in chosen:
        print(f"\n######## {title}  (python -m bench.{name})", flush=True)
        t0 = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=common.ROOT)
        outcome[name] = (result.returncode, time.perf_counter() - t0)

    targets, runs = [], []
    for name, _ in chosen:
        path = common.RESULTS / f"{name}.json"
        code, seconds = outcome[name]
        if code == 0 and path.exists():
            data = json.loads(path.read_text())
            targets += data["targets"]
            speed = data.get("python_speed_ms", {})
            runs.append({"bench": name, "status": "ok", "seconds": round(seconds, 1),
                         "machine_speed_ms": f"{speed.get('before')} -> {speed.get('after')}"})
        else:
            runs.append({"bench": name, "status": f"crashed ({code})", "seconds": round(seconds, 1)})
            targets.append({"bench": name, "what": "benchmark ran", "value": None, "target": "exit 0", "met": False})
    total = time.perf_counter() - started
    (common.RESULTS / "summary.json").write_text(
        json.dumps({"backend": common.backend(), "runtime_s": round(total, 1), "runs": runs, "targets": targets}, indent=2)
    )
    print(f"\n======== make bench summary ({common.backend()}, {total / 60:.1f} min) ========")
    common.print_table(runs, title="runs")
    common.print_targets(targets)
    met = sum(1 for t in targets if t["met"])
    print(f"\n  {met}/{len(targets)} targets met; JSON in bench/results/ (summary.json + one file per benchmark)")
    # Figures, not a test: exit non-zero only when a benchmark itself crashed.
    return 0 if all(code == 0 for code, _ in outcome.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
