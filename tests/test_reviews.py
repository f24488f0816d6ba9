"""Grader review: submission, the queue, per-skill reviews that keep both scores, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_org import World, build_world, fast_passwords, fixed_grade
from sqlalchemy import func, select

from evaluators.results import Evaluation
from evaluators.skills import Skill
from hotseat.errors import AccessDenied, DuplicateError, InputError, NotFoundError
from hotseat.org.assignments import start_assignment
from hotseat.org.reviews import (
    SkillDecision,
    review_queue,
    review_sheet,
    reviews_of,
    submit_for_review,
    submit_review,
)
from hotseat.practice.session import PracticeSession
from hotseat.review.grades import grade_session
from hotseat.storage.schema import EvaluationRow, ReviewRow, ReviewScoreRow


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    fast_passwords(monkeypatch)
    return build_world(f"sqlite:///{tmp_path / 'org.db'}", tmp_path)


def _submitted(world: World, scores: int = 3) -> PracticeSession:
    session = world.play(world.alice)
    submit_for_review(world.store, world.alice, session.id, grade=fixed_grade(scores))
    return session


def _rows(world: World, table: type) -> int:
    with world.store.transaction() as db:
        return int(db.scalar(select(func.count()).select_from(table)) or 0)


# -- submission -------------------------------------------------------------------------------
def test_submitting_grades_once_and_twice_changes_nothing(world: World) -> None:
    session = world.play(world.alice)
    calls: list[str] = []

    def grade(s: PracticeSession) -> Evaluation:
        calls.append(s.id)
        return fixed_grade(4)(s)

    first = submit_for_review(world.store, world.alice, session.id, grade=grade)
    again = submit_for_review(world.store, world.alice, session.id, grade=grade)
    assert first == again and calls == [session.id]
    assert world.store.latest_evaluation(session.id)["evaluator"] == "fixed"  # type: ignore[index]


def test_a_stored_grade_that_covers_the_session_is_reused(world: World) -> None:
    session = world.play(world.alice)
    evaluation = fixed_grade(5)(session)
    world.store.add_evaluation(session.id, evaluation.evaluator, evaluation.model_dump(mode="json"))

    def must_not_grade(_: PracticeSession) -> Evaluation:
        raise AssertionError("graded again")

    submit_for_review(world.store, world.alice, session.id, grade=must_not_grade)
    assert _rows(world, EvaluationRow) == 1


def test_without_a_grader_the_offline_evaluator_grades(world: World) -> None:
    session = world.play(world.alice)
    submit_for_review(world.store, world.alice, session.id)
    stored = world.store.latest_evaluation(session.id)
    assert stored is not None and stored["evaluator"].startswith("offline")
    assert grade_session(session, None).evaluator == stored["evaluator"]


def test_what_cannot_be_submitted(world: World) -> None:
    alices = world.play(world.alice)
    with pytest.raises(NotFoundError):
        submit_for_review(world.store, world.bob, alices.id, grade=fixed_grade())
    free = world.engine.start("sorry-hardest-word", user_id=world.alice.id)
    world.engine.say(free, "I'm sorry, that sounds awful.")
    with pytest.raises(InputError, match="cohort assignment"):
        submit_for_review(world.store, world.alice, free.id, grade=fixed_grade())
    untouched = start_assignment(world.engine, world.alice, world.assignment.id)
    with pytest.raises(InputError, match="nothing to review"):
        submit_for_review(world.store, world.alice, untouched.id, grade=fixed_grade())


# -- the queue --------------------------------------------------------------------------------
def test_the_queue_holds_submitted_sessions_of_the_graders_cohorts_until_they_review_them(world: World) -> None:
    session = _submitted(world)
    world.play(world.bob)  # played, never submitted: not in the queue
    (item,) = review_queue(world.store, world.grader)
    assert (item.session_id, item.trainee_username, item.cohort_name, item.reviews) == (
        session.id,
        "alice",
        "March",
        0,
    )
    assert item.assignment_title == "Fare after surgery"
    assert review_queue(world.store, world.other_grader) == []
    assert [i.session_id for i in review_queue(world.store, world.admin)] == [session.id]
    submit_review(world.store, world.grader, session.id)
    assert review_queue(world.store, world.grader) == []
    assert review_queue(world.store, world.grader, include_reviewed=True)[0].reviews == 1
    assert review_queue(world.store, world.admin)[0].reviews == 1  # another grader still sees it
    with pytest.raises(NotFoundError):  # a cohort they do not grade reads like one that does not exist
        review_queue(world.store, world.other_grader, cohort_id=world.cohort.id)
    with pytest.raises(AccessDenied):
        review_queue(world.store, world.alice)


# -- reviews ----------------------------------------------------------------------------------
def test_a_review_keeps_the_evaluators_score_beside_the_graders(world: World) -> None:
    session = _submitted(world, scores=4)
    evaluation_before = world.store.latest_evaluation(session.id)
    review = submit_review(
        world.store,
        world.grader,
        session.id,
        {
            Skill.EMPATHY: SkillDecision(2, "Named no feeling; 'that sounds frustrating' is a formula."),
            Skill.VALUES: SkillDecision(comment="Right: the loyalty line landed."),
            Skill.APOLOGY: 4,
        },
        comment="Good start.",
    )
    empathy = review.score(Skill.EMPATHY)
    assert (empathy.evaluator_score, empathy.grader_score, empathy.adjusted) == (4, 2, True)
    assert review.score("values").comment.startswith("Right") and not review.score("values").adjusted
    assert all(s.grader_score == 4 for s in review.skills if s.skill != Skill.EMPATHY)
    assert world.store.latest_evaluation(session.id) == evaluation_before  # never overwritten
    (stored,) = reviews_of(world.store, world.alice, session.id)  # the trainee reads it
    assert stored == review
    assert _rows(world, ReviewScoreRow) == len(Skill)


def test_a_later_grade_does_not_change_an_earlier_review(world: World) -> None:
    session = _submitted(world, scores=4)
    review = submit_review(world.store, world.grader, session.id, {Skill.APOLOGY: SkillDecision(1, "No apology.")})
    regraded = fixed_grade(1)(session)
    world.store.add_evaluation(session.id, "fixed", regraded.model_dump(mode="json"))
    (kept,) = reviews_of(world.store, world.grader, session.id)
    assert kept.evaluation_id == review.evaluation_id and kept.score(Skill.EMPATHY).evaluator_score == 4


@pytest.mark.parametrize(
    ("decisions", "message"),
    [
        ({Skill.EMPATHY: 2}, "Say why you changed empathy from 3 to 2"),
        ({Skill.EMPATHY: SkillDecision(6, "x")}, "whole number from 1 to 5"),
        ({Skill.EMPATHY: SkillDecision(0, "x")}, "whole number from 1 to 5"),
        ({"warmth": 3}, "Unknown skill 'warmth'"),
        ({Skill.EMPATHY: SkillDecision(2, "x" * 2001)}, "too long"),
    ],
)
def test_a_bad_review_says_what_is_wrong_and_stores_nothing(world: World, decisions: dict, message: str) -> None:
    session = _submitted(world)
    with pytest.raises(InputError) as caught:
        submit_review(world.store, world.grader, session.id, decisions)
    assert message in caught.value.message
    assert _rows(world, ReviewRow) == 0


def test_a_second_review_by_the_same_grader_is_refused(world: World) -> None:
    session = _submitted(world)
    submit_review(world.store, world.grader, session.id)
    with pytest.raises(DuplicateError, match="already reviewed this session on"):
        submit_review(world.store, world.grader, session.id, {Skill.EMPATHY: SkillDecision(1, "changed my mind")})
    assert _rows(world, ReviewRow) == 1
    submit_review(world.store, world.admin, session.id)  # a second grader may
    assert _rows(world, ReviewRow) == 2


def test_a_grader_outside_the_cohort_is_denied(world: World) -> None:
    session = _submitted(world)
    with pytest.raises(NotFoundError, match="No session"):
        submit_review(world.store, world.other_grader, session.id)
    with pytest.raises(NotFoundError):
        review_sheet(world.store, world.other_grader, session.id)
    with pytest.raises(AccessDenied, match="Only a grader or admin"):
        submit_review(world.store, world.bob, session.id)
    assert _rows(world, ReviewRow) == 0


def test_only_submitted_cohort_sessions_are_reviewed(world: World) -> None:
    played = world.play(world.alice)
    with pytest.raises(InputError, match="not been submitted"):
        submit_review(world.store, world.grader, played.id)
    free = world.engine.start("sorry-hardest-word", user_id=world.alice.id)
    with pytest.raises(NotFoundError):
        submit_review(world.store, world.grader, free.id)
    with pytest.raises(NotFoundError):
        submit_review(world.store, world.grader, "no-such-session")


def test_the_review_sheet_keeps_markup_in_the_transcript_as_plain_text(world: World) -> None:
    session = start_assignment(world.engine, world.alice, world.assignment.id)
    markup = "<b>I'm sorry</b> — **that** is on us. <script>alert(1)</script>"
    world.engine.say(session, markup)
    submit_for_review(world.store, world.alice, session.id, grade=fixed_grade())
    sheet = review_sheet(world.store, world.grader, session.id)
    assert sheet.session.trainee_turns()[0].text == markup  # stored and returned verbatim; the page escapes it
    assert sheet.evaluation.evaluator == "fixed" and sheet.reviews == ()
