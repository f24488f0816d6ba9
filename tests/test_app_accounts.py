"""Account work in the app, driven with AppTest: self-signup with a join code, the account page (own password),
the admin's users section (role, reset, deactivate), the self-signup switch, and the session cookie's token."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_app_cohorts import APP, Org, _goto, _sign_in, _titles, org

from hotseat.errors import AuthenticationError
from hotseat.org import accounts
from hotseat.org.auth_sessions import COOKIE_NAME, auth_session_user
from hotseat.org.cohorts import list_cohorts, set_self_signup
from hotseat.org.signin import sign_in_log
from hotseat.ui import state as ui_state_module

__all__ = ["org"]  # the fixture, imported so pytest finds it here
PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "my-own-new-secret"


def _cookie_scripts(at: AppTest) -> list[str]:
    """What the page's hidden cookie writer writes (its script's text), in this run."""
    return [str(h.proto.body) for h in at.get("html") if COOKIE_NAME in str(h.proto.body)]


def _sign_up(code: str, username: str, password: str = PASSWORD, again: str | None = None) -> AppTest:
    at = _goto(AppTest.from_file(APP, default_timeout=30), "account")
    assert not any(t.key == "signup_code" for t in at.text_input)  # the form opens on request
    at.toggle(key="signup_open").set_value(True).run()
    at.text_input(key="signup_code").input(code)
    at.text_input(key="signup_username").input(username)
    at.text_input(key="signup_name").input(username.title())
    at.text_input(key="signup_password").input(password)
    at.text_input(key="signup_again").input(password if again is None else again)
    at.button(key="signup_submit").click().run()
    assert not at.exception, at.exception
    return at


def test_a_trainee_signs_up_with_the_join_code_and_lands_in_the_cohort(org: Org) -> None:
    at = _sign_up((org.cohort.join_code or "").lower(), "dora")
    assert _titles(at) == ["My cohorts"]
    assert any("Welcome! You are in the cohort March" in s.value for s in at.success)
    assert any("Overdraft fees" in m.value for m in at.markdown)  # the cohort's assignment is there
    dora = next(u for u in accounts.list_users(org.svc.store, org.admin) if u.username == "dora")
    assert [c.name for c in list_cohorts(org.svc.store, dora)] == ["March"]
    assert any("hotseat_session=" in s and "max-age=1209600" in s for s in _cookie_scripts(at))


def test_signup_is_refused_clearly_when_off_or_the_code_is_wrong(org: Org) -> None:
    at = _sign_up("WRONG-CODE", "dora")
    assert "No cohort has the join code" in at.error[0].value and _titles(at)[0] == "Sign in"
    at = _sign_up(org.cohort.join_code or "", "dora", again="something-else")
    assert "passwords differ" in at.error[0].value
    set_self_signup(org.svc.store, org.admin, org.cohort.id, False)
    at = _sign_up(org.cohort.join_code or "", "dora")
    assert "Self-signup is turned off for this cohort" in at.error[0].value
    assert at.session_state["hotseat"].actor_id is None
    assert [e.outcome for e in sign_in_log(org.svc.store, username="dora")] == ["refused", "failed"]


def test_the_account_page_changes_the_users_own_password(org: Org) -> None:
    at = _goto(_sign_in("alice"), "account")
    at.text_input(key="pw_current").input("not-my-password")
    at.text_input(key="pw_new").input(NEW_PASSWORD)
    at.text_input(key="pw_again").input(NEW_PASSWORD)
    at.button(key="pw_submit").click().run()
    assert "username or password is wrong" in at.error[0].value
    at.text_input(key="pw_current").input(PASSWORD)
    at.text_input(key="pw_new").input(NEW_PASSWORD)
    at.text_input(key="pw_again").input(NEW_PASSWORD)
    at.button(key="pw_submit").click().run()
    assert not at.exception
    assert any("Your password is changed" in s.value for s in at.success)
    assert accounts.authenticate(org.svc.store, "alice", NEW_PASSWORD).id == org.alice.id


def test_admin_resets_a_password_and_the_user_must_change_it_at_next_sign_in(org: Org) -> None:
    bob_tab = _sign_in("bob")
    bob_token = bob_tab.session_state["hotseat"].auth_token
    assert auth_session_user(org.svc.store, bob_token) == org.bob.id
    at = _sign_in("ada")
    at.selectbox(key="users_pick").set_value(org.bob.id).run()
    at.button(key="users_reset").click().run()
    assert not at.exception
    assert any("The password of bob is reset" in s.value for s in at.success)
    temporary = at.code[0].value
    assert any("Temporary password for" in w.value for w in at.warning)
    assert auth_session_user(org.svc.store, bob_token) is None  # bob's browsers are signed out
    at.button(key="users_reset_done").click().run()
    assert not at.code

    bob = _sign_in("bob", temporary)
    assert _titles(bob) == ["Account"]  # only the account page until he chooses his own password
    assert any("temporary password" in w.value for w in bob.warning)
    bob.text_input(key="pw_current").input(temporary)
    bob.text_input(key="pw_new").input(NEW_PASSWORD)
    bob.text_input(key="pw_again").input(NEW_PASSWORD)
    bob.button(key="pw_submit").click().run()
    assert not bob.exception
    assert _titles(bob) == ["My cohorts"]  # then on to his role's first page
    assert not accounts.authenticate(org.svc.store, "bob", NEW_PASSWORD).must_change_password


def test_admin_changes_a_role_deactivates_and_reactivates_a_user(org: Org) -> None:
    at = _sign_in("ada")
    at.selectbox(key="users_pick").set_value(org.alice.id).run()
    at.selectbox(key=f"users_role_{org.alice.id}").set_value(accounts.Role.GRADER).run()
    at.button(key="users_set_role").click().run()
    assert any("alice is now a grader" in s.value for s in at.success)
    at.selectbox(key="users_pick").set_value(org.alice.id).run()
    at.button(key="users_deactivate").click().run()
    assert any("alice is deactivated" in s.value for s in at.success)
    with pytest.raises(AuthenticationError, match="deactivated"):
        accounts.authenticate(org.svc.store, "alice", PASSWORD)
    at.selectbox(key="users_pick").set_value(org.alice.id).run()
    at.button(key="users_reactivate").click().run()
    assert any("alice is active" in s.value for s in at.success)
    assert accounts.authenticate(org.svc.store, "alice", PASSWORD).role == accounts.Role.GRADER

    at.selectbox(key="users_pick").set_value(org.admin.id).run()
    at.button(key="users_deactivate").click().run()  # the last admin
    assert "This is the last admin" in at.error[0].value


def test_a_deactivated_user_is_signed_out_of_an_open_tab(org: Org) -> None:
    alice = _sign_in("alice")
    accounts.set_active(org.svc.store, org.admin, org.alice.id, False)
    alice.run()
    assert not alice.exception
    assert "This account is deactivated" in alice.error[0].value
    assert alice.session_state["hotseat"].actor_id is None
    assert any("max-age=0" in s for s in _cookie_scripts(alice))  # the browser forgets its cookie


def test_the_admin_turns_self_signup_off_and_on_with_the_switch(org: Org) -> None:
    at = _sign_in("ada")
    switch = at.toggle(key=f"self_signup_{org.cohort.id}_True")
    assert switch.value is True
    switch.set_value(False).run()
    assert any("Self-signup with the code of March is off" in s.value for s in at.success)
    assert [c.self_signup for c in list_cohorts(org.svc.store, org.admin) if c.id == org.cohort.id] == [False]
    set_self_signup(org.svc.store, org.admin, org.cohort.id, True)  # another admin, in another tab
    at.run()
    assert at.toggle(key=f"self_signup_{org.cohort.id}_True").value is True  # this tab follows, sets nothing
    at.toggle(key=f"self_signup_{org.cohort.id}_True").set_value(False).run()
    assert any("Self-signup with the code of March is off" in s.value for s in at.success)
    at.toggle(key=f"self_signup_{org.cohort.id}_False").set_value(True).run()
    assert all(c.self_signup for c in list_cohorts(org.svc.store, org.admin))


def test_the_session_cookie_signs_a_refreshed_tab_in_and_sign_out_revokes_it(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AppTest sends no cookies: the cookie a browser would send is given to the app's one reader of it."""
    at = _sign_in("alice")
    token = at.session_state["hotseat"].auth_token
    assert token and any(token in s for s in _cookie_scripts(at))
    monkeypatch.setattr(ui_state_module, "browser_cookie", lambda: token)
    refreshed = AppTest.from_file(APP, default_timeout=30)  # a refresh: a new connection, the cookie sent
    refreshed.run()
    assert not refreshed.exception
    assert refreshed.session_state["hotseat"].actor_id == org.alice.id
    assert not _cookie_scripts(refreshed)  # nothing to write: the browser has it
    refreshed = _goto(refreshed, "account")
    refreshed.button(key="signout").click().run()
    assert refreshed.session_state["hotseat"].actor_id is None and _titles(refreshed) == ["Sign in"]
    assert any("max-age=0" in s for s in _cookie_scripts(refreshed))
    assert auth_session_user(org.svc.store, token) is None  # revoked on the server: a stolen copy is refused
    again = AppTest.from_file(APP, default_timeout=30)  # the same cookie after sign-out
    again.run()
    assert again.session_state["hotseat"].actor_id is None
    assert any("max-age=0" in s for s in _cookie_scripts(again))
