"""My cohorts (trainee): join with a code, see my assignments and their status, start an attempt, submit it."""

from __future__ import annotations

import streamlit as st

from hotseat.errors import HotseatError
from hotseat.org.accounts import Actor, Role
from hotseat.org.assignments import AssignmentProgress, AssignmentStatus, Attempt, assignments_for, start_assignment
from hotseat.org.cohorts import join_cohort, list_cohorts
from hotseat.org.reviews import reviews_of, submit_for_review
from hotseat.practice.session import PracticeSession
from hotseat.services import Services
from hotseat.ui import navigation
from hotseat.ui.components import as_text
from hotseat.ui.state import current_actor, flash, remember_session, services, show_flash, ui_state

STATUS_ICON = {
    AssignmentStatus.NOT_STARTED: "⚪",
    AssignmentStatus.IN_PROGRESS: "🟡",
    AssignmentStatus.DONE: "✅",
    AssignmentStatus.OVERDUE: "🔴",
}


def render() -> None:
    """Render the trainee's cohorts and assignments."""
    svc = services()
    actor = current_actor(svc)
    st.title("My cohorts")
    show_flash()
    if actor.role != Role.TRAINEE:
        st.info("Sign in with a trainee account to join a cohort.")
        return
    _join(svc, actor)
    try:
        cohorts = list_cohorts(svc.store, actor)
        progress = assignments_for(svc.store, actor)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    if not cohorts:
        st.info("You have not joined a cohort yet. Ask your trainer for the join code.")
        return
    st.caption("Your cohorts: " + ", ".join(as_text(c.name) for c in cohorts))
    st.subheader("My assignments")
    if not progress:
        st.info("No assignments yet.")
    for item in progress:
        _assignment(svc, actor, item)


def _join(svc: Services, actor: Actor) -> None:
    with st.form("join_cohort", clear_on_submit=True):
        code = st.text_input("Join code", placeholder="ABCD-EFGH", key="join_code_input")
        joined = st.form_submit_button("Join", key="join_submit")
    if joined:
        try:
            cohort = join_cohort(svc.store, actor, code)
        except HotseatError as exc:
            st.error(exc.user_message())
        else:
            flash(f"You are in the cohort {as_text(cohort.name)}.")
            st.rerun()


def _persona_line(svc: Services, item: AssignmentProgress) -> str:
    a = item.assignment
    try:
        persona = svc.personas.get(a.persona_id)
        scenario = persona.scenario(a.scenario_id)
    except HotseatError:  # a persona file removed since: still show the ids
        return f"{a.persona_id} · {a.scenario_id} · {a.difficulty.value}"
    return f"{persona.title} · {scenario.title} · {a.difficulty.value}"


def _assignment(svc: Services, actor: Actor, item: AssignmentProgress) -> None:
    a = item.assignment
    with st.container(border=True, key=f"assignment_{a.id}"):
        st.markdown(f"**{as_text(a.title)}** · {as_text(item.cohort_name)}")
        due = f"due {a.due_at:%d %b %Y %H:%M} UTC" if a.due_at else "no due date"
        st.caption(
            f"{as_text(_persona_line(svc, item))} · {due} · {item.finished} of {a.attempts_counted} attempt(s) finished"
        )
        st.markdown(f"{STATUS_ICON[item.status]} {item.status.value}")
        for attempt in item.attempts:
            _attempt_row(svc, attempt)
        if not a.closed():
            label = "Start" if not item.attempts else "Start another attempt"
            if st.button(label, key=f"start_assignment_{a.id}", type="primary" if not item.attempts else "secondary"):
                _start(svc, actor, a.id)


def _attempt_row(svc: Services, attempt: Attempt) -> None:
    left, right = st.columns([4, 1])
    state = "submitted for review" if attempt.submitted else ("finished" if attempt.finished else "in progress")
    counted = " · counts" if attempt.counted else ""
    left.caption(f"Attempt {attempt.attempt}: {state}{counted}")
    if right.button("Open", key=f"open_attempt_{attempt.session_id}", type="tertiary"):
        remember_session(ui_state(), attempt.session_id)
        st.switch_page(navigation.pages()["practice"])


def _start(svc: Services, actor: Actor, assignment_id: int) -> None:
    try:
        session = start_assignment(svc.engine, actor, assignment_id)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    state = ui_state()
    remember_session(state, session.id)
    state.error = state.refused_text = state.hint = None
    state.hint_pending = False
    st.switch_page(navigation.pages()["practice"])


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


def submit_box(svc: Services, session: PracticeSession) -> None:
    """Under an ended attempt at an assignment: submit it for review, or say it was submitted."""
    actor = current_actor(svc)
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
