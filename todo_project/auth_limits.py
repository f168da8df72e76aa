"""Limits on every door that checks a password or makes an account: the API's token and register
endpoints, the log-in and sign-up pages and the admin's log-in page.

Two limits, counted in the cache (Redis when REDIS_URL is set, so they hold across processes):

- per client, AUTH_DOOR_RATE attempts (AUTH_RATE, default 20/min) across all those doors
  together. The client is the socket's address, or, when NUM_PROXIES says N proxies sit in front,
  the address the Nth of them saw (DRF's get_ident). With no proxy count, X-Forwarded-For is not
  read: any client can write it, so a throttle keyed on it is a throttle on nothing.
- per account, LOGIN_FAILURE_RATE failed logins (default 10/hour) whoever sends them. Once spent,
  logging in to that account is refused until the window ends, even with the right password, so
  rotating addresses does not buy more guesses. Failures are counted from Django's
  `user_login_failed` signal, which every door's `authenticate()` sends.

Refused attempts answer 429: JSON {detail, code: "throttled"} with Retry-After on the API (DRF's
throttle machinery), a "try again in N minutes" page on the HTML doors.
"""

from __future__ import annotations

import hashlib
import math
from functools import wraps
from typing import Any

from django.conf import settings
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

from core.ratelimit import count_hit, rate_spent


def client_ident(request) -> str:
    """The client's address as the throttles see it (NUM_PROXIES decides whether X-Forwarded-For counts)."""
    return BaseThrottle().get_ident(request)


def _client_counter(ident: str) -> str:
    return f"auth:client:{hashlib.sha256(ident.encode()).hexdigest()[:32]}"


def _account_counter(username: str) -> str:
    # Usernames are unique in any letter case (sign-up refuses "Alice" next to "alice").
    return f"auth:failed:{hashlib.sha256(username.casefold().encode()).hexdigest()[:32]}"


def attempt_refused(request, *, username: Any = None) -> int | None:
    """Counts this attempt against the client's limit and checks the account's (when a log-in
    names one); returns the seconds to wait when either is spent, else None."""
    wait = count_hit(_client_counter(client_ident(request)), settings.AUTH_DOOR_RATE)
    if wait is None and isinstance(username, str) and username:
        wait = rate_spent(_account_counter(username), settings.LOGIN_FAILURE_RATE)
    return wait


def login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    """`user_login_failed` receiver: one more failure against the named account."""
    username = credentials.get("username")
    if isinstance(username, str) and username:
        count_hit(_account_counter(username), settings.LOGIN_FAILURE_RATE)


def password_check_failed(username: str) -> None:
    """A wrong current password on the account page (no `authenticate()` there, so no signal):
    it counts against the account's LOGIN_FAILURE_RATE like a failed log-in."""
    count_hit(_account_counter(username), settings.LOGIN_FAILURE_RATE)


def minutes(wait: int) -> int:
    return max(1, math.ceil(wait / 60))


class AuthDoorThrottle(BaseThrottle):
    """The API side: a view with `checks_password = True` is a log-in door (per-account limit too)."""

    def allow_request(self, request, view) -> bool:
        username = None
        if getattr(view, "checks_password", False) and isinstance(request.data, dict):
            username = request.data.get("username")
        self._wait = attempt_refused(request, username=username)
        return self._wait is None

    def wait(self) -> int | None:
        return self._wait


def auth_door(view, *, checks_password: bool):
    """The HTML side: wraps a log-in or sign-up view so that a POST over a limit gets the
    "try again in N minutes" page (429) instead of reaching the form."""

    @wraps(view)
    def door(request, *args, **kwargs):
        if request.method == "POST":
            wait = attempt_refused(request, username=request.POST.get("username") if checks_password else None)
            if wait is not None:
                response = render(request, "registration/throttled.html", {"minutes": minutes(wait)}, status=429)
                response["Retry-After"] = str(wait)
                return response
        return view(request, *args, **kwargs)

    return door
