"""Which model answers, chosen from settings. Nothing here reaches the network at import.

AGENT_MODEL:
- "local" (the default when AGENT_MODEL is empty and no OPENAI_API_KEY is set): the offline model.
- an OpenAI model name such as "gpt-4.1-mini": the Responses API (needs OPENAI_API_KEY), or, when
  OPENAI_BASE_URL is set, Chat Completions on that server (Ollama, vLLM, LM Studio...).
- "litellm/<provider>/<model>": the SDK's LiteLLM adapter, e.g. litellm/gemini/gemini-2.0-flash with
  GEMINI_API_KEY set (LiteLLM reads each provider's key from the environment).
"""

import asyncio
import os
import threading

from agents import Model, set_tracing_disabled
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"
LITELLM_PREFIX = "litellm/"
# What the offline model reads at process start (providers.warm_up), one of each common kind.
WARM_UP_MESSAGES = ("hello", "add buy milk tomorrow", "what's due this week?", "I finished the report", "delete the meeting task")


def tracing_disabled() -> bool:
    return not settings.AGENT_TRACING


def model_name() -> str:
    """The configured model name, with the default resolved."""
    name = (settings.AGENT_MODEL or "").strip()
    if name:
        return name
    return DEFAULT_OPENAI_MODEL if (settings.OPENAI_API_KEY or settings.OPENAI_BASE_URL) else "local"


def get_model() -> Model:
    """A fresh Model for one turn (clients are per turn: a REST turn runs in its own event loop)."""
    # The SDK exports traces to OpenAI by default; only an explicit AGENT_TRACING turns that on.
    set_tracing_disabled(tracing_disabled())
    name = model_name()
    if name == "local":
        from .local_model import LocalTodoModel  # lazy: only the offline setup needs it

        return LocalTodoModel()
    if name.startswith(LITELLM_PREFIX):
        return _litellm_model(name[len(LITELLM_PREFIX) :])
    return _openai_model(name)


def _openai_client(**kwargs):
    from openai import AsyncOpenAI

    # One retry at most: the whole turn has its own deadline (AGENT_TIMEOUT_S).
    return AsyncOpenAI(max_retries=1, timeout=settings.AGENT_TIMEOUT_S, **kwargs)


def _openai_model(name: str) -> Model:
    if settings.OPENAI_BASE_URL:
        from agents import OpenAIChatCompletionsModel

        # Local OpenAI-compatible servers usually ignore the key, but the client requires one.
        client = _openai_client(base_url=settings.OPENAI_BASE_URL, api_key=settings.OPENAI_API_KEY or "not-needed")
        return OpenAIChatCompletionsModel(model=name, openai_client=client)
    if not settings.OPENAI_API_KEY:
        raise ImproperlyConfigured(
            f"AGENT_MODEL={name!r} needs OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server). "
            "Use AGENT_MODEL=local for the offline model."
        )
    from agents import OpenAIResponsesModel

    return OpenAIResponsesModel(model=name, openai_client=_openai_client(api_key=settings.OPENAI_API_KEY))


def _litellm_model(name: str) -> Model:
    if not name:
        raise ImproperlyConfigured("AGENT_MODEL=litellm/<provider>/<model>, e.g. litellm/gemini/gemini-2.0-flash.")
    # Without this LiteLLM fetches its model price list from GitHub on first use; the copy it ships
    # is enough for us (we keep our own token budget), and a server should not call out unasked.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        from agents.extensions.models.litellm_model import LitellmModel
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"AGENT_MODEL=litellm/{name} needs LiteLLM: pip install 'openai-agents[litellm]'."
        ) from exc
    # LiteLLM reads each provider's own key from the environment (GEMINI_API_KEY, ANTHROPIC_API_KEY...).
    return LitellmModel(model=name)


def warm_up() -> None:
    """Pays, once per process at start, what the first turn would otherwise pay on the spot: the
    model's modules (the offline model compiles its rules on import), the SDK's tracing switch, and
    the response types that pydantic builds on first use. On a small VM that was over a second of
    the first person's first turn. Needs no database and reaches no network: a hosted model is only
    constructed, and only the offline model reads a few everyday messages (it only plans the tool
calls; nothing runs them).
    """
    model = get_model()
    from .local_model import LocalTodoModel

    if not isinstance(model, LocalTodoModel):
        return

    async def read_everyday_messages() -> None:
        from agents import ModelTracing

        for text in WARM_UP_MESSAGES:
            async for _event in model.stream_response(None, text, None, [], None, [], ModelTracing.DISABLED):
                pass

    # A thread of its own with its own event loop: the caller (daphne importing the app) may have
    # an event loop installed already, and must find it untouched.
    thread = threading.Thread(target=asyncio.run, args=(read_everyday_messages(),), name="agent-warm-up")
    thread.start()
    thread.join()
