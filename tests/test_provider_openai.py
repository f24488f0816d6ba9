"""Hotseat's OpenAI-compatible provider against the loopback server, in each server mode."""

from __future__ import annotations

import logging

import pytest
from pydantic import BaseModel, SecretStr
from support import TEST_API_KEY
from support.openai_server import OpenAIServer, Reply

from hotseat.errors import ProviderError, ProviderRateLimited, ProviderTimeout
from hotseat.providers.base import ChatMessage, ChatModel
from hotseat.providers.factory import build_chat_model, build_judge_model
from hotseat.providers.openai_compat import OpenAIChatModel
from hotseat.settings import ProviderChoice, Settings, StructuredMode

pytestmark = pytest.mark.server

MESSAGES = [
    ChatMessage(role="system", content="You are Dana, a farmer whose baler broke mid-harvest."),
    ChatMessage(role="assistant", content="Two weeks. Two weeks I've waited for a part."),
    ChatMessage(role="user", content="I'm sorry, that must be awful in harvest."),
]
VERDICT_JSON = '{"reasoning": "owned the delay", "score": 4}'


class Verdict(BaseModel):
    """A tiny schema for structured-output tests."""

    reasoning: str
    score: int


def model_for(settings: Settings, **changes: object) -> OpenAIChatModel:
    """An `OpenAIChatModel` for `settings` with some fields changed."""
    return OpenAIChatModel(settings.model_copy(update=changes))


def response_formats(server: OpenAIServer) -> list[str | None]:
    """The `response_format.type` of each chat request, in order."""
    return [r.response_format_type for r in server.chat_requests]


# -- plain chat --------------------------------------------------------------------------------
def test_complete_sends_roles_and_key_and_records_usage(openai_server: OpenAIServer, openai_settings: Settings) -> None:
    """`complete` maps roles, sends the key as a bearer token, and records usage."""
    openai_server.enqueue(Reply(content="Awful doesn't begin to cover it.", prompt_tokens=50, cached_tokens=20))
    model = OpenAIChatModel(openai_settings)

    assert model.complete(MESSAGES) == "Awful doesn't begin to cover it."
    (request,) = openai_server.chat_requests
    assert [m["role"] for m in request.messages] == ["system", "assistant", "user"]
    assert request.body["model"] == "test-model"
    assert request.headers["authorization"] == f"Bearer {TEST_API_KEY}"
    assert model.last_usage.prompt_tokens == 50
    assert model.last_usage.cached_tokens == 20
    assert model.last_usage.completion_tokens > 0


def test_stream_yields_several_chunks_and_records_usage(openai_server: OpenAIServer, openai_settings: Settings) -> None:
    """`stream` yields the reply in several chunks as they arrive and then records usage."""
    text = "Sorry doesn't cut my hay. When does the part arrive?"
    openai_server.enqueue(Reply(content=text, prompt_tokens=60))
    model = OpenAIChatModel(openai_settings)

    chunks = list(model.stream(MESSAGES))
    assert len(chunks) >= 5
    assert "".join(chunks) == text
    assert model.last_usage.prompt_tokens == 60
    assert model.last_usage.completion_tokens == len(text.split())
    assert openai_server.chat_requests[0].stream


def test_rate_limited_twice_then_succeeds(openai_server: OpenAIServer, openai_settings: Settings) -> None:
    """Two 429s are retried (max_retries=2) and the third answer comes through."""
    openai_server.fail_next(429, times=2, retry_after_ms=1).enqueue("Fine. Go on.")
    assert OpenAIChatModel(openai_settings).complete(MESSAGES) == "Fine. Go on."
    assert len(openai_server.chat_requests) == 3


def test_persistent_rate_limit_raises_provider_rate_limited(
    openai_server: OpenAIServer, openai_settings: Settings
) -> None:
    """429 after every retry becomes `ProviderRateLimited` saying what happened and what to do."""
    openai_server.fail_next(429, times=10, retry_after_ms=1)
    with pytest.raises(ProviderRateLimited) as caught:
        OpenAIChatModel(openai_settings).complete(MESSAGES)

    text = caught.value.user_message()
    assert "429" in text
    assert "Retry" in text or "wait" in text
    assert "saved" in text  # the trainee's message is not lost
    assert len(openai_server.chat_requests) == 3  # first try + 2 retries


def test_slow_server_raises_provider_timeout(openai_server: OpenAIServer, openai_settings: Settings) -> None:
    """A reply slower than `request_timeout_s` becomes `ProviderTimeout` naming the setting to raise."""
    openai_server.delay_next(5)
    with pytest.raises(ProviderTimeout) as caught:
        model_for(openai_settings, request_timeout_s=0.3, max_retries=0).complete(MESSAGES)
    assert "HOTSEAT_REQUEST_TIMEOUT_S" in caught.value.user_message()


def test_timeout_while_streaming_raises_provider_timeout(
    openai_server: OpenAIServer, openai_settings: Settings
) -> None:
    """A slow stream also surfaces as `ProviderTimeout`, not an SDK error."""
    openai_server.delay_next(5)
    with pytest.raises(ProviderTimeout):
        list(model_for(openai_settings, request_timeout_s=0.3, max_retries=0).stream(MESSAGES))


@pytest.mark.parametrize("status", [500, 503])
def test_persistent_server_error_raises_provider_error(
    openai_server: OpenAIServer, openai_settings: Settings, status: int
) -> None:
    """5xx after retries becomes a `ProviderError` with the status and a next step."""
    openai_server.fail_next(status, times=10, retry_after_ms=1)
    with pytest.raises(ProviderError) as caught:
        OpenAIChatModel(openai_settings).complete(MESSAGES)
    assert not isinstance(caught.value, ProviderRateLimited | ProviderTimeout)
    assert str(status) in caught.value.user_message()


def test_malformed_body_raises_provider_error(openai_server: OpenAIServer, openai_settings: Settings) -> None:
    """A 200 whose body is not JSON becomes a `ProviderError`, not a JSONDecodeError."""
    openai_server.malformed_next()
    with pytest.raises(ProviderError):
        model_for(openai_settings, max_retries=0).complete(MESSAGES)


def test_stream_broken_midway_raises_provider_error(openai_server: OpenAIServer, openai_settings: Settings) -> None:
    """A stream cut mid-way yields what arrived, then raises `ProviderError`."""
    openai_server.enqueue("one two three four five").break_stream_next(after_chunks=2)
    received: list[str] = []
    with pytest.raises(ProviderError):
        for chunk in model_for(openai_settings, max_retries=0).stream(MESSAGES):
            received.append(chunk)
    assert "".join(received) == "one two "


def test_unreachable_server_raises_provider_error(openai_settings: Settings, openai_server: OpenAIServer) -> None:
    """Nothing listening at the base URL: a `ProviderError` pointing at OPENAI_BASE_URL."""
    openai_server.stop()
    with pytest.raises(ProviderError) as caught:
        model_for(openai_settings, max_retries=0).complete(MESSAGES)
    assert "OPENAI_BASE_URL" in caught.value.user_message()


def test_api_key_never_appears_in_errors_or_logs(
    openai_server: OpenAIServer, openai_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Even when the server echoes the key back, errors and logs do not contain it."""
    caplog.set_level(logging.DEBUG)
    openai_server.fail_next(401, message=f"Incorrect API key provided: {TEST_API_KEY}.")
    with pytest.raises(ProviderError) as caught:
        OpenAIChatModel(openai_settings).complete(MESSAGES)

    assert openai_server.chat_requests[0].headers["authorization"] == f"Bearer {TEST_API_KEY}"
    assert "401" in caught.value.user_message()
    for text in (str(caught.value), caught.value.user_message(), repr(caught.value)):
        assert TEST_API_KEY not in text
    assert TEST_API_KEY not in caplog.text
    assert TEST_API_KEY not in repr(openai_settings)


# -- structured output ---------------------------------------------------------------------------
@pytest.mark.parametrize("openai_server", ["openai"], indirect=True)
def test_json_on_openai_uses_json_schema(openai_server: OpenAIServer, openai_settings: Settings) -> None:
    """An OpenAI server gets `json_schema` first time, and every time after."""
    openai_server.enqueue(VERDICT_JSON, VERDICT_JSON)
    model = OpenAIChatModel(openai_settings)

    assert Verdict.model_validate_json(model.complete_json(MESSAGES, Verdict)).score == 4
    model.complete_json(MESSAGES, Verdict)
    assert response_formats(openai_server) == ["json_schema", "json_schema"]
    assert model.structured_mode is StructuredMode.JSON_SCHEMA
    spec = openai_server.chat_requests[0].response_format or {}
    assert spec["json_schema"]["schema"] == Verdict.model_json_schema()


@pytest.mark.parametrize("openai_server", ["llamacpp"], indirect=True)
def test_json_on_current_llamacpp_stays_on_json_schema(openai_server: OpenAIServer, openai_settings: Settings) -> None:
    """A current llama-server accepts json_schema: no degradation, no refused probe."""
    openai_server.enqueue(VERDICT_JSON)
    model = OpenAIChatModel(openai_settings)
    assert Verdict.model_validate_json(model.complete_json(MESSAGES, Verdict)).score == 4
    assert model.structured_mode is StructuredMode.JSON_SCHEMA
    assert response_formats(openai_server) == ["json_schema"]


@pytest.mark.parametrize("openai_server", ["llamacpp-legacy"], indirect=True)
def test_json_on_llamacpp_degrades_to_json_object_and_remembers(
    openai_server: OpenAIServer, openai_settings: Settings
) -> None:
    """An older llama.cpp's 500 on json_schema degrades to json_object with the schema; the next call starts there."""
    openai_server.enqueue(VERDICT_JSON, VERDICT_JSON)
    model = OpenAIChatModel(openai_settings)

    assert Verdict.model_validate_json(model.complete_json(MESSAGES, Verdict)).score == 4
    assert model.structured_mode is StructuredMode.JSON_OBJECT
    assert Verdict.model_validate_json(model.complete_json(MESSAGES, Verdict)).score == 4
    # one refused json_schema probe (not retried), then json_object twice
    assert response_formats(openai_server) == ["json_schema", "json_object", "json_object"]
    fmt = openai_server.chat_requests[1].response_format or {}
    assert fmt["schema"] == Verdict.model_json_schema()


@pytest.mark.parametrize("openai_server", ["plain"], indirect=True)
def test_json_on_plain_server_degrades_to_prompt_only(openai_server: OpenAIServer, openai_settings: Settings) -> None:
    """A server that rejects response_format and tools still gets JSON by instruction in the prompt."""
    openai_server.enqueue(VERDICT_JSON, VERDICT_JSON)
    model = OpenAIChatModel(openai_settings)

    assert Verdict.model_validate_json(model.complete_json(MESSAGES, Verdict)).score == 4
    model.complete_json(MESSAGES, Verdict)
    assert model.structured_mode is StructuredMode.PROMPT
    requests = openai_server.chat_requests
    assert [r.response_format_type for r in requests[:2]] == ["json_schema", "json_object"]
    assert "tools" in requests[2].body
    for request in requests[3:]:
        assert "response_format" not in request.body and "tools" not in request.body
        assert "Verdict" in request.messages[-1]["content"]  # the schema travels in the prompt
    assert len(requests) == 5  # three refusals, then prompt-only twice


def test_configured_structured_mode_skips_probing(openai_server: OpenAIServer, openai_settings: Settings) -> None:
    """HOTSEAT_STRUCTURED_OUTPUT=json_object goes straight to json_object."""
    openai_server.enqueue(VERDICT_JSON)
    model = model_for(openai_settings, structured_output=StructuredMode.JSON_OBJECT)
    model.complete_json(MESSAGES, Verdict)
    assert response_formats(openai_server) == ["json_object"]


def test_rate_limit_during_json_probe_is_not_mistaken_for_refusal(
    openai_server: OpenAIServer, openai_settings: Settings
) -> None:
    """A 429 while probing json_schema is retried in the same mode, not degraded."""
    openai_server.fail_next(429, retry_after_ms=1).enqueue(VERDICT_JSON)
    model = OpenAIChatModel(openai_settings)
    model.complete_json(MESSAGES, Verdict)
    assert response_formats(openai_server) == ["json_schema", "json_schema"]
    assert model.structured_mode is StructuredMode.JSON_SCHEMA


# -- factory -------------------------------------------------------------------------------------
def test_factory_builds_nothing_for_the_scripted_customer() -> None:
    """No key, no URL, or provider=scripted: the embedded customer plays, no LLM is built."""
    assert build_chat_model(Settings()) is None
    assert build_judge_model(Settings()) is None
    assert build_chat_model(Settings(provider=ProviderChoice.SCRIPTED, openai_api_key=SecretStr(TEST_API_KEY))) is None


def test_factory_builds_customer_and_judge_models(openai_server: OpenAIServer, openai_settings: Settings) -> None:
    """With an LLM configured the factory builds `ChatModel`s; the judge uses HOTSEAT_JUDGE_MODEL."""
    settings = openai_settings.model_copy(update={"judge_model": "judge-model"})
    customer = build_chat_model(settings)
    judge = build_judge_model(settings)
    assert isinstance(customer, ChatModel) and isinstance(judge, ChatModel)

    openai_server.enqueue("customer", "judge")
    customer.complete(MESSAGES)
    judge.complete(MESSAGES)
    assert [r.body["model"] for r in openai_server.chat_requests] == ["test-model", "judge-model"]


def test_factory_uses_llm_from_environment(openai_env: OpenAIServer) -> None:
    """OPENAI_BASE_URL in the environment is enough to select the LLM provider."""
    model = build_chat_model(Settings())
    assert model is not None
    openai_env.enqueue("From the environment.")
    assert model.complete(MESSAGES) == "From the environment."


def test_transient_server_error_during_json_probe_does_not_downgrade(
    openai_server: OpenAIServer, openai_settings: Settings
) -> None:
    """A plain 503 while probing json_schema is an outage, not a refusal: the mode is kept."""
    openai_server.fail_next(503).enqueue(VERDICT_JSON)
    model = OpenAIChatModel(openai_settings)
    assert model.complete_json(MESSAGES, Verdict) == VERDICT_JSON
    assert response_formats(openai_server) == ["json_schema", "json_schema"]
    assert model.structured_mode is StructuredMode.JSON_SCHEMA


def test_credentials_in_the_base_url_never_reach_error_messages(openai_settings: Settings) -> None:
    """A key embedded in OPENAI_BASE_URL (user:pass@ or ?key=) is stripped from messages."""
    settings = openai_settings.model_copy(
        update={"openai_base_url": "http://user:hunter2@127.0.0.1:9/v1?key=hunter2", "max_retries": 0}
    )
    with pytest.raises(ProviderError) as info:
        OpenAIChatModel(settings).complete(MESSAGES)
    assert "hunter2" not in info.value.user_message()
    assert "127.0.0.1:9/v1" in info.value.user_message()
