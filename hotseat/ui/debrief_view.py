"""The end-of-session debrief: scorecard, flags by turn, mood curve, phases, and downloads."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from evaluators.results import Evaluation
from evaluators.skills import Skill
from hotseat.errors import HotseatError
from hotseat.grading.background_judge import BackgroundJudge
from hotseat.org.accounts import Actor
from hotseat.org.reviews import FinalScores
from hotseat.practice.personas import Persona, Scenario
from hotseat.practice.session import PracticeSession
from hotseat.providers.base import ChatModel
from hotseat.providers.factory import build_judge_model
from hotseat.review.debrief import Debrief, build_debrief
from hotseat.review.export import session_to_json, session_to_markdown
from hotseat.review.grades import evaluation_for, judge_into_store, judge_settled, stored_evaluation
from hotseat.review.report import session_report_html
from hotseat.services import Services
from hotseat.ui.components import as_text
from hotseat.ui.scores_view import score_note, show_verdict
from hotseat.ui.submit_box import attempt_of


def _label(key: str) -> str:
    return key.replace("_", " ")


def _one_line(text: str) -> str:
    return as_text(" ".join(text.split()))


@st.cache_resource(show_spinner=False)
def background_judge() -> BackgroundJudge:
    """The one background judge of this app process."""
    return BackgroundJudge()


def _evaluation(svc: Services, session: PracticeSession, facts: list[str]) -> tuple[Evaluation | None, bool]:
    """The grade to show now and whether the LLM judge is still grading in the background.

    Without an LLM: the stored or offline grade. With one: the judge's grade once stored; until
    then the offline grade at once, while the judge grades on a worker thread.
    """
    try:
        stored = stored_evaluation(svc.store, session)
        if not svc.settings.uses_llm():
            return (stored or evaluation_for(svc.store, session, None, facts=facts)), False
        if judge_settled(stored):
            return stored, False
        shown = evaluation_for(svc.store, session, None, facts=facts)
        judges = background_judge()
        key = f"{session.id}:{len(session.turns)}"
        judge_model = build_judge_model(svc.settings)
        job = judges.submit(
            key,
            lambda: _judge(svc, session, judge_model, facts),
        )
        if job.done():
            error = job.exception()
            settled = stored_evaluation(svc.store, session)
            if judge_settled(settled):
                return settled, False
            reason = f"the judge stopped ({type(error).__name__})" if error else "the judge stored no grade"
            note = f"LLM judge gave no grade ({reason}); graded by the offline evaluator instead."
            return shown.model_copy(update={"fallback_reason": note}), False
        return shown, True
    except HotseatError as exc:
        st.warning(f"No scorecard for this session: {exc.user_message()}")
        return None, False


def _judge(svc: Services, session: PracticeSession, judge_model: ChatModel | None, facts: list[str]) -> None:
    judge_into_store(svc.store, session, judge_model, facts=facts, budget_s=svc.settings.judge_budget_s)


def _watch_judge(session: PracticeSession) -> None:
    """Poll the background judge; rerun the page when its grade is ready."""
    key = f"{session.id}:{len(session.turns)}"

    @st.fragment(run_every=2.0)
    def watch() -> None:
        if not background_judge().running(key):
            st.rerun(scope="app")
        st.caption("⏳ The LLM judge is grading in the background; its scores will replace these when ready.")

    watch()


def _skills_chart(debrief: Debrief, final: FinalScores | None) -> alt.Chart:
    data = [
        {"skill": _label(s.skill.value), "score": _score(s.skill, s.score, final), "level reached": s.anchor or ""}
        for s in debrief.skills
    ]
    order = [_label(s.skill.value) for s in debrief.skills]
    chart: alt.Chart = (
        alt.Chart(pd.DataFrame(data))
        .mark_bar()
        .encode(
            x=alt.X("score:Q", scale=alt.Scale(domain=[0, 5]), axis=alt.Axis(tickCount=5, title="score (1–5)")),
            y=alt.Y("skill:N", sort=order, title=None),
            tooltip=["skill:N", "score:Q", "level reached:N"],
        )
        .properties(height=220)
    )
    return chart


def _mood_chart(debrief: Debrief) -> alt.LayerChart | alt.FacetChart:
    rows: list[dict[str, Any]] = []
    for p in debrief.curve:
        rows.append({"turn": p.turn, "measure": "anger", "value": p.anger, "note": p.note or ""})
        rows.append({"turn": p.turn, "measure": "trust", "value": p.trust, "note": p.note or ""})
    x = alt.X("turn:Q", axis=alt.Axis(tickMinStep=1, title="your turn (0 = their opening)"))
    y = alt.Y("value:Q", scale=alt.Scale(domain=[0, 10]), title="0–10")
    colour = alt.Color("measure:N", scale=alt.Scale(domain=["anger", "trust"], range=["#e45756", "#4c78a8"]))
    lines = alt.Chart(pd.DataFrame(rows)).mark_line().encode(x=x, y=y, color=colour)
    moved = [
        {"turn": p.turn, "value": p.anger, "change": f"{p.delta_anger:+.1f}", "note": p.note or ""}
        for p in debrief.moving_points()
    ]
    points = (
        alt.Chart(pd.DataFrame(moved, columns=["turn", "value", "change", "note"]))
        .mark_point(size=120, filled=True, color="#e45756")
        .encode(x=x, y=y, tooltip=["turn:Q", "change:N", "note:N"])
    )
    layers: list[alt.Chart] = [lines, points]
    if debrief.phases.switch_turn is not None:
        switch = [{"turn": debrief.phases.switch_turn, "label": "started solving"}]
        rule = alt.Chart(pd.DataFrame(switch)).mark_rule(strokeDash=[4, 3], color="#333")
        layers.append(rule.encode(x="turn:Q", tooltip=["label:N"]))
    return alt.layer(*layers).properties(height=260)


def _grader_name(evaluator: str) -> str:
    """The evaluator key ("offline" or "llm:<model>") in words."""
    if evaluator.startswith("llm:"):
        return f"the LLM judge ({evaluator.removeprefix('llm:')})"
    return "the offline evaluator" if evaluator == "offline" else evaluator


def _header(debrief: Debrief) -> None:
    st.subheader("Debrief")
    graded = f"Graded by {_grader_name(debrief.evaluator)}." if debrief.evaluator else "Not graded."
    st.caption(graded + (" *Assisted*: you used the coach's hint." if debrief.assisted else ""))
    if debrief.fallback_reason:
        st.info(debrief.fallback_reason)


def _score(skill: Skill, score: int, final: FinalScores | None) -> int:
    """The final score where a grader reviewed the session, else the debrief's own."""
    return final.score(skill).score if final is not None and final.reviewed else score


def _skills(debrief: Debrief, final: FinalScores | None) -> None:
    if not debrief.skills:
        return
    st.altair_chart(_skills_chart(debrief, final), width="stretch")
    for s in debrief.skills:
        by = " (offline)" if s.evaluator == "offline" and debrief.evaluator != "offline" else ""
        if final is not None and final.reviewed and (note := score_note(final, s.skill)):
            by = f" ({note})"
        with st.expander(f"{_label(s.skill.value).capitalize()} — {_score(s.skill, s.score, final)}/5{by}"):
            if s.anchor:
                st.markdown(f"**Level reached:** {_one_line(s.anchor)}")
            if s.reasoning:
                st.caption(_one_line(s.reasoning))
            for quote in s.evidence:
                st.markdown(f"> {_one_line(quote)}")
            if not s.evidence:
                st.caption("Nothing you said showed this skill.")
            if s.better:
                st.markdown(f"**Try saying:** {_one_line(s.better)}")


def _flags(debrief: Debrief) -> None:
    st.markdown("**Flags**")
    if not debrief.flags:
        st.caption("No flags raised.")
        return
    for f in debrief.flags:
        why = f" — {_one_line(f.why)}" if f.why else ""
        st.markdown(f"- **{_label(f.flag.value)}** · turn {f.turn}: “{_one_line(f.quote)}”{why}")


def _mood(debrief: Debrief) -> None:
    st.markdown("**Their mood, turn by turn**")
    if debrief.curve:
        st.altair_chart(_mood_chart(debrief), width="stretch")
    for p in debrief.moving_points():
        st.caption(f"Turn {p.turn}: anger {p.delta_anger:+.1f}" + (f" — {_one_line(p.note)}" if p.note else ""))
    sentence = debrief.phases.summary()
    (st.warning if debrief.phases.too_soon else st.markdown)(sentence)


def _downloads(session: PracticeSession, debrief: Debrief, final: FinalScores | None) -> None:
    left, mid, right = st.columns(3)
    stem = f"hotseat-{session.id}"
    scores = final.as_dict() if final is not None else None
    left.download_button(
        "JSON",
        session_to_json(session, final_scores=scores),
        f"{stem}.json",
        key=f"debrief-json-{session.id}",
        on_click="ignore",
    )
    mid.download_button(
        "Markdown",
        session_to_markdown(session, customer_name=debrief.customer_name, final_scores=scores),
        f"{stem}.md",
        key=f"debrief-md-{session.id}",
        on_click="ignore",
    )
    right.download_button(
        "HTML report",
        session_report_html(session, debrief),
        f"{stem}.html",
        mime="text/html",
        key=f"debrief-html-{session.id}",
        on_click="ignore",
    )


def render_debrief(
    svc: Services,
    session: PracticeSession,
    *,
    persona: Persona | None = None,
    scenario: Scenario | None = None,
    actor: Actor | None = None,
    final: FinalScores | None = None,
) -> Debrief | None:
    """Render the debrief of a session (grading it once, then reusing the stored grade).

    Pass the session's `persona` and `scenario` when the caller has them; else they are looked up.
    With `actor` (the trainee), an attempt at an assignment shows its final scores (a grader's
    review replaces the evaluator's) and its verdict against the company standard; a lead passes
    the session's `final` scores instead.
    """
    if persona is None or scenario is None:
        try:
            persona, scenario = svc.engine.persona_and_scenario(session)
        except HotseatError as exc:  # e.g. its persona file was removed since
            st.warning(f"No debrief for this session: {exc.user_message()}")
            return None
    evaluation, pending = _evaluation(svc, session, scenario.story())
    debrief = build_debrief(session, persona, scenario, evaluation, judge_pending=pending)
    found = attempt_of(svc, actor, session.id) if actor is not None and evaluation is not None else None
    attempt = found[1] if found is not None else None
    final = attempt.final if attempt is not None else final
    _header(debrief)
    if attempt is not None and not pending:
        show_verdict(attempt.verdict)
    if pending:
        _watch_judge(session)
    _skills(debrief, final)
    _flags(debrief)
    _mood(debrief)
    _downloads(session, debrief, final)
    return debrief
