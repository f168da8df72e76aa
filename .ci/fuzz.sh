#!/usr/bin/env bash
# Fuzzes the HTTP API from its own OpenAPI schema with Schemathesis, against a live daphne on a
# fresh migrated database with two registered users. Exits non-zero on any failed check.
#   FUZZ_MAX_EXAMPLES  cases per operation and phase (default from .ci/schemathesis.toml)
#   DATABASE_URL       optional; default is a throwaway SQLite file
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
WORK="$(mktemp -d)"
DAPHNE_PID=""
cleanup() {
  if [ -n "$DAPHNE_PID" ]; then kill "$DAPHNE_PID" 2>/dev/null || true; wait "$DAPHNE_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The server runs like production (DEBUG off) but over plain HTTP on loopback.
export DEBUG=false SECRET_KEY="fuzz-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')-secret-key-long-enough"
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=false SECURE_PROXY_SSL_HEADER=false
export SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0
export AGENT_MODEL=local OPENAI_AGENTS_DISABLE_TRACING=1 LOG_LEVEL=WARNING JWT_ACCESS_MINUTES=60
# Throttles stay on (a 429 is documented and checked) but high enough that the logic behind them is fuzzed.
export AUTH_RATE=2000/min CHAT_RATE=2000/min
export DATABASE_URL="${FUZZ_DATABASE_URL:-sqlite:///$WORK/fuzz.sqlite3}"
export WHITENOISE_USE_FINDERS=true

$PY manage.py migrate --noinput -v0

# Two users with tokens minted directly (the login endpoint is throttled, and it is fuzzed too).
FUZZ_AUTH_FILE="$WORK/auth.json" $PY - <<'PYEOF'
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")
django.setup()
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.tokens import RefreshToken
from tasks import services

entries = []
for name in ("alice", "bob"):
    user = get_user_model().objects.create_user(username=f"fuzz-{name}", password=f"{name}-Fuzz-pass-9137")
    # A few tasks each, so reads by id have something real to find (and to leak, if they could).
    for i in range(3):
        services.task_create(owner=user, title=f"{name} task {i}", description=f"{name}'s private note {i}")
    access = str(RefreshToken.for_user(user).access_token)
    entries.append({"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {access}"}]})
with open(os.environ["FUZZ_AUTH_FILE"], "w") as fh:
    json.dump({"schemaVersion": "0.2.0", "auth": entries}, fh)
# /api/{user_id}/chat answers 404 unless user_id is the caller's: give the fuzzer alice's id.
alice = get_user_model().objects.get(username="fuzz-alice")
with open(os.environ["FUZZ_AUTH_FILE"] + ".alice_id", "w") as fh:
    fh.write(str(alice.pk))
# And an agent turn of alice's that changed tasks, so /api/chat/turns/{message_id}/undo/ is
# reached for real (undo, then 409s and redo as the fuzzer repeats it; bob's replays stay 404).
from chat.models import Conversation, Message
from tasks.journal import ChangeSource
from tasks.models import Door
reply = Message.objects.create(conversation=Conversation.objects.create(owner=alice, title="fuzz"), role="assistant", content="Added it.")
turn = ChangeSource.for_turn(door=Door.CHAT, message_id=reply.pk)
services.task_delete(user=alice, task_id=services.task_create(owner=alice, title="alice turn task", source=turn).pk, source=turn)
with open(os.environ["FUZZ_AUTH_FILE"] + ".alice_turn", "w") as fh:
    fh.write(str(reply.pk))
PYEOF
export FUZZ_ALICE_ID="$(cat "$WORK/auth.json.alice_id")"
export FUZZ_ALICE_TURN_ID="$(cat "$WORK/auth.json.alice_turn")"

PORT="$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
.venv/bin/daphne -b 127.0.0.1 -p "$PORT" --websocket-max-message-size 65536 todo_project.asgi:application \
  >"$WORK/daphne.log" 2>&1 &
DAPHNE_PID=$!
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$PORT/health/" >/dev/null 2>&1 && break
  if ! kill -0 "$DAPHNE_PID" 2>/dev/null; then
    echo "daphne did not start:"; cat "$WORK/daphne.log"; exit 1
  fi
  sleep 0.2
done

EXTRA=()
[ -n "${FUZZ_MAX_EXAMPLES:-}" ] && EXTRA+=(--max-examples "$FUZZ_MAX_EXAMPLES")
status=0
# Hypothesis keeps caches in ./.hypothesis by default; keep the checkout clean.
HYPOTHESIS_STORAGE_DIRECTORY="$WORK/hypothesis" FUZZ_AUTH_FILE="$WORK/auth.json" .venv/bin/schemathesis --config-file .ci/schemathesis.toml run \
  "http://127.0.0.1:$PORT/api/schema/?format=json" --url "http://127.0.0.1:$PORT" \
  --report junit --report-dir "${FUZZ_REPORT_DIR:-$WORK/report}" "${EXTRA[@]}" "$@" || status=$?
if [ "$status" -ne 0 ]; then
  # Server-side tracebacks explain the 5xx the fuzzer reported.
  echo "---- server errors (distinct) ----"
  $PY - "$WORK/daphne.log" <<'PYEOF'
import json, sys
seen = {}
for line in open(sys.argv[1], errors="replace"):
    if not line.startswith("{"):
        continue
    try:
        record = json.loads(line)
    except ValueError:
        continue
    if record.get("level") != "ERROR":
        continue
    trace = (record.get("exc_info") or "").strip().splitlines()
    frames = [l.strip() for l in trace if l.strip().startswith('File "/work') and "/.venv/" not in l]
    key = (record.get("message"), trace[-1] if trace else "", frames[-1] if frames else "")
    seen[key] = seen.get(key, 0) + 1
for (message, last, frame), count in seen.items():
    print(f"{count:4d}x {message}\n      {frame}\n      {last}")
PYEOF
fi
[ -n "${FUZZ_REPORT_DIR:-}" ] && cp "$WORK/daphne.log" "$FUZZ_REPORT_DIR/daphne.log"
exit "$status"
