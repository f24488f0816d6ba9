"""From the dashboard: one trainee's sessions with final scores, each opening its review or its debrief."""

from __future__ import annotations

import streamlit as st

from hotseat.errors import HotseatError
from hotseat.org.access import get_session_for
from hotseat.org.accounts import Role
from hotseat.org.cohorts import Cohort, cohort_members
from hotseat.org.dashboard import TraineeSession, trainee_sessions
from hotseat.org.reviews import FinalScores
from hotseat.ui import components
from hotseat.ui.components import as_text
from hotseat.ui.context import PageContext
from hotseat.ui.scores_view import scores_line


def trainee_sessions_view(page: PageContext, cohort: Cohort) -> int:
    """Pick a trainee; list their attempts with final scores and verdicts; open a review or a debrief.

    Returns how many of the listed attempts a grader reviewed.
    """
    svc, actor = page.svc, page.actor
    st.subheader("A trainee's sessions")
    try:
        trainees = cohort_members(svc.store, actor, cohort.id, role=Role.TRAINEE)
    except HotseatError as exc:
        st.error(exc.user_message())
        return 0
    if not trainees:
        st.caption("No trainees yet.")
        return 0
    names = {t.user_id: f"{t.display_name or t.username} ({t.username})" for t in trainees}
    picked = st.selectbox("Trainee", list(names), format_func=names.__getitem__, key=f"dash_trainee_{cohort.id}")
    if picked is None:
        return 0
    try:
        found = trainee_sessions(svc.store, actor, cohort.id, picked)
    except HotseatError as exc:
        st.error(exc.user_message())
        return 0
    if not found:
        st.caption("No attempts yet.")
    for item in found:
        _session_row(page, item)
    return sum(item.attempt.reviewed for item in found)


def _session_row(page: PageContext, item: TraineeSession) -> None:
    a, attempt = item.assignment, item.attempt
    sid = attempt.session_id
    with st.container(border=True, key=f"trainee_session_{sid}"):
        left, right = st.columns([4, 1])
        final = attempt.final
        state = (
            attempt.state if final is None or final.review is None else f"reviewed by {final.review.grader_username}"
        )
        left.markdown(
            f"**{as_text(a.title)}** · attempt {attempt.attempt} · {as_text(state)} · {attempt.started_at:%d %b %Y}"
        )
        if final is not None:
            verdict = f" · {attempt.verdict.label}: {attempt.verdict.reason}" if attempt.verdict is not None else ""
            left.caption(f"Mean {final.mean:.1f} ({as_text(final.source)}){verdict} · {scores_line(final)}")
        else:
            left.caption("Not graded yet.")
        if attempt.submitted and right.button("Open review", key=f"open_review_{sid}"):
            page.state.review_session_id = sid
            page.switch_to("review")
        if attempt.finished and st.toggle("Show the transcript and debrief", key=f"show_debrief_{sid}"):
            _debrief(page, sid, final)


def _debrief(page: PageContext, session_id: str, final: FinalScores | None) -> None:
    from hotseat.ui.debrief_view import render_debrief

    try:
        session = get_session_for(page.svc.store, page.actor, session_id)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    name, _ = components.customer_and_title(page.svc.engine, session)
    components.transcript(session, name)
    render_debrief(page.svc, session, final=final)
