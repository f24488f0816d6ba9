"""Wire the configured pieces together (store, personas, provider, engine) for UI and CLI."""

from __future__ import annotations

from dataclasses import dataclass

from hotseat.authoring.catalog import PersonaCatalog
from hotseat.practice.engine import PracticeEngine
from hotseat.practice.personas import PersonaLibrary
from hotseat.prompts import PromptLibrary
from hotseat.providers.factory import build_chat_model, describe_provider
from hotseat.settings import Settings, load_settings
from hotseat.storage import Store


@dataclass
class Services:
    """Everything a front end needs, built once per process."""

    settings: Settings
    store: Store
    personas: PersonaCatalog  # built-in persona files and the database's custom personas
    prompts: PromptLibrary
    engine: PracticeEngine
    provider_label: str

    def warm_up(self) -> None:
        """Load the evaluator's models now, so the trainee's first turn is not the slow one."""
        from evaluators.reading import read_turn
        from evaluators.signals import TurnContext

        read_turn("I'm sorry, so the delivery never arrived?", TurnContext(customer_said=("It never arrived.",)))


def build_services(settings: Settings | None = None) -> Services:
    """Check the prompt files, open the database (migrating it), join the persona folder and the custom personas,
    pick the provider."""
    settings = settings or load_settings()
    prompts = PromptLibrary(settings.prompts_dir)
    prompts.check()  # a broken prompt file fails here, at start, not after a trainee's turn is stored
    store = Store.open(settings.resolved_database_url())
    personas = PersonaCatalog(PersonaLibrary(settings.personas_dir), store)
    engine = PracticeEngine(settings, store, personas, build_chat_model(settings))
    return Services(settings, store, personas, prompts, engine, describe_provider(settings))
