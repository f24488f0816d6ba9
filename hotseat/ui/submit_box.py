"""Under an ended attempt at an assignment: submit it for review; once reviewed, point to the feedback at the top."""

from __future__ import annotations

import streamlit as st

from hotseat.errors import HotseatError
from hotseat.org.accounts import Actor, Role
from hotseat.org.assignments import AssignmentProgress, Attempt, assignments_for
from hotseat.org.reviews import submit_for_review
from hotseat.practice.session import PracticeSession
from hotseat.services import Services
from hotseat.ui.components import as_text, page_marker


def attempt_of(svc: Services, actor: Actor, session_id: str) -> tuple[AssignmentProgress, Attempt] | None:
    """The assignment a session is an attempt at, if it is one of the actor's attempts."""
    if actor.is_local or actor.role != Role.TRAINEE:
        return None
    try:
        progress = assignments_for(svc.store, actor)
    except HotseatError:
        return None
    for item in progress:
        for attempt in item.attempts:
            if attempt.session_id == session_id:
                return item, attempt
    return None


Found = tuple[AssignmentProgress, Attempt] | None


def submit_box(svc: Services, actor: Actor, session: PracticeSession, found: Found = None) -> None:
    """Under an ended attempt at an assignment: submit it for review, or say it was submitted (or reviewed).

    `found` is the session's attempt_of(...) when the caller has it already.
    """
    found = found or attempt_of(svc, actor, session.id)
    if found is None:
        return
    item, attempt = found
    with st.container(border=True, key="submit_box"):
        st.markdown(f"**Assignment:** {as_text(item.assignment.title)} · attempt {attempt.attempt}")
        if attempt.reviewed and attempt.final is not None and attempt.final.review is not None:
            who = as_text(attempt.final.review.grader_username)
            st.success(f"Reviewed by {who}: the grader's feedback and final scores are at the top of the page.")
            page_marker("attempt", "reviewed")
            return
        if attempt.submitted:
            st.success("Submitted for review. A grader of your cohort will review it.")
            page_marker("attempt", "submitted")
            return
        page_marker("attempt", "open")  # before the button: a click's rerun draws this box again
        if st.button("Submit for review", key="submit_for_review", type="primary"):
            try:
                submit_for_review(svc.store, actor, session.id, personas=svc.personas)
            except HotseatError as exc:
                st.error(exc.user_message())
            else:
                st.rerun()
