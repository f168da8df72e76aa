"""Models for tests: the SDK's ScriptedModel for scripted turns, plus two that misbehave on purpose."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from agents import Model
from agents.testing import ScriptedModel, assistant_message, function_call
from asgiref.sync import sync_to_async
from django.db import connections
from openai.types.responses import ResponseTextDeltaEvent


def use_model(monkeypatch, model: Model) -> Model:
    """Makes every turn in the test use `model` (what settings would otherwise choose)."""
    monkeypatch.setattr("agents_bridge.providers.get_model", lambda: model)
    return model


def scripted(*steps: Any) -> ScriptedModel:
    """Each step is one model call: a list of output items, or an exception to raise."""
    return ScriptedModel(list(steps))


def tool_step(name: str, arguments: dict[str, Any], call_id: str = "call-1") -> list[Any]:
    return [function_call(name, arguments, call_id=call_id)]


def reply_step(text: str) -> list[Any]:
    return [assistant_message(text)]


class StallingModel(Model):
    """Streams `first_text` (if any), then never finishes: for timeouts and cancellation."""

    def __init__(self, first_text: str = "") -> None:
        self.first_text = first_text
        self.started = asyncio.Event()
        self.cancelled = False

    async def get_response(self, *args: Any, **kwargs: Any):  # pragma: no cover - the runner streams
        raise NotImplementedError

    async def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        if self.first_text:
            yield ResponseTextDeltaEvent(
                type="response.output_text.delta",
                delta=self.first_text,
                item_id="msg-1",
                output_index=0,
                content_index=0,
                sequence_number=1,
                logprobs=[],
            )
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise


__all__ = ["ScriptedModel", "StallingModel", "assistant_message", "function_call", "reply_step", "scripted", "thread_connections_closed", "tool_step", "use_model"]


@pytest.fixture(autouse=False)
async def thread_connections_closed():
    """Async tests reach the ORM from asgiref's worker thread; close its connection afterwards so
    PostgreSQL can drop the test database at the end (it refuses while a session is open)."""
    yield
    await sync_to_async(connections.close_all)()
