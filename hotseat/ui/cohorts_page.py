"""My cohorts (trainee): join with a code, see my assignments and their status, start an attempt, submit it."""

from __future__ import annotations

import streamlit as st

from hotseat.errors import HotseatError
from hotseat.org.accounts import Role
from hotseat.org.assignments import AssignmentProgress, AssignmentStatus, Attempt, assignments_for, start_assignment
from hotseat.org.cohorts import join_cohort, list_cohorts
from hotseat.practice.personas import PersonaSource
from hotseat.ui.components import as_text, page_marker
from hotseat.ui.context import PageContext
from hotseat.ui.scores_view import scores_line, verdict_text
from hotseat.ui.state import flash

STATUS_ICON = {
    AssignmentStatus.NOT_STARTED: "⚪",
    AssignmentStatus.IN_PROGRESS: "🟡",
    AssignmentStatus.DONE: "✅",
    AssignmentStatus.OVERDUE: "🔴",
}


def render(page: PageContext) -> None:
    """Render the trainee's cohorts and assignments."""
    if not page.open("My cohorts", roles=(Role.TRAINEE,), refusal="Sign in with a trainee account to join a cohort."):
        return
    svc, actor = page.svc, page.actor
    _join(page)
    try:
        cohorts = list_cohorts(svc.store, actor)
        progress = assignments_for(svc.store, actor)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    if not cohorts:
        st.info("You have not joined a cohort yet. Ask your trainer for the join code.")
        page_marker("mycohorts", "c0")
        return
    st.caption("Your cohorts: " + ", ".join(as_text(c.name) for c in cohorts))
    st.subheader("My assignments")
    if not progress:
        st.info("No assignments yet.")
    for item in progress:
        _assignment(page, item)
    attempts = [a for item in progress for a in item.attempts]
    # Drawn last: cohorts, assignments, attempts and how many of those a grader reviewed.
    page_marker(
        "mycohorts",
        f"c{len(cohorts)}",
        f"a{len(progress)}",
        f"attempts{len(attempts)}",
        f"reviewed{sum(a.reviewed for a in attempts)}",
    )


def _join(page: PageContext) -> None:
    with st.form("join_cohort", clear_on_submit=True):
        code = st.text_input("Join code", placeholder="ABCD-EFGH", key="join_code_input")
        joined = st.form_submit_button("Join", key="join_submit")
    if joined:
        try:
            cohort = join_cohort(page.svc.store, page.actor, code)
        except HotseatError as exc:
            st.error(exc.user_message())
        else:
            flash(f"You are in the cohort {as_text(cohort.name)}.")
            st.rerun()


def _persona_line(personas: PersonaSource, item: AssignmentProgress) -> str:
    a = item.assignment
    try:
        persona = personas.get(a.persona_id)
        scenario = persona.scenario(a.scenario_id)
    except HotseatError:  # a persona file removed since: still show the ids
        return f"{a.persona_id} · {a.scenario_id} · {a.difficulty.value}"
    return f"{persona.title} · {scenario.title} · {a.difficulty.value}"


def _assignment(page: PageContext, item: AssignmentProgress) -> None:
    a = item.assignment
    with st.container(border=True, key=f"assignment_{a.id}"):
        st.markdown(f"**{as_text(a.title)}** · {as_text(item.cohort_name)}")
        due = f"due {a.due_at:%d %b %Y %H:%M} UTC" if a.due_at else "no due date"
        what = as_text(_persona_line(page.svc.personas, item))
        st.caption(f"{what} · {due} · {item.finished} of {a.attempts_counted} attempt(s) finished")
        st.markdown(f"{STATUS_ICON[item.status]} {item.status.value}")
        if item.standard is not None:
            st.caption(f"Standard: {item.standard.describe()}")
            judged = item.verdict
            st.markdown(
                verdict_text(judged) if judged is not None else "⏳ **Not yet** — no graded attempt that counts"
            )
        for attempt in item.attempts:
            _attempt_row(page, attempt)
        if not a.closed():
            label = "Start" if not item.attempts else "Start another attempt"
            if st.button(label, key=f"start_assignment_{a.id}", type="primary" if not item.attempts else "secondary"):
                _start(page, a.id)


def _attempt_row(page: PageContext, attempt: Attempt) -> None:
    left, right = st.columns([4, 1])
    counted = " · counts" if attempt.counted else ""
    final = attempt.final
    if final is not None and final.reviewed and final.review is not None:
        state = f"reviewed by {as_text(final.review.grader_username)}"
    else:
        state = attempt.state
    left.caption(f"Attempt {attempt.attempt}: {state}{counted}")
    if final is not None:
        passed = f" · {attempt.verdict.label}" if attempt.verdict is not None else ""
        left.caption(f"Mean {final.mean:.1f}{passed} · {scores_line(final)}")
    if right.button("Open", key=f"open_attempt_{attempt.session_id}", type="tertiary"):
        page.practise(attempt.session_id)


def _start(page: PageContext, assignment_id: int) -> None:
    try:
        session = start_assignment(page.svc.engine, page.actor, assignment_id)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    page.practise(session.id, fresh=True)
