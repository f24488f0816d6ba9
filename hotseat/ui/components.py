"""Small rendering helpers shared by pages."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from hotseat.practice.mood import MoodState
from hotseat.practice.personas import Scenario
from hotseat.practice.session import PracticeSession
from hotseat.text import markdown_text


def as_text(text: str) -> str:
    """Markdown showing user text exactly as typed: no links, images, HTML or formatting (see markdown_text)."""
    return markdown_text(text)


ENDING_TEXT = {
    "won_back": ("success", "You won them back."),
    "walked_away": ("error", "They walked away."),
    "turn_limit": ("warning", "Out of time: the conversation ended before they were won back."),
}


def mood_meter(mood: MoodState) -> None:
    """Show the customer's anger and trust as meters."""
    left, right = st.columns(2)
    left.progress(min(1.0, mood.anger / 10), text=f"Anger {mood.anger:.1f} / 10")
    right.progress(min(1.0, mood.trust / 10), text=f"Trust {mood.trust:.1f} / 10")
    st.caption("Feels heard ✅" if mood.felt_heard else "Does not feel heard yet")


def scenario_brief(scenario: Scenario) -> None:
    """Who the customer is and who the trainee plays."""
    st.markdown(f"**{scenario.customer.name}** — {scenario.customer.role}")
    st.caption(scenario.customer.background)
    st.markdown(f"**You are:** {scenario.trainee_role} at {scenario.company}.")
    st.markdown(f"**What happened:** {scenario.what_happened}")


def transcript(session: PracticeSession, customer_name: str, *, on_retry: Callable[[int], None] | None = None) -> None:
    """Render the conversation as chat messages; the trainee's turns carry the mood note.

    With `on_retry`, each trainee turn gets a "Try again from here" button calling it with the turn index.
    """
    for turn in session.turns:
        if turn.role == "customer":
            with st.chat_message("assistant", avatar="😠"):
                st.markdown(f"**{customer_name}**")
                st.markdown(as_text(turn.text))
        else:
            with st.chat_message("user"):
                st.markdown(as_text(turn.text))
                if turn.note:
                    st.caption(as_text(turn.note))  # it can quote the trainee
                if on_retry is not None and st.button(
                    "↩ Try again from here", key=f"retry_from_{session.id}_{turn.index}", type="tertiary"
                ):
                    on_retry(turn.index)


def rendered_marker(session: PracticeSession) -> None:
    """An empty, keyed container naming the turn count and status, last on the page.

    Rendered only by a run that read the session back from the database and drew the whole page,
    so a browser test (or any client) can wait for `.st-key-hs_rendered_<turns>_<status>` instead of
    guessing from "the script is not running", which is also true in the gap before a rerun.
    """
    st.container(key=f"hs_rendered_{len(session.turns)}_{session.status}", height=1, border=False)


def ending_banner(session: PracticeSession) -> None:
    """Show how the conversation ended."""
    if session.status in ENDING_TEXT:
        kind, text = ENDING_TEXT[session.status]
        getattr(st, kind)(text)
