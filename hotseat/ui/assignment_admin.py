"""The admin's assignment tools: the list by customer and scenario name, edit, delete, and company standards.

Kept apart from admin_page.py, which only calls `assignment_list` and `standard_editor`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import streamlit as st

from evaluators.skills import Skill
from hotseat.authoring.catalog import PersonaCatalog
from hotseat.errors import HotseatError
from hotseat.org.accounts import Actor
from hotseat.org.assignments import MAX_ATTEMPTS_COUNTED, Assignment, delete_assignment, update_assignment
from hotseat.org.cohorts import Cohort
from hotseat.org.standards import Standard, assignment_standard, clear_standard, cohort_standard, set_standard
from hotseat.practice.personas import Difficulty, PersonaSource
from hotseat.services import Services
from hotseat.ui.components import as_text
from hotseat.ui.scores_view import skill_label
from hotseat.ui.state import flash


def customer_and_scenario(personas: PersonaSource, assignment: Assignment) -> tuple[str, str]:
    """The persona's and scenario's titles (the ids when the persona file is gone)."""
    try:
        persona = personas.get(assignment.persona_id)
        return persona.title, persona.scenario(assignment.scenario_id).title
    except HotseatError:  # a persona file removed since: still show the ids
        return assignment.persona_id, assignment.scenario_id


LATEST = 0  # the version picker's "latest published" choice


def published_versions(personas: PersonaSource, persona_id: str) -> list[int] | None:
    """A custom persona's published versions, newest first (None for a built-in one: nothing to pin)."""
    if not isinstance(personas, PersonaCatalog) or not personas.is_custom(persona_id):
        return None
    return sorted((v.version for v in personas.versions(persona_id) if v.published), reverse=True)


def version_label(personas: PersonaSource, persona_id: str, choice: int) -> str:
    """A version picker's option in words: "v2", or "latest published (now v3)"."""
    if choice != LATEST:
        return f"v{choice}"
    try:
        _persona, now = personas.resolve(persona_id)
    except HotseatError:  # archived or unpublished since: attempts cannot start
        return "latest published (none now)"
    return f"latest published (now v{now})"


def version_picker(personas: PersonaSource, persona_id: str, *, key: str, pinned: int | None = None) -> int | None:
    """For a custom persona, pick a published version to pin or "latest published" (None); None for a built-in."""
    try:
        versions = published_versions(personas, persona_id)
    except HotseatError as exc:
        st.error(exc.user_message())
        return None
    if versions is None:
        return None
    options = [LATEST, *versions]
    if pinned is not None and pinned not in options:
        options.append(pinned)
    choice = st.selectbox(
        "Version",
        options,
        index=options.index(pinned if pinned is not None else LATEST),
        format_func=lambda v: version_label(personas, persona_id, v),
        key=key,
        help="Pin a published version, or let each attempt play the latest published one.",
    )
    return None if choice in (None, LATEST) else int(choice)


def shown_version(personas: PersonaSource, assignment: Assignment) -> str:
    """The list's Version column: "v2 (pinned)", "latest published (now v3)" or "built-in"."""
    if assignment.persona_version is not None:
        return f"v{assignment.persona_version} (pinned)"
    try:
        custom = isinstance(personas, PersonaCatalog) and personas.is_custom(assignment.persona_id)
    except HotseatError:
        return ""
    return version_label(personas, assignment.persona_id, LATEST) if custom else "built-in"


def assignment_list(svc: Services, actor: Actor, cohort: Cohort, current: list[Assignment]) -> None:
    """The cohort's assignments by name, each with its edit, standard and delete controls."""
    rows = []
    for a in current:
        customer, scenario = customer_and_scenario(svc.personas, a)
        rows.append(
            {
                "Title": a.title,
                "Customer": customer,
                "Scenario": scenario,
                "Version": shown_version(svc.personas, a),
                "Difficulty": a.difficulty.value,
                "Due (UTC)": f"{a.due_at:%Y-%m-%d %H:%M}" if a.due_at else "",
                "Attempts that count": a.attempts_counted,
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=f"assignments_table_{cohort.id}")
    for a in current:
        with st.expander(f"Edit “{a.title}”", expanded=False):
            _edit(svc, actor, a)
            st.markdown("**Standard for this assignment** (overrides the cohort's)")
            try:
                own = assignment_standard(svc.store, actor, a.id, own=True)
            except HotseatError as exc:
                st.error(exc.user_message())
                continue
            standard_editor(svc, actor, key=f"std_a{a.id}", current=own, assignment_id=a.id)
            _delete(svc, actor, a)


def _edit(svc: Services, actor: Actor, a: Assignment) -> None:
    today = datetime.now(UTC).date()
    with st.form(f"as_edit_{a.id}"):
        title = st.text_input("Title", value=a.title, key=f"as_edit_title_{a.id}")
        left, right = st.columns(2)
        has_due = left.checkbox("Has a due date", value=a.due_at is not None, key=f"as_edit_has_due_{a.id}")
        shown = a.due_at.date() if a.due_at else today
        due: date | None = right.date_input(
            "Due (end of day, UTC)", value=shown, min_value=min(shown, today), key=f"as_edit_due_{a.id}"
        )
        levels = [d.value for d in Difficulty]
        difficulty = st.selectbox(
            "Difficulty", levels, index=levels.index(a.difficulty.value), key=f"as_edit_difficulty_{a.id}"
        )
        attempts = st.number_input(
            "Attempts that count", 1, MAX_ATTEMPTS_COUNTED, a.attempts_counted, key=f"as_edit_attempts_{a.id}"
        )
        pin = version_picker(svc.personas, a.persona_id, key=f"as_edit_version_{a.id}", pinned=a.persona_version)
        saved = st.form_submit_button("Save changes", key=f"as_edit_save_{a.id}")
    if not saved:
        return
    unchanged_due = a.due_at is not None and due == a.due_at.date()
    try:
        updated = update_assignment(
            svc.store,
            actor,
            a.id,
            title=title,
            due=None if not has_due or unchanged_due else due,
            clear_due=not has_due,
            difficulty=difficulty,
            attempts_counted=int(attempts),
            personas=svc.personas,
            persona_version=pin if pin != a.persona_version else None,
            unpin=pin is None and a.persona_version is not None,
        )
    except HotseatError as exc:
        st.error(exc.user_message())
    else:
        flash(f"Assignment '{as_text(updated.title)}' saved.")
        st.rerun()


def _delete(svc: Services, actor: Actor, a: Assignment) -> None:
    st.markdown("**Delete**")
    st.caption("Only an assignment nobody has started can be deleted; one with attempts can be closed by its due date.")
    sure = st.checkbox("Yes, delete this assignment", key=f"as_delete_sure_{a.id}")
    if st.button("Delete assignment", key=f"as_delete_{a.id}", disabled=not sure):
        try:
            delete_assignment(svc.store, actor, a.id)
        except HotseatError as exc:
            st.error(exc.user_message())
        else:
            flash(f"Assignment '{as_text(a.title)}' deleted.")
            st.rerun()


def cohort_standard_editor(svc: Services, actor: Actor, cohort: Cohort) -> None:
    """The cohort's standard: the default for its assignments."""
    with st.expander("Company standard for this cohort", expanded=False):
        st.caption(
            "Pass rule: the weighted mean of an attempt's final scores (a grader's review wins over the "
            "evaluator) over the skills that count must reach the pass mark. A trainee passes an assignment "
            "once one of their counted attempts passes. An assignment's own standard overrides this one."
        )
        try:
            current = cohort_standard(svc.store, actor, cohort.id)
        except HotseatError as exc:
            st.error(exc.user_message())
            return
        standard_editor(svc, actor, key=f"std_c{cohort.id}", current=current, cohort_id=cohort.id)


def standard_editor(
    svc: Services,
    actor: Actor,
    *,
    key: str,
    current: Standard | None,
    cohort_id: int | None = None,
    assignment_id: int | None = None,
) -> None:
    """Skills that count (with weights) and the pass mark, for a cohort or an assignment; saved validated."""
    st.caption(f"Now: {current.describe()}" if current is not None else "Now: no standard of its own.")
    with st.form(key):
        weights: dict[str, float] = {}
        for skill in Skill:
            left, right = st.columns([2, 1])
            counts = left.checkbox(
                skill_label(skill), value=current is None or skill in current.weights, key=f"{key}_on_{skill.value}"
            )
            weight = right.number_input(
                f"Weight of {skill_label(skill).lower()}",
                value=float(current.weights.get(skill, 1.0)) if current is not None else 1.0,
                step=0.5,
                key=f"{key}_w_{skill.value}",
            )
            if counts:
                weights[skill.value] = float(weight)
        mark = st.number_input(
            "Pass mark (1–5)", value=current.pass_mark if current is not None else 3.0, step=0.1, key=f"{key}_mark"
        )
        saved = st.form_submit_button("Save standard", key=f"{key}_save")
    if saved:
        try:
            set_standard(
                svc.store, actor, cohort_id=cohort_id, assignment_id=assignment_id, weights=weights, pass_mark=mark
            )
        except HotseatError as exc:
            st.error(exc.user_message())
        else:
            flash("Standard saved.")
            st.rerun()
    if current is not None and st.button("Remove this standard", key=f"{key}_clear"):
        clear_standard(svc.store, actor, cohort_id=cohort_id, assignment_id=assignment_id)
        flash("Standard removed.")
        st.rerun()
