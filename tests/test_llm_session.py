"""A whole practice session against a real OpenAI-compatible server on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import TEST_API_KEY
from support.openai_server import OpenAIServer

from hotseat.errors import ProviderRateLimited
from hotseat.practice.engine import PracticeEngine
from hotseat.practice.personas import PersonaLibrary
from hotseat.providers.factory import build_chat_model
from hotseat.review.export import session_to_json, session_to_markdown
from hotseat.settings import Settings
from hotseat.storage import Store

pytestmark = pytest.mark.server


def _engine(settings: Settings, tmp_path: Path) -> PracticeEngine:
    settings = settings.model_copy(update={"data_dir": tmp_path})
    store = Store.open(settings.resolved_database_url())
    return PracticeEngine(settings, store, PersonaLibrary(settings.personas_dir), build_chat_model(settings))


def test_llm_customer_streams_and_keeps_turns(
    openai_server: OpenAIServer, openai_settings: Settings, tmp_path: Path
) -> None:
    engine = _engine(openai_settings, tmp_path)
    openai_server.enqueue("You're the first person who asked. It broke down twice during harvest.")
    session = engine.start("transaction-not-relationship")
    engine.submit(session, "That sounds exhausting. What happened?")
    chunks = list(engine.respond(session))
    assert len(chunks) > 1  # streamed token by token
    assert "".join(chunks).startswith("You're the first person")
    request = openai_server.requests[-1]
    assert request.stream
    assert request.messages[0]["role"] == "system"
    assert request.last_user_message == "That sounds exhausting. What happened?"
    assert request.messages[-1]["content"].startswith("How you feel right now")


def test_rate_limit_keeps_the_trainee_turn_and_secrets_never_leak(
    openai_server: OpenAIServer, openai_settings: Settings, tmp_path: Path
) -> None:
    engine = _engine(openai_settings, tmp_path)
    session = engine.start("sorry-hardest-word")
    openai_server.fail_next(429, times=3, retry_after_ms=1)  # the first try and both retries
    engine.submit(session, "I'm sorry we sent two invoices; that was our error.")
    with pytest.raises(ProviderRateLimited) as info:
        engine.reply_text(session)
    assert len(openai_server.requests) == 3
    assert "429" in info.value.user_message() and "Retry" in info.value.user_message()
    assert TEST_API_KEY not in info.value.user_message()
    stored = engine.load(session.id)
    assert stored.awaiting_reply and stored.turns[-1].text.startswith("I'm sorry we sent two invoices")
    openai_server.enqueue("Fine. Thank you for saying it plainly.")
    assert engine.reply_text(stored) == "Fine. Thank you for saying it plainly."
    assert request_has_key(openai_server)
    database = tmp_path / "hotseat.db"
    for path in [database, *tmp_path.glob("hotseat.db-*")]:
        assert TEST_API_KEY.encode() not in path.read_bytes()
    assert TEST_API_KEY not in session_to_json(stored) + session_to_markdown(stored)


def request_has_key(server: OpenAIServer) -> bool:
    """The key does travel where it should: in the Authorization header."""
    return server.requests[-1].headers.get("authorization") == f"Bearer {TEST_API_KEY}"


def test_usage_is_added_up_per_session(openai_server: OpenAIServer, openai_settings: Settings, tmp_path: Path) -> None:
    """Prompt, cached and completion tokens reported by the server accumulate on the session."""
    engine = _engine(openai_settings, tmp_path)
    session = engine.start("policy-over-problem")
    openai_server.enqueue("First reply.", "Second reply.")
    engine.say(session, "That sounds stressful. What happened?")
    first = session.usage.prompt_tokens
    engine.say(session, "So the hospital moved your surgery?")
    assert 0 < first < session.usage.prompt_tokens
    assert session.usage.completion_tokens > 0
    assert engine.load(session.id).usage == session.usage
