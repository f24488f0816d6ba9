"""The practice loop: turns saved before the LLM, restarts, reactions, budgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_engine import make_engine

from hotseat.errors import InputError, ProviderRateLimited
from hotseat.practice.personas import fill_line
from hotseat.providers.fake import FakeChatModel

PERSONA = "policy-over-problem"


def test_trainee_turn_is_saved_before_the_llm_is_called(tmp_path: Path) -> None:
    model = FakeChatModel().enqueue(ProviderRateLimited("rate limited", hint="wait"), "Fine. Go on.")
    engine = make_engine(tmp_path, model, provider="openai")
    session = engine.start(PERSONA)
    engine.submit(session, "That sounds really frustrating. What happened?")
    with pytest.raises(ProviderRateLimited):
        engine.reply_text(session)
    stored = engine.load(session.id)
    assert [t.role for t in stored.turns] == ["customer", "trainee"]
    assert stored.awaiting_reply
    assert engine.reply_text(stored) == "Fine. Go on."
    assert [t.role for t in engine.load(session.id).turns] == ["customer", "trainee", "customer"]


def test_session_survives_a_restart(tmp_path: Path) -> None:
    first = make_engine(tmp_path)
    session = first.start(PERSONA, difficulty="furious")
    first.say(session, "I'm sorry, that should never have happened. Tell me more?")
    first.store.engine.dispose()
    second = make_engine(tmp_path)  # a new process: new engine, same SQLite file
    resumed = second.load(session.id)
    assert resumed.difficulty.value == "furious"
    assert [t.text for t in resumed.turns] == [t.text for t in session.turns]
    assert resumed.mood == session.mood
    second.say(resumed, "So the refund was refused because of the 30-day rule, even though we caused the delay?")
    assert len(second.load(session.id).turns) == 5


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_messages_are_refused(tmp_path: Path, text: str) -> None:
    engine = make_engine(tmp_path)
    session = engine.start(PERSONA)
    with pytest.raises(InputError, match="empty"):
        engine.submit(session, text)
    assert len(engine.load(session.id).turns) == 1


def test_huge_message_is_refused_with_its_size(tmp_path: Path) -> None:
    engine = make_engine(tmp_path, max_message_chars=500)
    session = engine.start(PERSONA)
    with pytest.raises(InputError, match="is 20,000 characters; the limit is 500"):
        engine.submit(session, "x" * 20_000)
    assert len(engine.load(session.id).turns) == 1


def test_scripted_customer_reacts_differently_to_apology_and_policy(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    apology = engine.start(PERSONA)
    policy = engine.start(PERSONA, apology.scenario_id)
    said_to_apology = engine.say(apology, "I'm so sorry. We got this wrong, and that's on us, not you.")
    said_to_policy = engine.say(policy, "Unfortunately our policy states that refunds are not possible after 30 days.")
    assert said_to_apology != said_to_policy
    assert apology.mood.anger < policy.mood.anger
    persona, scenario = engine.persona_and_scenario(policy)
    policy_lines = {fill_line(line, scenario) for line in persona.lines_for(scenario).for_reaction("policy")}
    assert said_to_policy in policy_lines


_WORDS = [
    "invoice",
    "parcel",
    "driver",
    "fee",
    "branch",
    "manager",
    "letter",
    "refund",
    "courier",
    "number",
    "harvest",
    "combine",
    "portal",
]


def _distinct_question(i: int) -> str:
    """A different open question every turn (a repeated line would make the customer walk away)."""
    import random

    rng = random.Random(i)
    topic = " ".join(rng.sample(_WORDS, 6))
    return f"Turn {i}: can you tell me more about what happened with the {topic}? " * 6


def test_llm_prompt_stays_within_budget_as_history_grows(tmp_path: Path) -> None:
    model = FakeChatModel(default="I still want a straight answer. " * 8)
    engine = make_engine(tmp_path, model, provider="openai", prompt_token_budget=1800, turn_limit=1000)
    session = engine.start(PERSONA)
    sizes = []
    for i in range(30):
        engine.say(session, _distinct_question(i))
        sizes.append(session.turns[-1].prompt_tokens)
        if session.ended:
            break
    last = f"Turn {len(sizes) - 1}:"
    assert len(sizes) >= 12, "the session should run long enough to need trimming"
    assert max(sizes) <= 1800
    from hotseat.tokens import count_tokens

    whole = sum(count_tokens(t.text) for t in session.turns)
    assert whole > 1800  # the untrimmed conversation would not fit: the budget did the work
    assert session.summary.startswith("Earlier in this conversation")
    # the trainee's words reach the model as the user's turn, never inside the system prompt
    last_call = model.history[-1]
    assert last_call[0].role == "system" and last not in last_call[0].content
    assert any(m.role == "user" and m.content.startswith(last) for m in last_call)


def test_mood_state_is_rendered_last_so_the_prefix_is_cacheable(tmp_path: Path) -> None:
    model = FakeChatModel(default="Go on.")
    engine = make_engine(tmp_path, model, provider="openai")
    session = engine.start(PERSONA)
    engine.say(session, "Tell me what happened.")
    engine.say(session, "That sounds awful.")
    first, second = model.history
    assert first[-1].content.startswith("How you feel right now") and second[-1].content.startswith(
        "How you feel right now"
    )
    assert first[0] == second[0]  # the fixed system prompt is byte-identical between turns
