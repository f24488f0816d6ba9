"""The Streamlit app, driven as a user would with Streamlit's AppTest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from support import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture
def app() -> AppTest:
    from hotseat.ui.state import services

    services.clear()  # a fresh database per test (HOTSEAT_DATA_DIR is a tmp dir)
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception
    return at


def _start(at: AppTest) -> AppTest:
    at.button(key="start").click().run()
    assert not at.exception
    return at


def test_welcome_lists_the_four_customers(app: AppTest) -> None:
    text = " ".join(m.value for m in app.markdown)
    for title in ("transaction", "policy", "Guilty", "Sorry"):
        assert title.lower() in text.lower()
    assert "Embedded scripted customer" in " ".join(c.value for c in app.sidebar.caption)


def test_chat_through_the_ui(app: AppTest) -> None:
    at = _start(app)
    opening = at.chat_message[0].markdown[1].value
    assert opening
    at.chat_input(key="chat").set_value("I'm sorry, that sounds awful. Can you tell me what happened?").run()
    assert not at.exception
    roles = [m.name for m in at.chat_message]
    assert roles == ["assistant", "user", "assistant"]
    reply = at.chat_message[2].markdown[1].value
    assert reply and reply != opening
    assert "session" in at.query_params


def test_empty_message_is_refused_and_nothing_is_sent(app: AppTest) -> None:
    at = _start(app)
    at.chat_input(key="chat").set_value("   ").run()
    assert "empty" in at.error[0].value
    assert len(at.chat_message) == 1


def test_too_long_message_is_kept_for_editing(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _start(app)
    long = "This is a very long message. " * 200
    at.chat_input(key="chat").set_value(long).run()
    assert "limit is 2,000" in at.error[0].value
    assert at.text_area(key="refused_text").value == long.strip() or at.text_area(key="refused_text").value == long
    assert len(at.chat_message) == 1


def test_refresh_resumes_the_session(app: AppTest) -> None:
    at = _start(app)
    at.chat_input(key="chat").set_value("That sounds really frustrating.").run()
    session_id = (
        at.query_params["session"][0] if isinstance(at.query_params["session"], list) else at.query_params["session"]
    )
    fresh = AppTest.from_file(APP, default_timeout=30)
    fresh.query_params["session"] = session_id
    fresh.run()
    assert not fresh.exception
    assert [m.name for m in fresh.chat_message] == ["assistant", "user", "assistant"]


def test_coach_hint_marks_the_session_assisted(app: AppTest) -> None:
    at = _start(app)
    at.button(key="hint").click().run()
    assert not at.exception
    hint = at.info[0].value
    assert hint
    at.chat_input(key="chat").set_value("That sounds really frustrating. What happened?").run()
    from hotseat.ui.state import services

    session = services().store.list_sessions()[0]
    assert session.assisted
    assert session.trainee_turns()[0].hint_used
    assert hint not in " ".join(t.text for t in session.turns)  # the hint never enters the transcript


def test_try_again_from_a_turn_branches_and_keeps_the_original(app: AppTest) -> None:
    at = _start(app)
    at.chat_input(key="chat").set_value("Let me look at the system.").run()
    at.chat_input(key="chat").set_value("Okay. Tell me what happened.").run()
    from hotseat.ui.state import services

    original = services().store.list_sessions()[0]
    at.button(key=f"retry_from_{original.id}_1").click().run()
    assert not at.exception
    branch_id = at.query_params["session"]
    branch_id = branch_id[0] if isinstance(branch_id, list) else branch_id
    assert branch_id != original.id
    branch = services().store.load_session(branch_id)
    assert branch.parent_id == original.id and len(branch.turns) == 1
    at.chat_input(key="chat").set_value("That sounds awful, and it should not have happened.").run()
    assert not at.exception
    assert len(services().store.load_session(original.id).turns) == 5  # the original is untouched
    assert any("Compare with your first try" in e.label for e in at.expander)
