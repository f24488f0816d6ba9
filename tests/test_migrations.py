"""Migrations on SQLite: up and down cleanly, agree with the ORM schema, and keep practice data."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from hotseat.storage import migrate
from hotseat.storage.schema import Base
from hotseat.storage.store import make_engine

PRACTICE_TABLES = {"users", "sessions", "turns", "evaluations"}
COHORT_TABLES = {"cohorts", "cohort_members", "assignments", "assignment_sessions", "reviews", "review_scores"}


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")


DAY = "2026-01-01 00:00:00"
SIGN_IN_TABLES = {"identities", "sign_in_events"}
STANDARDS_TABLES = {"standards"}
ACCOUNT_TABLES = {"auth_sessions"}
HEAD = "0006"
AUTHORING_TABLES = {"custom_personas", "persona_versions"}
ALL_TABLES = PRACTICE_TABLES | COHORT_TABLES | SIGN_IN_TABLES | AUTHORING_TABLES | ACCOUNT_TABLES | STANDARDS_TABLES


def tables(engine: Engine) -> set[str]:
    """The database's tables, without Alembic's own."""
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def revision(engine: Engine) -> str | None:
    """The revision the database is at."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema_differences(engine: Engine) -> list[object]:
    """What autogenerate would change to make the database match the ORM (empty when they agree)."""
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))


def insert(conn: Connection, table: str, **row: object) -> None:
    """Insert one row with plain SQL (the ORM may be ahead of the revision under test)."""
    columns = ", ".join(row)
    values = ", ".join(f":{c}" for c in row)
    conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)


def test_head_creates_every_table_and_matches_the_orm_schema(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert revision(engine) == HEAD
    assert tables(engine) == ALL_TABLES
    assert schema_differences(engine) == []


def test_down_to_0001_drops_only_the_cohort_tables_and_up_again_restores_them(engine: Engine) -> None:
    migrate.upgrade(engine)
    migrate.downgrade(engine, "0001")
    assert revision(engine) == "0001" and tables(engine) == PRACTICE_TABLES
    migrate.upgrade(engine)
    assert tables(engine) == ALL_TABLES
    assert schema_differences(engine) == []


def test_down_to_0002_drops_the_sign_in_tables_and_the_sso_flag_keeping_users(engine: Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO users (username, display_name, role, created_at) VALUES ('u1', '', 'trainee', :d)"),
            {"d": DAY},
        )
    migrate.downgrade(engine, "0002")
    assert tables(engine) == PRACTICE_TABLES | COHORT_TABLES
    assert "sso_link_allowed" not in {c["name"] for c in inspect(engine).get_columns("users")}
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT username, sso_link_allowed FROM users WHERE username = 'u1'")).one() == (
            "u1",
            0,
        )
    assert schema_differences(engine) == []


def test_all_the_way_down_and_up(engine: Engine) -> None:
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert tables(engine) == set() and revision(engine) is None
    migrate.upgrade(engine)
    assert revision(engine) == HEAD


def test_upgrading_a_0001_database_keeps_its_practice_sessions(engine: Engine) -> None:
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        insert(conn, "users", id=1, username="local", display_name="", role="trainee", created_at=DAY)
        insert(
            conn,
            "sessions",
            id="s1",
            user_id=1,
            persona_id="p",
            scenario_id="sc",
            difficulty="upset",
            provider="scripted",
            status="active",
            assisted=False,
            state="{}",
            created_at=DAY,
            updated_at=DAY,
        )
    migrate.upgrade(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT id FROM sessions")).scalars().all() == ["s1"]
        insert(conn, "cohorts", id=1, name="c", join_code="ABCDEFGH", created_at=DAY)
        insert(
            conn,
            "assignments",
            cohort_id=1,
            title="t",
            persona_id="p",
            scenario_id="sc",
            difficulty="upset",
            created_at=DAY,
        )
        insert(conn, "assignment_sessions", session_id="s1", assignment_id=1, attempt=1, linked_at=DAY)
        assert conn.execute(text("SELECT attempts_counted FROM assignments")).scalar() == 1  # server default
    migrate.downgrade(engine, "0001")  # with cohort data in place
    with engine.begin() as conn:
        assert conn.execute(text("SELECT id FROM sessions")).scalars().all() == ["s1"]


def test_the_database_refuses_scores_off_the_scale_and_unknown_member_roles(engine: Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as conn:
        insert(conn, "users", id=1, username="u", display_name="", role="trainee", created_at=DAY)
        insert(conn, "cohorts", id=1, name="c", join_code="ABCDEFGH", created_at=DAY)
    with pytest.raises(IntegrityError, match="CHECK constraint failed"), engine.begin() as conn:
        insert(conn, "cohort_members", cohort_id=1, user_id=1, role="owner", joined_at=DAY)
    with pytest.raises(IntegrityError, match="CHECK constraint failed"), engine.begin() as conn:
        insert(conn, "review_scores", review_id=1, skill="empathy", evaluator_score=3, grader_score=7, comment="")


def test_down_to_0005_drops_only_the_standards_and_the_database_refuses_bad_ones(engine: Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as conn:
        insert(conn, "cohorts", id=1, name="c", join_code="ABCDEFGH", created_at=DAY)
        insert(conn, "standards", cohort_id=1, weights='{"empathy": 1}', pass_mark=3.0, updated_at=DAY)
    with pytest.raises(IntegrityError, match="CHECK constraint failed"), engine.begin() as conn:
        insert(conn, "standards", weights="{}", pass_mark=3.0, updated_at=DAY)  # neither cohort nor assignment
    with pytest.raises(IntegrityError, match="CHECK constraint failed"), engine.begin() as conn:
        insert(conn, "standards", assignment_id=7, weights="{}", pass_mark=6.0, updated_at=DAY)
    with pytest.raises(IntegrityError, match="UNIQUE"), engine.begin() as conn:
        insert(conn, "standards", cohort_id=1, weights="{}", pass_mark=2.0, updated_at=DAY)  # one per cohort
    migrate.downgrade(engine, "0005")
    assert tables(engine) == PRACTICE_TABLES | COHORT_TABLES | SIGN_IN_TABLES | AUTHORING_TABLES | ACCOUNT_TABLES
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM cohorts")).scalars().all() == ["c"]
    migrate.upgrade(engine)
    assert tables(engine) == ALL_TABLES
    assert schema_differences(engine) == []


def test_down_to_0003_drops_the_account_columns_and_sessions_and_up_again_defaults_them(engine: Engine) -> None:
    """0005: users.active (default true), users.must_change_password, cohorts.self_signup (default on)."""
    migrate.upgrade(engine, "0003")
    with engine.begin() as conn:
        insert(conn, "users", id=1, username="u1", display_name="", role="trainee", created_at=DAY)
        insert(conn, "cohorts", id=1, name="c", join_code="ABCDEFGH", created_at=DAY)
    migrate.upgrade(engine)
    assert tables(engine) == ALL_TABLES
    with engine.begin() as conn:  # existing rows get the defaults: active, no forced change, self-signup on
        assert conn.execute(text("SELECT active, must_change_password FROM users")).one() == (1, 0)
        assert conn.execute(text("SELECT self_signup FROM cohorts")).scalar() == 1
        insert(conn, "auth_sessions", token_hash="h" * 64, user_id=1, created_at=DAY, expires_at=DAY)
    with pytest.raises(IntegrityError), engine.begin() as conn:  # a token hash is stored once
        insert(conn, "auth_sessions", token_hash="h" * 64, user_id=1, created_at=DAY, expires_at=DAY)
    migrate.downgrade(engine, "0003")
    assert tables(engine) == PRACTICE_TABLES | COHORT_TABLES | SIGN_IN_TABLES
    assert not {"active", "must_change_password"} & {c["name"] for c in inspect(engine).get_columns("users")}
    assert "self_signup" not in {c["name"] for c in inspect(engine).get_columns("cohorts")}
    migrate.upgrade(engine)
    assert schema_differences(engine) == []


def test_down_to_0003_drops_the_custom_personas_and_the_version_columns_keeping_sessions(engine: Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as conn:
        insert(conn, "users", id=1, username="local", display_name="", role="trainee", created_at=DAY)
        insert(
            conn,
            "sessions",
            id="s1",
            user_id=1,
            persona_id="my-own",
            persona_version=3,
            scenario_id="sc",
            difficulty="upset",
            provider="scripted",
            status="active",
            assisted=False,
            state="{}",
            created_at=DAY,
            updated_at=DAY,
        )
        insert(conn, "custom_personas", id="my-own", title="Mine", created_at=DAY)
        insert(conn, "persona_versions", persona_id="my-own", version=1, body="{}", note="", created_at=DAY)
    with pytest.raises(IntegrityError), engine.begin() as conn:  # one row per persona and version
        insert(conn, "persona_versions", persona_id="my-own", version=1, body="{}", note="", created_at=DAY)
    migrate.downgrade(engine, "0003")
    assert tables(engine) == PRACTICE_TABLES | COHORT_TABLES | SIGN_IN_TABLES
    assert "persona_version" not in {c["name"] for c in inspect(engine).get_columns("sessions")}
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, persona_version FROM sessions")).one() == ("s1", None)
    assert schema_differences(engine) == []
