"""The chat-model boundary every LLM call goes through."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Protocol, runtime_checkable

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
