"""The official `openai` client and LangChain's `ChatOpenAI` against the loopback OpenAI-compatible server."""

from __future__ import annotations

import json
import socket
import time
from typing import Any, Literal

import openai
import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_openai import ChatOpenAI
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, SecretStr
from support import TEST_API_KEY
from support.openai_server import OpenAIServer, RecordedRequest, Reply

pytestmark = pytest.mark.server

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Where is my tractor part?"}]


class Verdict(BaseModel):
    """A tiny schema for structured-output tests."""

    reasoning: str
    score: int


VERDICT_JSON = '{"reasoning": "calm and specific", "score": 4}'
JSON_SCHEMA_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "Verdict", "schema": Verdict.model_json_schema()},
}
JSON_OBJECT_FORMAT = {"type": "json_object", "schema": Verdict.model_json_schema()}


def client(server: OpenAIServer, **options: Any) -> openai.OpenAI:
    """An `openai.OpenAI` client for `server` (no retries unless asked)."""
    options.setdefault("max_retries", 0)
    options.setdefault("timeout", 5.0)
    return openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY, **options)


def chat_model(server: OpenAIServer, **options: Any) -> ChatOpenAI:
    """A LangChain `ChatOpenAI` for `server` (no retries unless asked)."""
    options.setdefault("max_retries", 0)
    options.setdefault("timeout", 5.0)
    return ChatOpenAI(model="test-model", base_url=server.base_url, api_key=SecretStr(TEST_API_KEY), **options)


# -- the official openai client -------------------------------------------------------------
def test_lists_models(openai_server: OpenAIServer) -> None:
    """GET /v1/models answers the configured model ids."""
    assert [m.id for m in client(openai_server).models.list()] == ["test-model"]


def test_completion_returns_the_queued_reply_and_records_the_request(openai_server: OpenAIServer) -> None:
    """A queued reply comes back verbatim; the request is recorded with its headers."""
    openai_server.enqueue("It has been three weeks. Three.")
    reply = client(openai_server).chat.completions.create(model="test-model", messages=USER)

    assert reply.choices[0].message.content == "It has been three weeks. Three."
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None and reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    (request,) = openai_server.chat_requests
    assert request.body["model"] == "test-model"
    assert request.last_user_message == "Where is my tractor part?"
    assert request.headers["authorization"] == f"Bearer {TEST_API_KEY}"


def test_reply_can_be_computed_from_the_request(openai_server: OpenAIServer) -> None:
    """A callable reply sees the request; with nothing queued the server echoes."""
    openai_server.enqueue(lambda req: req.last_user_message.upper())
    c = client(openai_server)
    first = c.chat.completions.create(model="test-model", messages=USER)
    second = c.chat.completions.create(model="test-model", messages=USER)

    assert first.choices[0].message.content == "WHERE IS MY TRACTOR PART?"
    assert second.choices[0].message.content == "You said: Where is my tractor part?"


def test_stream_arrives_token_by_token_with_usage_last(openai_server: OpenAIServer) -> None:
    """`stream: true` sends one SSE chunk per word, as it is produced, and usage in the final chunk."""
    text = "I want a refund, not another form to fill in."
    openai_server.enqueue(Reply(content=text, chunk_delay=0.03, prompt_tokens=42, cached_tokens=8))
    stream = client(openai_server).chat.completions.create(
        model="test-model", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    pieces: list[tuple[float, str]] = []
    usage = None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append((time.monotonic(), chunk.choices[0].delta.content))
        if chunk.usage is not None:
            usage = chunk.usage

    assert "".join(p for _, p in pieces) == text
    assert len(pieces) == len(text.split())
    assert pieces[-1][0] - pieces[0][0] > 0.1  # really streamed, not buffered until the end
    assert usage is not None and usage.prompt_tokens == 42 and usage.completion_tokens == len(pieces)
    assert usage.prompt_tokens_details is not None and usage.prompt_tokens_details.cached_tokens == 8
    assert openai_server.chat_requests[0].stream


def test_stream_without_include_usage_has_no_usage_chunk(openai_server: OpenAIServer) -> None:
    """Without `stream_options.include_usage` no chunk carries usage."""
    chunks = list(client(openai_server).chat.completions.create(model="test-model", messages=USER, stream=True))
    assert chunks and all(c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_429_twice_then_success_with_sdk_retries(openai_server: OpenAIServer) -> None:
    """The SDK retries 429s (honouring retry-after-ms) and then gets the reply."""
    openai_server.fail_next(429, times=2, retry_after=0, retry_after_ms=1).enqueue("Finally.")
    started = time.monotonic()
    reply = client(openai_server, max_retries=2).chat.completions.create(model="test-model", messages=USER)

    assert reply.choices[0].message.content == "Finally."
    assert len(openai_server.chat_requests) == 3
    assert time.monotonic() - started < 2


def test_persistent_429_raises_rate_limit_error_with_retry_after(openai_server: OpenAIServer) -> None:
    """After the retries run out the SDK raises `RateLimitError` carrying the server's headers."""
    openai_server.fail_next(429, times=5, retry_after=0, retry_after_ms=1)
    with pytest.raises(openai.RateLimitError) as caught:
        client(openai_server, max_retries=1).chat.completions.create(model="test-model", messages=USER)

    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "0"
    assert len(openai_server.chat_requests) == 2


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried(openai_server: OpenAIServer, status: int) -> None:
    """5xx answers are retried by the SDK; without retries they raise `InternalServerError`."""
    openai_server.fail_next(status, retry_after_ms=1).enqueue("Back again.")
    c = client(openai_server, max_retries=1)
    assert c.chat.completions.create(model="test-model", messages=USER).choices[0].message.content == ("Back again.")
    openai_server.fail_next(status)
    with pytest.raises(openai.InternalServerError):
        client(openai_server).chat.completions.create(model="test-model", messages=USER)


def test_slow_server_trips_the_client_timeout(openai_server: OpenAIServer) -> None:
    """A reply slower than the client's time-out raises `APITimeoutError` promptly."""
    openai_server.delay_next(5)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client(openai_server, timeout=0.3).chat.completions.create(model="test-model", messages=USER)
    assert time.monotonic() - started < 2


def test_delayed_request_keeps_its_place_in_the_reply_queue(openai_server: OpenAIServer) -> None:
    """The reply is taken when the request arrives, so a retry after a time-out gets the next one."""
    openai_server.delay_next(5).enqueue("lost to the time-out", "second reply")
    reply = client(openai_server, timeout=0.3, max_retries=1).chat.completions.create(model="test-model", messages=USER)
    assert reply.choices[0].message.content == "second reply"


def test_malformed_json_body_fails_to_parse(openai_server: OpenAIServer) -> None:
    """HTTP 200 with a truncated JSON body: the SDK raises a JSON decoding error."""
    openai_server.malformed_next()
    with pytest.raises(json.JSONDecodeError):
        client(openai_server).chat.completions.create(model="test-model", messages=USER)


def test_stream_that_breaks_midway_raises_after_the_first_chunks(openai_server: OpenAIServer) -> None:
    """A stream cut after two chunks delivers them, then raises `APIConnectionError`."""
    openai_server.enqueue("one two three four five").break_stream_next(after_chunks=2)
    received: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in client(openai_server).chat.completions.create(model="test-model", messages=USER, stream=True):
            if chunk.choices and chunk.choices[0].delta.content:
                received.append(chunk.choices[0].delta.content)
    assert received == ["one ", "two "]


def test_unknown_path_is_404(openai_server: OpenAIServer) -> None:
    """Endpoints the server does not speak answer 404."""
    with pytest.raises(openai.NotFoundError):
        client(openai_server).embeddings.create(model="test-model", input="hi")


# -- structured output quirks per server mode ------------------------------------------------
FORMAT_OUTCOMES = [
    ("openai", JSON_SCHEMA_FORMAT, None),
    ("openai", JSON_OBJECT_FORMAT, None),
    ("llamacpp", JSON_SCHEMA_FORMAT, None),
    ("llamacpp", JSON_OBJECT_FORMAT, None),
    ("llamacpp-legacy", JSON_SCHEMA_FORMAT, openai.InternalServerError),
    ("llamacpp-legacy", JSON_OBJECT_FORMAT, None),
    ("plain", JSON_SCHEMA_FORMAT, openai.BadRequestError),
    ("plain", JSON_OBJECT_FORMAT, openai.BadRequestError),
]


@pytest.mark.parametrize(
    ("openai_server", "response_format", "error"),
    FORMAT_OUTCOMES,
    indirect=["openai_server"],
    ids=[f"{m}-{f['type']}" for m, f, _ in FORMAT_OUTCOMES],
)
def test_response_format_per_server_mode(
    openai_server: OpenAIServer, response_format: dict[str, Any], error: type[Exception] | None
) -> None:
    """openai takes json_schema; llama.cpp answers 500 to it but takes json_object; plain takes neither."""
    openai_server.enqueue(VERDICT_JSON)
    params: dict[str, Any] = {"model": "test-model", "messages": USER, "response_format": response_format}
    c = client(openai_server)
    if error is None:
        reply = c.chat.completions.create(**params)
        assert Verdict.model_validate_json(reply.choices[0].message.content or "").score == 4
    else:
        with pytest.raises(error):
            c.chat.completions.create(**params)
    assert openai_server.chat_requests[-1].response_format == response_format


@pytest.mark.parametrize(
    ("openai_server", "accepted"), [("openai", True), ("plain", False)], indirect=["openai_server"]
)
def test_tools_per_server_mode(openai_server: OpenAIServer, accepted: bool) -> None:
    """Tool calls come back from an openai-mode server; a plain server rejects `tools`."""
    call = {"id": "call_1", "type": "function", "function": {"name": "Verdict", "arguments": VERDICT_JSON}}
    openai_server.enqueue(Reply(tool_calls=[call]))
    tool = {"type": "function", "function": {"name": "Verdict", "parameters": Verdict.model_json_schema()}}
    params: dict[str, Any] = {"model": "test-model", "messages": USER, "tools": [tool]}
    c = client(openai_server)
    if not accepted:
        with pytest.raises(openai.BadRequestError):
            c.chat.completions.create(**params)
        return
    reply = c.chat.completions.create(**params)
    assert reply.choices[0].finish_reason == "tool_calls"
    (tool_call,) = reply.choices[0].message.model_dump()["tool_calls"]
    assert json.loads(tool_call["function"]["arguments"])["score"] == 4


# -- LangChain ChatOpenAI ----------------------------------------------------------------------
def test_chatopenai_invoke_reports_usage(openai_server: OpenAIServer) -> None:
    """`ChatOpenAI.invoke` returns the reply with usage metadata (including cached tokens)."""
    openai_server.enqueue(Reply(content="Fine. What will you do about it?", prompt_tokens=30, cached_tokens=10))
    message = chat_model(openai_server).invoke([HumanMessage("Sorry for the wait.")])

    assert message.content == "Fine. What will you do about it?"
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 30
    assert message.usage_metadata.get("input_token_details", {}).get("cache_read") == 10
    assert openai_server.chat_requests[0].headers["authorization"] == f"Bearer {TEST_API_KEY}"


def test_chatopenai_streams_token_by_token_with_usage(openai_server: OpenAIServer) -> None:
    """`ChatOpenAI.stream` yields one chunk per word and asks for usage in the stream."""
    text = "You people never call back when you say you will."
    openai_server.enqueue(text)
    chunks: list[AIMessageChunk] = list(chat_model(openai_server, stream_usage=True).stream("Hello"))

    contents = [c.content for c in chunks if c.content]
    assert contents == [piece + " " for piece in text.split()[:-1]] + [text.split()[-1]]
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total.usage_metadata is not None and total.usage_metadata["output_tokens"] == len(contents)
    request = openai_server.chat_requests[0]
    assert request.stream and request.body["stream_options"] == {"include_usage": True}


def test_chatopenai_retries_429_then_succeeds(openai_server: OpenAIServer) -> None:
    """LangChain passes `max_retries` to the SDK: two 429s then the reply."""
    openai_server.fail_next(429, times=2, retry_after_ms=1).enqueue("Go on then.")
    assert chat_model(openai_server, max_retries=2).invoke("Hi").content == "Go on then."
    assert len(openai_server.chat_requests) == 3


def test_chatopenai_timeout_raises_sdk_timeout(openai_server: OpenAIServer) -> None:
    """A slow server surfaces as the SDK's `APITimeoutError` through LangChain."""
    openai_server.delay_next(5)
    with pytest.raises(openai.APITimeoutError):
        chat_model(openai_server, timeout=0.3).invoke("Hi")


@pytest.mark.parametrize(
    ("openai_server", "method", "works"),
    [
        ("openai", "json_schema", True),
        ("llamacpp", "json_schema", True),
        ("llamacpp-legacy", "json_schema", False),
        ("llamacpp-legacy", "json_mode", True),
    ],
    indirect=["openai_server"],
)
def test_chatopenai_structured_output_per_server_mode(
    openai_server: OpenAIServer, method: Literal["json_schema", "json_mode"], works: bool
) -> None:
    """`with_structured_output` works where the server supports the method and fails loudly elsewhere."""
    openai_server.enqueue(VERDICT_JSON)
    structured = chat_model(openai_server).with_structured_output(Verdict, method=method)
    if works:
        result = structured.invoke("Grade this.")
        assert isinstance(result, Verdict) and result.score == 4
    else:
        with pytest.raises(openai.InternalServerError):
            structured.invoke("Grade this.")


def test_recorded_request_helpers() -> None:
    """`RecordedRequest` exposes the bits tests assert on."""
    body = {
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "stream": True,
        "response_format": {"type": "json_object"},
    }
    request = RecordedRequest("POST", "/v1/chat/completions", {}, json.dumps(body).encode(), body)
    assert request.last_user_message == "hi"
    assert request.stream
    assert request.response_format_type == "json_object"


def test_tests_cannot_reach_the_internet() -> None:
    """The autouse guard refuses non-loopback connections with a message naming the fix."""
    with pytest.raises(RuntimeError, match="openai_server"):
        openai.OpenAI(api_key=TEST_API_KEY, max_retries=0).models.list()
    with pytest.raises(RuntimeError, match="must not reach the internet"):
        socket.create_connection(("203.0.113.7", 443), timeout=1)
