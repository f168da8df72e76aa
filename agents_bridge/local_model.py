"""The offline model: an SDK `Model` that runs the todo agent without any LLM or network.

It reads the same Responses-format input an LLM would get (earlier turns as plain messages, the
new user message, then this turn's function calls and their outputs), decides with a small
deterministic language layer (`agents_bridge.local_nlu`) and answers with the same output items:
function calls with unique call ids, or a final assistant message streamed in small deltas.
Everything else (tools, runner, streaming to the websocket) is the code path real models use.
"""

import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from agents.items import ModelResponse, TResponseInputItem, TResponseOutputItem, TResponseStreamEvent
from agents.models.interface import Model
from agents.usage import Usage
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)

from .context import OpenQuestions
from .local_nlu.planner import Step, ToolRecord, TurnInput, parse_today, plan

MODEL_NAME = "local-todo"
WORDS_PER_DELTA = 3


def _field(item: Any, name: str) -> Any:
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        text = _field(part, "text")
        if isinstance(text, str):
            parts.append(text)
        elif isinstance(part, str):
            parts.append(part)
    return "".join(parts)


def _parse_json(raw: Any) -> Any:
    if isinstance(raw, dict | list):
        return raw
    if not isinstance(raw, str):
        raw = _text_of(raw)
    try:
        return json.loads(raw) if raw.strip() else {}
    except (json.JSONDecodeError, AttributeError):
        return {"status": "error", "error": "invalid", "message": str(raw)[:200]}


def read_turn(
    system_instructions: str | None, input: str | list[TResponseInputItem], pending: dict[str, Any] | None = None
) -> TurnInput:
    """Pulls the conversation, the new user message and this turn's tool calls out of the items;
    `pending` is the question the previous reply left open (plain data from the chat app)."""
    today, timezone = parse_today(system_instructions, datetime.now(UTC).date())
    if isinstance(input, str):
        return TurnInput(user_text=input, history=[], records=[], today=today, timezone=timezone, pending=pending)
    items = list(input)
    last_user = max((i for i, item in enumerate(items) if _field(item, "role") == "user"), default=-1)
    history: list[tuple[str, str]] = []
    for item in items[: max(last_user, 0)]:
        role = _field(item, "role")
        if role in ("user", "assistant"):
            text = _text_of(_field(item, "content"))
            if text:
                history.append((role, text))
    user_text = _text_of(_field(items[last_user], "content")) if last_user >= 0 else ""
    records: list[ToolRecord] = []
    by_call_id: dict[str, ToolRecord] = {}
    rounds = 0
    previous_was_call = False
    for item in items[last_user + 1 :]:
        kind = _field(item, "type")
        if kind == "function_call":
            if not previous_was_call:
                rounds += 1
            previous_was_call = True
            record = ToolRecord(name=_field(item, "name") or "", args=_parse_json(_field(item, "arguments") or "{}"), output=None)
            if not isinstance(record.args, dict):
                record.args = {}
            records.append(record)
            by_call_id[_field(item, "call_id") or ""] = record
            continue
        previous_was_call = False
        if kind == "function_call_output":
            record = by_call_id.get(_field(item, "call_id") or "")
            if record is not None:
                record.output = _parse_json(_field(item, "output"))
    return TurnInput(
        user_text=user_text, history=history, records=records, today=today, timezone=timezone, rounds=rounds, pending=pending
    )


def _output_items(step: Step) -> list[TResponseOutputItem]:
    if step.calls:
        items: list[TResponseOutputItem] = []
        for call in step.calls:
            call_id = f"call_{uuid.uuid4().hex[:24]}"
            items.append(
                ResponseFunctionToolCall(
                    id=f"fc_{call_id[5:]}",
                    call_id=call_id,
                    type="function_call",
                    name=call.name,
                    arguments=json.dumps(call.args, ensure_ascii=False),
                    status="completed",
                )
            )
        return items
    return [
        ResponseOutputMessage(
            id=f"msg_{uuid.uuid4().hex[:24]}",
            type="message",
            role="assistant",
            status="completed",
            content=[ResponseOutputText(type="output_text", text=step.text, annotations=[], logprobs=[])],
        )
    ]


def _chunks(text: str, words: int = WORDS_PER_DELTA) -> list[str]:
    """Splits text into deltas of a few words, keeping every character (spaces, newlines)."""
    pieces: list[str] = []
    current = ""
    count = 0
    for token in _tokens_keep_space(text):
        current += token
        if not token.isspace():
            count += 1
        if count >= words and token.isspace():
            pieces.append(current)
            current, count = "", 0
    if current:
        pieces.append(current)
    return pieces


def _tokens_keep_space(text: str) -> list[str]:
    return re.findall(r"\s+|\S+", text)


class LocalTodoModel(Model):
    """Deterministic, offline stand-in for an LLM, speaking the SDK's Model interface.

    Unlike a hosted model it reads the question its previous reply left open as data, and
    leaves its own as data: the runner hands it the turn's OpenQuestions (`follow`).
    """

    def __init__(self, questions: OpenQuestions | None = None) -> None:
        self.questions = questions if questions is not None else OpenQuestions()

    def follow(self, questions: OpenQuestions) -> None:
        self.questions = questions

    def _decide(self, system_instructions: str | None, input: str | list[TResponseInputItem]) -> Step:
        step = plan(read_turn(system_instructions, input, self.questions.before))
        if not step.calls:
            self.questions.after = step.pending
        return step

    def _response(self, output: list[TResponseOutputItem], status: str = "completed") -> Response:
        return Response(
            id=f"resp_{uuid.uuid4().hex[:24]}",
            created_at=datetime.now(UTC).timestamp(),
            model=MODEL_NAME,
            object="response",
            output=output,
            tool_choice="auto",
            tools=[],
            top_p=None,
            parallel_tool_calls=True,
            status=status,
        )

    # agents.models.interface.Model's two calls. The offline model reads only the instructions and
    # the input; the rest of the interface's arguments (settings, tools, tracing...) pass by.
    async def get_response(
        self, system_instructions: str | None, input: str | list[TResponseInputItem], *args: Any, **kwargs: Any
    ) -> ModelResponse:
        step = self._decide(system_instructions, input)
        return ModelResponse(
            output=_output_items(step),
            usage=Usage(requests=1),
            response_id=None,
        )

    async def stream_response(
        self, system_instructions: str | None, input: str | list[TResponseInputItem], *args: Any, **kwargs: Any
    ) -> AsyncIterator[TResponseStreamEvent]:
        step = self._decide(system_instructions, input)
        output = _output_items(step)
        seq = 0

        def nxt() -> int:
            nonlocal seq
            seq += 1
            return seq - 1

        in_progress = self._response([], status="in_progress")
        yield ResponseCreatedEvent(type="response.created", response=in_progress, sequence_number=nxt())
        yield ResponseInProgressEvent(type="response.in_progress", response=in_progress, sequence_number=nxt())
        for index, item in enumerate(output):
            if isinstance(item, ResponseFunctionToolCall):
                yield ResponseOutputItemAddedEvent(
                    type="response.output_item.added",
                    item=item.model_copy(update={"arguments": "", "status": "in_progress"}),
                    output_index=index,
                    sequence_number=nxt(),
                )
                yield ResponseFunctionCallArgumentsDeltaEvent(
                    type="response.function_call_arguments.delta",
                    item_id=item.id or item.call_id,
                    output_index=index,
                    delta=item.arguments,
                    sequence_number=nxt(),
                )
                yield ResponseFunctionCallArgumentsDoneEvent.model_validate(
                    {
                        "type": "response.function_call_arguments.done",
                        "item_id": item.id or item.call_id,
                        "output_index": index,
                        "arguments": item.arguments,
                        "name": item.name,
                        "sequence_number": nxt(),
                    }
                )
            elif isinstance(item, ResponseOutputMessage):
                part = item.content[0]
                yield ResponseOutputItemAddedEvent(
                    type="response.output_item.added",
                    item=item.model_copy(update={"content": [], "status": "in_progress"}),
                    output_index=index,
                    sequence_number=nxt(),
                )

                def text_event(event_class, kind: str, **fields: Any):
                    # The text's events name the same item, output and content part; only what they carry differs.
                    return event_class(
                        type=f"response.{kind}", item_id=item.id, output_index=index, content_index=0, sequence_number=nxt(), **fields
                    )

                yield text_event(ResponseContentPartAddedEvent, "content_part.added", part=part.model_copy(update={"text": ""}))
                for chunk in _chunks(part.text):
                    yield text_event(ResponseTextDeltaEvent, "output_text.delta", delta=chunk, logprobs=[])
                yield text_event(ResponseTextDoneEvent, "output_text.done", text=part.text, logprobs=[])
                yield text_event(ResponseContentPartDoneEvent, "content_part.done", part=part)
            yield ResponseOutputItemDoneEvent(type="response.output_item.done", item=item, output_index=index, sequence_number=nxt())
        yield ResponseCompletedEvent(type="response.completed", response=self._response(output), sequence_number=nxt())
