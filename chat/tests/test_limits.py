"""chat.limits on its own: the rate window, the one-turn lock and the daily token budget,
on whatever cache the settings give (local memory, or Redis when REDIS_URL is set)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chat import limits

from .limits_state import tokens_used_today, turn_running

ROOT = Path(__file__).resolve().parents[2]


def test_the_rate_limit_allows_the_configured_turns_then_says_how_long_to_wait(settings):
    settings.CHAT_TURN_RATE = "3/min"
    now = 1_000_040.0  # 20 s into the minute window that starts at 1_000_020

    allowed = []
    for _ in range(3):
        claim = limits.claim_turn(7, now=now)
        allowed.append(claim.code)
        limits.finish_turn(7, claim.token, 0)
    refused = limits.claim_turn(7, now=now)

    assert allowed == [None, None, None]
    assert (refused.code, refused.wait, refused.token) == (limits.RATE_LIMITED, 40, None)
    assert not turn_running(7)  # a refused claim holds no lock
    assert limits.claim_turn(8, now=now).code is None  # another user has their own count
    assert limits.claim_turn(7, now=now + 60).code is None  # the next window starts afresh


def test_only_one_running_turn_per_user_and_only_its_holder_releases_it():
    claim = limits.claim_turn(7)

    assert claim.code is None and claim.token
    assert turn_running(7)
    assert limits.claim_turn(7).code == limits.BUSY
    assert limits.claim_turn(8).code is None  # other users are not blocked
    limits.finish_turn(7, 12345, 0)  # someone else's token
    limits.finish_turn(7, None, 0)
    assert limits.claim_turn(7).code == limits.BUSY
    limits.finish_turn(7, claim.token, 0)
    assert not turn_running(7)
    assert limits.claim_turn(7).code is None


def test_a_lock_left_by_a_dead_process_expires(monkeypatch):
    monkeypatch.setattr(limits, "turn_lock_seconds", lambda: 1)
    assert limits.claim_turn(7).token

    time.sleep(1.2)  # expiry is the cache's clock, nothing to await

    assert limits.claim_turn(7).token


def test_the_lock_outlives_the_longest_turn(settings):
    settings.AGENT_TIMEOUT_S = 60
    assert limits.turn_lock_seconds() > 60


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the local-memory cache is one process by design")
def test_the_turn_lock_holds_across_processes():
    claim = limits.claim_turn(4242)
    assert claim.token
    code = (
        "import django; django.setup(); from chat import limits; c = limits.claim_turn(4242); "
        "limits.finish_turn(4242, c.token, 0); print(c.code or 'free')"
    )

    taken = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=60)
    limits.finish_turn(4242, claim.token, 0)
    free = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=60)

    assert taken.stdout.strip().splitlines()[-1] == limits.BUSY, taken.stderr[-2000:]
    assert free.stdout.strip().splitlines()[-1] == "free", free.stderr[-2000:]


def test_the_daily_budget_counts_reported_tokens_and_stops_at_the_budget(settings):
    settings.AGENT_DAILY_TOKEN_BUDGET = 1000

    first = limits.claim_turn(7)
    limits.finish_turn(7, first.token, 600)
    second = limits.claim_turn(7)
    assert second.code is None
    limits.finish_turn(7, second.token, 400)

    assert tokens_used_today(7) == 1000
    assert limits.claim_turn(7).code == limits.BUDGET_EXHAUSTED
    assert not turn_running(7)
    assert limits.claim_turn(8).code is None  # another user's budget is their own


def test_no_budget_means_no_limit_and_zero_token_turns_count_nothing(settings):
    settings.AGENT_DAILY_TOKEN_BUDGET = 0
    limits.finish_turn(7, None, 10**9)
    assert limits.claim_turn(7).code is None

    settings.AGENT_DAILY_TOKEN_BUDGET = 10
    limits.finish_turn(8, limits.claim_turn(8).token, 0)
    assert tokens_used_today(8) == 0


def test_a_claim_past_the_budget_is_refused_as_such_even_while_another_turn_runs(settings):
    settings.AGENT_DAILY_TOKEN_BUDGET = 100
    running = limits.claim_turn(7)
    limits.finish_turn(7, None, 100)  # another turn's tokens, its lock still held

    assert limits.claim_turn(7).code == limits.BUDGET_EXHAUSTED
    limits.finish_turn(7, running.token, 0)
    assert not turn_running(7)


def test_both_backends_keep_the_same_keys_so_processes_can_mix_them(settings):
    # A process whose cache is Redis uses the scripts; tools on the same Redis through Django's
    # cache API (manage.py shell, a support script) see the same lock and counts.
    limits_here = limits.turn_limits()
    claim = limits_here.claim(9)
    assert turn_running(9)
    limits.CacheTurnLimits(limits_here.cache).finish(9, claim.token, 5)
    assert not turn_running(9)
    assert tokens_used_today(9) == 5
