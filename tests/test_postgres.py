"""The cohort data layer on a real PostgreSQL server, each test in a fresh schema dropped afterwards.

The server comes from HOTSEAT_TEST_DATABASE_URL; without one (or unreachable) these tests skip,
and HOTSEAT_REQUIRE_POSTGRES=1 (CI) turns that skip into a failure.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from helpers_org import (
    PASSWORD,
    World,
    build_world,
    fast_passwords,
    fixed_grade,
    fresh_schema,
    postgres_reachable,
    postgres_url,
)
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url
from support import require_or_skip

from evaluators.skills import Skill
from hotseat.errors import DuplicateError, InputError, NotFoundError
from hotseat.org import accounts
from hotseat.org.access import get_session_for, list_sessions_for
from hotseat.org.accounts import Role
from hotseat.org.assignments import AssignmentStatus, assignments_for
from hotseat.org.calibration import calibration_report
from hotseat.org.cohorts import add_grader, join_cohort
from hotseat.org.csv_io import export_sessions_csv, import_users_csv
from hotseat.org.dashboard import cohort_dashboard
from hotseat.org.reviews import SkillDecision, review_queue, submit_for_review, submit_review
from hotseat.storage import migrate
from hotseat.storage.schema import Base, CohortMemberRow, ReviewRow, UserRow
from hotseat.storage.store import make_engine

pytestmark = pytest.mark.postgres
REQUIRE = "HOTSEAT_REQUIRE_POSTGRES"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server_url() -> str:
    url = postgres_url()
    require_or_skip(url is not None, "HOTSEAT_TEST_DATABASE_URL is not set: no PostgreSQL server to test", REQUIRE)
    assert url is not None
    why = postgres_reachable(url)
    safe = make_url(url).render_as_string(hide_password=True)
    require_or_skip(why is None, f"PostgreSQL at {safe} is not reachable ({why})", REQUIRE)
    return url


@pytest.fixture
def pg_url(server_url: str) -> Iterator[str]:
    with fresh_schema(server_url) as url:
        yield url


@pytest.fixture
def world(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    fast_passwords(monkeypatch)
    built = build_world(pg_url, tmp_path)
    yield built
    built.store.engine.dispose()  # let the schema be dropped


def _count(world: World, table: type) -> int:
    with world.store.transaction() as db:
        return int(db.scalar(select(func.count()).select_from(table)) or 0)


def _all_at_once(n: int, job: Callable[[int], Any]) -> list[BaseException | Any]:
    """Run job(0..n-1) in n threads released together; results or exceptions, in order."""
    barrier = threading.Barrier(n)
    out: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = job(i)
        except BaseException as exc:  # collected for the test to inspect
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_migrations_go_up_down_and_up_and_match_the_orm(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        migrate.upgrade(engine)
        cohort_tables = {
            "cohorts",
            "cohort_members",
            "assignments",
            "assignment_sessions",
            "reviews",
            "review_scores",
            "standards",
        }
        assert cohort_tables <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        migrate.downgrade(engine, "0001")
        assert not cohort_tables & set(inspect(engine).get_table_names())
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == "0006"
    finally:
        engine.dispose()


def test_access_control(world: World) -> None:
    alices = world.play(world.alice)
    bobs = world.play(world.bob)
    with pytest.raises(NotFoundError):
        get_session_for(world.store, world.alice, bobs.id)
    assert [s.id for s in list_sessions_for(world.store, world.alice)] == [alices.id]
    assert {s.id for s in list_sessions_for(world.store, world.grader)} == {alices.id, bobs.id}
    with pytest.raises(NotFoundError):
        get_session_for(world.store, world.other_grader, alices.id)
    submit_for_review(world.store, world.alice, alices.id, grade=fixed_grade())
    with pytest.raises(NotFoundError):  # outside the cohort: reads like a session that does not exist
        submit_review(world.store, world.other_grader, alices.id)


def test_the_cohort_flow_end_to_end(world: World) -> None:
    before = _count(world, CohortMemberRow)
    with pytest.raises(InputError):
        join_cohort(world.store, world.carol, "NOPE-NOPE")
    join_cohort(world.store, world.alice, world.cohort.join_code or "")  # again: nothing changes
    assert _count(world, CohortMemberRow) == before
    session = world.play(world.alice)
    submit_for_review(world.store, world.alice, session.id, grade=fixed_grade(4))
    assert [p.status for p in assignments_for(world.store, world.alice)] == [AssignmentStatus.DONE]
    (item,) = review_queue(world.store, world.grader)
    review = submit_review(
        world.store, world.grader, item.session_id, {Skill.APOLOGY: SkillDecision(2, "'Sorry you feel that way'.")}
    )
    assert (review.score(Skill.APOLOGY).evaluator_score, review.score(Skill.APOLOGY).grader_score) == (4, 2)
    with pytest.raises(DuplicateError):
        submit_review(world.store, world.grader, item.session_id)
    board = cohort_dashboard(world.store, world.admin, world.cohort.id)
    assert board.completion[0].done == 1 and board.completion[0].not_started == 1
    assert next(d for d in board.distributions if d.skill == Skill.EMPATHY).counts == (0, 0, 0, 1, 0)
    assert "alice" in export_sessions_csv(world.store, world.grader, world.cohort.id)


def test_a_csv_import_is_all_or_nothing(world: World) -> None:
    before = _count(world, UserRow)
    with pytest.raises(InputError, match="Row 3"):
        import_users_csv(world.store, world.admin, "username,role\nfay,trainee\ngus,boss\n")
    assert _count(world, UserRow) == before
    made = import_users_csv(
        world.store, world.admin, "username,role\nfay,trainee\ngus,grader\n", cohort_id=world.cohort.id
    )
    assert [u.username for u in made] == ["fay", "gus"] and _count(world, UserRow) == before + 2


def test_calibration_with_two_graders(world: World) -> None:
    second = accounts.create_user(world.store, world.admin, "gil", PASSWORD, role=Role.GRADER)
    add_grader(world.store, world.admin, world.cohort.id, second.id)
    for trainee, score in ((world.alice, 2), (world.bob, 5)):
        session = world.play(trainee)
        submit_for_review(world.store, trainee, session.id, grade=fixed_grade(score))
        submit_review(world.store, world.grader, session.id, {Skill.VALUES: SkillDecision(3, "middling")})
        submit_review(world.store, second, session.id)
    report = calibration_report(world.store, world.grader, cohort_id=world.cohort.id)
    values = report.skill(Skill.VALUES)
    assert values.evaluator_pairs == 4 and values.grader_pairs == 2
    assert report.disagreements[0].skill == Skill.VALUES


def test_two_tabs_saving_the_same_review_at_once_store_one(world: World) -> None:
    session = world.play(world.alice)
    submit_for_review(world.store, world.alice, session.id, grade=fixed_grade())
    results = _all_at_once(4, lambda _: submit_review(world.store, world.grader, session.id))
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, DuplicateError) for r in results if isinstance(r, BaseException))
    assert _count(world, ReviewRow) == 1


def test_joining_at_once_from_many_tabs_joins_once(world: World) -> None:
    dee = accounts.register_trainee(world.store, "dee", PASSWORD)
    results = _all_at_once(6, lambda _: join_cohort(world.store, dee, world.cohort.join_code or ""))
    assert not [r for r in results if isinstance(r, BaseException)]
    with world.store.transaction() as db:
        assert db.scalar(select(func.count()).where(CohortMemberRow.user_id == dee.id)) == 1


def test_the_load_test_loses_no_turn_on_postgres(server_url: str) -> None:
    spec = importlib.util.spec_from_file_location("hotseat_load_test", ROOT / "benchmarks" / "load_test.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.run(trainees=8, turns=3, database_url=server_url)
    assert figures["database"] == "postgresql"
    assert (figures["errors"], figures["turns_lost"]) == (0, 0), figures["first_error"]
    assert figures["trainee_turns_stored"] == 24 and figures["sessions_graded"] == 8
