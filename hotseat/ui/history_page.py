"""History page: past sessions with their final scores, transcripts and exports; a finished one reopens its debrief."""

from __future__ import annotations

import streamlit as st

from hotseat.errors import HotseatError
from hotseat.org.reviews import FinalScores, own_final_scores
from hotseat.review.export import session_to_json, session_to_markdown
from hotseat.ui import components
from hotseat.ui.context import PageContext
from hotseat.ui.scores_view import final_scores_list


def _score_label(final: FinalScores | None) -> str:
    if final is None:
        return ""
    return f" · mean {final.mean:.1f}" + (" (reviewed)" if final.reviewed else "")


def render(page: PageContext) -> None:
    """Render the history page."""
    page.open("My sessions")
    svc = page.svc
    sessions = svc.store.list_sessions(user_id=page.actor.id)
    if not sessions:
        st.info("No sessions yet. Start one on the Practice page.")
        return
    try:
        finals = own_final_scores(svc.store, page.actor, [s.id for s in sessions])
    except HotseatError as exc:
        st.error(exc.user_message())
        finals = {}
    for session in sessions:
        name, title = components.customer_and_title(svc.engine, session)
        final = finals.get(session.id)
        label = (
            f"{session.created_at:%Y-%m-%d %H:%M} · {title} · {session.difficulty.value} · "
            f"{len(session.trainee_turns())} turns · {session.status.replace('_', ' ')}"
            + (" · assisted" if session.assisted else "")
            + _score_label(final)
        )
        with st.expander(label):
            if final is not None:
                st.markdown(f"**Final scores** (from the {components.as_text(final.source)})")
                final_scores_list(final)
            components.transcript(session, name)
            scores = final.as_dict() if final is not None else None
            left, mid, right = st.columns(3)
            left.download_button(
                "JSON",
                session_to_json(session, final_scores=scores),
                f"hotseat-{session.id}.json",
                key=f"j{session.id}",
            )
            mid.download_button(
                "Markdown",
                session_to_markdown(session, customer_name=name, final_scores=scores),
                f"hotseat-{session.id}.md",
                key=f"m{session.id}",
            )
            if not session.ended and right.button("Resume", key=f"r{session.id}"):
                page.practise(session.id)
            if session.ended and right.button("Open debrief", key=f"d{session.id}"):
                page.practise(session.id)
