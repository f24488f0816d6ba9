"""A small cohort world for the hotseat.org tests, on SQLite or any database URL (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from evaluators.results import Evaluation, SkillScore, TurnGrade
from evaluators.skills import Skill
from hotseat.org import accounts
from hotseat.org.accounts import Actor, Role
from hotseat.org.assignments import Assignment, create_assignment, start_assignment
from hotseat.org.cohorts import Cohort, add_grader, create_cohort, join_cohort
from hotseat.practice.engine import PracticeEngine
from hotseat.practice.personas import PersonaLibrary
from hotseat.practice.session import PracticeSession
from hotseat.settings import load_settings
from hotseat.storage import Store

PASSWORD = "correct-horse-battery"
PERSONA = "policy-over-problem"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
LINES = [
    "That sounds really frustrating. So the hospital moved your surgery and you lose the whole fare?",
    "I'm sorry, we got this wrong and that's on us.",
]


def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords with cheap argon2 parameters (the real defaults take ~0.2 s a hash)."""
    monkeypatch.setattr(accounts, "password_hasher", lambda: FAST_HASHER)


@dataclass
class World:
    """An admin, two graders (one per cohort), two trainees in cohort 'March', one outsider trainee."""

    store: Store
    engine: PracticeEngine
    personas: PersonaLibrary
    admin: Actor
    grader: Actor
    other_grader: Actor
    alice: Actor
    bob: Actor
    carol: Actor  # a trainee in the other cohort
    cohort: Cohort
    other_cohort: Cohort
    assignment: Assignment

    def play(self, trainee: Actor, lines: list[str] | None = None) -> PracticeSession:
        """Start the assignment as `trainee` and say `lines` to the embedded customer."""
        session = start_assignment(self.engine, trainee, self.assignment.id)
        for line in lines or LINES:
            if session.ended:
                break
            self.engine.say(session, line)
        return session


def build_world(url: str, data_dir: Path) -> World:
    """Open (and migrate) the database at `url` and fill it with the World's people and cohorts."""
    settings = load_settings(data_dir=data_dir, database_url=url)
    store = Store.open(url)
    personas = PersonaLibrary(settings.personas_dir)
    engine = PracticeEngine(settings, store, personas, None)
    admin = accounts.bootstrap_admin(store, "ada", PASSWORD, display_name="Ada Admin")
    grader = accounts.create_user(store, admin, "gina", PASSWORD, role=Role.GRADER)
    other_grader = accounts.create_user(store, admin, "otto", PASSWORD, role=Role.GRADER)
    alice = accounts.register_trainee(store, "alice", PASSWORD, display_name="Alice")
    bob = accounts.register_trainee(store, "bob", PASSWORD, display_name="Bob")
    carol = accounts.register_trainee(store, "carol", PASSWORD, display_name="Carol")
    cohort = create_cohort(store, admin, "March")
    other = create_cohort(store, admin, "April")
    add_grader(store, admin, cohort.id, grader.id)
    add_grader(store, admin, other.id, other_grader.id)
    assert cohort.join_code and other.join_code
    join_cohort(store, alice, cohort.join_code)
    join_cohort(store, bob, cohort.join_code)
    join_cohort(store, carol, other.join_code)
    assignment = create_assignment(
        store,
        admin,
        cohort.id,
        personas=personas,
        persona_id=PERSONA,
        due=datetime.now(UTC) + timedelta(days=7),
        title="Fare after surgery",
    )
    return World(store, engine, personas, admin, grader, other_grader, alice, bob, carol, cohort, other, assignment)


def fixed_grade(scores: dict[Skill, int] | int = 3) -> Callable[[PracticeSession], Evaluation]:
    """A deterministic evaluator: the given score per skill, no evidence, every trainee turn listed."""

    def grade(session: PracticeSession) -> Evaluation:
        per_skill = scores if isinstance(scores, dict) else dict.fromkeys(Skill, scores)
        return Evaluation(
            evaluator="fixed",
            skills=[SkillScore(skill=s, reasoning="fixed", score=per_skill.get(s, 3)) for s in Skill],
            turns=[TurnGrade(index=t.index) for t in session.trainee_turns()],
        )

    return grade


def postgres_url() -> str | None:
    """The test server's URL from HOTSEAT_TEST_DATABASE_URL, if set."""
    import os

    return os.environ.get("HOTSEAT_TEST_DATABASE_URL") or None


def postgres_reachable(url: str) -> str | None:
    """None if a connection to `url` works, else why not."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver or network error means: not reachable
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A new empty schema on the server at `url` (dropped afterwards); yields a URL whose search_path is it."""
    name = f"hotseat_test_{uuid4().hex[:12]}"
    admin_engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{name}"
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin_engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file, then (marked `postgres`) a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hotseat.db'}"
        return
    from support import require_or_skip

    url = postgres_url()
    require_or_skip(url is not None, "HOTSEAT_TEST_DATABASE_URL is not set", "HOTSEAT_REQUIRE_POSTGRES")
    assert url is not None
    why = postgres_reachable(url)
    require_or_skip(why is None, f"PostgreSQL is not reachable ({why})", "HOTSEAT_REQUIRE_POSTGRES")
    with fresh_schema(url) as schema_url:
        yield schema_url
