"""Sign in (a local account, or the organisation's single sign-on), sign up with a join code; the account page."""

from __future__ import annotations

import streamlit as st

from hotseat.errors import HotseatError
from hotseat.org.accounts import authenticate, change_password
from hotseat.org.signup import sign_up_with_code
from hotseat.ui.components import as_text, page_marker
from hotseat.ui.context import PageContext
from hotseat.ui.routes import DEFAULT, landing_key
from hotseat.ui.state import client_address, flash, sign_in, sign_out, sso_identity, sso_providers


def render(page: PageContext) -> None:
    """Render the sign-in and sign-up forms, or the account page (password change, sign out)."""
    if page.actor.is_local:
        _sign_in_form(page)
        _sign_up_form(page)
        page_marker("account", "signin")  # drawn last
    else:
        _signed_in(page)


def _sign_in_form(page: PageContext) -> None:
    svc, state = page.svc, page.state
    st.title("Sign in")
    st.caption("Practising on your own needs no account. Sign in to join a cohort, review, or run cohorts.")
    with st.form("sign_in", clear_on_submit=True):
        username = st.text_input("Username", key="signin_username", autocomplete="username")
        password = st.text_input("Password", type="password", key="signin_password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", key="signin_submit")
    if submitted:
        try:
            actor = authenticate(svc.store, username, password, client=client_address())
        except HotseatError as exc:
            st.error(exc.user_message())
        else:
            sign_in(state, actor, remember=True)
            st.rerun()
    providers = sso_providers()
    if providers:
        st.divider()
        for provider in providers:
            label = "Sign in with your organisation" if provider is None else f"Sign in with {provider}"
            if st.button(label, key=f"sso_{provider or 'default'}"):
                st.login(provider)


def _sign_up_form(page: PageContext) -> None:
    """A trainee makes their own account with their cohort's join code (if the cohort allows it)."""
    st.divider()
    if not st.toggle("New here? Sign up with your cohort's join code", key="signup_open"):
        return
    with st.form("sign_up", clear_on_submit=False):
        code = st.text_input("Join code", placeholder="ABCD-EFGH", key="signup_code")
        username = st.text_input("Choose a username", key="signup_username", autocomplete="username")
        name = st.text_input("Your name (as your trainer will see it)", key="signup_name", autocomplete="name")
        password = st.text_input(
            "Choose a password", type="password", key="signup_password", autocomplete="new-password"
        )
        again = st.text_input("The password again", type="password", key="signup_again", autocomplete="new-password")
        submitted = st.form_submit_button("Sign up", key="signup_submit")
    if not submitted:
        return
    if password != again:
        st.error("The two passwords differ. Type the same password twice.")
        return
    try:
        made = sign_up_with_code(page.svc.store, code, username, password, display_name=name, client=client_address())
    except HotseatError as exc:
        st.error(exc.user_message())
    else:
        sign_in(page.state, made.actor, remember=True)
        flash(f"Welcome! You are in the cohort {as_text(made.cohort.name)}.")
        st.rerun()


def _signed_in(page: PageContext) -> None:
    state, actor = page.state, page.actor
    if state.just_signed_in and not actor.must_change_password:
        state.just_signed_in = False
        landing = landing_key(actor)
        if landing != DEFAULT:
            page.switch_to(landing)
    page.open("Account")
    name = as_text(f"{actor.display_name} ({actor.username})" if actor.display_name else actor.username)
    st.markdown(f"Signed in as **{name}** · {actor.role.value}")
    if actor.must_change_password:
        st.warning("You signed in with a temporary password. Choose your own password to go on.")
    if sso_identity() is None:  # single sign-on accounts have their password with the organisation
        _change_password(page)
    if st.button("Sign out", key="signout", type="primary"):
        sign_out(state)
        st.rerun()
    page_marker("account", actor.role.value, "temporary" if actor.must_change_password else "own")  # drawn last


def _change_password(page: PageContext) -> None:
    """The signed-in user changes their own password (the current one is asked for first)."""
    with st.form("change_password", clear_on_submit=True):
        st.markdown("**Change your password**")
        current = st.text_input("Current password", type="password", key="pw_current", autocomplete="current-password")
        new = st.text_input("New password", type="password", key="pw_new", autocomplete="new-password")
        again = st.text_input("New password again", type="password", key="pw_again", autocomplete="new-password")
        submitted = st.form_submit_button("Change password", key="pw_submit")
    if not submitted:
        return
    if new != again:
        st.error("The two new passwords differ. Type the same password twice.")
        return
    try:
        change_password(page.svc.store, page.actor, current, new)
    except HotseatError as exc:
        st.error(exc.user_message())
    else:
        flash("Your password is changed.")
        st.rerun()
