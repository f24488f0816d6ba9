"""The UI's one typed state object, the cached services, and who is signed in."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

import streamlit as st

from hotseat.errors import AccessDenied, HotseatError, NotFoundError
from hotseat.org.accounts import Actor, SsoIdentity, identity_actor, local_actor, signed_in_actor
from hotseat.org.auth_sessions import (
    COOKIE_NAME,
    LIFETIME,
    auth_session_user,
    open_auth_session,
    revoke_auth_session,
)
from hotseat.services import Services, build_services

STATE_KEY = "hotseat"


@dataclass
class EditorState:
    """The customer editor: which custom persona and version is open, and what the last save found wrong."""

    persona_id: str | None = None  # the custom persona open in the editor
    version: int | None = None  # the version the editor opened
    latest: int | None = None  # the newest version when it was opened: a save refuses if a newer one came since
    base: dict[str, Any] = field(default_factory=dict)  # the data the form was filled from (kept where not shown)
    errors: dict[str, list[str]] = field(default_factory=dict)  # field path -> the last save's errors there
    problems: list[str] = field(default_factory=list)  # the last save's errors that belong to no field
    drafted: bool = False  # the form holds an LLM draft that is not saved yet
    refill: bool = False  # the next run fills the form's widgets from `base` (before drawing them)

    def open(
        self,
        persona_id: str | None,
        version: int | None = None,
        base: dict[str, Any] | None = None,
        *,
        latest: int | None = None,
    ) -> None:
        """Point the editor at a version (None: close it), forgetting the last save's errors; refill the form."""
        self.persona_id, self.version, self.base = persona_id, version, dict(base or {})
        self.latest = latest if latest is not None else version
        self.errors, self.problems, self.drafted, self.refill = {}, [], False, True


@dataclass
class UiState:
    """Everything the UI remembers between reruns (the session itself lives in the database)."""

    session_id: str | None = None
    refused_text: str | None = None  # a message we could not accept, kept for the trainee to edit
    error: str | None = None  # the last error to show
    hint: str | None = None  # the coach's last hint
    hint_pending: bool = False  # the next submitted turn used a hint
    sent_text: str | None = None  # sent from the chat input, for this run to store as the trainee's turn
    reply_requested: bool = False  # this run fetches the customer's missing reply
    flash: list[str] = field(default_factory=list)  # one-shot notices
    actor_id: int | None = None  # the signed-in user; None = the single local user (no account)
    just_signed_in: bool = False  # send the user to their role's first page on the next run
    review_session_id: str | None = None  # the session open on the review screen
    issued_passwords: list[tuple[str, str]] = field(default_factory=list)  # imported users' temporary passwords
    reset_password: tuple[str, str] | None = None  # (username, temporary password) an admin just reset
    auth_token: str | None = None  # this tab's browser sign-in (a password account), as in the cookie
    cookie_checked: str | None = None  # the connection's cookie, once looked up (not looked up again)
    cookie_write: Literal["set", "clear"] | None = None  # what this tab writes to the session cookie
    editor: EditorState = field(default_factory=EditorState)  # the customer editor (authors)

    def clear_messages(self) -> None:
        """Forget the error, the refused text and the hint (a new path of practice starts clean)."""
        self.error = self.refused_text = self.hint = None
        self.hint_pending = False


@st.cache_resource(show_spinner=False)
def services() -> Services:
    """Build the services once per server process (and load the evaluator's models)."""
    built = build_services()
    built.warm_up()
    return built


def ui_state() -> UiState:
    """This browser tab's state; a refresh restores the session from the URL."""
    if STATE_KEY not in st.session_state:
        state = UiState()
        from_url = st.query_params.get("session")
        if from_url:
            state.session_id = from_url
        st.session_state[STATE_KEY] = state
    state = st.session_state[STATE_KEY]
    if not isinstance(state, UiState):
        # After a hot reload the class is new: carry the fields over instead of failing.
        state = UiState(**{k: v for k, v in vars(state).items() if k in UiState.__dataclass_fields__})
        st.session_state[STATE_KEY] = state
    return state


def remember_session(state: UiState, session_id: str | None) -> None:
    """Point the UI (and the URL, so a refresh resumes) at a session."""
    state.session_id = session_id
    if session_id:
        st.query_params["session"] = session_id
    elif "session" in st.query_params:
        del st.query_params["session"]


def flash(message: str) -> None:
    """Keep a notice (Markdown: escape user text with as_text) to show once on the next run."""
    ui_state().flash.append(message)


def show_flash() -> None:
    """Show and forget the pending one-shot notices."""
    state = ui_state()
    for message in state.flash:
        st.success(message)
    state.flash.clear()


def show_unavailable(exc: HotseatError) -> None:
    """The page shown while the database is unavailable: one message, and what the trainee typed, kept."""
    state = ui_state()
    draft, state.sent_text = state.sent_text, None  # the message sent in the run that met the outage, if any
    if draft and draft.strip():
        state.refused_text = draft
    st.error(exc.user_message())
    if state.refused_text:
        st.text_area("Your message (not sent yet: copy it, or send it again when the database is back)",
                     state.refused_text, key="unsent_text")  # fmt: skip
    st.button("Try again", key="retry_database", type="primary")


def sso_identity() -> SsoIdentity | None:
    """Who is signed in with `st.login` (OIDC): issuer, subject, email and whether it is verified; else None."""
    try:
        user = st.user.to_dict()
    except Exception:  # a broken secrets.toml must not stop individual practice
        return None
    if user.get("is_logged_in") is not True:  # absent when no [auth] is configured
        return None
    verified = user.get("email_verified")
    return SsoIdentity(
        issuer=str(user.get("iss") or ""),
        subject=str(user.get("sub") or ""),
        email=str(user["email"]) if user.get("email") else None,
        email_verified=verified is True or str(verified).lower() == "true",
        display_name=str(user.get("name") or ""),
    )


def client_address() -> str:
    """The browser's address, for the sign-in back-off and log (HOTSEAT_CLIENT_IP_HEADER behind a proxy)."""
    header = services().settings.client_ip_header
    try:
        if header:
            forwarded = st.context.headers.get(header)
            # The last address is the one your own proxy added; earlier ones are the client's to forge.
            last = forwarded.split(",")[-1].strip() if isinstance(forwarded, str) else ""
            if last:
                return last[:100]
        address = st.context.ip_address
        return address[:100] if isinstance(address, str) and address else "unknown"
    except Exception:  # no browser connection (AppTest, bare mode)
        return "unknown"


def sso_providers() -> list[str | None]:
    """The `st.login` providers set up in .streamlit/secrets.toml ([auth]: None is the default provider)."""
    try:
        auth = st.secrets.get("auth") if st.secrets.load_if_toml_exists() else None
    except Exception:  # a broken secrets.toml must not stop individual practice
        return []
    if not auth:
        return []
    named: list[str | None] = [k for k, v in auth.items() if hasattr(v, "items")]
    return [None, *named] if "client_id" in auth else named


def browser_cookie() -> str | None:
    """The session cookie this tab's connection was opened with (a refresh sends the current one)."""
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no browser connection (bare mode)
        return None
    return value if isinstance(value, str) and value else None


def _restore_from_cookie(svc: Services, state: UiState) -> None:
    """Sign in the password account whose unexpired, unrevoked token the browser sent (after a refresh)."""
    token = browser_cookie()
    if token is None or token == state.cookie_checked:
        return
    state.cookie_checked = token
    user_id = auth_session_user(svc.store, token)
    if user_id is None:  # expired, revoked (signed out, reset, deactivated) or not ours: the browser forgets it
        state.cookie_write = "clear"
        return
    state.actor_id, state.auth_token, state.cookie_write = user_id, token, None


def current_actor(svc: Services) -> Actor:
    """The signed-in user (read fresh, so a changed role counts at once), else the single local user."""
    state = ui_state()
    if state.actor_id is None and (identity := sso_identity()) is not None:
        try:
            sign_in(state, identity_actor(svc.store, identity, client=client_address()), land=False)
        except HotseatError as exc:  # e.g. an email that cannot be a username, a deactivated account
            st.error(f"Single sign-on: {exc.user_message()}")
    if state.actor_id is None:
        _restore_from_cookie(svc, state)
    if state.actor_id is not None:
        try:
            return signed_in_actor(svc.store, state.actor_id)
        except (NotFoundError, AccessDenied) as exc:  # deleted or deactivated meanwhile: signed out here too
            state.actor_id = None
            if state.auth_token is not None:
                state.auth_token, state.cookie_write = None, "clear"
            if isinstance(exc, AccessDenied):
                st.error(exc.user_message())
    return local_actor(svc.store)


def sign_in(state: UiState, actor: Actor, *, land: bool = True, remember: bool = False) -> None:
    """Remember the signed-in user (`land`: open their role's first page next); close the local user's session.

    `remember` (a password sign-in): also keep it in a session cookie, so a refresh keeps them signed in.
    """
    state.actor_id = actor.id
    state.just_signed_in = land
    state.review_session_id = None
    state.editor.open(None)
    remember_session(state, None)
    if remember:
        state.auth_token = open_auth_session(services().store, actor.id, client=client_address())
        state.cookie_write = "set"


def sign_out(state: UiState) -> None:
    """Forget the signed-in user: revoke the browser sign-in and clear its cookie (or end single sign-on)."""
    from_sso = sso_identity() is not None
    if state.auth_token is not None:
        revoke_auth_session(services().store, state.auth_token)
        state.auth_token = None
    state.cookie_write = "clear" if state.cookie_write or browser_cookie() else None
    state.actor_id = None
    state.just_signed_in = False
    state.review_session_id = None
    state.issued_passwords.clear()
    state.reset_password = None
    state.editor.open(None)
    remember_session(state, None)
    if from_sso:
        st.logout()


def write_session_cookie(state: UiState) -> None:
    """Set or clear the browser's session cookie (JavaScript in the page: Streamlit sets no cookie itself).

    Drawn on every run while there is something to write, at the top of the page and hidden; the
    element runs its script when its content changes, so a rerun does not write it again.
    """
    if state.cookie_write is None:
        return
    if state.cookie_write == "set" and state.auth_token is not None:
        value, max_age = state.auth_token, int(LIFETIME.total_seconds())
    else:
        value, max_age = "", 0
    cookie = json.dumps(f"{COOKIE_NAME}={value}; path=/; max-age={max_age}; SameSite=Strict")
    script = (
        f"<style>.st-key-hs_session_cookie{{display:none}}</style><script>document.cookie = {cookie}"
        ' + (location.protocol === "https:" ? "; Secure" : "");</script>'
    )
    with st.container(key="hs_session_cookie"):
        st.html(script, unsafe_allow_javascript=True)
