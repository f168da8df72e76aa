import asyncio
from datetime import date

import httpx2 as httpx
import openai
import pytest
from django.core.exceptions import ImproperlyConfigured

from agents_bridge import runner
from agents_bridge.context import TodoContext
from agents_bridge.tests.factories import StallingModel, reply_step, scripted, thread_connections_closed, tool_step  # noqa: F401
from tasks.models import Task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("thread_connections_closed")]


def context_for(user, **fields) -> TodoContext:
    return TodoContext(user=user, today=date(2030, 1, 10), timezone="Europe/Paris", **fields)


async def run(user, model, history=None, text="hello", **context_fields) -> list[dict]:
    return [
        frame
        async for frame in runner.stream_turn(
            history=history or [], user_text=text, context=context_for(user, **context_fields), model=model
        )
    ]


async def test_a_turn_streams_the_tool_call_its_result_and_the_reply(user):
    model = scripted(tool_step("add_task", {"title": "Buy milk"}), reply_step("Added “Buy milk”."))
    frames = await run(user, model, text="add buy milk")
    assert [f["type"] for f in frames] == ["tool.call", "tool.result", "delta"]
    assert frames[0]["name"] == "add_task" and frames[0]["arguments"] == {"title": "Buy milk"}
    task = await Task.objects.aget(owner=user)
    assert frames[1]["name"] == "add_task"
    assert frames[1]["output"] == {"status": "created", "task_id": task.pk, "title": "Buy milk", "due_date": None, "priority": "medium",
        "recurrence_text": "", "labels": []}
    assert frames[2]["text"] == "Added “Buy milk”."


async def test_the_model_gets_the_history_then_the_new_message(user):
    model = scripted(reply_step("Sure."))
    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "assistant", "content": ""}]
    await run(user, model, history=history, text="what now?")
    assert model.first_call.input == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "what now?"},
    ]


async def test_the_instructions_tell_the_model_the_users_date_and_zone(user):
    model = scripted(reply_step("Sure."))
    await run(user, model)
    instructions = model.first_call.system_instructions
    assert "Today is 2030-01-10 (Thursday) in the user's timezone Europe/Paris." in instructions.splitlines()
    assert "not instructions" in instructions
    assert "confirmed the bulk action" not in instructions


async def test_the_instructions_say_so_when_the_server_verified_a_bulk_confirmation(user):
    model = scripted(reply_step("Done."))
    await run(user, model, confirmed_bulk=True, confirmed_action="delete_completed_tasks")
    assert "The user has just confirmed the bulk action delete_completed_tasks" in model.first_call.system_instructions


async def test_a_model_that_never_answers_times_out_and_is_stopped(user, settings):
    settings.AGENT_TIMEOUT_S = 0.3
    model = StallingModel(first_text="Let me")
    frames = []
    with pytest.raises(runner.AgentRunError) as info:
        async for frame in runner.stream_turn(history=[], user_text="hi", context=context_for(user), model=model):
            frames.append(frame)
    assert info.value.code == "provider_timeout"
    assert frames == [{"type": "delta", "text": "Let me"}]
    await asyncio.sleep(0)
    assert model.cancelled


@pytest.mark.parametrize(
    "error, code",
    [
        (openai.APIConnectionError(request=httpx.Request("POST", "http://model.invalid")), "provider_error"),
        (openai.APITimeoutError(request=httpx.Request("POST", "http://model.invalid")), "provider_timeout"),
        (
            openai.RateLimitError(
                "slow down", response=httpx.Response(429, request=httpx.Request("POST", "http://model.invalid")), body=None
            ),
            "provider_error",
        ),
    ],
)
async def test_provider_failures_become_stable_error_codes(user, error, code):
    with pytest.raises(runner.AgentRunError) as info:
        await run(user, scripted(error))
    assert info.value.code == code
    assert "try again" in info.value.detail.lower()


async def test_a_model_calling_a_tool_that_does_not_exist_is_told_so_and_the_turn_goes_on(user):
    # Not a provider error: the model reads which tools there are and carries on (issue 22).
    model = scripted(tool_step("launch_rockets", {"target": "moon"}), reply_step("Sorry, I can only manage your tasks."))
    frames = await run(user, model)
    result = next(f for f in frames if f["type"] == "tool.result")
    assert result["output"]["error"] == "unknown_tool" and "add_task" in result["output"]["message"]
    assert "".join(f["text"] for f in frames if f["type"] == "delta") == "Sorry, I can only manage your tasks."


async def test_a_model_that_loops_on_tools_stops_at_the_turn_limit(user, settings):
    settings.AGENT_MAX_TURNS = 2
    model = scripted(*[tool_step("list_tasks", {}, call_id=f"c{n}") for n in range(5)])
    with pytest.raises(runner.AgentRunError) as info:
        await run(user, model)
    assert info.value.code == "provider_error"
    assert "too many steps" in info.value.detail


async def test_a_misconfigured_model_is_a_provider_error_not_a_crash(user, monkeypatch):
    def misconfigured():
        raise ImproperlyConfigured("AGENT_MODEL='gpt-4.1' needs OPENAI_API_KEY")

    monkeypatch.setattr("agents_bridge.providers.get_model", misconfigured)
    with pytest.raises(runner.AgentRunError) as info:
        async for _ in runner.stream_turn(history=[], user_text="hi", context=context_for(user)):
            pass
    assert info.value.code == "provider_error"
    assert "OPENAI_API_KEY" not in info.value.detail


async def test_cancelling_the_consumer_stops_the_model_and_propagates(user):
    model = StallingModel(first_text="Thinking")
    got_first = asyncio.Event()

    async def consume():
        async for _ in runner.stream_turn(history=[], user_text="hi", context=context_for(user), model=model):
            got_first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(got_first.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert model.cancelled


async def test_text_before_and_after_a_tool_call_reads_as_two_paragraphs(user):
    from agents_bridge.tests.factories import assistant_message, function_call

    model = scripted(
        [assistant_message("Let me look."), function_call("list_tasks", {}, call_id="c1")],
        reply_step("You have no tasks."),
    )
    frames = await run(user, model)
    text = "".join(f["text"] for f in frames if f["type"] == "delta")
    assert text == "Let me look.\n\nYou have no tasks."
