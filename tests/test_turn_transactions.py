"""One transaction per turn (the turn and its state), and token usage that belongs to each reply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers_engine import make_engine
from helpers_org import any_db_url
from sqlalchemy import event

from hotseat.practice.session import PracticeSession
from hotseat.providers.fake import FakeChatModel
from hotseat.storage.store import Store

__all__ = ["any_db_url"]
PERSONA = "policy-over-problem"
LINE = "I'm sorry, that should never have happened. What happened exactly?"


def _commits(store: Store) -> list[int]:
    count = [0]

    def on_commit(_conn: Any) -> None:
        count[0] += 1

    event.listen(store.engine, "commit", on_commit)
    return count


def test_a_turn_and_its_state_are_one_transaction(any_db_url: str, tmp_path: Path) -> None:
    engine = make_engine(tmp_path, FakeChatModel(default="Go on, then."), provider="openai", database_url=any_db_url)
    session = engine.start(PERSONA)
    commits = _commits(engine.store)
    engine.submit(session, LINE)
    assert commits[0] == 1, "the trainee's turn and the mood it caused are written together"
    engine.reply_text(session)
    assert commits[0] == 2, "the customer's reply and the session state are written together"


def test_a_crash_while_writing_the_state_leaves_no_turn_without_its_mood(
    any_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(tmp_path, database_url=any_db_url)
    session = engine.start(PERSONA)

    def crash(_session: PracticeSession) -> dict[str, Any]:
        raise RuntimeError("power cut")

    monkeypatch.setattr(Store, "_state_of", staticmethod(crash))
    with pytest.raises(RuntimeError):
        engine.submit(session, LINE)
    monkeypatch.undo()
    stored = engine.load(session.id)
    assert [t.role for t in stored.turns] == ["customer"], "no turn may be stored without its state"
    assert len(session.turns) == 1, "the in-memory session is unchanged too"
    engine.say(stored, LINE)  # and the conversation goes on
    assert [t.role for t in engine.load(session.id).turns] == ["customer", "trainee", "customer"]


def test_usage_belongs_to_each_reply_even_when_two_users_share_the_model(tmp_path: Path) -> None:
    short, long = "Fine.", "Fine. " + "I have a great deal more to say about all of this. " * 20
    model = FakeChatModel().enqueue(short, long)
    engine = make_engine(tmp_path, model, provider="openai")
    first, second = engine.start(PERSONA), engine.start(PERSONA, difficulty="calm")
    engine.submit(first, LINE)
    engine.submit(second, LINE)

    replying_first = engine.respond(first)
    next(replying_first)  # the first user's reply has started (its call is made)...
    assert "".join(engine.respond(second)) == long  # ...the second user's whole reply streams meanwhile...
    list(replying_first)  # ...then the first finishes

    assert first.usage.completion_tokens == len(short) // 4
    assert second.usage.completion_tokens == len(long) // 4
    assert engine.load(first.id).usage == first.usage
    assert engine.load(second.id).usage == second.usage
