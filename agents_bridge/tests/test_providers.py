
import os
import sys

import pytest
from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel
from django.core.exceptions import ImproperlyConfigured

from agents_bridge import providers


def test_without_a_model_or_key_the_offline_model_is_chosen(no_keys):
    assert providers.model_name() == "local"


def test_with_only_an_api_key_the_default_openai_model_is_chosen(no_keys):
    no_keys.OPENAI_API_KEY = "sk-test"
    assert providers.model_name() == providers.DEFAULT_OPENAI_MODEL


def test_local_gives_the_offline_model(no_keys):
    from agents_bridge.local_model import LocalTodoModel

    no_keys.AGENT_MODEL = "local"
    assert isinstance(providers.get_model(), LocalTodoModel)


def test_an_openai_model_name_uses_the_responses_api_without_touching_the_network(no_keys):
    no_keys.AGENT_MODEL = "gpt-4.1-mini"
    no_keys.OPENAI_API_KEY = "sk-test"
    model = providers.get_model()
    assert isinstance(model, OpenAIResponsesModel) and model.model == "gpt-4.1-mini"


def test_an_openai_model_name_without_a_key_is_a_clear_configuration_error(no_keys):
    no_keys.AGENT_MODEL = "gpt-4.1-mini"
    with pytest.raises(ImproperlyConfigured, match="OPENAI_API_KEY"):
        providers.get_model()


def test_a_base_url_speaks_chat_completions_to_that_server(no_keys):
    no_keys.AGENT_MODEL = "llama3.2"
    no_keys.OPENAI_BASE_URL = "http://127.0.0.1:11434/v1"
    model = providers.get_model()
    assert isinstance(model, OpenAIChatCompletionsModel) and model.model == "llama3.2"
    assert str(model._client.base_url).startswith("http://127.0.0.1:11434/v1")


def test_a_litellm_model_without_litellm_says_how_to_install_it(no_keys, monkeypatch):
    monkeypatch.setitem(sys.modules, "agents.extensions.models.litellm_model", None)  # as if not installed
    no_keys.AGENT_MODEL = "litellm/gemini/gemini-2.0-flash"
    with pytest.raises(ImproperlyConfigured, match=r"pip install 'openai-agents\[litellm\]'"):
        providers.get_model()


def test_a_litellm_name_gives_the_sdks_litellm_model_for_that_provider(no_keys):
    from agents.extensions.models.litellm_model import LitellmModel

    no_keys.AGENT_MODEL = "litellm/gemini/gemini-2.0-flash"
    model = providers.get_model()
    assert isinstance(model, LitellmModel) and model.model == "gemini/gemini-2.0-flash"
    # LiteLLM would otherwise download its price list from GitHub when first used.
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"


@pytest.mark.parametrize("enabled", [False, True])
def test_tracing_export_is_off_unless_asked_for(no_keys, monkeypatch, enabled):
    no_keys.AGENT_MODEL = "gpt-4.1-mini"
    no_keys.OPENAI_API_KEY = "sk-test"
    no_keys.AGENT_TRACING = enabled
    calls = []
    monkeypatch.setattr(providers, "set_tracing_disabled", calls.append)
    providers.get_model()
    assert calls == [not enabled]
    assert providers.tracing_disabled() is (not enabled)


def test_warm_up_reads_messages_without_the_database_and_leaves_the_callers_event_loop_alone(no_keys):
    # No django_db mark: a query during warm-up would fail this test. Daphne imports the app
    # (and so warms up) with its own event loop installed; that loop must be untouched.
    import asyncio

    no_keys.AGENT_MODEL = "local"
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        providers.warm_up()
        assert asyncio.get_event_loop() is loop and not loop.is_closed()
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def test_warm_up_only_constructs_a_hosted_model(no_keys, monkeypatch):
    no_keys.AGENT_MODEL = "tiny"
    no_keys.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"  # nothing listens there; warm-up must not call it
    models = []
    real_get_model = providers.get_model
    monkeypatch.setattr(providers, "get_model", lambda: models.append(real_get_model()) or models[-1])

    providers.warm_up()

    assert [type(m) for m in models] == [OpenAIChatCompletionsModel]
