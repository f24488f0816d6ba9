"""History page: past sessions, with their transcripts and exports."""

from __future__ import annotations

import streamlit as st

from hotseat.review.export import session_to_json, session_to_markdown
from hotseat.ui import components
from hotseat.ui.context import PageContext
from hotseat.ui.state import remember_session


def render(page: PageContext) -> None:
    """Render the history page."""
    page.open("My sessions")
    svc = page.svc
    sessions = svc.store.list_sessions(user_id=page.actor.id)
    if not sessions:
        st.info("No sessions yet. Start one on the Practice page.")
        return
    for session in sessions:
        name, title = components.customer_and_title(svc.engine, session)
        label = (
            f"{session.created_at:%Y-%m-%d %H:%M} · {title} · {session.difficulty.value} · "
            f"{len(session.trainee_turns())} turns · {session.status.replace('_', ' ')}"
            + (" · assisted" if session.assisted else "")
        )
        with st.expander(label):
            components.transcript(session, name)
            left, mid, right = st.columns(3)
            left.download_button("JSON", session_to_json(session), f"hotseat-{session.id}.json", key=f"j{session.id}")
            mid.download_button(
                "Markdown",
                session_to_markdown(session, customer_name=name),
                f"hotseat-{session.id}.md",
                key=f"m{session.id}",
            )
            if not session.ended and right.button("Resume", key=f"r{session.id}"):
                remember_session(page.state, session.id)
                page.switch_to("practice")
