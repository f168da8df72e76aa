"""chat.limits on its own: the rate window, the one-turn lock and the daily token budget,
on whatever cache the settings give (local memory, or Redis when REDIS_URL is set)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chat import limits

ROOT = Path(__file__).resolve().parents[3]


def test_the_rate_limit_allows_the_configured_turns_then_says_how_long_to_wait(settings):
    settings.CHAT_TURN_RATE = "3/min"
    now = 1_000_040.0  # 20 s into the minute window that starts at 1_000_020

    allowed = [limits.check_rate(7, now=now) for _ in range(3)]
    refused = limits.check_rate(7, now=now)

    assert allowed == [None, None, None]
    assert refused == 40
    assert limits.check_rate(8, now=now) is None  # another user has their own count
    assert limits.check_rate(7, now=now + 60) is None  # the next window starts afresh


def test_parse_rate_reads_the_drf_notation():
    assert limits.parse_rate("30/min") == (30, 60)
    assert limits.parse_rate("5/s") == (5, 1)
    assert limits.parse_rate("100/day") == (100, 86400)


def test_only_one_turn_lock_per_user_and_only_its_holder_releases_it():
    token = limits.acquire_turn(7)

    assert token
    assert limits.acquire_turn(7) is None
    assert limits.acquire_turn(8)  # other users are not blocked
    limits.release_turn(7, "someone-elses-token")
    assert limits.acquire_turn(7) is None
    limits.release_turn(7, token)
    assert limits.acquire_turn(7)


def test_a_lock_left_by_a_dead_process_expires(monkeypatch):
    monkeypatch.setattr(limits, "turn_lock_seconds", lambda: 1)
    assert limits.acquire_turn(7)

    time.sleep(1.2)  # expiry is the cache's clock, nothing to await

    assert limits.acquire_turn(7)


def test_the_lock_outlives_the_longest_turn(settings):
    settings.AGENT_TIMEOUT_S = 60
    assert limits.turn_lock_seconds() > 60


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the local-memory cache is one process by design")
def test_the_turn_lock_holds_across_processes():
    token = limits.acquire_turn(4242)
    assert token
    code = (
        "import django; django.setup(); from chat import limits; "
        "print('taken' if limits.acquire_turn(4242) is None else 'free')"
    )

    taken = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=60)
    limits.release_turn(4242, token)
    free = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=60)

    assert taken.stdout.strip().splitlines()[-1] == "taken", taken.stderr[-2000:]
    assert free.stdout.strip().splitlines()[-1] == "free", free.stderr[-2000:]


def test_the_daily_budget_counts_reported_tokens_and_stops_at_the_budget(settings):
    settings.AGENT_DAILY_TOKEN_BUDGET = 1000

    assert limits.check_budget(7)
    assert limits.record_tokens(7, 600) == 600
    assert limits.check_budget(7)
    assert limits.record_tokens(7, 400) == 1000
    assert not limits.check_budget(7)
    assert limits.check_budget(8)
    assert limits.tokens_used_today(7) == 1000


def test_no_budget_means_no_limit_and_zero_token_turns_count_nothing(settings):
    settings.AGENT_DAILY_TOKEN_BUDGET = 0
    limits.record_tokens(7, 10**9)
    assert limits.check_budget(7)

    settings.AGENT_DAILY_TOKEN_BUDGET = 10
    limits.record_tokens(8, 0)
    assert limits.tokens_used_today(8) == 0


# --- claim_turn / finish_turn: what a turn calls (one Lua round trip each on Redis) ---


def test_claiming_a_turn_takes_the_lock_and_finishing_it_releases_the_lock_and_counts_tokens(settings):
    settings.AGENT_DAILY_TOKEN_BUDGET = 1000
    claim = limits.claim_turn(7)

    assert claim.code is None and claim.token is not None
    assert limits.turn_running(7)
    assert limits.claim_turn(7).code == limits.BUSY
    limits.finish_turn(7, claim.token, 250)
    assert not limits.turn_running(7)
    assert limits.tokens_used_today(7) == 250
    limits.finish_turn(7, limits.claim_turn(7).token, 0)
    assert limits.tokens_used_today(7) == 250  # a turn that used nothing adds nothing


def test_finishing_someone_elses_turn_leaves_their_lock_alone():
    theirs = limits.acquire_turn(7)  # the single-step functions and the claim share one lock

    limits.finish_turn(7, 12345, 0)
    limits.finish_turn(7, None, 0)

    assert limits.claim_turn(7).code == limits.BUSY
    limits.release_turn(7, theirs)
    assert limits.claim_turn(7).code is None


def test_a_claim_over_the_rate_says_how_long_to_wait_and_takes_no_lock(settings):
    settings.CHAT_TURN_RATE = "2/min"
    now = 1_000_040.0  # 20 s into the minute window that starts at 1_000_020
    for _ in range(2):
        limits.finish_turn(7, limits.claim_turn(7, now=now).token, 0)

    refused = limits.claim_turn(7, now=now)

    assert (refused.code, refused.wait, refused.token) == (limits.RATE_LIMITED, 40, None)
    assert not limits.turn_running(7)
    assert limits.check_rate(8, now=now) is None  # the claim counted against user 7 only


def test_a_claim_past_the_budget_is_refused_and_takes_no_lock(settings):
    settings.AGENT_DAILY_TOKEN_BUDGET = 100
    limits.record_tokens(7, 100)

    refused = limits.claim_turn(7)

    assert refused.code == limits.BUDGET_EXHAUSTED
    assert not limits.turn_running(7)
    assert limits.claim_turn(8).code is None
    # The refusal is the budget, not "busy", even while another of the user's turns runs.
    running = limits.acquire_turn(7)
    assert limits.claim_turn(7).code == limits.BUDGET_EXHAUSTED
    limits.release_turn(7, running)
