"""A fake chat model for tests: `enqueue()` replies (or errors), read `history`."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence

from pydantic import BaseModel

from hotseat.providers.base import ChatMessage, Usage, record_usage


class FakeChatModel:
    """Replies with what was enqueued, in order; records every call in `history`."""

    can_stream = True

    def __init__(self, name: str = "fake", default: str | None = None) -> None:
        self.name = name
        self.default = default
        self.history: list[list[ChatMessage]] = []
        self.json_schemas: list[type[BaseModel] | None] = []
        self.last_usage = Usage()
        self._queue: deque[str | BaseException] = deque()

    def enqueue(self, *replies: str | BaseException) -> FakeChatModel:
        """Queue replies; an exception instance is raised when its turn comes."""
        self._queue.extend(replies)
        return self

    def _next(self, messages: Sequence[ChatMessage], schema: type[BaseModel] | None) -> str:
        self.history.append(list(messages))
        self.json_schemas.append(schema)
        if self._queue:
            item = self._queue.popleft()
        elif self.default is not None:
            item = self.default
        else:
            raise AssertionError("FakeChatModel: no reply enqueued for this call")
        if isinstance(item, BaseException):
            raise item
        prompt_chars = sum(len(m.content) for m in messages)
        self.last_usage = Usage(prompt_tokens=prompt_chars // 4, completion_tokens=len(item) // 4)
        record_usage(self.last_usage)
        return item

    def complete(self, messages: Sequence[ChatMessage]) -> str:
        """Return the next queued reply."""
        return self._next(messages, None)

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        """Yield the next queued reply word by word."""
        text = self._next(messages, None)
        words = text.split(" ")
        for i, word in enumerate(words):
            yield word if i == len(words) - 1 else word + " "

    def complete_json(self, messages: Sequence[ChatMessage], schema: type[BaseModel]) -> str:
        """Return the next queued reply (tests enqueue JSON text)."""
        return self._next(messages, schema)
