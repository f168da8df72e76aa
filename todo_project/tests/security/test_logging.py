"""Logs are JSON lines that say which request, user and conversation they belong to, and never
carry a password or a token."""

import io
import json
import logging

import pytest
from rest_framework.test import APIClient

PASSWORD = "Sekrit-Horse-Battery-4821"


@pytest.fixture
def log_lines():
    """Everything logged at DEBUG and above, through the project's own JSON formatter and filter."""
    import todo_project.asgi  # noqa: F401 - its django.setup() reconfigures logging; let it happen first

    root = logging.getLogger()
    configured = next(h for h in root.handlers if getattr(h.formatter, "__class__", None).__name__ == "JsonFormatter")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(configured.formatter)
    for log_filter in configured.filters:
        handler.addFilter(log_filter)
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    read.raw = stream.getvalue  # type: ignore[attr-defined]
    try:
        yield read
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@pytest.mark.django_db
def test_a_request_is_logged_as_one_json_line_with_its_request_id_user_and_latency(api_client, user, log_lines):
    response = api_client.get("/api/tasks/", HTTP_X_REQUEST_ID="req-abc-123")

    assert response["X-Request-ID"] == "req-abc-123"
    [line] = [entry for entry in log_lines() if entry.get("logger") == "todo.request"]
    assert line["request_id"] == "req-abc-123"
    assert line["user_id"] == user.pk
    assert line["path"] == "/api/tasks/"
    assert line["status"] == 200
    assert isinstance(line["latency_ms"], (int, float))
    assert {"time", "level", "message"} <= set(line)


@pytest.mark.django_db
def test_an_unsafe_request_id_header_is_replaced_not_echoed(api_client, log_lines):
    response = api_client.get("/api/tasks/", HTTP_X_REQUEST_ID='evil"\n{"level": "CRITICAL"}')

    assert "evil" not in response["X-Request-ID"]
    [line] = [entry for entry in log_lines() if entry.get("logger") == "todo.request"]
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_an_api_error_line_names_the_request_it_belongs_to(api_client, user, log_lines):
    response = api_client.get("/api/tasks/999999/", HTTP_X_REQUEST_ID="req-missing-1")

    assert response.status_code == 404
    lines = [entry for entry in log_lines() if entry.get("request_id") == "req-missing-1"]
    assert {entry.get("logger") for entry in lines} >= {"todo.request", "django.request"}
    assert all(entry["user_id"] == user.pk for entry in lines)


@pytest.mark.django_db
def test_no_password_or_token_reaches_the_logs(log_lines, settings):
    client = APIClient()
    register = client.post("/api/auth/register/", {"username": "carol", "password": PASSWORD}, format="json")
    assert register.status_code == 201
    bad_login = client.post("/api/auth/token/", {"username": "carol", "password": PASSWORD + "x"}, format="json")
    assert bad_login.status_code == 401
    tokens = client.post("/api/auth/token/", {"username": "carol", "password": PASSWORD}, format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get("/api/tasks/").status_code == 200
    refreshed = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json").json()
    assert client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json").status_code == 401
    client.post("/api/auth/password/", {"old_password": PASSWORD, "new_password": PASSWORD + "-2"}, format="json")
    client.post("/api/auth/logout/", {"refresh": refreshed["refresh"]}, format="json")
    # An error path logs too: a bad body must not be echoed with its secrets.
    client.post("/api/auth/register/", {"username": "", "password": PASSWORD}, format="json")
    logging.getLogger("todo.test").warning("login attempt", extra={"password": PASSWORD, "token": tokens["access"]})

    raw = log_lines.raw()
    assert raw, "nothing was logged, so this test proves nothing"
    secrets = [PASSWORD, tokens["access"], tokens["refresh"], refreshed["access"], refreshed["refresh"]]
    # Token parts are distinctive on their own (signature, payload); none may appear either.
    secrets += [part for token in (tokens["access"], tokens["refresh"]) for part in token.split(".")[1:]]
    for secret in secrets:
        assert secret not in raw


@pytest.mark.django_db(transaction=True)
def test_an_agent_tool_call_is_logged_with_the_request_user_conversation_tool_and_latency(api_client, user, log_lines):
    response = api_client.post("/api/chat/", {"message": "add buy milk tomorrow"}, format="json", HTTP_X_REQUEST_ID="req-chat-7")

    assert response.status_code == 200
    conversation_id = response.json()["conversation_id"]
    tool_lines = [entry for entry in log_lines() if entry.get("message") == "agent tool call"]
    assert [entry["tool"] for entry in tool_lines] == [call["name"] for call in response.json()["tool_calls"]]
    assert "add_task" in [entry["tool"] for entry in tool_lines]
    for entry in tool_lines:
        assert entry["request_id"] == "req-chat-7"
        assert entry["user_id"] == user.pk
        assert entry["conversation_id"] == conversation_id
        assert isinstance(entry["latency_ms"], (int, float))
    # The task's text is user data: it is not copied into the log line.
    assert all("milk" not in str(entry) for entry in tool_lines)


@pytest.mark.django_db(transaction=True)
async def test_a_websocket_turn_logs_its_tool_calls_with_user_and_conversation(user, log_lines):
    from .wsclient import frames_until, message_frame, open_socket

    comm = await open_socket(user)
    await comm.send_json_to(message_frame("add walk the dog"))
    frames = await frames_until(comm, "turn.end")
    await comm.disconnect()

    [entry] = [e for e in log_lines() if e.get("message") == "agent tool call" and e["tool"] == "add_task"]
    assert entry["user_id"] == user.pk
    assert entry["conversation_id"] == frames[0]["conversation_id"]
    assert entry["tool_status"] == "created"
