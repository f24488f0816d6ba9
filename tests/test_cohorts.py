"""Cohorts: join codes, graders, assignments and their status, the dashboard, CSV out and in."""

from __future__ import annotations

import csv
import importlib.util
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from helpers_org import PASSWORD, PERSONA, World, build_world, fast_passwords, fixed_grade
from sqlalchemy import func, select

from evaluators.skills import Skill
from hotseat.errors import AccessDenied, InputError, NotFoundError, PersonaError
from hotseat.org import accounts
from hotseat.org.assignments import (
    AssignmentStatus,
    assignments_for,
    create_assignment,
    get_assignment,
    link_session,
    list_assignments,
    start_assignment,
)
from hotseat.org.cohorts import (
    add_grader,
    cohort_members,
    create_cohort,
    get_cohort,
    join_cohort,
    list_cohorts,
    normalise_join_code,
    remove_member,
    rotate_join_code,
)
from hotseat.org.csv_io import export_progress_csv, export_sessions_csv, import_users_csv, safe_cell
from hotseat.org.dashboard import cohort_dashboard
from hotseat.org.reviews import submit_for_review
from hotseat.storage.schema import CohortMemberRow, UserRow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    fast_passwords(monkeypatch)
    return build_world(f"sqlite:///{tmp_path / 'org.db'}", tmp_path)


def _count(world: World, table: type) -> int:
    with world.store.transaction() as db:
        return int(db.scalar(select(func.count()).select_from(table)) or 0)


def _status(world: World, trainee: accounts.Actor, now: datetime | None = None) -> AssignmentStatus:
    (progress,) = assignments_for(world.store, trainee, now=now)
    return progress.status


# -- cohorts and join codes -------------------------------------------------------------------
def test_only_admins_create_cohorts_each_with_its_own_random_readable_code(world: World) -> None:
    with pytest.raises(AccessDenied):
        create_cohort(world.store, world.grader, "Mine")
    codes = {create_cohort(world.store, world.admin, f"Cohort {i}").join_code for i in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert code is not None and len(code) == 9 and code[4] == "-"
        assert not set(code.replace("-", "")) & set("IL0O1")


def test_joining_with_the_code_in_any_case_twice_changes_nothing_the_second_time(world: World) -> None:
    dee = accounts.register_trainee(world.store, "dee", PASSWORD)
    code = world.cohort.join_code or ""
    first = join_cohort(world.store, dee, f"  {code.lower()} ")
    again = join_cohort(world.store, dee, normalise_join_code(code))
    assert first.id == again.id == world.cohort.id
    assert first.join_code is None  # trainees do not see the code
    assert again.trainees == 3


def test_a_wrong_code_says_so_and_changes_nothing(world: World) -> None:
    dee = accounts.register_trainee(world.store, "dee", PASSWORD)
    before = _count(world, CohortMemberRow)
    for wrong in ["WRNG-CODE", "", "   "]:
        with pytest.raises(InputError) as caught:
            join_cohort(world.store, dee, wrong)
        assert "join code" in caught.value.message and "not joined" in (caught.value.hint or "")
    assert _count(world, CohortMemberRow) == before
    assert list_cohorts(world.store, dee) == []


def test_a_rotated_code_replaces_the_old_one(world: World) -> None:
    dee = accounts.register_trainee(world.store, "dee", PASSWORD)
    new = rotate_join_code(world.store, world.admin, world.cohort.id)
    with pytest.raises(InputError):
        join_cohort(world.store, dee, world.cohort.join_code or "")
    assert join_cohort(world.store, dee, new).id == world.cohort.id


def test_graders_are_added_by_admins_and_do_not_join_with_codes(world: World) -> None:
    with pytest.raises(AccessDenied, match="Only trainees"):
        join_cohort(world.store, world.other_grader, world.cohort.join_code or "")
    with pytest.raises(InputError, match="not a grader"):
        add_grader(world.store, world.admin, world.cohort.id, world.carol.id)
    accounts.set_role(world.store, world.admin, world.alice.id, "grader")
    with pytest.raises(InputError, match="trainee in this cohort"):
        add_grader(world.store, world.admin, world.cohort.id, world.alice.id)
    with pytest.raises(AccessDenied):
        add_grader(world.store, world.grader, world.cohort.id, world.other_grader.id)
    member = add_grader(world.store, world.admin, world.cohort.id, world.other_grader.id)
    assert add_grader(world.store, world.admin, world.cohort.id, world.other_grader.id) == member  # idempotent
    graders = cohort_members(world.store, world.grader, world.cohort.id, role="grader")
    assert [m.username for m in graders] == ["gina", "otto"]


def test_who_sees_which_cohort(world: World) -> None:
    assert {c.name for c in list_cohorts(world.store, world.admin)} == {"March", "April"}
    assert [c.name for c in list_cohorts(world.store, world.grader)] == ["March"]
    assert [c.name for c in list_cohorts(world.store, world.alice)] == ["March"]
    assert get_cohort(world.store, world.grader, world.cohort.id).join_code == world.cohort.join_code
    assert get_cohort(world.store, world.alice, world.cohort.id).join_code is None
    for outsider in (world.carol, world.other_grader):
        with pytest.raises(NotFoundError):
            get_cohort(world.store, outsider, world.cohort.id)
    with pytest.raises(AccessDenied):
        cohort_members(world.store, world.alice, world.cohort.id)


def test_a_removed_trainee_no_longer_sees_the_cohorts_assignments(world: World) -> None:
    remove_member(world.store, world.admin, world.cohort.id, world.bob.id)
    assert assignments_for(world.store, world.bob) == []
    with pytest.raises(NotFoundError):
        start_assignment(world.engine, world.bob, world.assignment.id)


# -- assignments ------------------------------------------------------------------------------
def test_assignments_check_persona_scenario_difficulty_attempts_and_due_date(world: World) -> None:
    def make(**kw: object) -> None:
        args: dict[str, object] = {"personas": world.personas, "persona_id": PERSONA} | kw
        create_assignment(world.store, world.admin, world.cohort.id, **args)  # type: ignore[arg-type]

    with pytest.raises(PersonaError, match="policy-over-problem"):
        make(persona_id="policy-over-problm")
    with pytest.raises(PersonaError):
        make(scenario_id="no-such-scenario")
    with pytest.raises(InputError, match="difficulty"):
        make(difficulty="impossible")
    with pytest.raises(InputError, match="Attempts"):
        make(attempts_counted=0)
    with pytest.raises(InputError, match="already passed"):
        make(due=date.today() - timedelta(days=1))
    with pytest.raises(AccessDenied):
        create_assignment(world.store, world.grader, world.cohort.id, personas=world.personas, persona_id=PERSONA)
    titles = [a.title for a in list_assignments(world.store, world.alice, world.cohort.id)]
    assert titles == ["Fare after surgery"]
    with pytest.raises(NotFoundError):
        list_assignments(world.store, world.carol, world.cohort.id)
    with pytest.raises(NotFoundError):
        get_assignment(world.store, world.carol, world.assignment.id)


def test_status_goes_not_started_in_progress_done(world: World) -> None:
    assert _status(world, world.alice) == AssignmentStatus.NOT_STARTED
    session = start_assignment(world.engine, world.alice, world.assignment.id)
    assert _status(world, world.alice) == AssignmentStatus.IN_PROGRESS
    world.engine.say(session, "I'm sorry, that sounds awful.")
    submit_for_review(world.store, world.alice, session.id, grade=fixed_grade())
    assert _status(world, world.alice) == AssignmentStatus.DONE
    assert _status(world, world.bob) == AssignmentStatus.NOT_STARTED


def test_past_the_due_date_it_is_overdue_and_cannot_be_started(world: World) -> None:
    later = (world.assignment.due_at or datetime.now(UTC)) + timedelta(minutes=1)
    assert _status(world, world.alice, now=later) == AssignmentStatus.OVERDUE
    with pytest.raises(InputError) as caught:
        start_assignment(world.engine, world.alice, world.assignment.id, now=later)
    assert "closed on" in caught.value.message and "Fare after surgery" in caught.value.message
    assert world.store.list_sessions(user_id=world.alice.id) == []  # nothing was started


def test_only_the_first_finished_attempts_count(world: World) -> None:
    twice = create_assignment(
        world.store, world.admin, world.cohort.id, personas=world.personas, persona_id=PERSONA, attempts_counted=2
    )
    sessions = []
    for _ in range(3):
        session = start_assignment(world.engine, world.alice, twice.id)
        world.engine.say(session, "I'm sorry, that sounds awful.")
        sessions.append(session)
    submit_for_review(world.store, world.alice, sessions[0].id, grade=fixed_grade())
    progress = {p.assignment.id: p for p in assignments_for(world.store, world.alice)}[twice.id]
    assert progress.status == AssignmentStatus.IN_PROGRESS
    for session in sessions[1:]:
        submit_for_review(world.store, world.alice, session.id, grade=fixed_grade())
    progress = {p.assignment.id: p for p in assignments_for(world.store, world.alice)}[twice.id]
    assert progress.status == AssignmentStatus.DONE
    assert [(a.attempt, a.counted) for a in progress.attempts] == [(1, True), (2, True), (3, False)]


def test_linking_an_existing_session(world: World) -> None:
    same = world.engine.start(
        PERSONA, world.assignment.scenario_id, world.assignment.difficulty, user_id=world.alice.id
    )
    other = world.engine.start("sorry-hardest-word", user_id=world.alice.id)
    bobs = world.engine.start(PERSONA, world.assignment.scenario_id, world.assignment.difficulty, user_id=world.bob.id)
    attempt = link_session(world.store, world.alice, same.id, world.assignment.id)
    assert attempt.attempt == 1
    assert link_session(world.store, world.alice, same.id, world.assignment.id).attempt == 1  # idempotent
    with pytest.raises(InputError, match="customer, scenario and difficulty"):
        link_session(world.store, world.alice, other.id, world.assignment.id)
    with pytest.raises(NotFoundError):
        link_session(world.store, world.alice, bobs.id, world.assignment.id)
    with pytest.raises(NotFoundError):
        link_session(world.store, world.carol, same.id, world.assignment.id)


# -- dashboard --------------------------------------------------------------------------------
def _graded_attempt(world: World, trainee: accounts.Actor, scores: dict[Skill, int]) -> str:
    session = world.play(trainee)
    submit_for_review(world.store, trainee, session.id, grade=fixed_grade(scores))
    return session.id


def test_the_dashboard_shows_completion_distributions_weakest_skills_and_trends(world: World) -> None:
    low = dict.fromkeys(Skill, 2) | {Skill.VALUES: 1}
    high = dict.fromkeys(Skill, 4) | {Skill.VALUES: 2}
    _graded_attempt(world, world.alice, low)
    _graded_attempt(world, world.alice, high)  # a third attempt: not counted, but in the trend
    _graded_attempt(world, world.bob, high)
    board = cohort_dashboard(world.store, world.grader, world.cohort.id)
    (completion,) = board.completion
    assert (completion.trainees, completion.done, completion.not_started, completion.rate) == (2, 2, 0, 1.0)
    values = next(d for d in board.distributions if d.skill == Skill.VALUES)
    assert values.counts == (1, 1, 0, 0, 0)  # alice's first (counted) attempt and bob's
    assert board.weakest[0].skill == Skill.VALUES
    alice = next(t for t in board.trainees if t.username == "alice")
    assert [round(p.mean, 2) for p in alice.trend] == [1.83, 3.67]
    assert alice.change is not None and alice.change > 1.8
    assert board.ungraded == 0
    with pytest.raises(AccessDenied):
        cohort_dashboard(world.store, world.alice, world.cohort.id)
    with pytest.raises(NotFoundError):
        cohort_dashboard(world.store, world.other_grader, world.cohort.id)


# -- CSV --------------------------------------------------------------------------------------
def test_csv_exports_one_row_per_attempt_and_per_trainee_and_defuses_formulas(world: World) -> None:
    evil = accounts.register_trainee(world.store, "eve", PASSWORD, display_name='=HYPERLINK("http://x")')
    join_cohort(world.store, evil, world.cohort.join_code or "")
    _graded_attempt(world, evil, dict.fromkeys(Skill, 3))
    rows = list(csv.DictReader(io.StringIO(export_sessions_csv(world.store, world.grader, world.cohort.id))))
    assert len(rows) == 1 and rows[0]["username"] == "eve" and rows[0]["empathy"] == "3"
    assert rows[0]["display_name"].startswith("'=")
    assert rows[0]["counted"] == "1" and rows[0]["reviews"] == "0"
    progress = list(csv.DictReader(io.StringIO(export_progress_csv(world.store, world.admin, world.cohort.id))))
    assert [r["username"] for r in progress] == ["alice", "bob", "eve"]
    assert progress[2][f"{world.assignment.id}: Fare after surgery"] == "done"
    with pytest.raises(AccessDenied):
        export_sessions_csv(world.store, world.alice, world.cohort.id)
    assert safe_cell("-1") == "'-1" and safe_cell("plain") == "plain"


def test_importing_users_creates_them_all_with_temporary_passwords_where_none_given(world: World) -> None:
    text = "\ufeffUsername,Display_Name,Role,Password\nfay,Fay,,\ngus,Gus,grader,a-good-password\n\n"
    made = import_users_csv(world.store, world.admin, text, cohort_id=world.cohort.id)
    assert [(u.username, u.role.value) for u in made] == [("fay", "trainee"), ("gus", "grader")]
    fay, gus = made
    assert fay.temporary_password and gus.temporary_password is None
    assert accounts.authenticate(world.store, "fay", fay.temporary_password).id == fay.user_id
    members = {m.username: m.role.value for m in cohort_members(world.store, world.admin, world.cohort.id)}
    assert members["fay"] == "trainee" and members["gus"] == "grader"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("username,role\nfay,trainee\ngus,boss\n", "Row 3: role 'boss' is not one of trainee, grader, admin, author."),
        ("username\nfay\nf a y\n", "Row 3: 'f a y' is not a valid username."),
        ("username\nfay\nhal\nFAY\n", "Row 4: username 'fay' also appears in row 2."),
        ("username,password\nfay,short\n", "Row 2: The password is too short."),
        ("username\nfay\nalice\n", "row 3 (alice)"),
        ("username,role\nfay,trainee,extra\n", "Row 2: more cells than columns."),
        ("name,role\nfay,trainee\n", "no 'username' column"),
        ("username,email\nfay,f@x\n", "Unknown column(s): email"),
        ("username\n", "no users"),
    ],
)
def test_a_malformed_import_names_the_row_and_adds_nobody(world: World, text: str, expected: str) -> None:
    before = _count(world, UserRow)
    with pytest.raises(InputError) as caught:
        import_users_csv(world.store, world.admin, text)
    assert expected in caught.value.message
    assert _count(world, UserRow) == before


def test_only_admins_import_users(world: World) -> None:
    with pytest.raises(AccessDenied):
        import_users_csv(world.store, world.grader, "username\nfay\n")


# -- many trainees at once --------------------------------------------------------------------
def test_the_load_test_loses_no_turn_on_sqlite(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("hotseat_load_test", ROOT / "benchmarks" / "load_test.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.run(trainees=8, turns=3, database_url=f"sqlite:///{tmp_path / 'load.db'}")
    assert (figures["errors"], figures["turns_lost"]) == (0, 0), figures["first_error"]
    assert figures["trainee_turns_stored"] == 24 and figures["sessions_graded"] == 8
