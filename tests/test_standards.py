"""Final scores, company standards and assignment edits, on real SQLite and (marked `postgres`) PostgreSQL.

A grader's override must reach every place a score is shown: the dashboard, both CSVs, the
trainee's attempts, the review sheet and the exports (`hotseat export`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers_org import World, any_db_url, build_world, fast_passwords, fixed_grade
from typer.testing import CliRunner

from evaluators.skills import Skill
from hotseat.errors import AccessDenied, InputError, NotFoundError
from hotseat.org.assignments import assignments_for, delete_assignment, get_assignment, update_assignment
from hotseat.org.csv_io import export_progress_csv, export_sessions_csv
from hotseat.org.dashboard import cohort_dashboard, trainee_sessions
from hotseat.org.reviews import (
    ScoreSource,
    SkillDecision,
    final_scores_of,
    review_sheet,
    submit_for_review,
    submit_review,
)
from hotseat.org.standards import (
    Standard,
    assignment_standard,
    clear_standard,
    set_standard,
    validate_standard,
    verdict,
)
from hotseat.practice.personas import Difficulty
from hotseat.settings import load_settings

__all__ = ["any_db_url"]

ALL_THREES = dict.fromkeys(Skill, 3)


@pytest.fixture
def world(any_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    fast_passwords(monkeypatch)
    built = build_world(any_db_url, tmp_path)
    yield built
    built.store.engine.dispose()


def _graded(world: World, trainee: object, scores: dict[Skill, int]) -> str:
    session = world.play(trainee)  # type: ignore[arg-type]
    submit_for_review(world.store, trainee, session.id, grade=fixed_grade(scores))  # type: ignore[arg-type]
    return session.id


# -- final scores -------------------------------------------------------------------------------
def test_a_graders_override_reaches_the_dashboard_the_csvs_the_trainee_and_the_review_sheet(world: World) -> None:
    sid = _graded(world, world.alice, ALL_THREES)
    before = final_scores_of(world.store, world.alice, sid)
    assert before is not None and not before.reviewed
    assert {s.source for s in before.skills} == {ScoreSource.EVALUATOR}

    submit_review(world.store, world.grader, sid, {"apology": SkillDecision(5, "Owned it fully.")}, comment="Nice.")

    final = final_scores_of(world.store, world.alice, sid)
    assert final is not None and final.reviewed and final.review is not None
    assert final.score(Skill.APOLOGY).score == 5 and final.score(Skill.APOLOGY).source == ScoreSource.GRADER
    assert final.score(Skill.EMPATHY).source == ScoreSource.CONFIRMED
    assert final.score(Skill.APOLOGY).evaluator_score == 3
    # the dashboard: distributions and trend use the final scores
    board = cohort_dashboard(world.store, world.grader, world.cohort.id)
    apology = next(d for d in board.distributions if d.skill == Skill.APOLOGY)
    assert apology.counts == (0, 0, 0, 0, 1)
    alice = next(t for t in board.trainees if t.username == "alice")
    assert alice.trend[-1].scores[Skill.APOLOGY] == 5
    # the attempts CSV: old columns unchanged (evaluator 3), new final columns
    (row,) = csv.DictReader(io.StringIO(export_sessions_csv(world.store, world.grader, world.cohort.id)))
    assert row["apology"] == "3" and row["apology_grader_mean"] == "5.00"
    assert row["apology_final"] == "5" and row["final_source"] == "review" and row["final_mean"] == "3.33"
    # the progress CSV's means are final scores
    progress = list(csv.DictReader(io.StringIO(export_progress_csv(world.store, world.admin, world.cohort.id))))
    assert next(r for r in progress if r["username"] == "alice")["latest_mean"] == "3.33"
    # the trainee's attempt says reviewed, with the grader's scores
    (item,) = assignments_for(world.store, world.alice)
    (attempt,) = item.attempts
    assert attempt.reviewed and attempt.state == "reviewed"
    assert attempt.final is not None and attempt.final.scores[Skill.APOLOGY] == 5
    # the review sheet carries the final scores too
    sheet = review_sheet(world.store, world.admin, sid)
    assert sheet.final is not None and sheet.final.scores[Skill.APOLOGY] == 5


def test_the_newest_review_wins_and_outsiders_see_no_final_scores(world: World) -> None:
    sid = _graded(world, world.alice, ALL_THREES)
    submit_review(world.store, world.grader, sid, {"values": SkillDecision(1, "No long-term view.")})
    submit_review(world.store, world.admin, sid, {"values": SkillDecision(2, "Some, late.")})
    final = final_scores_of(world.store, world.alice, sid)
    assert final is not None and final.review is not None and final.review.grader_username == "ada"
    assert final.scores[Skill.VALUES] == 2
    with pytest.raises(NotFoundError):
        final_scores_of(world.store, world.bob, sid)
    with pytest.raises(NotFoundError):
        final_scores_of(world.store, world.other_grader, sid)


def test_hotseat_export_includes_the_final_scores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotseat.cli.main import app

    fast_passwords(monkeypatch)
    settings = load_settings()  # the CLI's own database (the test's HOTSEAT_DATA_DIR)
    world = build_world(settings.resolved_database_url(), settings.data_dir)
    sid = _graded(world, world.alice, ALL_THREES)
    submit_review(world.store, world.grader, sid, {"empathy": SkillDecision(1, "Cold <b>tone</b>.")})
    runner = CliRunner()
    data = json.loads(runner.invoke(app, ["export", sid]).stdout)
    assert data["id"] == sid and "turns" in data  # the existing keys stay
    final = data["final_scores"]
    assert final["source"] == "review" and final["reviewed_by"] == "gina"
    assert final["skills"]["empathy"] == {
        "score": 1,
        "source": "grader",
        "evaluator_score": 3,
        "comment": "Cold <b>tone</b>.",
    }
    assert final["skills"]["apology"]["source"] == "confirmed"
    md = runner.invoke(app, ["export", sid, "--format", "md"]).stdout
    assert "## Final scores" in md and "- empathy: 1/5 (grader; evaluator 3)" in md
    assert "<b>" not in md  # the grader's comment is escaped like everything typed


# -- standards ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("weights", "mark", "message"),
    [
        ({}, 3, "at least one skill"),
        ({"empathy": -1}, 3, "from 0 to"),
        ({"empathy": 0}, 3, "weight above 0"),
        ({"charm": 1}, 3, "Unknown skill"),
        ({"empathy": 1}, 0.5, "pass mark must be from 1 to 5"),
        ({"empathy": 1}, 5.5, "pass mark must be from 1 to 5"),
    ],
)
def test_a_standard_is_validated(weights: dict[str, float], mark: float, message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_standard(weights, mark)


def test_not_yet_says_the_weighted_score_the_pass_mark_and_the_lowest_skill(world: World) -> None:
    sid = _graded(world, world.alice, ALL_THREES | {Skill.APOLOGY: 2, Skill.EMPATHY: 3})
    final = final_scores_of(world.store, world.alice, sid)
    assert final is not None
    standard = Standard({Skill.EMPATHY: 1.0, Skill.APOLOGY: 4.0}, 3.0)
    judged = verdict(standard, final)  # (3×1 + 2×4) / 5 = 2.2
    assert not judged.passed and judged.label == "Not yet"
    assert judged.reason == "weighted score 2.2 below the pass mark 3.0; lowest: apology 2"
    assert verdict(Standard({Skill.EMPATHY: 1.0}, 3.0), final).passed  # exactly the mark passes
    close = verdict(Standard({Skill.EMPATHY: 1.0, Skill.APOLOGY: 39.0}, 2.05), final)  # 2.025: not "2.0 below 2.0"
    assert "2.02 below the pass mark 2.05" in close.reason or "2.03 below the pass mark 2.05" in close.reason


def test_an_assignment_standard_overrides_the_cohorts_and_the_trainee_dashboard_and_csv_agree(world: World) -> None:
    set_standard(world.store, world.admin, cohort_id=world.cohort.id, weights={"apology": 1}, pass_mark=3)
    _graded(world, world.alice, ALL_THREES | {Skill.APOLOGY: 2})
    _graded(world, world.bob, ALL_THREES)
    (alice_item,) = assignments_for(world.store, world.alice)
    assert alice_item.standard is not None and alice_item.standard.scope == "cohort"
    assert alice_item.verdict is not None and not alice_item.verdict.passed
    assert "lowest: apology 2" in alice_item.verdict.reason
    (completion,) = cohort_dashboard(world.store, world.grader, world.cohort.id).completion
    assert (completion.judged, completion.passed, completion.pass_rate) == (2, 1, 0.5)
    progress = list(csv.DictReader(io.StringIO(export_progress_csv(world.store, world.admin, world.cohort.id))))
    column = f"{world.assignment.id}: Fare after surgery passed"
    assert {r["username"]: r[column] for r in progress} == {"alice": "not yet", "bob": "yes"}
    rows = list(csv.DictReader(io.StringIO(export_sessions_csv(world.store, world.grader, world.cohort.id))))
    assert {r["username"]: r["passed"] for r in rows} == {"alice": "not yet", "bob": "yes"}

    # the assignment's own standard wins over the cohort's
    set_standard(world.store, world.admin, assignment_id=world.assignment.id, weights={"empathy": 1}, pass_mark=3)
    own = assignment_standard(world.store, world.alice, world.assignment.id)
    assert own is not None and own.scope == "assignment"
    (completion,) = cohort_dashboard(world.store, world.grader, world.cohort.id).completion
    assert completion.pass_rate == 1.0
    assert clear_standard(world.store, world.admin, assignment_id=world.assignment.id)
    (completion,) = cohort_dashboard(world.store, world.grader, world.cohort.id).completion
    assert completion.pass_rate == 0.5  # back to the cohort's


def test_a_graders_override_turns_not_yet_into_passed(world: World) -> None:
    set_standard(world.store, world.admin, cohort_id=world.cohort.id, weights={"apology": 1}, pass_mark=3)
    sid = _graded(world, world.alice, ALL_THREES | {Skill.APOLOGY: 2})
    (item,) = assignments_for(world.store, world.alice)
    assert item.verdict is not None and not item.verdict.passed and not item.verdict.reviewed
    submit_review(world.store, world.grader, sid, {"apology": SkillDecision(4, "It was owned, in other words.")})
    (item,) = assignments_for(world.store, world.alice)
    assert item.verdict is not None and item.verdict.passed and item.verdict.reviewed
    (completion,) = cohort_dashboard(world.store, world.grader, world.cohort.id).completion
    assert completion.passed == 1


def test_only_an_admin_sets_standards(world: World) -> None:
    with pytest.raises(AccessDenied):
        set_standard(world.store, world.grader, cohort_id=world.cohort.id, weights={"apology": 1}, pass_mark=3)
    with pytest.raises(NotFoundError):
        assignment_standard(world.store, world.carol, world.assignment.id)  # another cohort's trainee


# -- assignments: edit, delete, a trainee's sessions ---------------------------------------------
def test_an_assignment_is_edited_and_its_difficulty_is_kept_once_attempted(world: World) -> None:
    later = datetime.now(UTC) + timedelta(days=30)
    edited = update_assignment(
        world.store, world.admin, world.assignment.id, title="  New   title ", due=later, attempts_counted=2
    )
    assert (edited.title, edited.attempts_counted) == ("New title", 2)
    assert edited.due_at is not None and abs((edited.due_at - later).total_seconds()) < 1
    edited = update_assignment(world.store, world.admin, world.assignment.id, difficulty=Difficulty.FURIOUS)
    assert edited.difficulty == Difficulty.FURIOUS
    with pytest.raises(InputError, match="already passed"):
        update_assignment(world.store, world.admin, world.assignment.id, due=datetime.now(UTC) - timedelta(days=1))
    with pytest.raises(InputError, match="cannot be empty"):
        update_assignment(world.store, world.admin, world.assignment.id, title="   ")
    assert update_assignment(world.store, world.admin, world.assignment.id, clear_due=True).due_at is None
    world.play(world.alice)
    with pytest.raises(InputError, match="cannot change now"):
        update_assignment(world.store, world.admin, world.assignment.id, difficulty=Difficulty.CALM)
    with pytest.raises(AccessDenied):
        update_assignment(world.store, world.grader, world.assignment.id, title="x")


def test_an_assignment_is_deleted_only_while_nobody_has_started_it(world: World) -> None:
    set_standard(world.store, world.admin, assignment_id=world.assignment.id, weights={"empathy": 1}, pass_mark=3)
    session = world.play(world.alice)
    with pytest.raises(InputError, match="1 attempt"):
        delete_assignment(world.store, world.admin, world.assignment.id)
    assert world.engine.load(session.id).id == session.id  # the session is untouched
    from hotseat.org.assignments import create_assignment

    spare = create_assignment(
        world.store, world.admin, world.cohort.id, personas=world.personas, persona_id="policy-over-problem"
    )
    set_standard(world.store, world.admin, assignment_id=spare.id, weights={"empathy": 1}, pass_mark=3)
    with pytest.raises(AccessDenied):
        delete_assignment(world.store, world.grader, spare.id)
    delete_assignment(world.store, world.admin, spare.id)
    with pytest.raises(NotFoundError):
        get_assignment(world.store, world.admin, spare.id)


def test_a_lead_opens_a_trainees_sessions_with_final_scores(world: World) -> None:
    first = _graded(world, world.alice, ALL_THREES)
    second = world.play(world.alice).id
    submit_review(world.store, world.grader, first, {"empathy": SkillDecision(5, "Warm.")})
    found = trainee_sessions(world.store, world.grader, world.cohort.id, world.alice.id)
    assert [s.attempt.session_id for s in found] == [second, first]  # newest first
    reviewed = found[1].attempt
    assert reviewed.reviewed and reviewed.final is not None and reviewed.final.scores[Skill.EMPATHY] == 5
    with pytest.raises(NotFoundError):
        trainee_sessions(world.store, world.grader, world.cohort.id, world.carol.id)  # not in this cohort
    with pytest.raises(NotFoundError):
        trainee_sessions(world.store, world.other_grader, world.cohort.id, world.alice.id)
