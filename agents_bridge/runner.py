"""Runs one agent turn and speaks its progress as protocol frames.

The caller hands in plain history items ({"role", "content"} dicts), the new user text and the
run context; this module knows nothing of chat models or the database. Frames:

    {"type": "delta", "text": "..."}
    {"type": "tool.call", "name": "...", "arguments": {...}, "call_id": "..."}
    {"type": "tool.result", "name": "...", "output": {...} | "...", "call_id": "..."}

("call_id" pairs a call with its result; chat.turn strips it before frames reach clients.)
A provider failure, a garbage answer or the whole-turn deadline raise `AgentRunError` with a
stable code; cancelling the consuming task stops the run and re-raises CancelledError.
"""

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import openai
from agents import ItemHelpers, Model, RunConfig, Runner
from agents.exceptions import AgentsException, MaxTurnsExceeded, ModelBehaviorError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import providers
from .agent import todo_agent
from .context import AnswersOpenQuestions, TodoContext
from .tool_arguments import tool_not_found_message

logger = logging.getLogger(__name__)

PROVIDER_ERROR = "provider_error"
PROVIDER_TIMEOUT = "provider_timeout"


class AgentRunError(Exception):
    """The turn could not finish because of the model side. `code` is part of the protocol."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def history_items(history: list[dict[str, str]], user_text: str) -> list[dict[str, str]]:
    """The model input: earlier messages (oldest first) then the new user message."""
    items = [{"role": m["role"], "content": m["content"]} for m in history if m.get("content")]
    items.append({"role": "user", "content": user_text})
    return items


def parse_json(raw: Any) -> Any:
    """Tool arguments and outputs arrive as JSON text; frames carry them parsed."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        return raw


def run_config(model: Model) -> RunConfig:
    """How every turn runs, whichever model answers."""
    return RunConfig(
        model=model,
        tracing_disabled=providers.tracing_disabled(),
        workflow_name="todo chat turn",
        # A call to a tool the agent lacks is answered to the model, which can correct itself
        # (tool_arguments does the same for arguments a tool cannot use).
        tool_not_found_behavior="return_error_to_model",
        tool_error_formatter=tool_not_found_message([tool.name for tool in todo_agent().tools]),
    )


async def stream_turn(
    *,
    history: list[dict[str, str]],
    user_text: str,
    context: TodoContext,
    model: Model | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Yields the frames of one agent turn. See the module docstring."""
    try:
        model = model if model is not None else providers.get_model()
    except (ImproperlyConfigured, ImportError) as exc:
        logger.error("agent model is not configured", exc_info=exc)
        raise AgentRunError(PROVIDER_ERROR, "The assistant is not configured correctly. Please tell the site's support.") from exc
    if isinstance(model, AnswersOpenQuestions):
        model.follow(context.questions)

    result = Runner.run_streamed(
        todo_agent(),
        input=history_items(history, user_text),
        context=context,
        max_turns=settings.AGENT_MAX_TURNS,
        run_config=run_config(model),
    )
    events = result.stream_events()
    deadline = asyncio.get_running_loop().time() + settings.AGENT_TIMEOUT_S
    tool_names: dict[str, str] = {}
    tool_started: dict[str, float] = {}  # call_id -> when the model asked for it (for the log line)
    streamed_text = False  # whether deltas arrived for the message being produced
    said_something = False  # a message was finished earlier in this turn (text, tool calls, text)
    finished = False
    try:
        while True:
            try:
                # The deadline covers only our waits on the model, never the caller's own awaits
                # between frames, so it cannot cancel the caller's work.
                async with asyncio.timeout_at(deadline):
                    event = await anext(events)
            except StopAsyncIteration:
                break
            for frame in _frames(event, tool_names, streamed_text):
                if frame["type"] == "delta":
                    if said_something and not streamed_text:
                        # A second message in the same turn starts a new paragraph, on screen and saved.
                        frame["text"] = "\n\n" + frame["text"].lstrip("\n")
                    streamed_text = True
                elif frame["type"] in ("tool.call", "tool.result"):
                    _log_tool_frame(frame, tool_started)
                yield frame
            if event.type == "run_item_stream_event" and event.name == "message_output_created":
                said_something = True
                streamed_text = False
        finished = True
    except TimeoutError as exc:
        raise AgentRunError(PROVIDER_TIMEOUT, "The assistant took too long to answer. Please try again.") from exc
    except openai.APITimeoutError as exc:
        raise AgentRunError(PROVIDER_TIMEOUT, "The model provider did not answer in time. Please try again.") from exc
    except openai.RateLimitError as exc:
        logger.warning("model provider rate limit", exc_info=exc)
        raise AgentRunError(PROVIDER_ERROR, "The model provider is busy (rate limited). Please try again shortly.") from exc
    except openai.APIConnectionError as exc:
        if streamed_text or said_something or tool_names:
            # It answered, then the connection dropped: what was shown and done so far is kept.
            logger.warning("model provider connection dropped mid-answer", exc_info=exc)
            raise AgentRunError(PROVIDER_ERROR, "The model's answer was cut off before it finished. Please try again.") from exc
        logger.warning("model provider unreachable", exc_info=exc)
        raise AgentRunError(PROVIDER_ERROR, "The model provider could not be reached. Please try again.") from exc
    except openai.OpenAIError as exc:
        logger.warning("model provider error", exc_info=exc)
        raise AgentRunError(PROVIDER_ERROR, "The model provider returned an error. Please try again.") from exc
    except MaxTurnsExceeded as exc:
        logger.warning("agent exceeded max turns", exc_info=exc)
        raise AgentRunError(PROVIDER_ERROR, "The assistant needed too many steps for this request. Try asking for less at once.") from exc
    except ModelBehaviorError as exc:
        logger.warning("model produced unusable output", exc_info=exc)
        raise AgentRunError(PROVIDER_ERROR, "The assistant's answer could not be understood. Please try again.") from exc
    except AgentsException as exc:
        logger.warning("agent run failed", exc_info=exc)
        raise AgentRunError(PROVIDER_ERROR, "The assistant could not finish this request. Please try again.") from exc
    finally:
        # What the model reported spending, also for failed and cancelled runs (tokens were used).
        usage = getattr(getattr(result, "context_wrapper", None), "usage", None)
        context.tokens_used = int(getattr(usage, "total_tokens", 0) or 0)
        if not finished:
            # Stop the SDK's background run (tools included) whatever ended us: error, timeout, cancel.
            result.cancel()
            await _close(events)


def _log_tool_frame(frame: dict[str, Any], started: dict[str, float]) -> None:
    """One JSON log line per tool call: its name, outcome and latency (the request, user and
    conversation come from the logging context). Arguments and outputs stay out: they are user data."""
    key = frame.get("call_id") or frame.get("name") or ""
    now = time.perf_counter()
    if frame["type"] == "tool.call":
        started[key] = now
        return
    output = frame.get("output")
    status = output.get("status") if isinstance(output, dict) else None
    began = started.pop(key, None)
    logger.info(
        "agent tool call",
        extra={
            "tool": frame.get("name"),
            "tool_status": status,
            "latency_ms": round((now - began) * 1000, 2) if began is not None else None,
        },
    )


async def _close(events: AsyncIterator[Any]) -> None:
    aclose = getattr(events, "aclose", None)
    if aclose is None:
        return
    try:
        await aclose()
    except Exception as exc:  # noqa: BLE001 - we are already ending; the first error is the one that matters
        logger.debug("closing the agent stream raised", exc_info=exc)


def _frames(event: Any, tool_names: dict[str, str], streamed_text: bool) -> list[dict[str, Any]]:
    if event.type == "raw_response_event":
        data = event.data
        if getattr(data, "type", None) == "response.output_text.delta" and data.delta:
            return [{"type": "delta", "text": data.delta}]
        return []
    if event.type != "run_item_stream_event":
        return []
    item = event.item
    if event.name == "tool_called":
        raw = item.raw_item
        name = getattr(raw, "name", None) or (raw.get("name") if isinstance(raw, dict) else None)
        call_id = getattr(raw, "call_id", None) or (raw.get("call_id") if isinstance(raw, dict) else None)
        if not name:
            return []
        arguments = getattr(raw, "arguments", None) if not isinstance(raw, dict) else raw.get("arguments")
        tool_names[call_id or name] = name
        return [{"type": "tool.call", "name": name, "arguments": parse_json(arguments or "{}"), "call_id": call_id}]
    if event.name == "tool_output":
        raw = item.raw_item
        call_id = raw.get("call_id") if isinstance(raw, dict) else getattr(raw, "call_id", None)
        name = tool_names.get(call_id or "", "")
        return [{"type": "tool.result", "name": name, "output": parse_json(item.output), "call_id": call_id}]
    if event.name == "message_output_created" and not streamed_text:
        # Models that answer without streaming deltas still show their text.
        text = ItemHelpers.text_message_output(item)
        return [{"type": "delta", "text": text}] if text else []
    return []
