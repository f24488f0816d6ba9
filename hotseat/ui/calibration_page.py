"""Calibration (graders, admins): per-skill kappas, and where the evaluator disagrees with graders most."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hotseat.errors import HotseatError
from hotseat.org.calibration import CalibrationReport, SkillCalibration, calibration_report
from hotseat.org.cohorts import list_cohorts
from hotseat.ui.components import as_text
from hotseat.ui.context import PageContext

WORST_SHOWN = 3


def _label(s: SkillCalibration) -> str:
    return s.skill.value.replace("_", " ").capitalize()


def _fmt(value: float | None, pattern: str = "{:.2f}") -> str:
    return "—" if value is None else pattern.format(value)


def render(page: PageContext) -> None:
    """Render the calibration report for a cohort, or every cohort the user grades."""
    page.open("Calibration")
    svc, actor = page.svc, page.actor
    st.caption(
        "Agreement is Cohen's kappa with quadratic weights on the 1–5 scale: 1 is perfect agreement, "
        "0 is what chance gives. A positive mean adjustment means graders score higher than the evaluator."
    )
    try:
        cohorts = list_cohorts(svc.store, actor)
        names = {c.id: c.name for c in cohorts}
        picked = st.selectbox(
            "Cohort",
            [None, *names],
            format_func=lambda c: "All my cohorts" if c is None else names[c],
            key="cal_cohort",
        )
        report = calibration_report(svc.store, actor, cohort_id=picked)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    left, right = st.columns(2)
    left.metric("Reviewed sessions", report.reviewed_sessions)
    right.metric("Reviews", report.reviews)
    if not report.reviews:
        st.info("No reviews yet. Figures appear once graders review submitted sessions.")
        return
    _table(report)
    _disagreements(report)


def _table(report: CalibrationReport) -> None:
    rows = [
        {
            "Skill": _label(s),
            "Evaluator vs graders (kappa)": _fmt(s.evaluator_kappa),
            "Reviews": s.evaluator_pairs,
            "Kept the evaluator's score": _fmt(s.exact_agreement, "{:.0%}"),
            "Mean adjustment": _fmt(s.mean_adjustment, "{:+.2f}"),
            "Grader vs grader (kappa)": _fmt(s.grader_kappa),
            "Grader pairs": s.grader_pairs,
        }
        for s in report.skills
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="cal_table")


def _disagreements(report: CalibrationReport) -> None:
    st.subheader("Where the evaluator disagrees most")
    worst = [s for s in report.disagreements if s.examples][:WORST_SHOWN]
    if not worst:
        st.success("Graders kept the evaluator's score on every skill they reviewed.")
        return
    for s in worst:
        with st.container(border=True):
            adjustment = _fmt(s.mean_adjustment, "{:+.2f}")
            st.markdown(f"**{_label(s)}** · kappa {_fmt(s.evaluator_kappa)} · mean adjustment {adjustment}")
            for e in s.examples:
                st.markdown(
                    f"- Session `{e.session_id}` · {as_text(e.grader_username)}: "
                    f"evaluator {e.evaluator_score} → grader {e.grader_score}"
                    + (f" — {as_text(' '.join(e.comment.split()))}" if e.comment else "")
                )
                for quote in e.evidence:
                    st.caption(f"Evidence: “{as_text(' '.join(quote.split()))}”")
