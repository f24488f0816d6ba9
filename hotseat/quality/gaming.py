"""Can a stock line game the customer? Play one line every turn against each persona and difficulty.

Used by `benchmarks/gaming.py` (figures) and the tests (no persona may be won back by a
repeated line). The scripted customer and the offline reader only: no LLM, no network.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from hotseat.practice.engine import PracticeEngine
from hotseat.practice.personas import Difficulty, PersonaLibrary
from hotseat.settings import load_settings
from hotseat.storage import Store

PARROT_LONG = (
    "It sounds like you have been really let down, and I'm so sorry, that was our mistake and it's completely "
    "understandable that you're upset. You have every right to be frustrated. I'll fix this today, and I want to "
    "keep earning your trust for years to come so this never happens again."
)
PARROT_SHORT = "I'm so sorry, that was our mistake, and you have every right to be upset. I'll fix this today."
STOCK_LINES = (PARROT_LONG, PARROT_SHORT, "I understand your frustration and I apologise for any inconvenience.")


@dataclass(frozen=True)
class GameResult:
    """One line played against one persona, scenario and difficulty until the session ended."""

    line: str
    persona: str
    scenario: str
    difficulty: str
    ending: str
    turns: int
    repeated_customer_lines: int


def play_line(engine: PracticeEngine, line: str, persona: str, scenario: str, difficulty: Difficulty) -> GameResult:
    """Say `line` every turn until the conversation ends."""
    session = engine.start(persona, scenario, difficulty)
    while not session.ended:
        engine.say(session, line)
    said = session.customer_lines()
    return GameResult(
        line=line,
        persona=persona,
        scenario=scenario,
        difficulty=difficulty.value,
        ending=session.status,
        turns=len(session.trainee_turns()),
        repeated_customer_lines=len(said) - len(set(said)),
    )


def play_all(lines: tuple[str, ...] = STOCK_LINES, *, all_scenarios: bool = False) -> list[GameResult]:
    """Every line against every persona (first scenario, or all) at every difficulty."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), provider="scripted")
        store = Store.open(settings.resolved_database_url())
        personas = PersonaLibrary(settings.personas_dir)
        engine = PracticeEngine(settings, store, personas, None)
        results = []
        for persona in personas.all():
            scenarios = persona.scenarios if all_scenarios else persona.scenarios[:1]
            for scenario in scenarios:
                for difficulty in Difficulty:
                    for line in lines:
                        results.append(play_line(engine, line, persona.id, scenario.id, difficulty))
        store.engine.dispose()
        return results
