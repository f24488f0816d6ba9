"""Try again from a turn: the branch replays from the state at that point; the original is untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_engine import make_engine
from streamlit.testing.v1 import AppTest

from evaluators.skills import Skill
from hotseat.errors import InputError, NotFoundError
from hotseat.practice.branching import branch_points, branch_session, compare_paths
from hotseat.practice.engine import PracticeEngine
from hotseat.practice.mood import initial_mood
from hotseat.practice.personas import Difficulty
from hotseat.practice.session import PracticeSession

PERSONA = "policy-over-problem"
GOOD = [
    "That sounds awful. What happened with the flight?",
    "So your surgery moved to April tenth, you can't fly for four weeks, and you'd lose the whole $418?",
    "You had every reason to expect better from us. I'm sorry we sent you an automated reply.",
]
BAD = "Per our policy, basic economy fares cannot be changed. The terms were clear when you booked."


def _content(session: PracticeSession) -> dict[str, object]:
    """The session without timestamps (SQLite hands datetimes back without a time zone)."""
    return session.model_dump(mode="json", exclude={"created_at": True, "turns": {"__all__": {"created_at"}}})


def _played(engine: PracticeEngine, lines: list[str] = GOOD) -> PracticeSession:
    session = engine.start(PERSONA, user_id=engine.store.local_user_id())
    for line in lines:
        engine.say(session, line)
    return session


def test_branch_copies_the_turns_before_the_chosen_turn_and_keeps_the_original(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    original = _played(engine)
    before = _content(engine.load(original.id))
    at = branch_points(original)[1]  # the trainee's second turn
    assert at == 3

    branch = branch_session(engine, original, at)

    assert branch.id != original.id
    assert (branch.parent_id, branch.branched_at, branch.status) == (original.id, at, "active")
    assert [t.text for t in branch.turns] == [t.text for t in original.turns[:at]]
    assert branch.turns[-1].role == "customer"
    assert branch.mood == original.turns[at - 1].mood
    assert branch.user_id == original.user_id
    assert _content(engine.load(branch.id)) == _content(branch)
    assert _content(engine.load(original.id)) == before

    engine.say(branch, BAD)
    assert _content(engine.load(original.id)) == before
    stored = engine.load(branch.id)
    assert [t.text for t in stored.turns[:at]] == [t.text for t in original.turns[:at]]
    assert stored.turns[at].text == BAD
    assert stored.mood.anger > original.turns[at].mood.anger  # type: ignore[union-attr]
    assert {s.id for s in engine.store.list_sessions()} == {original.id, branch.id}


def test_branch_from_the_first_turn_starts_from_the_opening_mood(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    original = _played(engine)
    branch = branch_session(engine, original, 1)
    assert [t.role for t in branch.turns] == ["customer"]
    assert branch.mood == initial_mood(Difficulty.UPSET)
    assert not branch.mood.felt_heard


def test_branch_of_an_ended_session_can_be_played_on(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    original = engine.start(PERSONA, difficulty="furious")
    while not original.ended:
        engine.say(original, BAD)
    assert original.status == "walked_away"
    branch = branch_session(engine, original, 1)
    engine.say(branch, GOOD[1])
    assert not branch.ended and branch.mood.felt_heard
    assert engine.load(original.id).status == "walked_away"


def test_branch_keeps_hint_use_and_only_a_summary_that_still_fits(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    original = engine.start(PERSONA)
    engine.submit(original, GOOD[0], hint_used=True)
    engine.reply_text(original)
    for line in GOOD[1:]:
        engine.say(original, line)
    original.summary, original.summarised_through = "digest of turns 0-1", 2
    engine.store.save_state(original)
    late = branch_session(engine, original, 5)
    assert late.assisted
    assert (late.summary, late.summarised_through) == ("digest of turns 0-1", 2)
    early = branch_session(engine, original, 3)
    assert (early.summary, early.summarised_through) == ("", 0)


def test_branch_uses_what_is_stored_not_a_stale_copy(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    original = _played(engine)
    stale = original.model_copy(update={"turns": original.turns[:2]})  # e.g. another tab's older view
    branch = branch_session(engine, stale, 5)
    assert len(branch.turns) == 5


@pytest.mark.parametrize("index", [7, 40, -1])
def test_branch_from_a_turn_that_does_not_exist_is_refused(tmp_path: Path, index: int) -> None:
    engine = make_engine(tmp_path)
    original = _played(engine)
    with pytest.raises(NotFoundError, match=rf"Turn {index} no longer exists .*\(it has 7 turns\)"):
        branch_session(engine, original, index)
    assert len(engine.store.list_sessions()) == 1


@pytest.mark.parametrize("index", [0, 2, 6])
def test_branch_from_a_customer_turn_is_refused(tmp_path: Path, index: int) -> None:
    engine = make_engine(tmp_path)
    original = _played(engine)
    with pytest.raises(InputError, match=r"is the customer's; .*\(1, 3, 5\)"):
        branch_session(engine, original, index)
    assert len(engine.store.list_sessions()) == 1


def test_branch_of_a_session_that_no_longer_exists_is_refused(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    original = _played(engine)
    gone = original.model_copy(update={"id": "no-such-session"})
    with pytest.raises(NotFoundError, match="no-such-session"):
        branch_session(engine, gone, 1)


def test_compare_paths_gives_both_mood_curves_and_per_turn_skills(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    original = _played(engine)
    branch = branch_session(engine, original, 3)
    engine.say(branch, BAD)
    comparison = compare_paths(engine.load(original.id), engine.load(branch.id))

    assert comparison.branched_at == 3 and comparison.shared_trainee_turns == 1
    assert [p.trainee_turn for p in comparison.original.mood_curve] == [0, 1, 2, 3]
    assert [p.trainee_turn for p in comparison.branch.mood_curve] == [0, 1, 2]
    assert comparison.original.mood_curve[:2] == comparison.branch.mood_curve[:2]
    assert comparison.branch.mood_curve[-1].anger > comparison.original.mood_curve[2].anger
    assert [t.shared for t in comparison.original.turns] == [True, False, False]
    assert [t.shared for t in comparison.branch.turns] == [True, False]
    second = comparison.original.turns[1]
    assert second.text == GOOD[1] and second.skills.get(Skill.PARAPHRASE, 0) >= 3
    assert comparison.branch.turns[1].flags
    assert Skill.PARAPHRASE in comparison.original.skill_means()


def test_compare_paths_refuses_unrelated_sessions(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    first, second = _played(engine), _played(engine)
    with pytest.raises(InputError, match="is not a retry"):
        compare_paths(first, second)


def _compare_page(original_id: str, branch_id: str) -> None:
    from hotseat.ui.branch_view import render_compare
    from hotseat.ui.state import services

    svc = services()
    render_compare(svc, svc.engine.load(original_id), svc.engine.load(branch_id))


def test_side_by_side_view_renders(tmp_path: Path) -> None:
    from hotseat.services import build_services
    from hotseat.ui.state import services

    services.clear()
    svc = build_services()  # the same database the app opens (HOTSEAT_DATA_DIR is a tmp dir)
    original = _played(svc.engine)
    branch = branch_session(svc.engine, original, 3)
    svc.engine.say(branch, BAD)
    at = AppTest.from_function(_compare_page, args=(original.id, branch.id), default_timeout=30)
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "First try" in text and "Retry" in text
    assert len(at.dataframe) == 2
    assert at.get("vega_lite_chart")
    assert "share your first 1 turn" in " ".join(c.value for c in at.caption)
