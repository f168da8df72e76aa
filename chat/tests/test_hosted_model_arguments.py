"""Hosted models that bend the tool schema, through OPENAI_BASE_URL as a person would set it up
(Ollama, vLLM, LM Studio): a scripted OpenAI-compatible server on 127.0.0.1 answers
/v1/chat/completions, streamed or not, and each turn must end in a sensible reply and a
consistent task list. A null for an optional argument is "not given"; unusable arguments and
unknown tools are answered to the model as what was wrong, never as "a server problem"."""

import itertools
import json
import socket
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from agents import Runner

from agents_bridge import providers, runner
from agents_bridge.agent import todo_agent
from agents_bridge.context import TodoContext
from agents_bridge.tests.factories import thread_connections_closed  # noqa: F401 - fixture
from chat.models import Message
from chat.turn import ChatTurn
from tasks.models import Task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("thread_connections_closed")]


# --- the scripted server ----------------------------------------------------------------------
#
# A script is the model's answers, one per request, in order:
#   {"calls": [(tool name, raw argument text), ...]}   tool calls (arguments sent as typed, even broken)
#   {"text": "..."}                                     a text reply
#   {"cut": "..."}                                      text that stops mid-stream: the connection drops


def _chunk(delta: dict, finish_reason=None) -> bytes:
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "tiny",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}
    return f"data: {json.dumps(body)}\n\n".encode()


_call_ids = itertools.count(1)  # every call id unique, as the SDK requires


def _stream(answer: dict) -> tuple[list[bytes], bool]:
    """The SSE events for one answer, and whether the stream finishes properly."""
    if "calls" in answer:
        events = [_chunk({"role": "assistant", "content": None})]
        for index, (name, raw) in enumerate(answer["calls"]):
            call = {"index": index, "id": f"call_{next(_call_ids)}", "type": "function", "function": {"name": name, "arguments": ""}}
            events.append(_chunk({"tool_calls": [call]}))
            half = len(raw) // 2
            for piece in (raw[:half], raw[half:]):
                events.append(_chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
        events.append(_chunk({}, finish_reason="tool_calls"))
        return events, True
    text = answer.get("text", answer.get("cut", ""))
    words = text.split(" ")
    events = [_chunk({"role": "assistant", "content": ""})]
    events += [_chunk({"content": word + (" " if i < len(words) - 1 else "")}) for i, word in enumerate(words)]
    if "cut" in answer:
        return events, False
    return events + [_chunk({}, finish_reason="stop")], True


def _completion(answer: dict) -> dict:
    message: dict = {"role": "assistant", "content": answer.get("text")}
    if "calls" in answer:
        message["tool_calls"] = [
            {"id": f"call_{next(_call_ids)}", "type": "function", "function": {"name": name, "arguments": raw}}
            for name, raw in answer["calls"]
        ]
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "tiny",
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if "calls" in answer else "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


class ScriptedModelServer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked streams, so a dropped connection is a cut, not an end
    script: list[dict] = []
    requests: list[dict] = []

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        answer = type(self).script.pop(0) if type(self).script else {"text": "Done."}
        if not body.get("stream"):
            payload = json.dumps(_completion(answer)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        events, finishes = _stream(answer)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in events:
            self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
            self.wfile.flush()
        if not finishes:
            # Mid-stream: the connection drops without the last chunk (a crashed or killed server).
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        done = b"data: [DONE]\n\n"
        self.wfile.write(f"{len(done):x}\r\n".encode() + done + b"\r\n0\r\n\r\n")
        self.wfile.flush()


@pytest.fixture
def model_server(no_keys):
    """Starts the server and points the app at it as a person would: AGENT_MODEL + OPENAI_BASE_URL."""
    ScriptedModelServer.script = []
    ScriptedModelServer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedModelServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    no_keys.AGENT_MODEL = "tiny"
    no_keys.OPENAI_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield ScriptedModelServer
    server.shutdown()
    server.server_close()


def tool_results(requests: list[dict]) -> list[dict]:
    """What the tools answered, as the model was sent it on its next request."""
    last = requests[-1]["messages"]
    return [json.loads(m["content"]) for m in last if m["role"] == "tool"]


async def titles(user) -> list[str]:
    return sorted([t.title async for t in Task.objects.filter(owner=user)])


# --- streamed, as the chat page and the REST endpoint run every turn ---------------------------


async def test_a_null_for_an_optional_argument_is_not_given(user, model_server):
    model_server.script = [
        {"calls": [("add_task", '{"title": "Buy oat milk", "description": null, "due_date": null, "priority": null}')]},
        {"text": "Added “Buy oat milk”."},
    ]
    turn = ChatTurn(user=user, text="add oat milk", timezone="UTC")
    frames = await turn.run()

    assert frames[-1]["type"] == "turn.end" and frames[-1]["status"] == "complete"
    task = await Task.objects.aget(owner=user)
    assert (task.title, task.description, task.due_date, task.priority) == ("Buy oat milk", "", None, "medium")
    assert tool_results(model_server.requests)[0]["status"] == "created"
    assert turn.reply_text == "Added “Buy oat milk”."


async def test_update_with_nulls_changes_only_what_was_given(user, model_server):
    task = await Task.objects.acreate(owner=user, title="Call mom", description="about sunday", priority="high")
    model_server.script = [
        {"calls": [("update_task", json.dumps({"task_id": task.pk, "title": None, "description": None, "due_date": "2030-01-02", "priority": None}))]},
        {"text": "Moved it."},
    ]
    frames = await ChatTurn(user=user, text="move call mom to jan 2 2030", timezone="UTC").run()

    assert frames[-1]["status"] == "complete"
    await task.arefresh_from_db()
    assert (task.title, task.description, task.priority, task.due_date) == ("Call mom", "about sunday", "high", date(2030, 1, 2))


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ('{"title": "Buy oat milk", "due_date": 20300102}', "due_date: Input should be a valid string (got 20300102)"),
        ('{"title": "Buy oat milk", "notes": "the barista one"}', "add_task has no argument 'notes'"),
        ('{"title": "Buy oat milk", "priority": "HIGH"', "not valid JSON"),
        ('["Buy oat milk"]', "must be one JSON object"),
        ('{"title": null}', "title: Input should be a valid string"),
    ],
    ids=["wrong-type", "unknown-field", "malformed-json", "not-an-object", "null-required"],
)
async def test_unusable_arguments_are_answered_so_the_model_corrects_itself(user, model_server, raw, says):
    model_server.script = [
        {"calls": [("add_task", raw)]},
        {"calls": [("add_task", '{"title": "Buy oat milk"}')]},  # the model reads what was wrong and calls again
        {"text": "Added “Buy oat milk”."},
    ]
    turn = ChatTurn(user=user, text="add oat milk", timezone="UTC")
    frames = await turn.run()

    assert frames[-1]["status"] == "complete"
    assert await titles(user) == ["Buy oat milk"]  # exactly one task: the broken call changed nothing
    first_answer = json.loads(next(m for m in model_server.requests[1]["messages"] if m["role"] == "tool")["content"])
    assert first_answer["status"] == "error" and first_answer["error"] == "invalid_arguments"
    assert says in first_answer["message"]
    assert "server problem" not in first_answer["message"] and "Nothing was changed" in first_answer["message"]
    assert "server problem" not in turn.reply_text
    reply = await Message.objects.aget(pk=turn.assistant_message_id)
    assert reply.status == "complete" and [c["output"]["status"] for c in reply.tool_calls] == ["error", "created"]


async def test_an_unknown_tool_is_answered_and_the_turn_goes_on(user, model_server):
    model_server.script = [
        {"calls": [("create_todo", '{"title": "Buy oat milk"}')]},
        {"calls": [("add_task", '{"title": "Buy oat milk"}')]},
        {"text": "Added “Buy oat milk”."},
    ]
    turn = ChatTurn(user=user, text="add oat milk", timezone="UTC")
    frames = await turn.run()

    assert frames[-1]["status"] == "complete" and not [f for f in frames if f["type"] == "error"]
    assert await titles(user) == ["Buy oat milk"]
    answer = json.loads(next(m for m in model_server.requests[1]["messages"] if m["role"] == "tool")["content"])
    assert answer["error"] == "unknown_tool" and "create_todo" in answer["message"] and "add_task" in answer["message"]


async def test_a_text_only_reply_changes_nothing_and_is_shown(user, model_server):
    await Task.objects.acreate(owner=user, title="Water the plants")
    model_server.script = [{"text": "I can help with your list. What should I add?"}]
    turn = ChatTurn(user=user, text="hello", timezone="UTC")
    frames = await turn.run()

    assert {f["type"] for f in frames} == {"turn.start", "delta", "turn.end"}
    assert frames[-1]["status"] == "complete"
    assert turn.reply_text == "I can help with your list. What should I add?"
    assert await titles(user) == ["Water the plants"]


async def test_a_reply_cut_off_mid_stream_keeps_what_was_done_and_says_so(user, model_server):
    model_server.script = [
        {"calls": [("add_task", '{"title": "Buy oat milk"}')]},
        {"cut": "Added “Buy oat milk” and I was about to"},
    ]
    turn = ChatTurn(user=user, text="add oat milk", timezone="UTC")
    frames = await turn.run()

    error = next(f for f in frames if f["type"] == "error")
    assert error["code"] == "provider_error" and "cut off" in error["detail"]
    assert frames[-1]["status"] == "error"
    assert await titles(user) == ["Buy oat milk"]  # the call that ran is kept, once
    reply = await Message.objects.aget(pk=turn.assistant_message_id)
    assert reply.status == "error" and reply.tool_calls[0]["output"]["status"] == "created"
    assert reply.content.startswith("Added “Buy oat milk”")  # what the person already saw


async def test_several_bent_calls_in_one_answer_each_get_their_own_answer(user, model_server):
    model_server.script = [
        {"calls": [
            ("add_task", '{"title": "Buy bread", "description": null}'),
            ("add_task", '{"title": "Buy jam", "priority": 3}'),
            ("delete_everything", "{}"),
        ]},
        {"calls": [("add_task", '{"title": "Buy jam", "priority": "high"}')]},
        {"text": "Added “Buy bread” and “Buy jam”."},
    ]
    frames = await ChatTurn(user=user, text="add bread and jam, jam is urgent", timezone="UTC").run()

    assert frames[-1]["status"] == "complete"
    assert await titles(user) == ["Buy bread", "Buy jam"]
    assert await Task.objects.filter(owner=user, title="Buy jam", priority="high").aexists()
    answers = [json.loads(m["content"]) for m in model_server.requests[1]["messages"] if m["role"] == "tool"]
    assert [a["status"] for a in answers] == ["created", "error", "error"]
    assert [a["error"] for a in answers[1:]] == ["invalid_arguments", "unknown_tool"]


# --- not streamed: the SDK's other path, against the same server -------------------------------


async def test_without_streaming_nulls_and_bad_arguments_are_handled_the_same(user, model_server):
    model_server.script = [
        {"calls": [("add_task", '{"title": "Buy oat milk", "description": null}'), ("complete_task", '{"task_id": "soon"}')]},
        {"text": "Added “Buy oat milk”."},
    ]
    context = TodoContext(user=user, today=date.today())
    result = await Runner.run(todo_agent(), "add oat milk", context=context, run_config=runner.run_config(providers.get_model()))

    assert result.final_output == "Added “Buy oat milk”."
    assert not model_server.requests[0].get("stream")
    assert await titles(user) == ["Buy oat milk"]
    answers = tool_results(model_server.requests)
    assert answers[0]["status"] == "created"
    assert answers[1]["error"] == "invalid_arguments" and "task_id" in answers[1]["message"]
