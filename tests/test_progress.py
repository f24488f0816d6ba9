"""My progress: per-skill scores over time and by persona, the weakest skill, what to practise next."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_engine import make_engine
from streamlit.testing.v1 import AppTest

from evaluators.skills import Skill
from hotseat.practice.engine import PracticeEngine
from hotseat.practice.session import PracticeSession
from hotseat.review.coach import load_coaching
from hotseat.review.progress import NOT_SHOWN, build_progress, load_progress, scores_from_turns, skill_rows

HEARD = "So your surgery moved to April tenth, you can't fly for four weeks, and you'd lose the whole $418?"
SORRY = "I'm sorry. We got this wrong, and it was our mistake, not yours."


def _session(engine: PracticeEngine, persona: str, lines: list[str], *, mine: bool = True) -> PracticeSession:
    session = engine.start(persona, user_id=engine.store.local_user_id() if mine else None)
    for line in lines:
        engine.say(session, line)
    return session


def _evaluation(scores: dict[Skill, int]) -> dict[str, object]:
    return {
        "evaluator": "offline",
        "skills": [
            {"skill": s.value, "reasoning": "r", "score": v, "evidence": [], "suggestion": ""}
            for s, v in scores.items()
        ],
        "flags": [],
        "turns": [],
    }


def test_no_sessions_means_no_progress_yet(tmp_path: Path) -> None:
    progress = load_progress(make_engine(tmp_path).store)
    assert progress.sessions == [] and progress.overall == {} and progress.weakest is None


def test_session_scores_are_the_mean_of_the_turns_that_showed_each_skill(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session = _session(engine, "policy-over-problem", [HEARD, SORRY, "Thank you for telling me."])
    scores = scores_from_turns(session)
    shown: dict[Skill, list[int]] = {}
    for turn in session.trainee_turns():
        for skill, level in turn.signals.skills.items():  # type: ignore[union-attr]
            shown.setdefault(skill, []).append(level)
    assert set(scores) == set(Skill)
    for skill in Skill:
        expected = round(sum(shown[skill]) / len(shown[skill]), 2) if skill in shown else NOT_SHOWN
        assert scores[skill] == expected
    assert scores[Skill.PARAPHRASE] >= 3 and scores[Skill.APOLOGY] >= 3


def test_progress_over_time_by_persona_with_the_weakest_skill_and_what_to_practise(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    first = _session(engine, "policy-over-problem", [HEARD])
    second = _session(engine, "sorry-hardest-word", [SORRY])
    _session(engine, "sorry-hardest-word", [])  # nothing said yet: nothing to score
    _session(engine, "policy-over-problem", [HEARD], mine=False)  # not the local user's (e.g. the CLI's)

    progress = load_progress(engine.store)

    assert [s.session_id for s in progress.sessions] == [first.id, second.id]  # oldest first
    assert all(s.source == "turns" for s in progress.sessions)
    assert [p.persona_id for p in progress.by_persona] == ["policy-over-problem", "sorry-hardest-word"]
    assert [p.sessions for p in progress.by_persona] == [1, 1]
    for skill in Skill:
        mean = (progress.sessions[0].skills[skill] + progress.sessions[1].skills[skill]) / 2
        assert progress.overall[skill] == pytest.approx(mean, abs=0.01)
    weakest = progress.weakest
    assert weakest is not None
    assert weakest.score == min(progress.overall.values())
    assert weakest.persona_id == load_coaching().practise_next[weakest.skill].persona
    rows = skill_rows(progress)
    assert len(rows) == 2 * len(Skill) and {r["session"] for r in rows} == {1, 2}


def test_a_stored_grade_is_used_over_the_turn_scores(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session = _session(engine, "sorry-hardest-word", [HEARD])
    grade = {skill: 4 for skill in Skill} | {Skill.APOLOGY: 1, Skill.VALUES: 2}
    engine.store.add_evaluation(session.id, "offline", _evaluation(grade))
    progress = load_progress(engine.store)
    (scored,) = progress.sessions
    assert scored.source == "evaluation"
    assert scored.skills == {skill: float(v) for skill, v in grade.items()}
    assert progress.weakest is not None
    assert (progress.weakest.skill, progress.weakest.persona_id) == (Skill.APOLOGY, "sorry-hardest-word")


def test_an_unusable_stored_grade_falls_back_to_the_turns(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session = _session(engine, "policy-over-problem", [HEARD])
    engine.store.add_evaluation(session.id, "offline", {"skills": [{"skill": "empathy", "score": 5}]})
    (scored,) = load_progress(engine.store).sessions
    assert scored.source == "turns"


def test_assisted_and_retried_sessions_are_marked(tmp_path: Path) -> None:
    from hotseat.practice.branching import branch_session

    engine = make_engine(tmp_path)
    session = engine.start("policy-over-problem", user_id=engine.store.local_user_id())
    engine.submit(session, HEARD, hint_used=True)
    engine.reply_text(session)
    branch = branch_session(engine, session, 1)
    engine.say(branch, SORRY)
    scored = {s.session_id: s for s in load_progress(engine.store).sessions}
    assert scored[session.id].assisted and not scored[session.id].retry
    assert scored[branch.id].retry and not scored[branch.id].assisted


def test_every_skill_has_an_existing_persona_to_practise_with(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    mapping = load_coaching().practise_next
    assert set(mapping) == set(Skill)
    assert {m.persona for m in mapping.values()} <= set(engine.personas.ids())
    expected = {
        Skill.APOLOGY: "sorry-hardest-word",
        Skill.PARAPHRASE: "policy-over-problem",
        Skill.VALUES: "transaction-not-relationship",
        Skill.VALIDATION: "guilty-until-proven-innocent",
    }
    assert {skill: mapping[skill].persona for skill in expected} == expected


def test_build_progress_accepts_sessions_in_memory(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    stored = _session(engine, "policy-over-problem", [HEARD])
    fresh = _session(engine, "sorry-hardest-word", [SORRY])
    progress = build_progress([fresh, engine.load(stored.id)])  # a time zone on one, none on the other
    assert [s.session_id for s in progress.sessions] == [stored.id, fresh.id]


def _progress_page() -> None:
    from hotseat.ui import progress_page
    from hotseat.ui.context import page_context

    progress_page.render(page_context())


@pytest.fixture
def fresh_services() -> None:
    from hotseat.ui.state import services

    services.clear()  # a fresh database per test (HOTSEAT_DATA_DIR is a tmp dir)


@pytest.mark.usefixtures("fresh_services")
def test_progress_page_without_sessions() -> None:
    at = AppTest.from_function(_progress_page, default_timeout=30)
    at.run()
    assert not at.exception
    assert at.title[0].value == "My progress"
    assert "No scored sessions yet" in at.info[0].value


@pytest.mark.usefixtures("fresh_services")
def test_progress_page_names_the_weakest_skill_and_charts_it() -> None:
    from hotseat.services import build_services

    svc = build_services()  # the same database the page opens
    _session(svc.engine, "policy-over-problem", [HEARD])
    _session(svc.engine, "sorry-hardest-word", [SORRY, HEARD])
    weakest = load_progress(svc.store).weakest
    assert weakest is not None
    at = AppTest.from_function(_progress_page, default_timeout=30)
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Weakest skill:" in text and "Practise next with:" in text
    assert svc.personas.get(weakest.persona_id).title.split()[0] in text.replace("\\", "")
    assert weakest.why in " ".join(c.value for c in at.caption)
    assert at.get("vega_lite_chart")
    assert len(at.dataframe) == 2
    assert at.metric[0].value == "2"
