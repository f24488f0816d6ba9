"""Review queue (graders): submitted sessions; the review screen puts the transcript beside the evaluator's grade."""

from __future__ import annotations

from functools import partial

import streamlit as st

from evaluators.results import Evaluation
from evaluators.skills import Skill
from hotseat.errors import HotseatError
from hotseat.org.accounts import Actor
from hotseat.org.reviews import Review, ReviewSheet, SkillDecision, review_queue, review_sheet, submit_review
from hotseat.practice.session import PracticeSession
from hotseat.services import Services
from hotseat.ui import components
from hotseat.ui.components import as_text
from hotseat.ui.context import PageContext
from hotseat.ui.scores_view import final_scores_list
from hotseat.ui.state import UiState, flash

SCORES: list[int] = [1, 2, 3, 4, 5]
QUOTE_CHARS = 240


def _label(skill: Skill) -> str:
    return skill.value.replace("_", " ").capitalize()


def _score_label(score: int, *, evaluator: int) -> str:
    return f"{score}*" if score == evaluator else str(score)


def _one_line(text: str, limit: int = QUOTE_CHARS) -> str:
    flat = " ".join(text.split())
    return as_text(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def render(page: PageContext) -> None:
    """Render the queue, or the review screen of the session picked from it."""
    page.open()
    svc, state, actor = page.svc, page.state, page.actor
    if state.review_session_id:
        _review_screen(svc, state, actor, state.review_session_id)
    else:
        _queue(svc, state, actor)


def _queue(svc: Services, state: UiState, actor: Actor) -> None:
    st.title("Review queue")
    reviewed_too = st.toggle("Show sessions I already reviewed", key="queue_reviewed_too")
    try:
        items = review_queue(svc.store, actor, include_reviewed=reviewed_too)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    if not items:
        st.info("Nothing waits for review. Sessions appear here when trainees of your cohorts submit them.")
    for item in items:
        with st.container(border=True, key=f"queue_{item.session_id}"):
            left, right = st.columns([4, 1])
            who = item.trainee_name or item.trainee_username
            left.markdown(f"**{as_text(who)}** · {as_text(item.assignment_title)} · {as_text(item.cohort_name)}")
            left.caption(f"Submitted {item.submitted_at:%d %b %Y %H:%M} UTC · reviews so far: {item.reviews}")
            if right.button("Review", key=f"review_{item.session_id}", type="primary"):
                state.review_session_id = item.session_id
                st.rerun()
    components.page_marker("review", f"queue{len(items)}")  # drawn last: how many sessions are listed


def _review_screen(svc: Services, state: UiState, actor: Actor, session_id: str) -> None:
    if st.button("← Back to the queue", key="review_back", type="tertiary"):
        state.review_session_id = None
        st.rerun()
    try:
        sheet = review_sheet(svc.store, actor, session_id)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    name, title = components.customer_and_title(svc.engine, sheet.session)
    st.title(f"Review: {as_text(title)}")
    graded_by = sheet.evaluation.evaluator
    st.caption(f"Session {session_id} · graded by {as_text(graded_by)} · reviews so far: {len(sheet.reviews)}")
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader("Transcript")
        components.transcript(sheet.session, name)
    with right:
        st.subheader("Evaluator's grade")
        _evaluator(sheet.evaluation)
        _flags(sheet.evaluation, sheet.session)
    _earlier_reviews(sheet.reviews)
    if sheet.final is not None and sheet.final.reviewed:
        with st.container(border=True, key="final_scores_now"):
            st.markdown(f"**Final scores now** (from the {as_text(sheet.final.source)}; the trainee sees these)")
            final_scores_list(sheet.final)
    mine = any(r.grader_id == actor.id for r in sheet.reviews)
    if mine:
        st.info("You reviewed this session. A review is kept as it was written.")
    else:
        _review_form(svc, state, actor, sheet)
    components.page_marker("review", "sheet", f"reviews{len(sheet.reviews)}", f"mine{int(mine)}")  # drawn last


def _evaluator(evaluation: Evaluation) -> None:
    if evaluation.fallback_reason:
        st.caption(as_text(evaluation.fallback_reason))
    for s in evaluation.skills:
        with st.expander(f"{_label(s.skill)} — {s.score}/5", expanded=True):
            if s.reasoning:
                st.caption(_one_line(s.reasoning, 600))
            for quote in s.evidence:
                st.markdown(f"> {_one_line(quote)}")
            if not s.evidence:
                st.caption("No evidence quoted.")
            if s.suggestion:
                st.markdown(f"**Better:** {_one_line(s.suggestion)}")


def _flags(evaluation: Evaluation, session: PracticeSession) -> None:
    st.markdown("**Flags**")
    texts = {t.index: t.text for t in session.turns}
    numbers = {t.index: n for n, t in enumerate(session.trainee_turns(), start=1)}  # "your turn N", as the debrief
    flagged = [t for t in evaluation.turns if t.flags]
    if not flagged and not evaluation.flags:
        st.caption("No flags raised.")
        return
    for t in flagged:
        names = ", ".join(f.value.replace("_", " ") for f in t.flags)
        st.markdown(f"- **{names}** · turn {numbers.get(t.index, t.index)}: “{_one_line(texts.get(t.index, ''))}”")
    if not flagged:
        st.markdown("- " + ", ".join(f.value.replace("_", " ") for f in evaluation.flags))


def _earlier_reviews(reviews: tuple[Review, ...]) -> None:
    for review in reviews:
        with st.expander(f"Review by {as_text(review.grader_username)} · {review.created_at:%d %b %Y %H:%M} UTC"):
            if review.comment:
                st.markdown(as_text(review.comment))
            for s in review.skills:
                change = f"{s.evaluator_score} → {s.grader_score}" if s.adjusted else f"{s.grader_score} (accepted)"
                comment = f" — {_one_line(s.comment, 600)}" if s.comment else ""
                st.markdown(f"- {_label(s.skill)}: {change}{comment}")


def _review_form(svc: Services, state: UiState, actor: Actor, sheet: ReviewSheet) -> None:
    st.subheader("Your review")
    st.caption("Keep the evaluator's score to accept it, or pick another and say why.")
    sid = sheet.session.id
    choices: dict[Skill, tuple[int, str]] = {}
    with st.form(f"review_form_{sid}"):
        for s in sheet.evaluation.skills:
            left, right = st.columns([2, 3])
            score = left.radio(
                _label(s.skill),
                SCORES,
                index=s.score - 1,
                horizontal=True,
                format_func=partial(_score_label, evaluator=s.score),
                key=f"rv_score_{s.skill.value}_{sid}",
                help="* the evaluator's score",
            )
            comment = right.text_input(
                f"Comment on {_label(s.skill).lower()}",
                key=f"rv_comment_{s.skill.value}_{sid}",
                placeholder="Needed when you change the score",
            )
            choices[s.skill] = (int(score or s.score), comment)
        overall = st.text_area("Overall comment (optional)", key=f"rv_overall_{sid}")
        saved = st.form_submit_button("Save review", type="primary", key=f"rv_save_{sid}")
    if not saved:
        return
    evaluator = {s.skill: s.score for s in sheet.evaluation.skills}
    decisions = {
        skill.value: SkillDecision(score=None if score == evaluator[skill] else score, comment=comment)
        for skill, (score, comment) in choices.items()
    }
    try:
        review = submit_review(svc.store, actor, sid, decisions, comment=overall)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    adjusted = sum(s.adjusted for s in review.skills)
    flash(f"Review saved: {adjusted} skill(s) adjusted, {len(review.skills) - adjusted} accepted.")
    state.review_session_id = None
    st.rerun()
