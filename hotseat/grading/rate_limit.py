"""At most N requests a minute to the LLM: one limiter shared by every thread of a grading run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

from pydantic import BaseModel

from hotseat.errors import InputError
from hotseat.providers.base import ChatMessage, ChatModel, Usage


def check_rate_limit(per_minute: float | None) -> None:
    """Refuse a limit that is zero or negative (None: no limit)."""
    if per_minute is not None and per_minute <= 0:
        raise InputError("--rate-limit must be a positive number of requests per minute.")


def rate_limited(model: ChatModel | None, per_minute: float | None) -> ChatModel | None:
    """`model` behind a limiter of `per_minute` requests (unchanged without a model or a limit)."""
    check_rate_limit(per_minute)
    if model is None or not per_minute:
        return model
    return RateLimitedModel(model, RateLimiter(per_minute))


class RateLimiter:
    """Spaces calls evenly so no more than `per_minute` start in any minute (thread-safe)."""

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.interval = 60.0 / per_minute
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until the next call may start."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


class RateLimitedModel:
    """A ChatModel that waits for the rate limiter before every request (retries included)."""

    def __init__(self, model: ChatModel, limiter: RateLimiter) -> None:
        self.model = model
        self.limiter = limiter
        self.name = model.name
        self.can_stream = model.can_stream
        self.last_usage: Usage = model.last_usage

    def complete(self, messages: Sequence[ChatMessage]) -> str:
        """Wait for a slot, then complete."""
        self.limiter.acquire()
        try:
            return self.model.complete(messages)
        finally:
            self.last_usage = self.model.last_usage

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        """Wait for a slot, then stream."""
        self.limiter.acquire()
        return self.model.stream(messages)

    def complete_json(self, messages: Sequence[ChatMessage], schema: type[BaseModel]) -> str:
        """Wait for a slot, then ask for JSON."""
        self.limiter.acquire()
        try:
            return self.model.complete_json(messages, schema)
        finally:
            self.last_usage = self.model.last_usage
