"""A whole chat turn against hosted models: the real OpenAI client path (and LiteLLM's) against a
tiny Chat Completions server on this machine, so no test reaches a provider."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agents_bridge.tests.factories import thread_connections_closed  # noqa: F401 - fixture
from chat.models import Message
from chat.turn import ChatTurn
from tasks.models import Task


# --- the real client path against a tiny Chat Completions server ---------------------------


def sse_chunk(delta: dict, finish_reason=None) -> bytes:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "tiny",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return f"data: {json.dumps(chunk)}\n\n".encode()


class ChatCompletionsHandler(BaseHTTPRequestHandler):
    """First request: stream an add_task call. After a tool result: stream a text reply."""

    requests: list[dict] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body})
        if any(m.get("role") == "tool" for m in body["messages"]):
            chunks = [
                sse_chunk({"role": "assistant", "content": "Added "}),
                sse_chunk({"content": "“Buy milk”."}),
                sse_chunk({}, finish_reason="stop"),
            ]
        else:
            call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "add_task", "arguments": ""}}
            chunks = [
                sse_chunk({"role": "assistant", "content": None, "tool_calls": [call]}),
                sse_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"title": "Buy'}}]}),
                sse_chunk({"tool_calls": [{"index": 0, "function": {"arguments": ' milk"}'}}]}),
                sse_chunk({}, finish_reason="tool_calls"),
            ]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(chunk)
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


@pytest.fixture
def chat_completions_server():
    ChatCompletionsHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChatCompletionsHandler)  # an OS-assigned free port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", ChatCompletionsHandler.requests
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("thread_connections_closed")
async def test_an_openai_compatible_server_drives_a_real_turn_through_the_client(no_keys, user, chat_completions_server):
    base_url, requests = chat_completions_server
    no_keys.AGENT_MODEL = "tiny"
    no_keys.OPENAI_BASE_URL = base_url
    turn = ChatTurn(user=user, text="add buy milk", timezone="Europe/Paris")
    frames = await turn.run()

    assert [f["type"] for f in frames] == ["turn.start", "tool.call", "tool.result", "delta", "delta", "turn.end"]
    assert frames[1] == {"type": "tool.call", "name": "add_task", "arguments": {"title": "Buy milk"}}
    task = await Task.objects.aget(owner=user)
    assert task.title == "Buy milk"
    assert turn.reply_text == "Added “Buy milk”."
    reply = await Message.objects.aget(pk=turn.assistant_message_id)
    assert reply.status == "complete" and reply.tool_calls[0]["output"]["task_id"] == task.pk

    first = requests[0]
    assert first["path"] == "/v1/chat/completions" and first["body"]["stream"] is True
    assert first["body"]["model"] == "tiny"
    assert {t["function"]["name"] for t in first["body"]["tools"]} >= {"add_task", "list_tasks", "delete_all_tasks"}
    assert "in the user's timezone Europe/Paris." in first["body"]["messages"][0]["content"]
    tool_message = next(m for m in requests[1]["body"]["messages"] if m["role"] == "tool")
    assert json.loads(tool_message["content"])["status"] == "created"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("thread_connections_closed")
async def test_a_litellm_provider_drives_a_real_turn(no_keys, user, chat_completions_server, monkeypatch):
    # LiteLLM's "openai/" provider pointed at the local stand-in server: the whole LiteLLM path
    # (request translation, streaming, tool calls) runs, and nothing leaves this machine.
    base_url, requests = chat_completions_server
    monkeypatch.setenv("OPENAI_API_BASE", base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
    no_keys.AGENT_MODEL = "litellm/openai/tiny"
    turn = ChatTurn(user=user, text="add buy milk", timezone="Europe/Paris")
    frames = await turn.run()

    assert [f["type"] for f in frames if f["type"] != "delta"] == ["turn.start", "tool.call", "tool.result", "turn.end"]
    assert frames[-1]["status"] == "complete"
    task = await Task.objects.aget(owner=user)
    assert task.title == "Buy milk"
    assert turn.reply_text == "Added “Buy milk”."
    assert requests[0]["body"]["model"] == "tiny" and requests[0]["body"]["stream"] is True
    assert {t["function"]["name"] for t in requests[0]["body"]["tools"]} >= {"add_task", "list_tasks"}


class FailingHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"error": {"message": "model not loaded", "type": "server_error"}}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.django_db(transaction=True)
def test_a_server_that_errors_is_a_502_with_the_user_message_kept(no_keys, api_client):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FailingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        no_keys.AGENT_MODEL = "tiny"
        no_keys.OPENAI_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
        response = api_client.post("/api/chat/", {"message": "hi"}, format="json")
    finally:
        server.shutdown()
        server.server_close()
    assert response.status_code == 502
    assert response.json()["code"] == "provider_error"
    assert "model not loaded" not in response.json()["detail"]
    assert list(Message.objects.order_by("id").values_list("role", "status")) == [("user", "complete"), ("assistant", "error")]
