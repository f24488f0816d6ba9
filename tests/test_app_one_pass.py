"""One trainee turn in the app is one script run: the actor resolved once, the session loaded once.

Counts real calls (script runs, actor look-ups, session loads, persona look-ups), never time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest
from support import PROJECT_ROOT
from support.faults import lose_customer_replies

from hotseat.practice.engine import PracticeEngine
from hotseat.practice.personas import PersonaLibrary
from hotseat.storage.store import Store

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Count script runs (app.py calls st.navigation once per run), actor and session loads, persona look-ups."""
    from hotseat.ui import state

    counted: Counter[str] = Counter()

    def counting(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def spy(*args: Any, **kwargs: Any) -> Any:
            counted[name] += 1
            return real(*args, **kwargs)

        return spy

    monkeypatch.setattr(st, "navigation", counting("script runs", st.navigation))
    monkeypatch.setattr(state, "local_actor", counting("actor loads", state.local_actor))
    monkeypatch.setattr(state, "signed_in_actor", counting("actor loads", state.signed_in_actor))
    monkeypatch.setattr(Store, "load_session", counting("session loads", Store.load_session))
    monkeypatch.setattr(PersonaLibrary, "get", counting("persona file look-ups", PersonaLibrary.get))
    monkeypatch.setattr(
        PracticeEngine, "persona_and_scenario", counting("persona look-ups", PracticeEngine.persona_and_scenario)
    )
    state.services.clear()  # a fresh database (HOTSEAT_DATA_DIR is a tmp dir)
    yield counted
    state.services.clear()


def _started(calls: Counter[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.button(key="start").click().run()
    assert not at.exception
    calls.clear()
    return at


def test_a_trainee_turn_is_one_script_run(calls: Counter[str]) -> None:
    at = _started(calls)
    at.chat_input(key="chat").set_value("I'm sorry, that sounds awful. Can you tell me what happened?").run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["assistant", "user", "assistant"]
    assert calls["script runs"] == 1
    assert calls["actor loads"] == 1
    assert calls["session loads"] == 1
    # the page once; the engine once to read the turn and once to build the reply request
    assert calls["persona look-ups"] == 3


def test_the_ending_and_its_debrief_are_drawn_by_the_run_that_decided_it(calls: Counter[str]) -> None:
    lines = yaml.safe_load((PROJECT_ROOT / "tests" / "fixtures" / "trainee_scripts.yaml").read_text())
    at = _started(calls)  # the default customer: loyalty-killer 1
    for line in lines["transaction-not-relationship"]["good"]:
        calls.clear()
        at.chat_input(key="chat").set_value(line).run()
        assert not at.exception
        assert calls["script runs"] == 1
        if any(s.value == "You won them back." for s in at.success):
            break
    else:
        pytest.fail("the good script did not win the customer back")
    assert calls["session loads"] == 1 and calls["actor loads"] == 1
    assert "Debrief" in [h.value for h in at.subheader]
    assert not at.get("chat_input")  # the conversation is over: nothing more to send


def test_a_lost_reply_is_fetched_in_one_run(calls: Counter[str], monkeypatch: pytest.MonkeyPatch) -> None:
    at = _started(calls)
    with monkeypatch.context() as patch:
        lose_customer_replies(patch)
        at.chat_input(key="chat").set_value("I'm sorry. What happened?").run()
    at.run()  # the database is back
    assert [m.name for m in at.chat_message] == ["assistant", "user"], "the trainee's turn was stored"
    calls.clear()
    at.button(key="retry_reply").click().run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["assistant", "user", "assistant"]
    assert not at.get("button") or all(b.key != "retry_reply" for b in at.button)
    assert calls["script runs"] == 1 and calls["session loads"] == 1
