"""The two paths of a retried conversation side by side: mood curves and per-turn skills."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from hotseat.errors import HotseatError
from hotseat.practice.branching import PathComparison, PathSummary, compare_paths
from hotseat.practice.session import PracticeSession
from hotseat.review.progress import SKILL_LABELS
from hotseat.services import Services
from hotseat.ui.components import ENDING_TEXT, as_text

PATH_NAMES = ("First try", "Retry")


def mood_rows(comparison: PathComparison) -> list[dict[str, object]]:
    """Long-form rows of both mood curves (anger and trust) for one chart."""
    return [
        {"path": name, "turn": point.trainee_turn, "measure": measure, "value": getattr(point, measure)}
        for name, path in zip(PATH_NAMES, (comparison.original, comparison.branch), strict=True)
        for point in path.mood_curve
        for measure in ("anger", "trust")
    ]


def _mood_chart(comparison: PathComparison) -> alt.LayerChart:
    data = pd.DataFrame(mood_rows(comparison))
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("turn:Q", title="Your turn", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("value:Q", title="0-10", scale=alt.Scale(domain=[0, 10])),
            color=alt.Color("path:N", title="Path", sort=list(PATH_NAMES)),
            strokeDash=alt.StrokeDash("measure:N", title="Measure"),
            tooltip=["path:N", "turn:Q", "measure:N", "value:Q"],
        )
    )
    split = pd.DataFrame([{"turn": comparison.shared_trainee_turns}])
    rule = alt.Chart(split).mark_rule(strokeDash=[2, 2], color="gray").encode(x="turn:Q")
    chart: alt.LayerChart = lines + rule
    return chart


def _path_column(path: PathSummary, title: str) -> None:
    st.markdown(f"**{title}**" + (" · assisted" if path.assisted else ""))
    ending = ENDING_TEXT.get(path.status)
    st.caption(ending[1] if ending else "Still in progress.")
    rows = [
        {"Turn": t.trainee_turn, "You said": t.text}
        | {SKILL_LABELS[skill]: t.skills.get(skill) for skill in SKILL_LABELS}
        | {"Flags": ", ".join(f.value.replace("_", " ") for f in t.flags), "Shared": "yes" if t.shared else ""}
        for t in path.turns
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption("No turns yet on this path.")
    for turn in path.turns:
        if not turn.shared and turn.note:
            st.caption(f"Turn {turn.trainee_turn}: {as_text(turn.note)}")


def render_compare(svc: Services, original: PracticeSession, branch: PracticeSession) -> None:
    """Show the original conversation and its retry side by side (mood curves, per-turn skills)."""
    comparison = compare_paths(original, branch)
    try:
        _, scenario = svc.engine.persona_and_scenario(original)
        title = scenario.title
    except HotseatError:  # a persona file removed since: still compare
        title = original.scenario_id
    st.subheader(f"Two paths · {title}")
    st.caption(
        f"Both paths share your first {comparison.shared_trainee_turns} turn(s); "
        "the dotted line marks where you tried again."
    )
    st.altair_chart(_mood_chart(comparison), width="stretch")
    left, right = st.columns(2)
    with left:
        _path_column(comparison.original, PATH_NAMES[0])
    with right:
        _path_column(comparison.branch, PATH_NAMES[1])
