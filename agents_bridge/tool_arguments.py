"""What a model sends as tool arguments, read before the tool runs, and answered when unusable.

Hosted models bend the schema: local models served through OPENAI_BASE_URL (Ollama, vLLM, LM
Studio) often send `null` for an optional argument, a number as a string, a field the tool does
not have, or arguments that are not JSON at all. The SDK would reject all of these alike, and the
tool's failure handler would tell the model "a server problem", so the model apologised to the
person and nothing happened. Here:

- `null` for an optional argument means "not given" (the tool's default applies);
- anything else the tool cannot use (malformed JSON, an unknown field, a wrong type, a missing
  required argument) is answered to the model as a tool result saying exactly what was wrong and
  that nothing changed, so it can call again correctly;
- a tool name the agent does not have is answered the same way (`tool_not_found_message`, used by
  the runner's RunConfig).

Only a real failure inside a tool (the database, a bug) is still "a server problem".
"""

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from agents import FunctionTool
from agents.function_schema import function_schema
from pydantic import BaseModel, ValidationError

logger = logging.getLogger(__name__)

INVALID_ARGUMENTS = "invalid_arguments"
UNKNOWN_TOOL = "unknown_tool"


def problem_answer(kind: str, message: str) -> str:
    """A tool result the model can correct itself from (JSON text, like every tool answer)."""
    return json.dumps({"status": "error", "error": kind, "message": message}, ensure_ascii=False)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def read_arguments(tool_name: str, raw: str, params: type[BaseModel]) -> tuple[dict[str, Any] | None, str | None]:
    """(the arguments to call the tool with, None) or (None, the answer saying what was wrong)."""
    fields = params.model_fields
    expected = ", ".join(fields) or "no arguments"

    def wrong(problem: str) -> tuple[None, str]:
        # Not the problem itself: it quotes the arguments, which are user data.
        logger.info("model sent unusable tool arguments", extra={"tool": tool_name})
        return None, problem_answer(
            INVALID_ARGUMENTS,
            f"{tool_name} was not run: {problem} Nothing was changed. Call {tool_name} again with corrected "
            f"arguments ({expected}).",
        )

    try:
        arguments = json.loads(raw) if raw and raw.strip() else {}
    except json.JSONDecodeError as exc:
        return wrong(f"the arguments are not valid JSON ({exc.msg} at character {exc.pos}); send one JSON object.")
    if not isinstance(arguments, dict):
        return wrong(f"the arguments must be one JSON object, not {_shown(arguments)}.")
    unknown = [name for name in arguments if name not in fields]
    if unknown:
        return wrong(f"{tool_name} has no argument {' or '.join(repr(n) for n in unknown)}; its arguments are {expected}.")
    # null for an optional argument: not given, so the tool's default applies.
    given = {name: value for name, value in arguments.items() if value is not None or fields[name].is_required()}
    try:
        params(**given)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error.get("loc", ())) or "arguments"
            got = f" (got {_shown(error['input'])})" if error.get("type") != "missing" and "input" in error else ""
            problems.append(f"{where}: {error.get('msg', 'invalid')}{got}")
        return wrong("; ".join(problems) + ".")
    return given, None


def checked(tool: FunctionTool, func: Callable[..., Awaitable[Any]]) -> FunctionTool:
    """The tool, reading its arguments through `read_arguments` before the SDK and the function see them."""
    params = function_schema(func).params_pydantic_model
    invoke = tool.on_invoke_tool

    async def on_invoke_tool(ctx: Any, raw: str) -> Any:
        arguments, answer = read_arguments(tool.name, raw, params)
        if answer is not None:
            return answer
        return await invoke(ctx, json.dumps(arguments, ensure_ascii=False))

    tool.on_invoke_tool = on_invoke_tool
    return tool


def tool_not_found_message(tool_names: list[str]) -> Callable[[Any], str | None]:
    """A RunConfig.tool_error_formatter: a call to a tool the agent lacks is answered, not fatal."""

    def formatter(args: Any) -> str | None:
        if getattr(args, "kind", None) != "tool_not_found":
            return None  # the SDK's own message for the other kinds
        logger.info("model called an unknown tool", extra={"tool": args.tool_name})
        return problem_answer(
            UNKNOWN_TOOL,
            f"There is no tool named {args.tool_name!r}; nothing was run. The tools are: {', '.join(tool_names)}.",
        )

    return formatter
