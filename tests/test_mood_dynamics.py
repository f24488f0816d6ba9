"""Mood as behaviour: a good trainee wins each customer back; a bad one makes them walk away."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers_engine import make_engine

from hotseat.errors import ConflictError
from hotseat.practice.personas import fill_line
from hotseat.providers.fake import FakeChatModel

SCRIPTS = yaml.safe_load((Path(__file__).parent / "fixtures" / "trainee_scripts.yaml").read_text())
PERSONAS = sorted(SCRIPTS)


def _play(engine, persona_id: str, lines: list[str], difficulty: str = "upset"):  # type: ignore[no-untyped-def]
    session = engine.start(persona_id, difficulty=difficulty)
    for line in lines:
        if session.ended:
            break
        engine.say(session, line)
    return session


@pytest.mark.parametrize("llm", [False, True], ids=["scripted", "fake-llm"])
@pytest.mark.parametrize("persona_id", PERSONAS)
def test_good_trainee_wins_the_customer_back(tmp_path: Path, persona_id: str, llm: bool) -> None:
    model = FakeChatModel(default="Alright. Go on.") if llm else None
    engine = make_engine(tmp_path, model, **({"provider": "openai"} if llm else {}))
    session = _play(engine, persona_id, SCRIPTS[persona_id]["good"])
    assert session.status == "won_back", [(t.text[:40], t.mood) for t in session.trainee_turns()]
    assert len(session.trainee_turns()) <= engine.settings.turn_limit
    anger = [t.mood.anger for t in session.turns if t.mood]
    assert anger[-1] < anger[0]
    if not llm:  # the scripted customer says goodbye its own way
        persona, scenario = engine.persona_and_scenario(session)
        goodbyes = persona.lines_for(scenario).for_reaction("won_back")
        filled = {fill_line(g, scenario) for g in goodbyes}
        assert session.turns[-1].text in filled
    else:  # the LLM is told the conversation ends, and how
        assert "you are won back" in engine.customer.model.history[-1][-1].content  # type: ignore[attr-defined]


@pytest.mark.parametrize("llm", [False, True], ids=["scripted", "fake-llm"])
@pytest.mark.parametrize("persona_id", PERSONAS)
def test_bad_trainee_makes_the_customer_walk_away(tmp_path: Path, persona_id: str, llm: bool) -> None:
    model = FakeChatModel(default="That's it.") if llm else None
    engine = make_engine(tmp_path, model, **({"provider": "openai"} if llm else {}))
    session = _play(engine, persona_id, SCRIPTS[persona_id]["bad"])
    assert session.status == "walked_away", [
        (t.text[:40], t.signals.flags if t.signals else None, t.mood) for t in session.trainee_turns()
    ]
    assert session.mood.loyalty_killers >= 2 or session.mood.anger >= 10


@pytest.mark.parametrize("persona_id", PERSONAS)
def test_difficulty_changes_how_hard_they_are_to_win(tmp_path: Path, persona_id: str) -> None:
    engine = make_engine(tmp_path)
    calm = _play(engine, persona_id, SCRIPTS[persona_id]["good"][:3], difficulty="calm")
    furious = _play(engine, persona_id, SCRIPTS[persona_id]["good"][:3], difficulty="furious")
    assert calm.mood.anger < furious.mood.anger


def test_two_tabs_on_one_session_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    tab_a = engine.start("policy-over-problem")
    tab_b = engine.load(tab_a.id)
    engine.say(tab_a, "That sounds stressful. What happened?")
    with pytest.raises(ConflictError, match="already saved"):
        engine.submit(tab_b, "Tell me more about the booking.")
    assert len(tab_b.turns) == 3  # tab B was reloaded from the database
    stored = engine.load(tab_a.id)
    assert [t.index for t in stored.turns] == [0, 1, 2]
