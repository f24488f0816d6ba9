"""A cohort lead's account work without a terminal: self-signup with a join code, password change and reset,
roles, deactivation, browser sign-ins (the session cookie's tokens), and codes with nothing to misread.

Each test runs on SQLite, and on PostgreSQL when HOTSEAT_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers_org import PASSWORD, World, build_world, fast_passwords, fresh_schema, postgres_reachable, postgres_url
from sqlalchemy import select
from support import require_or_skip

from hotseat.errors import AccessDenied, AuthenticationError, InputError, SignInThrottled
from hotseat.org import accounts
from hotseat.org.accounts import Role
from hotseat.org.auth_sessions import LIFETIME, auth_session_user, open_auth_session, revoke_auth_session
from hotseat.org.codes import CONFUSABLE, temporary_password
from hotseat.org.cohorts import list_cohorts, new_join_code, set_self_signup
from hotseat.org.csv_io import import_users_csv
from hotseat.org.signin import CLIENT_FREE, FREE_FAILURES, LOCK_AFTER, locked_usernames, sign_in_log
from hotseat.org.signup import sign_up_with_code
from hotseat.storage.schema import AuthSessionRow, SessionRow, UserRow
from hotseat.ui.routes import menu_keys

NEW_PASSWORD = "a-brand-new-secret"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    fast_passwords(monkeypatch)
    if request.param == "sqlite":
        yield build_world(f"sqlite:///{tmp_path / 'org.db'}", tmp_path)
        return
    url = postgres_url()
    require_or_skip(url is not None, "HOTSEAT_TEST_DATABASE_URL is not set", "HOTSEAT_REQUIRE_POSTGRES")
    assert url is not None
    require_or_skip(postgres_reachable(url) is None, "PostgreSQL is not reachable", "HOTSEAT_REQUIRE_POSTGRES")
    with fresh_schema(url) as schema_url:
        built = build_world(schema_url, tmp_path)
        yield built
        built.store.engine.dispose()


def _code(world: World) -> str:
    assert world.cohort.join_code is not None
    return world.cohort.join_code


# -- codes --------------------------------------------------------------------------------------
def test_temporary_passwords_and_join_codes_have_no_confusable_characters() -> None:
    passwords = {temporary_password() for _ in range(300)}
    codes = {new_join_code() for _ in range(300)}
    assert len(passwords) == 300 and len(codes) == 300  # random, not repeated
    for password in passwords:
        assert re.fullmatch(r"[a-z0-9]{4}(-[a-z0-9]{4}){3}", password), password
        assert not set(password) & CONFUSABLE, password
        accounts.check_password(password)  # acceptable as a password
    for code in codes:
        assert re.fullmatch(r"[A-Z0-9]{8}", code) and not set(code) & CONFUSABLE, code
    assert {"0", "O", "o", "1", "l", "I"} <= CONFUSABLE


def test_a_csv_import_gives_readable_temporary_passwords_to_change_at_first_sign_in(world: World) -> None:
    made = import_users_csv(world.store, world.admin, "username,display_name,role,password\ntina,Tina,trainee,\n")
    temporary = made[0].temporary_password
    assert temporary is not None and not set(temporary) & CONFUSABLE
    assert accounts.authenticate(world.store, "tina", temporary).must_change_password


# -- self-signup --------------------------------------------------------------------------------
def test_a_trainee_signs_up_with_the_join_code_alone_and_lands_in_the_cohort(world: World) -> None:
    made = sign_up_with_code(
        world.store, _code(world).lower(), "Dora", PASSWORD, display_name="Dora D", client="10.0.0.9"
    )
    assert (made.actor.username, made.actor.role, made.actor.display_name) == ("dora", Role.TRAINEE, "Dora D")
    assert made.cohort.id == world.cohort.id
    assert [c.id for c in list_cohorts(world.store, made.actor)] == [world.cohort.id]
    assert accounts.authenticate(world.store, "dora", PASSWORD).id == made.actor.id
    logged = sign_in_log(world.store, username="dora")
    assert [(e.method, e.outcome, e.client) for e in logged][-1] == ("signup", "ok", "10.0.0.9")


def test_signup_uses_the_same_password_rules_and_refuses_a_taken_username(world: World) -> None:
    with pytest.raises(InputError, match="too short"):
        sign_up_with_code(world.store, _code(world), "dora", "short")
    with pytest.raises(InputError, match="same as the username"):
        sign_up_with_code(world.store, _code(world), "dora-dora", "dora-dora")
    with pytest.raises(InputError, match="already taken"):
        sign_up_with_code(world.store, _code(world), "alice", PASSWORD)
    assert not [e for e in sign_in_log(world.store) if e.method == "signup" and e.outcome == "failed"]


def test_a_wrong_join_code_counts_as_a_failed_sign_in_for_that_client(world: World) -> None:
    now = datetime.now(UTC)
    for _ in range(FREE_FAILURES):
        with pytest.raises(InputError, match="No cohort has the join code"):
            sign_up_with_code(world.store, "WRONG-CODE", "dora", PASSWORD, client="c1", now=now)
    with pytest.raises(SignInThrottled):  # even with the right code now: the back-off comes first
        sign_up_with_code(world.store, _code(world), "dora", PASSWORD, client="c1", now=now)
    for i in range(CLIENT_FREE):  # another client, a new username each time: the client is slowed down
        with pytest.raises(InputError):
            sign_up_with_code(world.store, "WRONG-CODE", f"guess{i}", PASSWORD, client="c2", now=now)
    with pytest.raises(SignInThrottled):
        sign_up_with_code(world.store, _code(world), "fresh-name", PASSWORD, client="c2", now=now)
    assert {e.detail for e in sign_in_log(world.store, limit=100) if e.outcome == "failed"} == {"wrong join code"}
    later = now + timedelta(minutes=20)
    made = sign_up_with_code(world.store, _code(world), "dora", PASSWORD, client="c3", now=later)
    assert made.actor.username == "dora"


def test_the_admin_turns_self_signup_off_per_cohort_and_signup_is_refused_clearly(world: World) -> None:
    with pytest.raises(AccessDenied):
        set_self_signup(world.store, world.alice, world.cohort.id, False)
    assert not set_self_signup(world.store, world.admin, world.cohort.id, False).self_signup
    with pytest.raises(AccessDenied, match="Self-signup is turned off for this cohort") as refused:
        sign_up_with_code(world.store, _code(world), "dora", PASSWORD)
    assert "Ask your trainer" in refused.value.user_message()
    with world.store.transaction() as db:
        assert db.scalar(select(UserRow).where(UserRow.username == "dora")) is None
    assert sign_in_log(world.store, username="dora")[0].outcome == "refused"
    assert world.other_cohort.join_code is not None  # the other cohort is still open
    assert sign_up_with_code(world.store, world.other_cohort.join_code, "dora", PASSWORD).cohort.name == "April"
    set_self_signup(world.store, world.admin, world.cohort.id, True)
    assert sign_up_with_code(world.store, _code(world), "dina", PASSWORD).cohort.name == "March"


# -- passwords ----------------------------------------------------------------------------------
def test_a_user_changes_their_password_with_the_current_one(world: World) -> None:
    with pytest.raises(AuthenticationError):
        accounts.change_password(world.store, world.alice, "not-the-password", NEW_PASSWORD)
    with pytest.raises(InputError, match="same as the current"):
        accounts.change_password(world.store, world.alice, PASSWORD, PASSWORD)
    accounts.change_password(world.store, world.alice, PASSWORD, NEW_PASSWORD)
    with pytest.raises(AuthenticationError):
        accounts.authenticate(world.store, "alice", PASSWORD)
    assert accounts.authenticate(world.store, "alice", NEW_PASSWORD).id == world.alice.id


def test_an_admin_reset_gives_a_temporary_password_to_change_and_ends_browser_sign_ins(world: World) -> None:
    token = open_auth_session(world.store, world.alice.id)
    with pytest.raises(AccessDenied):
        accounts.reset_password(world.store, world.grader, world.alice.id)
    temporary = accounts.reset_password(world.store, world.admin, world.alice.id)
    assert not set(temporary) & CONFUSABLE
    assert auth_session_user(world.store, token) is None  # a stolen cookie stops working
    with pytest.raises(AuthenticationError):
        accounts.authenticate(world.store, "alice", PASSWORD)
    alice = accounts.authenticate(world.store, "alice", temporary)
    assert alice.must_change_password and menu_keys(alice) == ["signout"]  # only the account page
    accounts.change_password(world.store, alice, temporary, NEW_PASSWORD)
    alice = accounts.authenticate(world.store, "alice", NEW_PASSWORD)
    assert not alice.must_change_password and "cohorts" in menu_keys(alice)


def test_a_reset_lifts_a_lockout(world: World) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(LOCK_AFTER):  # spaced out beyond every back-off: each one is a failure
        with pytest.raises(AuthenticationError):
            accounts.authenticate(world.store, "bob", "wrong-password", now=start + timedelta(minutes=6 * i))
    assert locked_usernames(world.store) == ["bob"]
    temporary = accounts.reset_password(world.store, world.admin, world.bob.id)
    assert accounts.authenticate(world.store, "bob", temporary).id == world.bob.id


# -- roles and deactivation ---------------------------------------------------------------------
def test_the_last_admin_cannot_demote_or_deactivate_themselves(world: World) -> None:
    with pytest.raises(InputError, match="last admin"):
        accounts.set_role(world.store, world.admin, world.admin.id, Role.GRADER)
    with pytest.raises(InputError, match="last admin"):
        accounts.set_active(world.store, world.admin, world.admin.id, False)
    second = accounts.set_role(world.store, world.admin, world.grader.id, Role.ADMIN)
    assert second.role == Role.ADMIN
    accounts.set_active(world.store, world.admin, second.id, False)  # a deactivated admin does not count
    with pytest.raises(InputError, match="last admin"):
        accounts.set_role(world.store, world.admin, world.admin.id, Role.TRAINEE)
    accounts.set_active(world.store, world.admin, second.id, True)
    assert accounts.set_role(world.store, world.admin, world.admin.id, Role.GRADER).role == Role.GRADER


def test_a_deactivated_user_cannot_sign_in_and_their_data_stays(world: World) -> None:
    session = world.play(world.alice)
    token = open_auth_session(world.store, world.alice.id)
    with pytest.raises(AccessDenied):
        accounts.set_active(world.store, world.alice, world.bob.id, False)
    assert not accounts.set_active(world.store, world.admin, world.alice.id, False).active
    with pytest.raises(AuthenticationError, match="deactivated"):
        accounts.authenticate(world.store, "alice", PASSWORD)
    assert sign_in_log(world.store, username="alice")[0].detail == "deactivated"
    assert auth_session_user(world.store, token) is None
    with pytest.raises(AccessDenied, match="deactivated"):
        accounts.signed_in_actor(world.store, world.alice.id)
    with pytest.raises(AccessDenied, match="deactivated"):  # the data layer refuses an open tab too
        list_cohorts(world.store, world.alice)
    with world.store.transaction() as db:
        assert db.get(SessionRow, session.id) is not None
    listed = {u.username: u for u in accounts.list_users(world.store, world.admin)}
    assert not listed["alice"].active
    accounts.set_active(world.store, world.admin, world.alice.id, True)
    assert accounts.authenticate(world.store, "alice", PASSWORD).active


def test_single_sign_on_into_a_deactivated_account_is_refused(world: World) -> None:
    identity = accounts.SsoIdentity(issuer="https://idp", subject="s-1", email="sam@example.com", email_verified=True)
    sam = accounts.identity_actor(world.store, identity)
    accounts.set_active(world.store, world.admin, sam.id, False)
    with pytest.raises(AccessDenied, match="deactivated"):
        accounts.identity_actor(world.store, identity)


# -- browser sign-ins ---------------------------------------------------------------------------
def test_a_browser_sign_in_token_is_stored_hashed_expires_and_is_revoked(world: World) -> None:
    now = datetime.now(UTC)
    token = open_auth_session(world.store, world.bob.id, client="10.0.0.2", now=now)
    assert len(token) >= 40
    with world.store.transaction() as db:
        row = db.scalars(select(AuthSessionRow)).one()
        assert token not in row.token_hash and len(row.token_hash) == 64
    assert auth_session_user(world.store, token, now=now) == world.bob.id
    assert auth_session_user(world.store, token, now=now + LIFETIME + timedelta(seconds=1)) is None  # expired
    for forged in ("", "x", token[:-1] + ("A" if token[-1] != "A" else "B"), "y" * 5000):
        assert auth_session_user(world.store, forged, now=now) is None
    other = open_auth_session(world.store, world.bob.id, now=now)
    revoke_auth_session(world.store, token)
    assert auth_session_user(world.store, token, now=now) is None
    assert auth_session_user(world.store, other, now=now) == world.bob.id  # another browser stays signed in
