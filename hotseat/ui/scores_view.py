"""Final scores and verdicts as the pages show them: one line per skill saying where its score came from."""

from __future__ import annotations

import streamlit as st

from evaluators.skills import Skill
from hotseat.org.assignments import Attempt
from hotseat.org.reviews import FinalScores, ScoreSource
from hotseat.org.standards import Verdict
from hotseat.ui.components import as_text


def skill_label(skill: Skill) -> str:
    """A skill key in words, capitalised ("Plain language")."""
    return skill.value.replace("_", " ").capitalize()


def score_note(final: FinalScores, skill: Skill) -> str:
    """Where one final score came from, in words: "" (evaluator), "confirmed by the grader", "grader; evaluator 4"."""
    s = final.score(skill)
    if s.source == ScoreSource.GRADER:
        return f"grader; evaluator {s.evaluator_score}"
    return "confirmed by the grader" if s.source == ScoreSource.CONFIRMED else ""


def scores_line(final: FinalScores) -> str:
    """All six final scores on one line, overridden ones marked with the evaluator's score."""
    parts = []
    for s in final.skills:
        changed = f" (was {s.evaluator_score})" if s.source == ScoreSource.GRADER else ""
        parts.append(f"{s.skill.value.replace('_', ' ')} {s.score}{changed}")
    return " · ".join(parts)


def verdict_text(verdict: Verdict) -> str:
    """ "✅ Passed — weighted score 3.4, pass mark 3.0" or "⏳ Not yet — … lowest: apology 2"."""
    icon = "✅" if verdict.passed else "⏳"
    return f"{icon} **{verdict.label}** — {verdict.reason}"


def show_verdict(verdict: Verdict | None) -> None:
    """The verdict against the company standard, if one applies."""
    if verdict is None:
        return
    by = "" if verdict.reviewed else " (from the evaluator's scores; a grader's review may change it)"
    (st.success if verdict.passed else st.warning)(verdict_text(verdict) + by)


def final_scores_list(final: FinalScores) -> None:
    """Each skill's final score as a Markdown list, with the grader's comment where there is one."""
    for s in final.skills:
        note = score_note(final, s.skill)
        comment = f" — {as_text(' '.join(s.comment.split()))}" if s.comment else ""
        st.markdown(f"- {skill_label(s.skill)}: **{s.score}/5**" + (f" ({note})" if note else "") + comment)


def review_banner(attempt: Attempt | None) -> None:
    """At the top of a reviewed attempt: who reviewed it, their comment and the final scores."""
    final = attempt.final if attempt is not None else None
    if attempt is None or final is None or final.review is None:
        return
    review = final.review
    with st.container(border=True, key="reviewed_banner"):
        st.success(f"Reviewed by {as_text(review.grader_username)} on {review.created_at:%d %b %Y}.")
        if review.comment:
            st.markdown(f"**Grader's comment:** {as_text(review.comment)}")
        adjusted = sum(s.source == ScoreSource.GRADER for s in final.skills)
        st.caption(
            f"Final scores: {adjusted} changed by the grader, the rest confirmed; they replace the evaluator's below."
        )
        final_scores_list(final)
        show_verdict(attempt.verdict)
