"""`hotseat grade-cohort`: grade a cohort's finished, ungraded sessions, offline and through the loopback server."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from helpers_org import (
    LINES,
    PASSWORD,
    World,
    build_world,
    fast_passwords,
    fixed_grade,
    fresh_schema,
    postgres_reachable,
    postgres_url,
)
from rich.console import Console
from support import require_or_skip
from support.openai_server import OpenAIServer, RecordedRequest
from typer.testing import CliRunner

from evaluators.results import Evaluation, SkillScore, TurnGrade
from evaluators.skills import Skill
from hotseat.errors import AccessDenied, NotFoundError
from hotseat.grading.batch_api import BatchRunner, make_client
from hotseat.org.cohort_grading import CohortBatch, cohort_work, grade_cohort, summary
from hotseat.org.reviews import submit_for_review
from hotseat.practice.session import PracticeSession
from hotseat.settings import Settings

REQUIRE = "HOTSEAT_REQUIRE_POSTGRES"
_TURN = re.compile(r'<turn index="(\d+)"[^>]*>(.*)</turn>')


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    fast_passwords(monkeypatch)
    url = f"sqlite:///{tmp_path / 'cohort.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return build_world(url, tmp_path / "data")


def finished(world: World, session: PracticeSession) -> PracticeSession:
    """End the conversation as if the customer had been won back."""
    session.status = "won_back"
    world.store.save_state(session)
    return session


def evaluations(world: World, session_id: str) -> int:
    with world.store.transaction() as db:
        from hotseat.storage.schema import EvaluationRow

        return len(db.query(EvaluationRow).filter_by(session_id=session_id).all())


def good_answer(request: RecordedRequest) -> str:
    """A judge that grades what it is shown, quoting the first trainee turn."""
    turns = _TURN.findall(request.last_user_message)
    quote = " ".join(json.loads(turns[0][1]).split()[:3])
    skills = {s.value: {"evidence": [quote], "reasoning": "r", "score": 4, "suggestion": "s"} for s in Skill}
    return json.dumps({"skills": skills, "turns": [{"index": int(i), "skills": {}, "flags": []} for i, _ in turns]})


def test_grades_finished_sessions_once_and_skips_what_is_done(world: World) -> None:
    alice = finished(world, world.play(world.alice))
    bob_playing = world.play(world.bob)  # still active: left for later
    submitted = world.play(world.bob, LINES[:1])
    submit_for_review(world.store, world.bob, submitted.id, grade=fixed_grade(3))  # graded on submission

    report = grade_cohort(world.store, world.grader, world.cohort.id, model=None, personas=world.personas)

    assert (report.graded, report.skipped, report.unfinished, report.evaluator) == (1, 1, 1, "offline")
    stored = Evaluation.model_validate(world.store.latest_evaluation(alice.id))
    assert stored.evaluator == "offline"
    assert [t.index for t in stored.turns] == [t.index for t in alice.trainee_turns()]
    assert world.store.latest_evaluation(bob_playing.id) is None
    assert "graded 1 session(s) with offline; skipped 1 already graded; 1 still in progress" in summary(report)

    again = grade_cohort(world.store, world.admin, world.cohort.id, model=None, personas=world.personas)

    assert (again.graded, again.skipped) == (0, 2)
    assert evaluations(world, alice.id) == 1


def test_a_grade_that_misses_later_turns_is_graded_again(world: World) -> None:
    session = finished(world, world.play(world.alice))
    first_turn = session.trainee_turns()[0].index
    partial = Evaluation(
        evaluator="offline",
        skills=[SkillScore(skill=s, reasoning="r", score=2) for s in Skill],
        turns=[TurnGrade(index=first_turn)],
    )
    world.store.add_evaluation(session.id, partial.evaluator, partial.model_dump(mode="json"))

    work = cohort_work(world.store, world.grader, world.cohort.id)

    assert [s.id for s in work.to_grade] == [session.id]


def test_only_admins_and_the_cohorts_graders_may_grade_it(world: World) -> None:
    finished(world, world.play(world.alice))

    with pytest.raises(AccessDenied, match="Only a grader or admin can grade a cohort"):
        grade_cohort(world.store, world.alice, world.cohort.id, model=None)
    with pytest.raises(NotFoundError, match="No cohort with id"):  # reads like a cohort that does not exist
        grade_cohort(world.store, world.other_grader, world.cohort.id, model=None)
    with pytest.raises(NotFoundError):
        grade_cohort(world.store, world.admin, 999, model=None)
    assert grade_cohort(world.store, world.admin, world.cohort.id, model=None).graded == 1


@pytest.mark.server
def test_the_llm_judge_grades_the_cohort_with_the_scenarios_facts(
    world: World, openai_server: OpenAIServer, openai_settings: Settings
) -> None:
    from hotseat.providers.openai_compat import OpenAIChatModel

    openai_server.default_reply = good_answer
    sessions = [finished(world, world.play(t)) for t in (world.alice, world.bob, world.alice)]

    report = grade_cohort(
        world.store,
        world.grader,
        world.cohort.id,
        model=OpenAIChatModel(openai_settings, model="test-model"),
        personas=world.personas,
        concurrency=3,
    )

    assert (report.graded, report.fallbacks, report.evaluator) == (3, 0, "llm:test-model")
    assert len(openai_server.chat_requests) == 3
    assert all("<facts>" in r.last_user_message for r in openai_server.chat_requests)
    for session in sessions:
        stored = Evaluation.model_validate(world.store.latest_evaluation(session.id))
        assert stored.evaluator == "llm:test-model"
        assert stored.score(Skill.EMPATHY).evidence == ["That sounds really"]


@pytest.mark.server
def test_the_cohort_goes_through_one_batch(
    world: World, openai_server: OpenAIServer, openai_settings: Settings, tmp_path: Path
) -> None:
    from hotseat.providers.openai_compat import OpenAIChatModel

    openai_server.default_reply = good_answer
    sessions = [finished(world, world.play(t)) for t in (world.alice, world.bob)]
    state = tmp_path / "cohort.batch.json"
    runner = BatchRunner(make_client(openai_settings), console=Console(file=io.StringIO()), poll_interval=0.001)
    batch = CohortBatch(runner=runner, state_path=state, model_name="test-model", temperature=0.0)

    judge_model = OpenAIChatModel(openai_settings, model="test-model")

    report = grade_cohort(
        world.store, world.grader, world.cohort.id, model=judge_model, personas=world.personas, batch=batch
    )

    assert report.graded == 2 and report.batch is not None and report.batch.from_batch == 2
    assert openai_server.chat_requests == []
    uploaded = next(f for f in openai_server.files.values() if f.purpose == "batch")
    assert [json.loads(line)["custom_id"] for line in uploaded.data.decode().splitlines()] == [s.id for s in sessions]
    assert not state.exists()
    assert all(world.store.latest_evaluation(s.id)["evaluator"] == "llm:test-model" for s in sessions)  # type: ignore[index]
    again = grade_cohort(world.store, world.grader, world.cohort.id, model=judge_model, batch=batch)
    assert (again.graded, again.skipped, len(openai_server.batch_creations)) == (0, 2, 1)


def test_the_command_grades_as_the_signed_in_grader(grade_app: typer.Typer, world: World) -> None:
    session = finished(world, world.play(world.alice))
    args = ["grade-cohort", str(world.cohort.id), "--password-stdin", "--offline"]

    result = CliRunner().invoke(grade_app, [*args, "--user", "gina"], input=PASSWORD + "\n")
    denied = CliRunner().invoke(grade_app, [*args, "--user", "alice"], input=PASSWORD + "\n")
    wrong = CliRunner().invoke(grade_app, [*args, "--user", "gina"], input="not the password\n")

    assert result.exit_code == 0, result.output
    assert "cohort 'March': graded 1 session(s) with offline" in result.stderr
    assert world.store.latest_evaluation(session.id) is not None
    assert denied.exit_code == 2 and "Only a grader or admin can grade a cohort" in denied.stderr
    assert wrong.exit_code == 2 and "The username or password is wrong" in wrong.stderr


@pytest.fixture
def pg_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    url = postgres_url()
    require_or_skip(url is not None, "HOTSEAT_TEST_DATABASE_URL is not set: no PostgreSQL server to test", REQUIRE)
    assert url is not None
    why = postgres_reachable(url)
    require_or_skip(why is None, f"PostgreSQL is not reachable ({why})", REQUIRE)
    fast_passwords(monkeypatch)
    with fresh_schema(url) as schema_url:
        built = build_world(schema_url, tmp_path)
        yield built
        built.store.engine.dispose()  # let the schema be dropped


@pytest.mark.postgres
def test_grading_a_cohort_on_postgresql_with_concurrency(pg_world: World) -> None:
    sessions = [finished(pg_world, pg_world.play(t)) for t in (pg_world.alice, pg_world.bob) * 2]

    report = grade_cohort(pg_world.store, pg_world.grader, pg_world.cohort.id, model=None, concurrency=4)
    again = grade_cohort(pg_world.store, pg_world.admin, pg_world.cohort.id, model=None, concurrency=4)

    assert (report.graded, report.failures, again.graded, again.skipped) == (4, [], 0, 4)
    assert all(evaluations(pg_world, s.id) == 1 for s in sessions)


@pytest.mark.server
def test_an_interrupted_cohort_batch_is_resumed_not_resubmitted(
    world: World, openai_server: OpenAIServer, openai_settings: Settings, tmp_path: Path
) -> None:
    from hotseat.providers.openai_compat import OpenAIChatModel

    openai_server.default_reply = good_answer
    openai_server.polls_per_status = 3
    sessions = [finished(world, world.play(t)) for t in (world.alice, world.bob)]
    state = tmp_path / "cohort.batch.json"
    judge_model = OpenAIChatModel(openai_settings, model="test-model")

    def interrupt(_seconds: float) -> None:
        raise KeyboardInterrupt

    def batch(sleep: Any) -> CohortBatch:
        console = Console(file=io.StringIO())
        runner = BatchRunner(make_client(openai_settings), console=console, poll_interval=0.001, sleep=sleep)
        return CohortBatch(runner=runner, state_path=state, model_name="test-model", temperature=0.0)

    with pytest.raises(KeyboardInterrupt):
        grade_cohort(world.store, world.grader, world.cohort.id, model=judge_model, batch=batch(interrupt))
    assert state.exists() and all(world.store.latest_evaluation(s.id) is None for s in sessions)

    report = grade_cohort(world.store, world.grader, world.cohort.id, model=judge_model, batch=batch(lambda s: None))

    assert report.graded == 2 and report.batch is not None and report.batch.from_batch == 2
    assert len(openai_server.batch_creations) == 1 and openai_server.chat_requests == []
    assert not state.exists()
