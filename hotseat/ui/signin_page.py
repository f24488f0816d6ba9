"""Sign in (a local account, or the organisation's single sign-on) and sign out."""

from __future__ import annotations

import streamlit as st

from hotseat.errors import HotseatError
from hotseat.org.accounts import authenticate
from hotseat.ui.components import as_text
from hotseat.ui.context import PageContext
from hotseat.ui.routes import DEFAULT, landing_key
from hotseat.ui.state import client_address, sign_in, sign_out, sso_providers


def render(page: PageContext) -> None:
    """Render the sign-in form, or who is signed in with a sign-out button."""
    if page.actor.is_local:
        _sign_in_form(page)
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
            sign_in(state, actor)
            st.rerun()
    providers = sso_providers()
    if providers:
        st.divider()
        for provider in providers:
            label = "Sign in with your organisation" if provider is None else f"Sign in with {provider}"
            if st.button(label, key=f"sso_{provider or 'default'}"):
                st.login(provider)


def _signed_in(page: PageContext) -> None:
    state, actor = page.state, page.actor
    if state.just_signed_in:
        state.just_signed_in = False
        landing = landing_key(actor)
        if landing != DEFAULT:
            page.switch_to(landing)
    st.title("Account")
    name = as_text(f"{actor.display_name} ({actor.username})" if actor.display_name else actor.username)
    st.markdown(f"Signed in as **{name}** · {actor.role.value}")
    if st.button("Sign out", key="signout", type="primary"):
        sign_out(state)
        st.rerun()
