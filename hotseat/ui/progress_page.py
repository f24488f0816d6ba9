"""My progress page: sessions over time per skill, by persona, and what to practise next."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from hotseat.errors import HotseatError
from hotseat.org.reviews import own_final_scores
from hotseat.review.progress import SKILL_LABELS, Progress, load_progress, skill_rows
from hotseat.services import Services
from hotseat.ui.components import as_text
from hotseat.ui.context import PageContext


def render(page: PageContext) -> None:
    """Render the progress page."""
    page.open("My progress")
    svc = page.svc
    try:
        ids = [s.id for s in svc.store.list_sessions(user_id=page.actor.id)]
        finals = own_final_scores(svc.store, page.actor, ids)
        reviewed = {sid: f.scores for sid, f in finals.items() if f.reviewed}
        progress = load_progress(svc.store, page.actor.id, reviewed=reviewed)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    if not progress.sessions:
        st.info("No scored sessions yet. Practise a conversation and your progress shows up here.")
        return
    _practise_next(svc, progress)
    _over_time(progress)
    _by_persona(svc, progress)
    _sessions(svc, progress, set(reviewed))


def _persona_title(svc: Services, persona_id: str) -> str:
    try:
        return svc.personas.get(persona_id).title
    except HotseatError:  # a persona file removed since: still show the id
        return persona_id


def _practise_next(svc: Services, progress: Progress) -> None:
    weakest = progress.weakest
    if weakest is None:
        return
    with st.container(border=True):
        st.markdown(f"**Weakest skill:** {SKILL_LABELS[weakest.skill]} · {weakest.score:.1f} / 5")
        st.markdown(f"**Practise next with:** {as_text(_persona_title(svc, weakest.persona_id))}")
        st.caption(weakest.why)
    left, right = st.columns(2)
    left.metric("Sessions scored", len(progress.sessions))
    right.metric("Assisted by a hint", sum(1 for s in progress.sessions if s.assisted))


def _over_time(progress: Progress) -> None:
    st.subheader("Skills over time")
    data = pd.DataFrame(skill_rows(progress))
    chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("session:Q", title="Session", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("score:Q", title="Score (1-5)", scale=alt.Scale(domain=[1, 5])),
            color=alt.Color("skill:N", title="Skill"),
            tooltip=["session:Q", "date:T", "persona:N", "skill:N", "score:Q", "assisted:N"],
        )
    )
    st.altair_chart(chart, width="stretch")


def _by_persona(svc: Services, progress: Progress) -> None:
    st.subheader("By customer")
    rows = [
        {"Customer": _persona_title(svc, p.persona_id), "Sessions": p.sessions}
        | {SKILL_LABELS[skill]: score for skill, score in p.skills.items()}
        for p in progress.by_persona
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _sessions(svc: Services, progress: Progress, reviewed: set[str]) -> None:
    st.subheader("Sessions")
    rows = [
        {
            "Date": s.created_at.strftime("%Y-%m-%d %H:%M"),
            "Customer": _persona_title(svc, s.persona_id),
            "Difficulty": s.difficulty.value,
            "Turns": s.trainee_turns,
            "Ending": s.status.replace("_", " "),
            "Assisted": "yes" if s.assisted else "",
            "Retry": "yes" if s.retry else "",
            "Scored from": "review" if s.session_id in reviewed else ("grade" if s.source == "evaluation" else "turns"),
        }
        for s in reversed(progress.sessions)
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
