"""Deeply nested JSON (a few KB of "[") is a 400 / an error frame, never a 500 or a dead socket."""

import pytest
from django.test import Client

from .wsclient import closed_code, message_frame, frames_until, open_socket

DEEP = "[" * 3000 + "]" * 3000


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/auth/register/", "/api/auth/token/", "/api/auth/token/refresh/", "/api/auth/logout/"]
)
def test_deeply_nested_json_on_an_open_endpoint_is_a_json_400(path):
    response = Client().post(path, DEEP, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "nested" in response.json()["detail"]


@pytest.mark.django_db
def test_json_nested_deeper_than_a_request_needs_is_refused_even_when_python_could_parse_it(api_client):
    # 200 levels parse without a RecursionError, but no request of this API nests beyond a few.
    response = api_client.post("/api/tasks/", '{"title": ' + "[" * 200 + "]" * 200 + "}", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.django_db(transaction=True)
async def test_a_deeply_nested_websocket_frame_is_an_error_frame_and_the_socket_stays_usable(user):
    comm = await open_socket(user)
    try:
        await comm.send_to(text_data=DEEP)
        error = await comm.receive_json_from(timeout=5)
        assert error["type"] == "error" and error["code"] == "invalid_json"

        await comm.send_json_to(message_frame("list my tasks"))
        frames = await frames_until(comm, "turn.end")
        assert frames[-1]["status"] == "complete"
    finally:
        await comm.disconnect()
