"""OpenAI and any OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp) via LangChain."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import openai
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from hotseat.errors import ProviderError, ProviderRateLimited, ProviderTimeout
from hotseat.prompts import PromptLibrary
from hotseat.providers.base import ChatMessage, Usage, record_usage
from hotseat.settings import Settings, StructuredMode

log = logging.getLogger(__name__)
T = TypeVar("T")

# The order in which structured output degrades when a server refuses a mode.
_DEGRADATION = (
    StructuredMode.JSON_SCHEMA,
    StructuredMode.JSON_OBJECT,
    StructuredMode.TOOL_CALLING,
    StructuredMode.PROMPT,
)


def _refuses_mode(exc: openai.OpenAIError) -> bool:
    """True when the server refused the structured-output mode itself, not a transient failure.

    OpenAI and vLLM answer 400/422; older llama.cpp servers answered 500 naming `response_format`
    (current ones accept `json_schema` and treat a named `tool_choice` as `auto`).
    """
    refusals = (openai.BadRequestError, openai.UnprocessableEntityError, openai.NotFoundError)
    if isinstance(exc, refusals):
        return True
    if isinstance(exc, openai.InternalServerError):
        text = str(exc).lower()
        return any(word in text for word in ("response_format", "json_schema", "schema", "tool"))
    return False


def _safe_url(url: str | None) -> str:
    """A base URL for messages: no credentials, no query string."""
    if not url:
        return "the OpenAI API"
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


def _to_langchain(messages: Sequence[ChatMessage]) -> list[BaseMessage]:
    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m.role](content=m.content) for m in messages]


def _usage_of(message: AIMessage | AIMessageChunk) -> Usage:
    meta: dict[str, Any] = dict(message.usage_metadata or {})
    details = meta.get("input_token_details") or {}
    return Usage(
        prompt_tokens=int(meta.get("input_tokens", 0) or 0),
        cached_tokens=int(details.get("cache_read", 0) or 0),
        completion_tokens=int(meta.get("output_tokens", 0) or 0),
    )


def _text_of(message: AIMessage | AIMessageChunk) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


class OpenAIChatModel:
    """A `ChatModel` backed by LangChain's `ChatOpenAI` (OpenAI or a compatible base URL)."""

    can_stream = True

    def __init__(
        self,
        settings: Settings,
        *,
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        timeout_s: float | None = None,
    ) -> None:
        self.settings = settings
        self.model = model or settings.model
        self.temperature = settings.temperature if temperature is None else temperature
        self.max_tokens = max_tokens
        self.timeout_s = settings.request_timeout_s if timeout_s is None else timeout_s
        self.base_url = settings.openai_base_url
        self.name = f"openai:{self.model}" if not self.base_url else f"openai-compatible:{self.model}"
        self.last_usage = Usage()
        self.total_usage = Usage()
        self._structured_mode: StructuredMode | None = (
            None if settings.structured_output is StructuredMode.AUTO else settings.structured_output
        )
        self._llm = self._build(settings.max_retries)
        self._probe_llm = self._build(0)  # for trying structured modes without slow retries

    def _build(self, max_retries: int) -> ChatOpenAI:
        secret = self.settings.openai_api_key
        key = secret.get_secret_value() if secret else "not-needed"  # local servers ignore it
        return ChatOpenAI(
            model=self.model,
            api_key=key,  # type: ignore[arg-type]
            base_url=self.base_url,
            timeout=self.timeout_s,
            max_retries=max_retries,
            temperature=self.temperature,
            max_completion_tokens=self.max_tokens,
            stream_usage=True,
        )

    # -- errors -----------------------------------------------------------------------------
    def _where(self) -> str:
        return _safe_url(self.base_url)

    def _translate(self, exc: Exception) -> ProviderError:
        where = self._where()
        if isinstance(exc, openai.APITimeoutError):
            return ProviderTimeout(
                f"The model at {where} did not answer within {self.timeout_s:g} s "
                f"after {self.settings.max_retries} retries.",
                hint="Your message is saved: press Retry. If it keeps happening, raise "
                "HOTSEAT_REQUEST_TIMEOUT_S or use a faster model.",
            )
        if isinstance(exc, openai.RateLimitError):
            return ProviderRateLimited(
                f"The model at {where} is rate-limiting requests (HTTP 429) even after "
                f"{self.settings.max_retries} retries.",
                hint="Your message is saved: wait a minute and press Retry, or check your plan's quota.",
            )
        if isinstance(exc, openai.AuthenticationError):
            return ProviderError(
                f"The model at {where} refused the API key (HTTP 401).",
                hint="Check OPENAI_API_KEY, or unset it to practise with the embedded customer.",
            )
        if isinstance(exc, openai.APIConnectionError):
            return ProviderError(
                f"Cannot reach the model server at {where}.",
                hint="Check OPENAI_BASE_URL and that the server is running; your message is saved.",
            )
        if isinstance(exc, openai.APIStatusError):
            return ProviderError(
                f"The model at {where} answered HTTP {exc.status_code}.",
                hint="Your message is saved: press Retry. Check the server's logs if it persists.",
            )
        return ProviderError(
            f"The model at {where} sent an answer Hotseat could not read ({type(exc).__name__}).",
            hint="Your message is saved: press Retry. Check that the server speaks the OpenAI chat API.",
        )

    def _call(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except ProviderError:
            raise
        except (openai.OpenAIError, ValueError, KeyError) as exc:
            log.warning("provider call failed: %s", type(exc).__name__)
            raise self._translate(exc) from exc

    # -- ChatModel --------------------------------------------------------------------------
    def complete(self, messages: Sequence[ChatMessage]) -> str:
        """Return the whole reply."""
        reply = self._call(lambda: self._llm.invoke(_to_langchain(messages)))
        self._record(_usage_of(reply))
        return _text_of(reply)

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        """Yield the reply in chunks as the server sends them."""
        usage = Usage()
        iterator = iter(self._call(lambda: self._llm.stream(_to_langchain(messages))))
        while True:
            try:
                chunk = self._call(lambda: next(iterator))
            except StopIteration:
                break
            usage = usage + _usage_of(chunk)
            text = _text_of(chunk)
            if text:
                yield text
        self._record(usage)

    def complete_json(self, messages: Sequence[ChatMessage], schema: type[BaseModel]) -> str:
        """Ask for JSON matching `schema`, degrading json_schema → json_object → tools → prompt."""
        if self._structured_mode is not None:
            return self._json_call(self._llm, self._structured_mode, messages, schema)
        last: Exception | None = None
        for mode in _DEGRADATION:
            try:
                text = self._json_call(self._probe_llm, mode, messages, schema, translate=False)
            except openai.OpenAIError as exc:
                if _refuses_mode(exc):
                    log.info("structured mode %s refused by %s", mode, self._where())
                    last = exc
                    continue
                # Not a refusal of the mode (time-out, 429, a transient 5xx): retry it normally.
                try:
                    text = self._json_call(self._llm, mode, messages, schema)
                except ProviderError:
                    raise
                except Exception:
                    raise self._translate(exc) from exc
            self._structured_mode = mode
            return text
        raise self._translate(last) if last else ProviderError("No structured output mode worked.")

    # -- helpers ----------------------------------------------------------------------------
    def _json_call(
        self,
        llm: ChatOpenAI,
        mode: StructuredMode,
        messages: Sequence[ChatMessage],
        schema: type[BaseModel],
        *,
        translate: bool = True,
    ) -> str:
        json_schema = schema.model_json_schema()
        lc_messages = _to_langchain(messages)
        kwargs: dict[str, Any] = {}
        if mode is StructuredMode.JSON_SCHEMA:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": json_schema, "strict": False},
            }
        elif mode is StructuredMode.JSON_OBJECT:
            lc_messages.append(self._instruction(schema, json_schema))
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        elif mode is StructuredMode.TOOL_CALLING:
            tool = {
                "type": "function",
                "function": {"name": schema.__name__, "description": "Record the answer.", "parameters": json_schema},
            }
            kwargs["tools"] = [tool]
            kwargs["tool_choice"] = {"type": "function", "function": {"name": schema.__name__}}
        else:
            lc_messages.append(self._instruction(schema, json_schema))

        def run() -> AIMessage:
            try:
                return llm.invoke(lc_messages, **kwargs)
            except openai.LengthFinishReasonError as exc:
                # Cut off at max_tokens: hand back what was written; the caller salvages what it can.
                usage = exc.completion.usage
                return AIMessage(
                    content=exc.completion.choices[0].message.content or "",
                    usage_metadata={
                        "input_tokens": usage.prompt_tokens if usage else 0,
                        "output_tokens": usage.completion_tokens if usage else 0,
                        "total_tokens": usage.total_tokens if usage else 0,
                    },
                )

        reply = self._call(run) if translate else run()
        self._record(_usage_of(reply))
        if mode is StructuredMode.TOOL_CALLING and reply.tool_calls:
            return json.dumps(reply.tool_calls[0]["args"])
        return _text_of(reply)

    def _instruction(self, schema: type[BaseModel], json_schema: dict[str, Any]) -> SystemMessage:
        prompt = PromptLibrary(self.settings.prompts_dir).get("structured_output")
        rendered = prompt.render(schema_name=schema.__name__, schema_json=json.dumps(json_schema))
        return SystemMessage(content=rendered[0].content)

    def _record(self, usage: Usage) -> None:
        record_usage(usage)  # the caller's own figures (see UsageMeter); last_usage is process-wide
        self.last_usage = usage
        self.total_usage = self.total_usage + usage

    @property
    def structured_mode(self) -> StructuredMode | None:
        """The structured-output mode that worked on this server (None until one call succeeds)."""
        return self._structured_mode
