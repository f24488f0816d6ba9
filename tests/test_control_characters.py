"""NUL and other control characters are removed in one place, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers_org import any_db_url, fast_passwords

from hotseat.errors import InputError
from hotseat.org import accounts
from hotseat.practice.engine import PracticeEngine
from hotseat.practice.personas import PersonaLibrary
from hotseat.settings import load_settings
from hotseat.storage import Store
from hotseat.text import clean_text

__all__ = ["any_db_url"]


@pytest.fixture
def engine(any_db_url: str, tmp_path: Path) -> Iterator[PracticeEngine]:
    settings = load_settings(data_dir=tmp_path, database_url=any_db_url)
    store = Store.open(any_db_url)
    yield PracticeEngine(settings, store, PersonaLibrary(settings.personas_dir), None)
    store.engine.dispose()


def test_a_nul_in_a_chat_message_is_stripped_not_a_crash(engine: PracticeEngine) -> None:
    session = engine.start("policy-over-problem")
    engine.say(session, "I'm sorry\x00 that\x1b[31m happened.\r\nWhat went wrong?\x7f")
    stored = engine.load(session.id)
    assert stored.turns[1].text == "I'm sorry that[31m happened.\nWhat went wrong?"
    with pytest.raises(InputError, match="empty"):
        engine.submit(stored, "\x00\x01 \x02")


def test_every_text_column_is_cleaned_whoever_writes_it(
    engine: PracticeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_passwords(monkeypatch)
    user = accounts.register_trainee(engine.store, "nul-user", "a long password", display_name="Nu\x00l \ud800Name")
    assert accounts.actor_by_id(engine.store, user.id).display_name == "Nul Name"
    # A lookup with a NUL in it is cleaned the same way, so it cannot crash PostgreSQL either.
    assert accounts.authenticate(engine.store, "nul-user\x00", "a long password").id == user.id


def test_clean_text_keeps_tabs_newlines_and_every_printable_script() -> None:
    text = "Tab\there\nnew line · naïve 日本語 עברית 👍"
    assert clean_text(text) == text
