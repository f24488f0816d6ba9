"""Build an engine on a temporary SQLite file (shared by engine, CLI and benchmark tests)."""

from __future__ import annotations

from pathlib import Path

from hotseat.practice.engine import PracticeEngine
from hotseat.practice.personas import PersonaLibrary
from hotseat.providers.base import ChatModel
from hotseat.settings import Settings, load_settings
from hotseat.storage import Store


def make_engine(tmp_path: Path, chat_model: ChatModel | None = None, **overrides: object) -> PracticeEngine:
    """An engine with its own database under tmp_path."""
    settings: Settings = load_settings(data_dir=tmp_path, **overrides)
    store = Store.open(settings.resolved_database_url())
    return PracticeEngine(settings, store, PersonaLibrary(settings.personas_dir), chat_model)
