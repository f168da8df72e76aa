"""Every way a model provider can fail, through both chat doors. Whatever the fault, afterwards:
the user message is saved, exactly one assistant message with status "error" follows it, the
client got an error frame (websocket) or a 5xx JSON error (REST), the tasks match what the tools
reported, and the conversation carries on with the next message."""

from dataclasses import dataclass
from typing import Any, Callable

import httpx2 as httpx
import openai
import pytest
from agents import Model
from asgiref.sync import sync_to_async
from openai.types.responses import ResponseFunctionToolCall

from agents_bridge.tests.factories import StallingModel, reply_step, scripted, tool_step, use_model
from chat.models import Message
from tasks.models import Task

from .wsclient import frames_until, message_frame, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


def _connection_error() -> Exception:
    return openai.APIConnectionError(request=httpx.Request("POST", "http://model.invalid"))


def _bad_arguments_call() -> list[Any]:
    # A real tool, with arguments that are not JSON at all.
    return [ResponseFunctionToolCall(type="function_call", name="add_task", call_id="c1", arguments="{title: oops")]


@dataclass
class Fault:
    model: Callable[[], Model]
    code: str  # the error code the client sees
    http_status: int
    tasks_after: list[str]  # titles that exist afterwards (what the tools really did)


FAULTS = {
    "raises an unexpected exception": Fault(lambda: scripted(RuntimeError("segfault in the provider SDK")), "provider_error", 502, []),
    "cannot be reached": Fault(lambda: scripted(_connection_error()), "provider_error", 502, []),
    "rate limits us": Fault(
        lambda: scripted(openai.RateLimitError("slow down", response=httpx.Response(429, request=httpx.Request("POST", "http://m")), body=None)),
        "provider_error", 502, [],
    ),
    "never answers": Fault(lambda: StallingModel(first_text="Let me see"), "provider_timeout", 503, []),
    # One call to a tool that does not exist is answered to the model (issue 22); a model that
    # keeps at it runs into the turn limit.
    "keeps calling a tool that does not exist": Fault(
        lambda: scripted(*[tool_step("format_hard_drive", {"now": True}, call_id=f"c{n}") for n in range(12)]), "provider_error", 502, []
    ),
    "answers nothing": Fault(lambda: scripted(reply_step("")), "provider_error", 502, []),
    "fails after a tool ran": Fault(
        lambda: scripted(tool_step("add_task", {"title": "Buy milk"}), _connection_error()), "provider_error", 502, ["Buy milk"]
    ),
}


def _check_saved_state(conversation_id: int, fault: Fault, user) -> None:
    rows = list(Message.objects.filter(conversation_id=conversation_id).order_by("id").values("role", "status", "content", "tool_calls"))
    assert [(r["role"], r["status"]) for r in rows] == [("user", "complete"), ("assistant", "error")]
    assert rows[0]["content"] == "add buy milk"
    assert rows[1]["content"].strip()  # the error reply says something
    assert sorted(Task.objects.filter(owner=user).values_list("title", flat=True)) == fault.tasks_after
    # The reply records exactly the tool calls that changed something, so the history is true.
    created = [c for c in rows[1]["tool_calls"] if isinstance(c.get("output"), dict) and c["output"].get("status") == "created"]
    assert [c["output"]["title"] for c in created] == fault.tasks_after


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_provider_fault_over_rest_is_a_5xx_json_error_and_leaves_a_consistent_record(name, api_client, user, settings, monkeypatch):
    settings.AGENT_TIMEOUT_S = 2  # long enough for a healthy turn, short for a test
    fault = FAULTS[name]
    use_model(monkeypatch, fault.model())

    response = api_client.post("/api/chat/", {"message": "add buy milk"}, format="json")

    assert response.status_code == fault.http_status
    body = response.json()
    assert body["code"] == fault.code and body["detail"]
    assert "segfault" not in body["detail"]  # the client gets a sentence, not the internals
    _check_saved_state(body["conversation_id"], fault, user)
    # The conversation carries on.
    use_model(monkeypatch, scripted(reply_step("Sorry about that, all good now.")))
    again = api_client.post("/api/chat/", {"message": "try again", "conversation_id": body["conversation_id"]}, format="json")
    assert again.status_code == 200
    assert again.json()["response"] == "Sorry about that, all good now."


@pytest.mark.parametrize("name", list(FAULTS))
async def test_a_provider_fault_over_the_websocket_is_an_error_frame_and_leaves_a_consistent_record(name, user, settings, monkeypatch):
    settings.AGENT_TIMEOUT_S = 2  # long enough for a healthy turn, short for a test
    fault = FAULTS[name]
    use_model(monkeypatch, fault.model())
    comm = await open_socket(user)

    await comm.send_json_to(message_frame("add buy milk"))
    frames = await frames_until(comm, "turn.end")

    assert frames[0]["type"] == "turn.start"
    errors = [f for f in frames if f["type"] == "error"]
    assert [e["code"] for e in errors] == [fault.code]
    assert frames[-1]["status"] == "error"
    await sync_to_async(_check_saved_state)(frames[0]["conversation_id"], fault, user)
    use_model(monkeypatch, scripted(reply_step("Back.")))
    await comm.send_json_to(message_frame("try again", frames[0]["conversation_id"]))
    assert (await frames_until(comm, "turn.end"))[-1]["status"] == "complete"
    await comm.disconnect()


@pytest.mark.parametrize("door", ["rest", "websocket"])
async def test_garbage_tool_arguments_come_back_to_the_model_as_a_tool_error_and_change_nothing(door, user, api_client, monkeypatch):
    # A real tool with arguments that are not JSON: the tool answers an error the model can relay
    # (the turn goes on), and nothing is written.
    model = use_model(monkeypatch, scripted(_bad_arguments_call(), reply_step("Sorry, that did not work.")))
    if door == "rest":
        response = await sync_to_async(api_client.post)("/api/chat/", {"message": "add buy milk"}, format="json")
        assert response.status_code == 200
        tool_calls = response.json()["tool_calls"]
    else:
        comm = await open_socket(user)
        await comm.send_json_to(message_frame("add buy milk"))
        frames = await frames_until(comm, "turn.end")
        await comm.disconnect()
        assert frames[-1]["status"] == "complete"
        tool_calls = [{"name": f["name"], "output": f["output"]} for f in frames if f["type"] == "tool.result"]

    assert [c["name"] for c in tool_calls] == ["add_task"]
    assert tool_calls[0]["output"]["status"] == "error"
    assert await Task.objects.acount() == 0
    sent_back = [i for i in model.calls[1].input if isinstance(i, dict) and i.get("type") == "function_call_output"]
    assert "error" in str(sent_back[0]["output"])
