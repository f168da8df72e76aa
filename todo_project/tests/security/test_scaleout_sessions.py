"""Across processes (PostgreSQL + Redis, two daphnes): a password change made through one process
closes the user's socket on the other with 4401. Skipped without those services, like the other
scale-out tests."""

import json

import pytest
from websockets.exceptions import ConnectionClosed

from core.tests.live_daphne import PASSWORD, WAIT_S, http_json, open_socket, register_and_token

pytestmark = [pytest.mark.scaleout, pytest.mark.slow]


def test_a_password_change_on_one_server_closes_the_users_socket_on_the_other(two_servers):
    server_a, server_b = two_servers
    token = register_and_token(server_a, server_b, "dora")
    on_b = open_socket(server_b, token)
    try:
        status, _ = http_json(
            "POST", f"{server_a.url}/api/auth/password/",
            {"old_password": PASSWORD, "new_password": "Another-sturdy-pass-7720"}, token=token,
        )
        assert status == 204

        frame = json.loads(on_b.recv(timeout=WAIT_S))
        assert frame["type"] == "error" and frame["code"] == "session_ended"
        with pytest.raises(ConnectionClosed) as closed:
            on_b.recv(timeout=WAIT_S)
        assert closed.value.rcvd.code == 4401
    finally:
        on_b.close()
