"""Cohorts (admins): create cohorts and join codes, graders, assignments, the dashboard, CSV in and out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from evaluators.skills import Skill
from hotseat.errors import HotseatError
from hotseat.org.accounts import Actor, Role, list_users, reset_password, set_active, set_role
from hotseat.org.assignments import MAX_ATTEMPTS_COUNTED, create_assignment, list_assignments
from hotseat.org.cohorts import Cohort, add_grader, cohort_members, create_cohort, list_cohorts, set_self_signup
from hotseat.org.csv_io import IMPORT_COLUMNS, export_progress_csv, export_sessions_csv, import_users_csv
from hotseat.org.dashboard import AssignmentCompletion, CohortDashboard, cohort_dashboard
from hotseat.services import Services
from hotseat.ui.assignment_admin import assignment_list, cohort_standard_editor, version_picker
from hotseat.ui.components import as_text, customer_picker, page_marker
from hotseat.ui.context import PageContext
from hotseat.ui.state import flash
from hotseat.ui.trainee_sessions import trainee_sessions_view

TABS = ("Graders and trainees", "Assignments", "Dashboard")


def _skill(skill: Skill) -> str:
    return skill.value.replace("_", " ")


def render(page: PageContext) -> None:
    """Render the admin's cohort management page."""
    if not page.open("Cohorts", roles=(Role.ADMIN,), refusal="Only an admin manages cohorts."):
        return
    svc, actor = page.svc, page.actor
    _create_cohort(svc, actor)
    try:
        cohorts = list_cohorts(svc.store, actor)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    _import_users(page, cohorts)
    users = _users(page)
    _sign_ins(svc, actor)
    if not cohorts:
        st.info("No cohorts yet: create the first one above.")
        page_marker("admin", f"u{users}", "c0", _shown_password(page))
        return
    by_id = {c.id: c for c in cohorts}
    cohort_id = st.selectbox("Cohort", list(by_id), format_func=lambda c: by_id[c].name, key="admin_cohort")
    cohort = by_id[cohort_id or cohorts[0].id]
    with st.container(key="join_code"):
        st.markdown(f"Join code for **{as_text(cohort.name)}**: `{cohort.join_code}`")
    _self_signup_switch(svc, actor, cohort)
    st.caption(f"{cohort.trainees} trainee(s) · {cohort.graders} grader(s)")
    # Stateful tabs: the open one survives reruns, and only its content is computed.
    people, assignments, dashboard = st.tabs(TABS, key="admin_tab", on_change="rerun")
    shown = ""
    if people.open:
        with people:
            _people(svc, actor, cohort)
            shown = f"people-g{cohort.graders}"
    if assignments.open:
        with assignments:
            shown = f"assignments{_assignments(svc, actor, cohort)}"  # "2-new-<customer>-<version>"
    if dashboard.open:
        with dashboard:
            _dashboard(svc, actor, cohort)
            shown = f"dashboard-reviewed{trainee_sessions_view(page, cohort)}"
    # Drawn last: how many users, the cohort, the open tab (its graders, its assignments, or the picked
    # trainee's reviewed attempts), and whose temporary password is on show.
    page_marker("admin", f"u{users}", f"c{cohort.id}", shown, _shown_password(page))


def _shown_password(page: PageContext) -> str:
    """The marker's part for the Users section: `temp-<username>` while a reset password is on show."""
    shown = page.state.reset_password
    return f"temp-{shown[0]}" if shown is not None else "temp-none"


def _create_cohort(svc: Services, actor: Actor) -> None:
    with st.expander("New cohort", expanded=False), st.form("new_cohort", clear_on_submit=True):
        name = st.text_input("Name", placeholder="Support onboarding, March", key="new_cohort_name")
        created = st.form_submit_button("Create cohort", type="primary", key="new_cohort_submit")
    if created:
        try:
            cohort = create_cohort(svc.store, actor, name)
        except HotseatError as exc:
            st.error(exc.user_message())
        else:
            st.session_state["admin_cohort"] = cohort.id
            flash(f"Cohort {as_text(cohort.name)} created. Its join code is {cohort.join_code}.")
            st.rerun()


def _people(svc: Services, actor: Actor, cohort: Cohort) -> None:
    try:
        members = cohort_members(svc.store, actor, cohort.id)
        graders = list_users(svc.store, actor, role=Role.GRADER) + list_users(svc.store, actor, role=Role.ADMIN)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    member_ids = {m.user_id for m in members}
    rows = [
        {"Username": m.username, "Name": m.display_name, "Role": m.role.value, "Joined": f"{m.joined_at:%Y-%m-%d}"}
        for m in members
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption("Nobody yet: trainees join with the code; add graders below.")
    candidates = {g.id: g for g in graders if g.id not in member_ids and g.active}
    if not candidates:
        st.caption("Every grader account already grades this cohort. Import graders with the CSV import.")
        return
    picked = st.selectbox(
        "Grader to add",
        list(candidates),
        format_func=lambda u: f"{candidates[u].label} ({candidates[u].username}, {candidates[u].role.value})",
        key=f"grader_pick_{cohort.id}",
    )
    if st.button("Add grader", key=f"add_grader_{cohort.id}") and picked is not None:
        try:
            member = add_grader(svc.store, actor, cohort.id, picked)
        except HotseatError as exc:
            st.error(exc.user_message())
        else:
            flash(f"{as_text(member.username)} now grades {as_text(cohort.name)}.")
            st.rerun()


def _assignments(svc: Services, actor: Actor, cohort: Cohort) -> str:
    """The assignments tab; returns how many assignments it listed and the new one's customer and version."""
    try:
        current = list_assignments(svc.store, actor, cohort.id)
    except HotseatError as exc:
        st.error(exc.user_message())
        return "0"
    cohort_standard_editor(svc, actor, cohort)
    if current:
        assignment_list(svc, actor, cohort, current)
    st.markdown("**New assignment**")
    pick = customer_picker(svc.personas, key="as")
    if pick is None:
        return str(len(current))
    pin = version_picker(svc.personas, pick.persona.id, key=f"as_version_{pick.persona.id}")
    picked = f"{len(current)}-new-{pick.persona.id}-{'latest' if pin is None else f'v{pin}'}"
    left, right = st.columns(2)
    has_due = left.checkbox("Has a due date", value=True, key="as_has_due")
    due: date | None = right.date_input(
        "Due (end of day, UTC)",
        value=datetime.now(UTC).date() + timedelta(days=7),
        min_value=datetime.now(UTC).date(),
        key="as_due",
        disabled=not has_due,
    )
    attempts = st.number_input("Attempts that count", 1, MAX_ATTEMPTS_COUNTED, 1, key="as_attempts")
    title = st.text_input("Title (optional)", key="as_title", placeholder="defaults to customer: scenario")
    if st.button("Create assignment", type="primary", key="as_create"):
        try:
            made = create_assignment(
                svc.store,
                actor,
                cohort.id,
                personas=svc.personas,
                persona_id=pick.persona.id,
                persona_version=pin,
                scenario_id=pick.scenario_id,
                difficulty=pick.difficulty,
                due=due if has_due else None,
                attempts_counted=int(attempts),
                title=title,
            )
        except HotseatError as exc:
            st.error(exc.user_message())
        else:
            flash(f"Assignment '{as_text(made.title)}' set for {as_text(cohort.name)}.")
            del st.session_state["as_title"]  # the next assignment starts with an empty title
            st.rerun()
    return picked


def _dashboard(svc: Services, actor: Actor, cohort: Cohort) -> None:
    try:
        board = cohort_dashboard(svc.store, actor, cohort.id)
        sessions_csv = export_sessions_csv(svc.store, actor, cohort.id)
        progress_csv = export_progress_csv(svc.store, actor, cohort.id)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    left, right = st.columns(2)
    stem = "".join(ch if ch.isalnum() else "-" for ch in cohort.name.lower()).strip("-") or "cohort"
    left.download_button(
        "Attempts CSV", sessions_csv, f"{stem}-attempts.csv", "text/csv", key="csv_sessions", on_click="ignore"
    )
    right.download_button(
        "Progress CSV", progress_csv, f"{stem}-progress.csv", "text/csv", key="csv_progress", on_click="ignore"
    )
    _completion(board)
    _distributions(board)
    _trends(board)


def _completion(board: CohortDashboard) -> None:
    st.subheader("Completion")
    if not board.completion:
        st.caption("No assignments yet.")
        return
    rows = [
        {
            "Assignment": c.assignment.title,
            "Done": c.done,
            "In progress": c.in_progress,
            "Not started": c.not_started,
            "Overdue": c.overdue,
            "Completion": f"{c.rate:.0%}",
            "Pass rate": _pass_rate(c),
        }
        for c in board.completion
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _pass_rate(c: AssignmentCompletion) -> str:
    """ "67% (2 of 3 graded)", or why there is none."""
    if c.standard is None:
        return "no standard"
    if c.pass_rate is None:
        return "nobody graded yet"
    return f"{c.pass_rate:.0%} ({c.passed} of {c.judged} graded)"


def _distributions(board: CohortDashboard) -> None:
    st.subheader("Scores by skill")
    if board.ungraded:
        st.caption(f"{board.ungraded} counted attempt(s) are not graded yet.")
    rows = [
        {"skill": _skill(d.skill), "score": i + 1, "sessions": n}
        for d in board.distributions
        for i, n in enumerate(d.counts)
    ]
    if not any(r["sessions"] for r in rows):
        st.caption("No graded attempts yet.")
        return
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            x=alt.X("score:O", title="score"),
            y=alt.Y("sessions:Q", title="attempts", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("score:O", scale=alt.Scale(scheme="redyellowgreen", domain=[1, 2, 3, 4, 5]), legend=None),
            column=alt.Column("skill:N", title=None, sort=[_skill(s) for s in Skill]),
            tooltip=["skill:N", "score:O", "sessions:Q"],
        )
        .properties(width=90, height=160)
    )
    st.altair_chart(chart)
    weakest = [f"{_skill(d.skill)} ({d.mean:.1f})" for d in board.weakest[:3] if d.mean is not None]
    st.markdown("**Weakest skills across the cohort:** " + ", ".join(weakest))


def _trends(board: CohortDashboard) -> None:
    st.subheader("Each trainee's trend")
    points = [
        {
            "trainee": t.display_name or t.username,
            "attempt": i + 1,
            "mean score": round(p.mean, 2),
            "started": p.started_at.isoformat(),
        }
        for t in board.trainees
        for i, p in enumerate(t.trend)
    ]
    if points:
        chart = (
            alt.Chart(pd.DataFrame(points))
            .mark_line(point=True)
            .encode(
                x=alt.X("attempt:Q", axis=alt.Axis(tickMinStep=1)),
                y=alt.Y("mean score:Q", scale=alt.Scale(domain=[1, 5])),
                color=alt.Color("trainee:N"),
                tooltip=["trainee:N", "attempt:Q", "mean score:Q", "started:T"],
            )
            .properties(height=240)
        )
        st.altair_chart(chart, width="stretch")
    rows = [
        {
            "Trainee": t.display_name or t.username,
            "Username": t.username,
            **{c.assignment.title: t.statuses[c.assignment.id].value for c in board.completion},
            "Graded attempts": len(t.trend),
            "Latest mean": f"{t.trend[-1].mean:.2f}" if t.trend else "",
            "Change": f"{t.change:+.2f}" if t.change is not None else "",
        }
        for t in board.trainees
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption("No trainees yet: give them the join code.")


def _sign_ins(svc: Services, actor: Actor) -> None:
    """Locked accounts (with Unlock) and the newest sign-in attempts."""
    from hotseat.org.signin import locked_usernames, sign_in_log, unlock_user

    locked = locked_usernames(svc.store)
    with st.expander(f"Sign-ins ({len(locked)} locked)" if locked else "Sign-ins", expanded=bool(locked)):
        for username in locked:
            left, right = st.columns([3, 1])
            left.markdown(f"🔒 **{as_text(username)}** is locked after too many failed sign-ins.")
            if right.button("Unlock", key=f"unlock_{username}"):
                try:
                    unlock_user(svc.store, actor.username, actor.role.value, username)
                except HotseatError as exc:
                    st.error(exc.user_message())
                else:
                    flash(f"{as_text(username)} is unlocked.")
                    st.rerun()
        rows = [
            {"when (UTC)": f"{e.at:%Y-%m-%d %H:%M:%S}", "username": e.username, "client": e.client,
             "method": e.method, "outcome": e.outcome, "detail": e.detail}
            for e in sign_in_log(svc.store, limit=50)
        ]  # fmt: skip
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True, key="sign_in_log")
        else:
            st.caption("No sign-ins yet.")


def _import_users(page: PageContext, cohorts: list[Cohort]) -> None:
    svc, actor, state = page.svc, page.actor, page.state
    with st.expander("Import users from CSV", expanded=bool(state.issued_passwords)):
        st.caption(
            f"Columns: {', '.join(IMPORT_COLUMNS)}. Role is trainee, grader or admin (default trainee); "
            "a row without a password gets a temporary one, shown here once. Every row is imported, or none."
        )
        upload = st.file_uploader("CSV file", type=["csv"], key="import_file")
        pasted = st.text_area("…or paste the CSV", key="import_text", height=120)
        names = {c.id: c.name for c in cohorts}
        target = st.selectbox(
            "Also add them to a cohort",
            [None, *names],
            format_func=lambda c: "No cohort" if c is None else names[c],
            key="import_cohort",
        )
        if st.button("Import users", key="import_submit"):
            text = upload.getvalue().decode("utf-8-sig", errors="replace") if upload is not None else pasted
            try:
                created = import_users_csv(svc.store, actor, text, cohort_id=target)
            except HotseatError as exc:
                st.error(exc.user_message())
            else:
                state.issued_passwords = [(u.username, u.temporary_password) for u in created if u.temporary_password]
                flash(f"Imported {len(created)} user(s).")
                st.rerun()
        if state.issued_passwords:
            st.warning("Temporary passwords: hand them over now; they are not shown again.")
            st.dataframe(
                pd.DataFrame(state.issued_passwords, columns=["Username", "Temporary password"]), hide_index=True
            )
            if st.button("I have noted them", key="import_passwords_done"):
                state.issued_passwords.clear()
                st.rerun()


# -- accounts: users (role, password reset, deactivation) and self-signup --------------------------
USER_STATUS = {True: "active", False: "deactivated"}


def _self_signup_switch(svc: Services, actor: Actor, cohort: Cohort) -> None:
    """The cohort's self-signup switch: may trainees make their own account with its join code?"""
    allowed = st.toggle(
        "Trainees may sign up with this code",
        value=cohort.self_signup,
        key=f"self_signup_{cohort.id}_{cohort.self_signup}",  # a new widget when it changes elsewhere: never stale
        help="Off: only accounts you make (or import) can join, with the same code.",
    )
    if allowed == cohort.self_signup:
        return
    try:
        set_self_signup(svc.store, actor, cohort.id, allowed)
    except HotseatError as exc:
        st.error(exc.user_message())
    else:
        state = "on" if allowed else "off"
        flash(f"Self-signup with the code of {as_text(cohort.name)} is {state}.")
        st.rerun()


def _users(page: PageContext) -> int:
    """Every account: change a role, reset a forgotten password, deactivate or reactivate; returns how many."""
    svc, actor, state = page.svc, page.actor, page.state
    with st.expander("Users", expanded=state.reset_password is not None):
        try:
            users = list_users(svc.store, actor)
        except HotseatError as exc:
            st.error(exc.user_message())
            return 0
        if state.reset_password is not None:
            username, temporary = state.reset_password
            st.warning(
                f"Temporary password for **{as_text(username)}**: pass it on now, it is not shown again. "
                "They choose their own at their next sign-in."
            )
            st.code(temporary, language=None)
            if st.button("I have passed it on", key="users_reset_done"):
                state.reset_password = None
                st.rerun()
        rows = [
            {"Username": u.username, "Name": u.display_name, "Role": u.role.value, "Status": USER_STATUS[u.active],
             "Password": "temporary" if u.must_change_password else ""}
            for u in users
        ]  # fmt: skip
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="users_table")
        by_id = {u.id: u for u in users}
        picked = st.selectbox(
            "User",
            list(by_id),
            format_func=lambda u: f"{by_id[u].label} ({by_id[u].username}, {by_id[u].role.value})",
            key="users_pick",
        )
        if picked is not None:
            _user_actions(page, by_id[picked])
    return len(users)


def _user_actions(page: PageContext, user: Actor) -> None:
    svc, actor, state = page.svc, page.actor, page.state
    roles = list(Role)
    left, middle, right = st.columns(3)
    role = left.selectbox("Role", roles, index=roles.index(user.role), format_func=str, key=f"users_role_{user.id}")
    done: str | None = None
    try:
        if left.button("Change role", key="users_set_role", disabled=role == user.role):
            changed = set_role(svc.store, actor, user.id, role)
            done = f"{as_text(changed.username)} is now a {changed.role.value}."
        if middle.button("Reset password", key="users_reset"):
            state.reset_password = (user.username, reset_password(svc.store, actor, user.id))
            done = f"The password of {as_text(user.username)} is reset; their browser sign-ins have ended."
        label, key = ("Deactivate", "users_deactivate") if user.active else ("Reactivate", "users_reactivate")
        if right.button(label, key=key):
            changed = set_active(svc.store, actor, user.id, not user.active)
            done = f"{as_text(changed.username)} is {USER_STATUS[changed.active]}."
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    if done is not None:
        flash(done)
        st.rerun()
