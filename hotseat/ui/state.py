"""The UI's one typed state object and the cached services."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from hotseat.services import Services, build_services

STATE_KEY = "hotseat"


@dataclass
class UiState:
    """Everything the UI remembers between reruns (the session itself lives in the database)."""

    session_id: str | None = None
    refused_text: str | None = None  # a message we could not accept, kept for the trainee to edit
    error: str | None = None  # the last error to show
    hint: str | None = None  # the coach's last hint
    hint_pending: bool = False  # the next submitted turn used a hint
    flash: list[str] = field(default_factory=list)  # one-shot notices


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
