"""Accounts (argon2 passwords, roles, the local user) and who may see which session."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from helpers_org import PASSWORD, World, build_world, fast_passwords
from sqlalchemy import select

from hotseat.errors import AccessDenied, AuthenticationError, InputError, NotFoundError
from hotseat.org import accounts
from hotseat.org.access import get_session_for, list_sessions_for
from hotseat.org.accounts import Role
from hotseat.storage.schema import UserRow


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    fast_passwords(monkeypatch)
    return build_world(f"sqlite:///{tmp_path / 'org.db'}", tmp_path)


def _hash_of(world: World, username: str) -> str | None:
    with world.store.transaction() as db:
        return db.scalar(select(UserRow.password_hash).where(UserRow.username == username))


# -- accounts ---------------------------------------------------------------------------------
def test_sign_in_is_case_and_space_insensitive_and_the_password_is_stored_as_argon2id(world: World) -> None:
    actor = accounts.authenticate(world.store, "  ALICE ", PASSWORD)
    assert (actor.username, actor.role, actor.display_name) == ("alice", Role.TRAINEE, "Alice")
    stored = _hash_of(world, "alice")
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_wrong_password_and_unknown_user_get_one_and_the_same_message(world: World) -> None:
    with pytest.raises(AuthenticationError) as wrong:
        accounts.authenticate(world.store, "alice", "not-the-password")
    with pytest.raises(AuthenticationError) as unknown:
        accounts.authenticate(world.store, "nobody-here", PASSWORD)
    assert wrong.value.user_message() == unknown.value.user_message()
    assert "username or password is wrong" in wrong.value.message


def test_the_local_user_keeps_working_without_an_account_and_cannot_sign_in(world: World) -> None:
    local = accounts.local_actor(world.store)
    assert local.is_local and local.role == Role.TRAINEE
    session = world.engine.start("policy-over-problem", user_id=local.id)
    world.engine.say(session, "I'm sorry, that sounds awful.")
    assert [s.id for s in list_sessions_for(world.store, local)] == [session.id]
    assert get_session_for(world.store, local, session.id).trainee_turns()
    with pytest.raises(AuthenticationError):
        accounts.authenticate(world.store, "local", "")
    with pytest.raises(InputError, match="reserved"):
        accounts.register_trainee(world.store, "local", PASSWORD)


@pytest.mark.parametrize("name", ["ab", "has space", "-dash-first", "émile", "x" * 65, ""])
def test_usernames_break_the_rules_with_a_message_that_states_them(world: World, name: str) -> None:
    with pytest.raises(InputError) as caught:
        accounts.register_trainee(world.store, name, PASSWORD)
    assert "3–64 characters" in (caught.value.hint or "")


def test_emails_are_valid_usernames_and_names_are_unique(world: World) -> None:
    assert (
        accounts.register_trainee(world.store, "Dee.Dee+cx@example.com", PASSWORD).username == "dee.dee+cx@example.com"
    )
    with pytest.raises(InputError, match="already taken"):
        accounts.register_trainee(world.store, "ALICE", PASSWORD)


@pytest.mark.parametrize(("password", "why"), [("short", "too short"), (" " * 9, "too short"), ("x" * 300, "too long")])
def test_weak_passwords_are_refused(world: World, password: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        accounts.register_trainee(world.store, "erin", password)


def test_the_username_is_not_a_password(world: World) -> None:
    with pytest.raises(InputError, match="same as the username"):
        accounts.register_trainee(world.store, "erin-long-name", "Erin-Long-Name")


def test_a_password_hashed_with_old_parameters_is_rehashed_at_sign_in(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _hash_of(world, "alice")
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(accounts, "password_hasher", lambda: stronger)
    accounts.authenticate(world.store, "alice", PASSWORD)
    new = _hash_of(world, "alice")
    assert new != old and new is not None and "m=2048,t=2,p=1" in new
    accounts.authenticate(world.store, "alice", PASSWORD)
    assert _hash_of(world, "alice") == new  # no needless rehash


def test_only_admins_create_accounts_and_the_first_admin_only_once(world: World) -> None:
    with pytest.raises(AccessDenied, match="Only an admin"):
        accounts.create_user(world.store, world.alice, "mallory", PASSWORD, role=Role.ADMIN)
    with pytest.raises(AccessDenied, match="already exists"):
        accounts.bootstrap_admin(world.store, "mallory", PASSWORD)
    made = accounts.create_user(world.store, world.admin, "gus", PASSWORD, role="grader", display_name="Gus")
    assert made.role == Role.GRADER
    assert "mallory" not in {u.username for u in accounts.list_users(world.store, world.admin)}


def test_a_role_change_counts_at_once_even_for_an_actor_held_by_a_page(world: World) -> None:
    second = accounts.create_user(world.store, world.admin, "ava", PASSWORD, role=Role.ADMIN)
    accounts.set_role(world.store, world.admin, second.id, Role.TRAINEE)
    with pytest.raises(AccessDenied):
        accounts.create_user(world.store, second, "sneaky", PASSWORD)  # `second` still says admin: not trusted
    with pytest.raises(InputError, match="last admin"):
        accounts.set_role(world.store, world.admin, world.admin.id, Role.GRADER)


def test_an_actor_whose_account_is_gone_is_refused(world: World) -> None:
    ghost = accounts.Actor(id=9999, username="ghost", role=Role.ADMIN)
    with pytest.raises(AccessDenied, match="no longer exists"):
        list_sessions_for(world.store, ghost)


def test_change_password_checks_the_current_one(world: World) -> None:
    with pytest.raises(AuthenticationError):
        accounts.change_password(world.store, world.alice, "wrong-one-here", "a-new-password")
    accounts.change_password(world.store, world.alice, PASSWORD, "a-new-password")
    assert accounts.authenticate(world.store, "alice", "a-new-password").id == world.alice.id
    accounts.set_password(world.store, world.admin, world.alice.id, "admin-set-password")
    assert accounts.authenticate(world.store, "alice", "admin-set-password").id == world.alice.id


def test_an_sso_identity_gets_one_trainee_account_without_a_password(world: World) -> None:
    frank = accounts.SsoIdentity("https://login.example.com", "frank-1", "Frank@Example.com", True, "Frank")
    first = accounts.identity_actor(world.store, frank)
    again = accounts.identity_actor(world.store, frank)
    assert first.username == "frank@example.com"
    assert first == again and first.role == Role.TRAINEE
    assert accounts.actor_by_id(world.store, first.id) == first
    with pytest.raises(AuthenticationError):
        accounts.authenticate(world.store, "frank@example.com", "")


# -- who sees which session -------------------------------------------------------------------
def test_a_trainee_asking_for_another_trainees_session_by_id_gets_nothing(world: World) -> None:
    mine = world.play(world.alice)
    theirs = world.play(world.bob)
    assert get_session_for(world.store, world.alice, mine.id).id == mine.id
    with pytest.raises(NotFoundError) as hidden:
        get_session_for(world.store, world.alice, theirs.id)
    with pytest.raises(NotFoundError) as missing:
        get_session_for(world.store, world.alice, "no-such-session")
    assert hidden.value.message.replace(theirs.id, "X") == missing.value.message.replace("no-such-session", "X")
    assert [s.id for s in list_sessions_for(world.store, world.alice)] == [mine.id]


def test_a_grader_sees_the_sessions_of_the_cohorts_they_grade_only(world: World) -> None:
    alices = world.play(world.alice)
    free = world.engine.start("sorry-hardest-word", user_id=world.alice.id)  # free practice: private
    assert get_session_for(world.store, world.grader, alices.id).id == alices.id
    assert {s.id for s in list_sessions_for(world.store, world.grader)} == {alices.id}
    assert {s.id for s in list_sessions_for(world.store, world.grader, cohort_id=world.cohort.id)} == {alices.id}
    for outsider, session_id in [(world.grader, free.id), (world.other_grader, alices.id), (world.carol, alices.id)]:
        with pytest.raises(NotFoundError):
            get_session_for(world.store, outsider, session_id)
    assert list_sessions_for(world.store, world.other_grader) == []
    assert list_sessions_for(world.store, world.other_grader, cohort_id=world.cohort.id) == []


def test_an_admin_sees_cohort_sessions_but_not_free_practice(world: World) -> None:
    alices = world.play(world.alice)
    free = world.engine.start("sorry-hardest-word", user_id=world.alice.id)
    assert get_session_for(world.store, world.admin, alices.id).id == alices.id
    with pytest.raises(NotFoundError):
        get_session_for(world.store, world.admin, free.id)
    assert {s.id for s in list_sessions_for(world.store, world.admin)} == {alices.id}
