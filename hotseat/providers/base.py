"""The chat-model boundary every LLM call goes through."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Sequence
from typing import Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel


class ChatMessage(BaseModel):
    """One message sent to a chat model."""

    role: Literal["system", "user", "assistant"]
    content: str


class Usage(BaseModel):
    """Token usage of one call, as the provider reported it (0 when unknown)."""

    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


@runtime_checkable
class ChatModel(Protocol):
    """A chat model: plain completion, token streaming, and JSON matching a pydantic schema.

    Implementations raise `hotseat.errors.ProviderError` (or a subclass) after their own
    bounded retries; they never raise SDK exceptions to callers.
    """

    name: str  # e.g. "openai:gpt-4o-mini", "fake"
    can_stream: bool
    last_usage: Usage

    def complete(self, messages: Sequence[ChatMessage]) -> str:
        """Return the whole reply."""
        ...

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        """Yield the reply in chunks as they arrive."""
        ...

    def complete_json(self, messages: Sequence[ChatMessage], schema: type[BaseModel]) -> str:
        """Return a reply meant to be JSON for `schema` (raw text; the caller validates it).

        Real servers differ: OpenAI takes `json_schema`; llama.cpp only `json_object`
        with a schema; others only tool calls or nothing. Implementations degrade.
        """
        ...


T = TypeVar("T")


class UsageMeter:
    """The token usage of the calls made while it is active: one reply's own figures.

    A model (and the engine holding it) is shared by every user of a server process, so a
    figure kept on the model (`last_usage`) belongs to whoever called last. Providers report
    each call with `record_usage`; it lands in the meter of the reply being produced.
    """

    def __init__(self) -> None:
        self.usage = Usage()
        self.prompt_tokens: int | None = None  # tokens of the prompt we built (tiktoken), if any


_METER: contextvars.ContextVar[UsageMeter | None] = contextvars.ContextVar("hotseat_usage_meter", default=None)


def record_usage(usage: Usage) -> None:
    """Add one call's usage to the active meter (no meter: nobody is counting)."""
    meter = _METER.get()
    if meter is not None:
        meter.usage = meter.usage + usage


def record_prompt_tokens(tokens: int) -> None:
    """Note the size of the prompt sent for the active meter's reply."""
    meter = _METER.get()
    if meter is not None:
        meter.prompt_tokens = tokens


def metered(iterator: Iterator[T], meter: UsageMeter) -> Iterator[T]:
    """Pull `iterator` with `meter` active, in a context of its own so interleaved replies never mix."""
    context = contextvars.copy_context()
    context.run(_METER.set, meter)
    while True:
        try:
            item = context.run(next, iterator)
        except StopIteration:
            return
        yield item
