"""A cohort lead's day in the app (AppTest): standards, pass rates, assignment edits, a trainee's sessions, history."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_app_cohorts import GOOD_LINES, Org, _goto, _play, _sign_in, _titles, org

from evaluators.skills import Skill
from hotseat.org.assignments import create_assignment, get_assignment
from hotseat.org.cohorts import join_cohort
from hotseat.org.reviews import SkillDecision, submit_for_review, submit_review
from hotseat.org.standards import cohort_standard, set_standard
from hotseat.practice.session import PracticeSession
from hotseat.ui.components import as_text

__all__ = ["org"]


@pytest.fixture
def graded(org: Org) -> PracticeSession:
    """Alice's finished attempt, submitted (graded by the offline evaluator)."""
    join_cohort(org.svc.store, org.alice, org.cohort.join_code or "")
    session = _play(org, org.alice, GOOD_LINES)
    submit_for_review(org.svc.store, org.alice, session.id)
    return session


def _table(at: Any, column: str) -> list[dict[str, Any]]:
    """The rows of the first table on the page with this column."""
    frame = next(d.value for d in at.dataframe if column in d.value.columns)
    rows: list[dict[str, Any]] = frame.to_dict("records")
    return rows


def _admin_tab(tab: str) -> Any:
    at = _sign_in("ada")
    at.session_state["admin_tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


def test_admin_sets_a_cohort_standard_with_validation_and_the_dashboard_shows_the_pass_rate(
    org: Org, graded: PracticeSession
) -> None:
    at = _admin_tab("Assignments")
    key = f"std_c{org.cohort.id}"
    for skill in Skill:
        at.checkbox(key=f"{key}_on_{skill.value}").uncheck()
    at.button(key=f"{key}_save").click().run()
    assert "Pick at least one skill" in at.error[0].value  # nothing saved
    assert cohort_standard(org.svc.store, org.admin, org.cohort.id) is None

    at.checkbox(key=f"{key}_on_empathy").check()
    at.number_input(key=f"{key}_mark").set_value(5.5)
    at.button(key=f"{key}_save").click().run()
    assert "pass mark must be from 1 to 5" in at.error[0].value

    at.number_input(key=f"{key}_w_empathy").set_value(2.0)
    at.number_input(key=f"{key}_mark").set_value(1.0)
    at.button(key=f"{key}_save").click().run()
    assert not at.exception
    assert any("Standard saved" in s.value for s in at.success)
    saved = cohort_standard(org.svc.store, org.admin, org.cohort.id)
    assert saved is not None and dict(saved.weights) == {Skill.EMPATHY: 2.0} and saved.pass_mark == 1.0

    at.session_state["admin_tab"] = "Dashboard"
    at.run()
    rows = _table(at, "Pass rate")
    assert rows[0]["Assignment"] == "Overdraft fees" and rows[0]["Pass rate"] == "100% (1 of 1 graded)"


def test_assignments_show_names_edit_and_delete_with_confirmation(org: Org, graded: PracticeSession) -> None:
    spare = create_assignment(
        org.svc.store, org.admin, org.cohort.id, personas=org.svc.personas, persona_id="policy-over-problem"
    )
    at = _admin_tab("Assignments")
    table = _table(at, "Scenario")
    persona = org.svc.personas.get(org.assignment.persona_id)
    first = next(r for r in table if r["Title"] == "Overdraft fees")
    assert (
        first["Customer"] == persona.title and first["Scenario"] == persona.scenario(org.assignment.scenario_id).title
    )

    a = org.assignment.id
    at.text_input(key=f"as_edit_title_{a}").input("Overdraft fees, again")
    at.number_input(key=f"as_edit_attempts_{a}").set_value(3)
    at.button(key=f"as_edit_save_{a}").click().run()
    assert not at.exception
    assert any("Assignment 'Overdraft fees, again' saved" in s.value for s in at.success)
    edited = get_assignment(org.svc.store, org.admin, a)
    assert (edited.title, edited.attempts_counted) == ("Overdraft fees, again", 3)

    assert at.button(key=f"as_delete_{a}").disabled  # confirm first
    at.checkbox(key=f"as_delete_sure_{a}").check().run()
    at.button(key=f"as_delete_{a}").click().run()
    assert "1 attempt(s)" in at.error[0].value  # refused: Alice played it
    at.checkbox(key=f"as_delete_sure_{spare.id}").check().run()
    at.button(key=f"as_delete_{spare.id}").click().run()
    assert any("deleted" in s.value for s in at.success)
    assert [r["Title"] for r in _table(at, "Scenario")] == ["Overdraft fees, again"]


def test_the_trainee_sees_not_yet_with_the_reason_then_the_override_everywhere(
    org: Org, graded: PracticeSession
) -> None:
    set_standard(org.svc.store, org.admin, cohort_id=org.cohort.id, weights={"apology": 1}, pass_mark=5)
    at = _goto(_sign_in("alice"), "cohorts")
    assert any("**Not yet** — weighted score" in m.value and "below the pass mark 5.0" in m.value for m in at.markdown)
    assert any("submitted for review" in c.value for c in at.caption)

    submit_review(org.svc.store, org.grader, graded.id, {"apology": SkillDecision(5, "Owned it.")})
    at.run()
    assert any("**Passed** — weighted score 5.0, pass mark 5.0" in m.value for m in at.markdown)
    assert any("reviewed by gina" in c.value for c in at.caption)
    assert not any("submitted for review" in c.value for c in at.caption)

    at.button(key=f"open_attempt_{graded.id}").click().run()  # the debrief says it too, at the top
    assert _titles(at) == []  # the practice page has a subheader, no title
    assert any(s.value.startswith("Reviewed by gina") for s in at.success)
    assert any("**Passed**" in s.value for s in at.success)


def test_from_the_dashboard_a_lead_opens_a_trainees_session_and_its_review(org: Org, graded: PracticeSession) -> None:
    submit_review(org.svc.store, org.grader, graded.id, {"empathy": SkillDecision(1, "Too fast.")})
    at = _admin_tab("Dashboard")
    at.selectbox(key=f"dash_trainee_{org.cohort.id}").set_value(org.alice.id).run()
    assert any("reviewed by gina" in m.value for m in at.markdown)
    assert any("empathy 1 (was" in c.value for c in at.caption)
    at.toggle(key=f"show_debrief_{graded.id}").set_value(True).run()
    assert not at.exception
    assert any(e.label.startswith("Empathy — 1/5 (grader; evaluator") for e in at.expander)
    at.button(key=f"open_review_{graded.id}").click().run()
    assert not at.exception
    assert any(t.startswith("Review:") for t in _titles(at))
    assert any("Final scores now" in m.value for m in at.markdown)


def test_my_sessions_shows_final_scores_exports_them_and_reopens_a_debrief(org: Org, graded: PracticeSession) -> None:
    submit_review(org.svc.store, org.grader, graded.id, {"values": SkillDecision(1, "No <i>future</i>.")}, comment="")
    at = _goto(_sign_in("alice"), "history")
    (expander,) = [e for e in at.expander if "(reviewed)" in e.label]
    assert " · mean " in expander.label
    assert any("Values: **1/5** (grader; evaluator" in m.value and as_text("No <i>future</i>.") in m.value
               for m in at.markdown)  # fmt: skip
    assert {b.proto.label for b in at.get("download_button")} >= {"JSON", "Markdown"}
    exported = json.loads(_json_export(org, graded.id))
    assert exported["final_scores"]["skills"]["values"]["score"] == 1
    at.button(key=f"d{graded.id}").click().run()
    assert not at.exception
    assert at.session_state["hotseat"].session_id == graded.id
    assert "Debrief" in [h.value for h in at.subheader]


def _json_export(org: Org, session_id: str) -> str:
    """The JSON the history page offers (built by the same calls; AppTest cannot read a download's bytes)."""
    from hotseat.org.reviews import own_final_scores
    from hotseat.review.export import session_to_json

    final = own_final_scores(org.svc.store, org.alice, [session_id])[session_id]
    return session_to_json(org.svc.store.load_session(session_id), final_scores=final.as_dict())


def test_my_progress_counts_the_graders_scores(org: Org, graded: PracticeSession) -> None:
    submit_review(org.svc.store, org.grader, graded.id, {"values": SkillDecision(1, "No future.")})
    at = _goto(_sign_in("alice"), "progress")
    (row,) = _table(at, "Scored from")
    assert row["Scored from"] == "review"
    by_customer = _table(at, "Customer")
    assert by_customer[0]["Long-term values"] == 1.0  # the grader's score, not the evaluator's
