"""The debrief: built from sessions played through the real engine and the embedded customer."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from helpers_engine import make_engine
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from evaluators.results import Evaluation, SkillScore
from evaluators.skills import Flag, Skill
from evaluators.transcript import Transcript
from hotseat.errors import EvaluationError, ProviderError
from hotseat.practice.engine import PracticeEngine
from hotseat.practice.session import PracticeSession
from hotseat.providers.fake import FakeChatModel
from hotseat.review import grades as grades_module
from hotseat.review.debrief import anchor_reached, build_debrief, load_rubric_anchors
from hotseat.review.grades import evaluation_for, grade_session, stored_evaluation
from hotseat.storage.schema import EvaluationRow

PERSONA = "policy-over-problem"
GOOD = [
    "That sounds really frustrating. So the hospital moved your surgery, your surgeon says you can't fly "
    "for four weeks, and all you got back was an email saying you lose the whole $418. I understand why you're upset.",
    "I'm sorry, we got this wrong and that's on us. You've flown with us for years and you deserve better "
    "than a rule read back to you.",
    "Here's what I can do: I can move your trip to late May today, or escalate to my manager for a full refund. "
    "Which would you prefer?",
]
BAD = [
    "Our policy clearly states that basic economy fares cannot be changed.",
    "Let me process a refund for you right away.",
    "I'm sorry you feel that way, but the policy is the policy.",
    "Did you actually read the terms before buying?",
]


def play(engine: PracticeEngine, script: list[str], *, hints: bool = False) -> PracticeSession:
    """Play `script` against the embedded scripted customer until it ends or runs out."""
    session = engine.start(PERSONA)
    for line in script:
        if session.ended:
            break
        engine.submit(session, line, hint_used=hints)
        engine.reply_text(session)
    return session


def debrief_of(engine: PracticeEngine, session: PracticeSession, evaluation: Evaluation | None = None) -> Any:
    persona, scenario = engine.persona_and_scenario(session)
    return build_debrief(session, persona, scenario, evaluation)


def evaluation_rows(engine: PracticeEngine, session_id: str) -> int:
    with engine.store.engine.connect() as db:
        query = select(func.count()).select_from(EvaluationRow).where(EvaluationRow.session_id == session_id)
        return int(db.scalar(query) or 0)


def test_bad_trainee_flags_are_linked_to_the_turns_that_raised_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scripted customer picks its lines by session id: a fixed id plays the same conversation every run.
    ids = iter(uuid.UUID(int=n) for n in range(1, 1000))
    monkeypatch.setattr("hotseat.practice.engine.uuid.uuid4", lambda: next(ids))
    engine = make_engine(tmp_path)
    session = play(engine, BAD)
    debrief = debrief_of(engine, session)
    by_index = {t.index: t for t in session.turns}
    linked = [(f.flag, f.turn) for f in debrief.flags]
    assert (Flag.POLICY_HIDING, 1) in linked  # citing policy first
    assert any(turn > 1 for _, turn in linked)  # and kept raising them later on
    raised = {(f, t.index) for t in session.trainee_turns() if t.signals for f in t.signals.flags}
    assert {(f.flag, f.index) for f in debrief.flags} == raised
    for raised in debrief.flags:
        turn = by_index[raised.index]
        assert turn.role == "trainee"
        assert turn.signals is not None and raised.flag in turn.signals.flags
        assert raised.quote in turn.text
        assert session.trainee_turns()[raised.turn - 1] is turn


def test_the_bad_trainee_starts_solving_earlier_and_before_they_felt_heard(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    good = debrief_of(engine, play(engine, GOOD)).phases
    bad = debrief_of(engine, play(engine, BAD)).phases
    assert bad.switch_turn == 2 and bad.too_soon
    assert bad.summary() == "You started solving at turn 2, before they felt heard."
    assert good.switch_turn is not None and good.switch_turn > bad.switch_turn
    assert good.heard_before_switch is True
    assert "after they felt heard" in good.summary()
    assert good.listening_turns == good.switch_turn - 1


def test_no_fix_offered_means_no_switch(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    phases = debrief_of(engine, play(engine, GOOD[:1])).phases
    assert phases.switch_turn is None and phases.heard_before_switch is None and not phases.too_soon
    assert phases.listening_turns == 1
    assert "never moved on to solving" in phases.summary()


def test_mood_curve_has_one_point_per_turn_and_marks_the_turns_that_moved_it(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session = play(engine, BAD)
    curve = debrief_of(engine, session).curve
    trainee = session.trainee_turns()
    assert len(curve) == len(trainee) + 1  # their opening, then one point after each of your turns
    assert [p.turn for p in curve] == list(range(len(trainee) + 1))
    for before, point, turn in zip(curve[:-1], curve[1:], trainee, strict=True):
        assert turn.mood is not None
        assert (point.anger, point.trust, point.index) == (turn.mood.anger, turn.mood.trust, turn.index)
        assert point.delta_anger == pytest.approx(point.anger - before.anger, abs=0.01)
        assert point.moved == (abs(point.delta_anger) >= 1)
        assert point.note == turn.note
    assert curve[1].moved and curve[1].delta_anger > 0  # citing policy first made them angrier


def test_skills_carry_score_anchor_evidence_and_a_better_sentence(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session = play(engine, GOOD[:2])
    quote = session.trainee_turns()[1].text.split(".")[0]
    evaluation = Evaluation(
        evaluator="llm:judge-model",
        skills=[
            SkillScore(skill=s, reasoning=f"{s.value} why", score=4, evidence=[quote], suggestion=f"Say {s.value}.")
            for s in Skill
        ],
    )
    persona, scenario = engine.persona_and_scenario(session)
    anchors = {Skill.APOLOGY: {1: "Blames the customer.", 3: "Says sorry for the problem.", 5: "Owns it fully."}}
    debrief = build_debrief(session, persona, scenario, evaluation, anchors=anchors)
    assert [s.skill for s in debrief.skills] == list(Skill)
    apology = next(s for s in debrief.skills if s.skill is Skill.APOLOGY)
    assert (apology.score, apology.anchor, apology.evidence, apology.better) == (
        4,
        "Says sorry for the problem.",
        [quote],
        "Say apology.",
    )
    assert debrief.evaluator == "llm:judge-model" and debrief.fallback_reason is None


def test_anchor_reached_is_the_highest_level_at_or_below_the_score() -> None:
    levels = {1: "one", 3: "three", 5: "five"}
    assert [anchor_reached(levels, score) for score in range(1, 6)] == ["one", "one", "three", "three", "five"]
    assert anchor_reached({}, 3) is None


def test_rubric_anchors_are_read_from_the_real_rubric_files() -> None:
    anchors = load_rubric_anchors()
    assert set(anchors) == set(Skill)
    for levels in anchors.values():
        assert sorted(levels) == [1, 2, 3, 4, 5]
        assert all(len(text) > 20 for text in levels.values())
    assert anchors[Skill.EMPATHY][4].startswith("Strong:")
    assert anchor_reached(anchors[Skill.APOLOGY], 4) == anchors[Skill.APOLOGY][4]


def test_evaluation_is_graded_once_then_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(tmp_path)
    session = play(engine, BAD)
    calls: list[str] = []
    real = grades_module.grade_session

    def counting(*args: Any, **kwargs: Any) -> Evaluation:
        calls.append(session.id)
        return real(*args, **kwargs)

    monkeypatch.setattr(grades_module, "grade_session", counting)
    first = evaluation_for(engine.store, session, None)
    second = evaluation_for(engine.store, engine.load(session.id), None)
    assert first == second
    assert calls == [session.id]
    assert evaluation_rows(engine, session.id) == 1
    assert stored_evaluation(engine.store, session) == first


def test_a_grade_older_than_the_last_turn_is_graded_again(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session = play(engine, GOOD[:1])
    evaluation_for(engine.store, session, None)
    engine.submit(session, GOOD[1])
    engine.reply_text(session)
    fresh = evaluation_for(engine.store, session, None)
    if fresh.turns:  # a grade that lists its turns can tell it is stale
        assert evaluation_rows(engine, session.id) == 2
        assert max(t.index for t in fresh.turns) == session.trainee_turns()[-1].index


def test_hints_never_reach_the_grader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(tmp_path)
    session = play(engine, GOOD[:2], hints=True)
    seen: list[Transcript] = []

    def spy(transcript: Transcript, *, model: Any, facts: Any = (), budget_s: Any = None) -> Evaluation:
        seen.append(transcript)
        skills = [SkillScore(skill=s, reasoning="spy", score=3) for s in Skill]
        return Evaluation(evaluator="offline", skills=skills)

    monkeypatch.setattr("evaluators.grader.grade", spy)
    _, scenario = engine.persona_and_scenario(session)
    grade_session(session, None, facts=scenario.facts)
    assert session.assisted
    sent = seen[0].model_dump()
    assert [(t["role"], t["text"]) for t in sent["turns"]] == [(t.role, t.text) for t in session.turns]
    assert set(sent["turns"][0]) == {"role", "text"}
    assert debrief_of(engine, session).assisted


def test_a_failing_llm_judge_falls_back_and_says_so(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session = play(engine, BAD)
    judge = FakeChatModel(name="judge").enqueue(*[ProviderError("The judge is down.")] * 5)
    evaluation = evaluation_for(engine.store, session, judge)
    assert evaluation.evaluator == "offline"
    assert evaluation.fallback_reason and "offline" in evaluation.fallback_reason
    debrief = debrief_of(engine, session, evaluation)
    assert debrief.fallback_reason == evaluation.fallback_reason


def _debrief_page() -> None:
    """An AppTest script: render the debrief of the session named in the URL."""
    import streamlit as st

    from hotseat.ui.debrief_view import render_debrief
    from hotseat.ui.state import services

    svc = services()
    render_debrief(svc, svc.engine.load(st.query_params["session"]))


def test_render_debrief_under_apptest(tmp_path: Path) -> None:
    from hotseat.ui.state import services

    services.clear()
    svc = services()
    marked_up = (
        "Our policy clearly states that **Final** basic economy fares <script>alert(1)</script> cannot be changed."
    )
    session = play(svc.engine, [marked_up, *BAD[1:]])
    at = AppTest.from_function(_debrief_page, default_timeout=30)
    at.query_params["session"] = session.id
    at.run()
    assert not at.exception, at.exception
    markdown = "\n".join(m.value for m in at.markdown)
    assert "policy hiding" in markdown and "turn 1" in markdown
    from hotseat.ui.components import as_text

    assert as_text("**Final**") in markdown and as_text("<script>") in markdown  # shown as typed, never rendered
    assert "**Final**" not in markdown and "<script>" not in markdown
    assert any("before they felt heard" in w.value for w in at.warning)
    assert len(at.get("vega_lite_chart")) == 2
    assert len(at.get("download_button")) == 3
    assert len(at.expander) == len(Skill)
    assert evaluation_rows(svc.engine, session.id) == 1
    at.run()  # a rerun reuses the stored grade
    assert not at.exception
    assert evaluation_rows(svc.engine, session.id) == 1
    services.clear()


def test_a_broken_rubric_file_shows_no_anchors(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> dict[Skill, Any]:
        raise EvaluationError("Rubric file empathy.yaml is not valid YAML.")

    monkeypatch.setattr("evaluators.rubric.load_rubrics", broken)
    assert load_rubric_anchors() == {}


def _orphan_page() -> None:
    """An AppTest script: the debrief of a session whose persona file is gone."""
    from hotseat.practice.mood import MoodState
    from hotseat.practice.personas import Difficulty
    from hotseat.practice.session import PracticeSession
    from hotseat.ui.debrief_view import render_debrief
    from hotseat.ui.state import services

    mood = MoodState(anger=7, trust=3)
    orphan = PracticeSession(
        id="orphan", persona_id="no-such-persona", scenario_id="x", difficulty=Difficulty.UPSET, provider="p", mood=mood
    )
    render_debrief(services(), orphan)


def test_a_session_whose_persona_is_gone_gets_a_message_not_a_crash() -> None:
    from hotseat.ui.state import services

    services.clear()
    at = AppTest.from_function(_orphan_page, default_timeout=30).run()
    assert not at.exception, at.exception
    assert "No debrief for this session" in at.warning[0].value
    services.clear()


def _judge_answer(request: Any) -> str:
    """A valid judge answer for the transcript in the request, quoting its first trainee turn."""
    import json
    import re

    turns = re.findall(r'<turn index="(\d+)"[^>]*>(.*)</turn>', request.last_user_message)
    quote = " ".join(json.loads(turns[0][1]).split()[:3])
    skills = {s.value: {"evidence": [quote], "reasoning": "r", "score": 3, "suggestion": "s"} for s in Skill}
    return json.dumps({"skills": skills, "turns": []})


@pytest.mark.server
def test_the_debrief_paints_offline_at_once_and_the_slow_judge_replaces_it(
    openai_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from hotseat.ui.debrief_view import background_judge
    from hotseat.ui.state import services

    services.clear()
    session = play(services().engine, GOOD)  # played with the scripted customer
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("HOTSEAT_MODEL", "test-model")
    services.clear()  # the same database, now with an LLM judge configured
    openai_server.delay_next(3.0)
    openai_server.enqueue(_judge_answer)

    at = AppTest.from_function(_debrief_page, default_timeout=30)
    at.query_params["session"] = session.id
    at.run()  # the judge's answer is held back by the server: the page must not wait for it

    assert not at.exception, at.exception
    assert "offline evaluator" in " ".join(c.value for c in at.caption)
    assert any("grading in the background" in c.value for c in at.caption)
    assert len(at.expander) == len(Skill)

    deadline = time.monotonic() + 20
    while background_judge().running(f"{session.id}:{len(session.turns)}") and time.monotonic() < deadline:
        time.sleep(0.1)
    at.run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "LLM judge (test-model)" in captions
    assert "grading in the background" not in captions
    services.clear()
