"""The app when the database goes away, and when a persona file is broken: one message, nothing lost."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import sessionmaker
from streamlit.testing.v1 import AppTest
from support import PROJECT_ROOT
from support.faults import lose_customer_replies

from hotseat.storage.store import make_engine

APP = str(PROJECT_ROOT / "app.py")
DOWN = "postgresql+psycopg://hotseat@127.0.0.1:1/hotseat"
LINE = "I'm sorry, that should never have happened. What happened exactly?"


@pytest.fixture
def at() -> AppTest:
    from hotseat.ui.state import services

    services.clear()
    app = AppTest.from_file(APP, default_timeout=30)
    app.run()
    app.button(key="start").click().run()
    assert not app.exception
    return app


def test_database_down_at_submit_shows_one_message_keeps_the_text_and_the_session(at: AppTest) -> None:
    from hotseat.ui.state import services

    store = services().store
    working = store._sessions
    store._sessions = sessionmaker(make_engine(DOWN), expire_on_commit=False)  # the server goes away
    try:
        at.chat_input(key="chat").set_value(LINE).run()
        assert not at.exception, at.exception
        assert any("unavailable" in e.value for e in at.error)
        assert any(t.value == LINE for t in at.text_area), "what the trainee typed is kept on screen"
        at.run()  # still down on the next run: same message, nothing lost
        assert not at.exception and any("unavailable" in e.value for e in at.error)
    finally:
        store._sessions = working  # the server is back
    at.run()
    assert not at.exception
    assert "session" in at.query_params, "the session is not forgotten during an outage"
    assert any(t.value == LINE for t in at.text_area), "the unsent text is still offered"
    at.chat_input(key="chat").set_value(LINE).run()
    assert [m.name for m in at.chat_message] == ["assistant", "user", "assistant"]


def test_a_reply_lost_to_an_outage_can_be_fetched_again(at: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        lose_customer_replies(patch)
        at.chat_input(key="chat").set_value(LINE).run()
        assert not at.exception
        assert any("unavailable" in e.value for e in at.error)
    at.run()
    assert [m.name for m in at.chat_message] == ["assistant", "user"], "the trainee's turn was stored"
    at.button(key="retry_reply").click().run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["assistant", "user", "assistant"]


@pytest.mark.parametrize("page", ["practice", "history", "progress", "account"])
def test_database_down_when_the_app_starts_is_one_message_on_every_page(
    page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_app_cohorts import _goto

    from hotseat.ui.state import services

    monkeypatch.setenv("DATABASE_URL", DOWN)
    services.clear()
    at = AppTest.from_file(APP, default_timeout=30)
    at = _goto(at, page)
    assert not at.exception, at.exception
    assert len(at.error) == 1, [e.value for e in at.error]
    assert at.error[0].value.startswith(
        "The database at postgresql+psycopg://hotseat@127.0.0.1:1/hotseat is unavailable"
    )
    assert "Traceback" not in at.error[0].value
    services.clear()
