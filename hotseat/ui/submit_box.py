"""Under an ended attempt at an assignment: submit it for review, then the graders' feedback."""

from __future__ import annotations

import streamlit as st

from hotseat.errors import HotseatError
from hotseat.org.accounts import Actor, Role
from hotseat.org.assignments import AssignmentProgress, Attempt, assignments_for
from hotseat.org.reviews import reviews_of, submit_for_review
from hotseat.practice.session import PracticeSession
from hotseat.services import Services
from hotseat.ui.components import as_text


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


def submit_box(svc: Services, actor: Actor, session: PracticeSession) -> None:
    """Under an ended attempt at an assignment: submit it for review, or say it was submitted."""
    found = attempt_of(svc, actor, session.id)
    if found is None:
        return
    item, attempt = found
    with st.container(border=True, key="submit_box"):
        st.markdown(f"**Assignment:** {as_text(item.assignment.title)} · attempt {attempt.attempt}")
        if attempt.submitted:
            st.success("Submitted for review. A grader of your cohort will review it.")
            _feedback(svc, actor, session.id)
            return
        if st.button("Submit for review", key="submit_for_review", type="primary"):
            try:
                submit_for_review(svc.store, actor, session.id, personas=svc.personas)
            except HotseatError as exc:
                st.error(exc.user_message())
            else:
                st.rerun()


def _feedback(svc: Services, actor: Actor, session_id: str) -> None:
    """The graders' reviews of the trainee's session: adjusted scores and comments."""
    try:
        reviews = reviews_of(svc.store, actor, session_id)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    for review in reviews:
        st.markdown(f"**Reviewed by {as_text(review.grader_username)}**")
        if review.comment:
            st.markdown(as_text(review.comment))
        for s in review.skills:
            if s.adjusted or s.comment:
                label = s.skill.value.replace("_", " ")
                comment = f" — {as_text(s.comment)}" if s.comment else ""
                st.markdown(f"- {label}: evaluator {s.evaluator_score} → grader {s.grader_score}{comment}")
