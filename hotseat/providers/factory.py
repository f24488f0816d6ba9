"""Build the configured chat models. The only place that decides which provider runs."""

from __future__ import annotations

from hotseat.providers.base import ChatModel
from hotseat.settings import Settings


def build_chat_model(settings: Settings) -> ChatModel | None:
    """The customer's LLM, or None when the embedded scripted customer should play."""
    if not settings.uses_llm():
        return None
    from hotseat.providers.openai_compat import OpenAIChatModel

    return OpenAIChatModel(settings, max_tokens=settings.customer_max_tokens)


def build_judge_model(settings: Settings) -> ChatModel | None:
    """The judge's LLM, or None when grading should be offline."""
    if not settings.uses_llm():
        return None
    from hotseat.providers.openai_compat import OpenAIChatModel

    return OpenAIChatModel(
        settings,
        model=settings.judge_model_name(),
        temperature=settings.judge_temperature,
        max_tokens=settings.judge_max_tokens,
        timeout_s=min(settings.request_timeout_s, settings.judge_budget_s),
    )


def describe_provider(settings: Settings) -> str:
    """A one-line description of what plays the customer, for the UI and CLI."""
    if not settings.uses_llm():
        return "Embedded scripted customer (offline, no API key)"
    where = settings.openai_base_url or "OpenAI"
    return f"LLM {settings.model} at {where}"
