"""Sign-in security: back-off and lockout kept in the database, the sign-in log, single sign-on linking."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers_org import any_db_url, fast_passwords
from typer.testing import CliRunner

from hotseat.errors import AccessDenied, AccountLocked, AuthenticationError, SignInThrottled
from hotseat.org import accounts
from hotseat.org.accounts import Role, SsoIdentity, identity_actor
from hotseat.org.signin import LOCK_AFTER, account_failures, locked_usernames, sign_in_log, unlock_user
from hotseat.storage import Store

__all__ = ["any_db_url"]
PASSWORD = "correct-horse-battery"
T0 = datetime.now(UTC) - timedelta(hours=2)  # the tests move the clock forward from here; unlocks are "now"
ISSUER = "https://login.example.com"


@pytest.fixture
def store(any_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    fast_passwords(monkeypatch)
    opened = Store.open(any_db_url)
    yield opened
    opened.engine.dispose()


def _fail_until_locked(store: Store, username: str, client: str = "10.0.0.1", start: datetime = T0) -> datetime:
    """Wrong passwords, each after the back-off has passed, until the account locks; returns the time."""
    now = start
    with store.transaction() as db:
        so_far = account_failures(db, username)[0]
    for _ in range(LOCK_AFTER - so_far):
        now += timedelta(seconds=301)
        with pytest.raises(AuthenticationError) as caught:
            accounts.authenticate(store, username, "wrong password", client=client, now=now)
        assert type(caught.value) is AuthenticationError
    return now + timedelta(seconds=301)


def test_wrong_passwords_slow_down_the_next_attempt_even_with_the_right_password(store: Store) -> None:
    accounts.register_trainee(store, "alice", PASSWORD)
    for i in range(3):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(store, "alice", "nope nope", client="10.0.0.1", now=T0 + timedelta(seconds=i))
    with pytest.raises(SignInThrottled, match="Too many failed sign-ins") as caught:
        accounts.authenticate(store, "alice", PASSWORD, client="10.0.0.1", now=T0 + timedelta(seconds=2.5))
    assert "Wait 1 second" in caught.value.user_message()
    assert accounts.authenticate(store, "alice", PASSWORD, client="10.0.0.1", now=T0 + timedelta(seconds=4)).username
    # a success starts the count again
    with pytest.raises(AuthenticationError) as again:
        accounts.authenticate(store, "alice", "nope nope", client="10.0.0.1", now=T0 + timedelta(seconds=5))
    assert type(again.value) is AuthenticationError


def test_the_back_off_holds_across_replicas(any_db_url: str, store: Store) -> None:
    accounts.register_trainee(store, "alice", PASSWORD)
    other_replica = Store.open(any_db_url)
    try:
        for i in range(3):
            with pytest.raises(AuthenticationError):
                accounts.authenticate(store, "alice", "nope nope", now=T0 + timedelta(seconds=i))
        with pytest.raises(SignInThrottled):
            accounts.authenticate(other_replica, "alice", PASSWORD, now=T0 + timedelta(seconds=2.5))
    finally:
        other_replica.engine.dispose()


def test_too_many_failures_lock_the_account_until_an_admin_unlocks_it(store: Store) -> None:
    admin = accounts.bootstrap_admin(store, "ada", PASSWORD)
    accounts.register_trainee(store, "alice", PASSWORD)
    later = _fail_until_locked(store, "alice")
    with pytest.raises(AccountLocked, match="locked"):
        accounts.authenticate(store, "alice", PASSWORD, client="10.9.9.9", now=later)
    assert locked_usernames(store) == ["alice"]
    with pytest.raises(AccessDenied):
        unlock_user(store, "alice", "trainee", "alice")
    unlock_user(store, admin.username, admin.role.value, "alice")
    assert locked_usernames(store) == []
    assert accounts.authenticate(store, "alice", PASSWORD, client="10.9.9.9").username == "alice"
    outcomes = [e.outcome for e in sign_in_log(store, username="alice")]
    assert outcomes[:3] == ["ok", "unlocked", "locked"]
    assert outcomes.count("failed") == LOCK_AFTER


def test_an_unknown_username_answers_exactly_like_a_real_one(store: Store) -> None:
    accounts.register_trainee(store, "alice", PASSWORD)
    later_real = _fail_until_locked(store, "alice", client="a")
    later_ghost = _fail_until_locked(store, "nobody-here", client="b")
    with pytest.raises(AccountLocked) as real:
        accounts.authenticate(store, "alice", "x" * 10, client="a", now=later_real)
    with pytest.raises(AccountLocked) as ghost:
        accounts.authenticate(store, "nobody-here", "x" * 10, client="b", now=later_ghost)
    assert real.value.user_message() == ghost.value.user_message()


def test_one_client_trying_many_usernames_is_slowed_down(store: Store) -> None:
    now = T0
    for i in range(20):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(store, f"user{i:02d}", "guess guess", client="10.6.6.6", now=now)
    with pytest.raises(SignInThrottled):
        accounts.authenticate(store, "user99", "guess guess", client="10.6.6.6", now=now)
    with pytest.raises(AuthenticationError) as elsewhere:  # another client is not affected
        accounts.authenticate(store, "user99", "guess guess", client="10.7.7.7", now=now)
    assert type(elsewhere.value) is AuthenticationError


def test_every_sign_in_is_logged_with_client_and_outcome(store: Store) -> None:
    accounts.register_trainee(store, "alice", PASSWORD)
    with pytest.raises(AuthenticationError):
        accounts.authenticate(store, "alice", "wrong one", client="10.0.0.1")
    accounts.authenticate(store, "alice", PASSWORD, client="10.0.0.2")
    identity_actor(store, SsoIdentity(ISSUER, "sub-1", "sam@example.com", True), client="10.0.0.3")
    log = sign_in_log(store)
    assert [(e.username, e.client, e.method, e.outcome) for e in log] == [
        ("sam@example.com", "10.0.0.3", "sso", "ok"),
        ("alice", "10.0.0.2", "password", "ok"),
        ("alice", "10.0.0.1", "password", "failed"),
    ]


# -- single sign-on ----------------------------------------------------------------------------


def test_sso_never_signs_into_a_password_account_by_email_or_username(store: Store) -> None:
    admin = accounts.bootstrap_admin(store, "ada@example.com", PASSWORD)
    for claims in (
        SsoIdentity(ISSUER, "attacker", "ada@example.com", email_verified=True),  # verified, but not linked
        SsoIdentity(ISSUER, "attacker", "ada@example.com", email_verified=False),
        SsoIdentity(ISSUER, "ada@example.com", None),  # a subject that looks like the username
    ):
        try:
            actor = identity_actor(store, claims)
        except AccessDenied as exc:
            assert "not linked to single sign-on" in exc.message
        else:
            assert actor.id != admin.id and actor.role == Role.TRAINEE


def test_an_unverified_email_gets_its_own_account(store: Store) -> None:
    accounts.register_trainee(store, "sam@example.com", PASSWORD)
    actor = identity_actor(store, SsoIdentity(ISSUER, "sam-sub", "sam@example.com", email_verified=False))
    assert actor.username.startswith("sso-") and actor.username != "sam@example.com"


def test_sso_links_by_issuer_and_subject(store: Store) -> None:
    first = identity_actor(store, SsoIdentity(ISSUER, "sub-7", "sam@example.com", True, "Sam"))
    assert first.username == "sam@example.com" and first.display_name == "Sam"
    # the provider changes the email: still the same person, same account
    again = identity_actor(store, SsoIdentity(ISSUER, "sub-7", "samuel@example.com", True))
    assert again.id == first.id
    # another provider's subject with the same verified email may claim it (no password), once per issuer
    other = identity_actor(store, SsoIdentity("https://other.example", "x", "sam@example.com", True))
    assert other.id == first.id
    with pytest.raises(AccessDenied, match="already linked"):
        identity_actor(store, SsoIdentity(ISSUER, "sub-8", "sam@example.com", True))


def test_an_admin_can_allow_a_password_account_to_be_claimed_by_its_verified_email(store: Store) -> None:
    grader = accounts.register_trainee(store, "gina@example.com", PASSWORD)
    accounts.allow_sso_link(store, "gina@example.com")
    assert identity_actor(store, SsoIdentity(ISSUER, "g", "gina@example.com", True)).id == grader.id


def test_cli_admin_commands_unlock_allow_sso_and_show_sign_ins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotseat.cli.main import app
    from hotseat.services import build_services

    fast_passwords(monkeypatch)
    store = build_services().store
    accounts.register_trainee(store, "alice", PASSWORD)
    _fail_until_locked(store, "alice")
    runner = CliRunner()
    unlocked = runner.invoke(app, ["admin", "unlock", "alice"])
    assert unlocked.exit_code == 0, unlocked.output
    assert locked_usernames(store) == []
    assert runner.invoke(app, ["admin", "unlock", "nobody"]).exit_code == 2
    assert runner.invoke(app, ["admin", "allow-sso", "alice"]).exit_code == 0
    log = runner.invoke(app, ["admin", "sign-ins", "--user", "alice"])
    assert log.exit_code == 0 and "unlocked" in log.stdout and "failed" in log.stdout


def test_the_app_maps_a_verified_identity_and_refuses_to_take_over_a_password_account(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streamlit.testing.v1 import AppTest
    from support import PROJECT_ROOT

    from hotseat.ui.state import services

    fast_passwords(monkeypatch)
    services.clear()
    admin = accounts.bootstrap_admin(services().store, "ada@example.com", PASSWORD)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30)
    at.user = {"is_logged_in": True, "iss": ISSUER, "sub": "mallory", "email": "ada@example.com", "name": "Ada?"}
    at.run()  # email_verified missing: never matched
    assert not at.exception
    assert at.session_state["hotseat"].actor_id not in (None, admin.id)

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30)
    at.user = {"is_logged_in": True, "iss": ISSUER, "sub": "m2", "email": "ada@example.com", "email_verified": True}
    at.run()  # verified, but the admin's password account was never linked
    assert not at.exception
    assert at.session_state["hotseat"].actor_id is None
    assert any("not linked to single sign-on" in e.value for e in at.error)


def test_an_admin_unlocks_an_account_from_the_cohorts_page_and_the_form_says_when_to_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from test_app_cohorts import _goto, _sign_in

    from hotseat.ui.state import services

    fast_passwords(monkeypatch)
    services.clear()
    store = services().store
    accounts.bootstrap_admin(store, "ada", PASSWORD)
    accounts.register_trainee(store, "alice", PASSWORD)
    for _ in range(3):
        _sign_in("alice", "wrong password")
    refused = _sign_in("alice")  # the right password, at once
    assert any("Too many failed sign-ins" in e.value for e in refused.error)
    assert refused.session_state["hotseat"].actor_id is None

    _fail_until_locked(store, "alice", start=datetime.now(UTC))
    at = _goto(_sign_in("ada"), "admin")
    assert any("alice" in m.value and "locked" in m.value for m in at.markdown)
    at.button(key="unlock_alice").click().run()
    assert not at.exception
    assert locked_usernames(store) == []


def test_streamlit_secrets_are_never_committed() -> None:
    import subprocess

    root = Path(__file__).resolve().parent.parent
    assert ".streamlit/secrets.toml" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    checked = subprocess.run(
        ["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=root, capture_output=True, check=False
    )
    assert checked.returncode in (0, 128), "git must ignore .streamlit/secrets.toml"  # 128: not a git checkout
