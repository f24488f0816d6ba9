"""The coach: offline hints from the session state, the LLM coach with fallback, hints kept from the grader."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import pytest
from helpers_engine import make_engine
from support import PROJECT_ROOT

from evaluators.skills import Skill
from hotseat.errors import PromptError, ProviderError
from hotseat.practice.engine import PracticeEngine
from hotseat.practice.personas import Persona, Scenario
from hotseat.practice.session import PracticeSession
from hotseat.providers.fake import FakeChatModel
from hotseat.review.coach import (
    HINT_KINDS,
    Hint,
    coach_hint,
    llm_hint,
    load_coaching,
    offline_hint,
    restate_customer,
    suggest,
)

PERSONAS = ["guilty-until-proven-innocent", "policy-over-problem", "sorry-hardest-word", "transaction-not-relationship"]


def _setup(
    engine: PracticeEngine, persona_id: str, scenario_id: str | None = None, difficulty: str = "upset"
) -> tuple[PracticeSession, Persona, Scenario]:
    session = engine.start(persona_id, scenario_id, difficulty)
    persona, scenario = engine.persona_and_scenario(session)
    return session, persona, scenario


def _example(hint: Hint) -> str:
    """The first example sentence the hint quotes (what a trainee following it would say)."""
    return re.findall(r'"([^"]+)"', hint.text)[0]


def test_first_hint_restates_what_the_customer_said(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session, persona, scenario = _setup(engine, "policy-over-problem", "basic-economy-surgery")
    hint = suggest(session, persona, scenario)
    assert hint.kind == "listen"
    assert "$418" in hint.text  # built from the customer's own opening, in the trainee's voice
    assert "you lose the whole $418" in hint.text
    assert "Bluewing" in hint.text  # the validation alternative names the company
    assert hint.avoid is None


def test_restating_swaps_the_speaker() -> None:
    said = "You estimated my meter for eight months, never told me your reader couldn't get through."
    assert restate_customer(said) == (
        "we estimated your meter for eight months, never told you our reader couldn't get through"
    )
    assert restate_customer("I was home all afternoon.") == "you were home all afternoon"


@pytest.mark.parametrize("persona_id", PERSONAS)
def test_following_the_first_hint_makes_every_customer_feel_heard(tmp_path: Path, persona_id: str) -> None:
    engine = make_engine(tmp_path)
    for scenario in engine.personas.get(persona_id).scenarios:
        session, persona, _ = _setup(engine, persona_id, scenario.id)
        engine.say(session, _example(suggest(session, persona, scenario)))
        assert session.mood.felt_heard, (scenario.id, session.turns[-2].signals)
        assert not session.turns[-2].signals.flags  # type: ignore[union-attr]


@pytest.mark.parametrize("difficulty", ["upset", "furious"])
@pytest.mark.parametrize("persona_id", PERSONAS)
def test_a_trainee_who_follows_the_coach_wins_every_customer_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, persona_id: str, difficulty: str
) -> None:
    # The scripted customer picks its lines by session id: fixed ids play the same variations on every run.
    ids = iter(uuid.UUID(int=n) for n in range(1, 1000))
    monkeypatch.setattr("hotseat.practice.engine.uuid.uuid4", lambda: next(ids))
    engine = make_engine(tmp_path)
    for scenario_id in [s.id for s in engine.personas.get(persona_id).scenarios]:
        for _variation in range(5):
            session, persona, scenario = _setup(engine, persona_id, scenario_id, difficulty=difficulty)
            kinds, said = [], []
            while not session.ended:
                hint = suggest(session, persona, scenario)
                kinds.append(hint.kind)
                said.append(_example(hint))
                engine.say(session, said[-1])
            assert session.status == "won_back", (session.id, kinds)
            assert kinds[0] == "listen"
            # Only the customer who waits for an owned apology can be won back without a concrete offer.
            assert "offer_choices" in kinds or (persona_id == "sorry-hardest-word" and "apologise" in kinds)
            assert len(set(said)) == len(said), "the coach suggested a line the trainee had already said"
            assert suggest(session, persona, scenario).kind == "ended"


def test_hint_examples_keep_the_customers_quotes_inside_the_quote() -> None:
    restated = restate_customer('Your status page calls it a "service degradation".')
    assert restated == "our status page calls it a 'service degradation'"


def test_sorry_persona_is_coached_to_own_the_mistake_before_any_fix(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session, persona, scenario = _setup(engine, "sorry-hardest-word", "duplicate-invoices")
    engine.say(session, _example(suggest(session, persona, scenario)))
    assert session.mood.felt_heard
    hint = suggest(session, persona, scenario)
    assert hint.kind == "apologise"
    engine.say(session, _example(hint))
    signals = session.turns[-2].signals
    assert signals is not None and signals.shows(Skill.APOLOGY) and not signals.flags
    assert suggest(session, persona, scenario).kind == "offer_choices"


def test_other_personas_are_offered_choices_tied_to_their_values(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session, persona, scenario = _setup(engine, "guilty-until-proven-innocent", "missing-delivery")
    engine.say(session, _example(suggest(session, persona, scenario)))
    hint = suggest(session, persona, scenario)
    assert hint.kind == "offer_choices"
    assert any(example in hint.text for example in scenario.need_examples)  # a concrete fix of the kind they need
    assert "their daughter's birthday" in hint.text  # the values, about them ("her" -> "their"), not pasted
    assert scenario.values not in hint.text
    engine.say(session, _example(hint))
    assert session.mood.need_met
    assert suggest(session, persona, scenario).kind == ("ended" if session.ended else "connect_values")


def test_a_flagged_turn_says_what_to_avoid(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session, persona, scenario = _setup(engine, "policy-over-problem")
    engine.say(session, "Per our policy, basic economy fares cannot be changed.")
    hint = suggest(session, persona, scenario)
    assert hint.avoid is not None and hint.avoid.startswith("Avoid quoting policy")
    assert '"per our policy"' in hint.avoid  # the reader's own note on the turn
    text = offline_hint(session, persona, scenario)
    assert text.startswith("Avoid quoting policy") and hint.text in text


def test_still_angry_after_feeling_heard_is_coached_to_validate(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session, persona, scenario = _setup(engine, "policy-over-problem")
    session.mood = session.mood.model_copy(update={"felt_heard": True, "anger": 9.0})
    hint = suggest(session, persona, scenario)
    assert hint.kind == "calm_more"
    assert scenario.company in hint.text


def test_hint_templates_are_data(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", prompts)
    data = prompts / "coach" / "coaching.yaml"
    data.write_text(data.read_text().replace("does not feel heard yet, so hold any fix", "is not heard yet"))
    engine = make_engine(tmp_path)
    session, persona, scenario = _setup(engine, "policy-over-problem")
    hint = suggest(session, persona, scenario, coaching=load_coaching(prompts))
    assert hint.text.startswith("Dolores is not heard yet.")
    assert set(HINT_KINDS) <= set(load_coaching(prompts).hints)


def test_a_template_with_an_undeclared_variable_fails_loudly(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", prompts)
    data = prompts / "coach" / "coaching.yaml"
    data.write_text(data.read_text().replace("{{ name }} does not feel heard", "{{ nickname }} does not feel heard"))
    with pytest.raises(PromptError, match="nickname"):
        load_coaching(prompts)


def test_llm_hint_renders_the_coach_prompt(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session, persona, scenario = _setup(engine, "policy-over-problem")
    engine.say(session, "That sounds awful. What happened?")
    model = FakeChatModel().enqueue("  Restate the surgery date and the $418 before offering anything.  ")
    assert llm_hint(model, session, persona, scenario) == (
        "Restate the surgery date and the $418 before offering anything."
    )
    system, user = model.history[0]
    assert scenario.facts[0] in system.content and persona.needs in system.content
    assert "Trainee: That sounds awful. What happened?" in user.content
    assert offline_hint(session, persona, scenario) in user.content
    assert user.content.index("anger") > user.content.index("Trainee:")  # the mood comes last


@pytest.mark.parametrize("reply", [ProviderError("down", hint="later"), "   "])
def test_llm_hint_falls_back_to_offline(tmp_path: Path, reply: str | BaseException) -> None:
    engine = make_engine(tmp_path)
    session, persona, scenario = _setup(engine, "sorry-hardest-word")
    model = FakeChatModel().enqueue(reply)
    assert llm_hint(model, session, persona, scenario) == offline_hint(session, persona, scenario)
    assert coach_hint(session, persona, scenario) == offline_hint(session, persona, scenario)


def test_hints_mark_the_session_assisted_and_never_reach_the_grader(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session, persona, scenario = _setup(engine, "transaction-not-relationship")
    hint = offline_hint(session, persona, scenario)
    engine.submit(session, "Fourteen years with no overdraft, and we hit you with $140 in fees.", hint_used=True)
    engine.reply_text(session)
    stored = engine.load(session.id)
    assert stored.assisted
    assert [t.hint_used for t in stored.trainee_turns()] == [True]
    transcript = stored.to_transcript().model_dump_json()
    assert hint not in transcript
    for sentence in re.findall(r'"([^"]+)"', hint):
        assert sentence not in transcript
    assert all(hint not in t.text for t in stored.turns)
