"""Small rendering helpers shared by pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from hotseat.authoring.catalog import PersonaCatalog
from hotseat.errors import HotseatError
from hotseat.practice.engine import PracticeEngine
from hotseat.practice.mood import MoodState
from hotseat.practice.personas import Difficulty, Persona, PersonaSource, Scenario
from hotseat.practice.session import PracticeSession, Turn
from hotseat.text import markdown_text


def as_text(text: str) -> str:
    """Markdown showing user text exactly as typed: no links, images, HTML or formatting (see markdown_text)."""
    return markdown_text(text)


ENDING_TEXT = {
    "won_back": ("success", "You won them back."),
    "walked_away": ("error", "They walked away."),
    "turn_limit": ("warning", "Out of time: the conversation ended before they were won back."),
}


def mood_meter(mood: MoodState) -> None:
    """Show the customer's anger and trust as meters."""
    left, right = st.columns(2)
    left.progress(min(1.0, mood.anger / 10), text=f"Anger {mood.anger:.1f} / 10")
    right.progress(min(1.0, mood.trust / 10), text=f"Trust {mood.trust:.1f} / 10")
    st.caption("Feels heard ✅" if mood.felt_heard else "Does not feel heard yet")


def scenario_brief(scenario: Scenario) -> None:
    """Who the customer is and who the trainee plays."""
    st.markdown(f"**{scenario.customer.name}** — {scenario.customer.role}")
    st.caption(scenario.customer.background)
    st.markdown(f"**You are:** {scenario.trainee_role} at {scenario.company}.")
    st.markdown(f"**What happened:** {scenario.what_happened}")


def customer_and_title(engine: PracticeEngine, session: PracticeSession) -> tuple[str, str]:
    """The customer's name and the scenario's title ("Customer" and the scenario id when the persona file is gone)."""
    try:
        _, scenario = engine.persona_and_scenario(session)
    except HotseatError:  # a persona file removed since: the session is still listed and shown
        return "Customer", session.scenario_id
    return scenario.customer.name, scenario.title


@dataclass(frozen=True)
class CustomerPick:
    """The customer, scenario and difficulty picked in a `customer_picker`."""

    persona: Persona
    scenario_id: str
    difficulty: str


def customer_picker(personas: PersonaSource, *, key: str, report_broken: bool = False) -> CustomerPick | None:
    """Customer, scenario and difficulty selectors (widget keys `<key>_persona`, `_scenario`, `_difficulty`).

    None when no persona file is usable (the folder's problem shown); `report_broken` also shows each broken file.
    """
    try:
        usable, broken = personas.load_all()
    except HotseatError as exc:  # the folder itself is missing
        st.error(exc.user_message())
        return None
    if report_broken:
        for problem in broken:  # one broken file is shown and left out; the others stay usable
            st.error(problem.user_message(), icon="⚠️")
    if not usable:
        return None
    custom = _custom_ids(personas)
    by_id = {p.id: p for p in sorted(usable, key=lambda p: (p.loyalty_killer, p.id in custom, p.id))}
    titles = {p.id: f"{p.loyalty_killer}. {p.title}" + (" · custom" if p.id in custom else "") for p in by_id.values()}
    persona_id = st.selectbox("Customer", list(titles), format_func=titles.__getitem__, key=f"{key}_persona")
    persona = by_id[persona_id or next(iter(by_id))]
    scenarios = {s.id: f"{s.title} ({s.industry})" for s in persona.scenarios}
    scenario_id = st.selectbox("Scenario", list(scenarios), format_func=scenarios.__getitem__, key=f"{key}_scenario")
    difficulty = st.segmented_control(
        "Difficulty", [d.value for d in Difficulty], default=Difficulty.UPSET.value, key=f"{key}_difficulty"
    )
    return CustomerPick(persona, scenario_id or persona.scenarios[0].id, difficulty or Difficulty.UPSET.value)


def _custom_ids(personas: PersonaSource) -> set[str]:
    """The ids of the custom (database) personas among those listed, to mark them beside the built-ins."""
    if not isinstance(personas, PersonaCatalog):
        return set()
    try:
        return {entry.id for entry in personas.entries() if entry.custom}
    except HotseatError:
        return set()


@contextmanager
def customer_message(customer_name: str) -> Iterator[None]:
    """A chat message of the customer, under their name."""
    with st.chat_message("assistant", avatar="😠"):
        st.markdown(f"**{customer_name}**")
        yield


def chat_turn(
    session: PracticeSession, turn: Turn, customer_name: str, *, on_retry: Callable[[int], None] | None = None
) -> None:
    """One turn as a chat message; a trainee's turn carries its mood note (and, with `on_retry`, a retry button)."""
    if turn.role == "customer":
        with customer_message(customer_name):
            st.markdown(as_text(turn.text))
        return
    with st.chat_message("user"):
        st.markdown(as_text(turn.text))
        if turn.note:
            st.caption(as_text(turn.note))  # it can quote the trainee
        if on_retry is not None and st.button(
            "↩ Try again from here", key=f"retry_from_{session.id}_{turn.index}", type="tertiary"
        ):
            on_retry(turn.index)


def transcript(session: PracticeSession, customer_name: str, *, on_retry: Callable[[int], None] | None = None) -> None:
    """Render the conversation as chat messages; the trainee's turns carry the mood note.

    With `on_retry`, each trainee turn gets a "Try again from here" button calling it with the turn index.
    """
    for turn in session.turns:
        chat_turn(session, turn, customer_name, on_retry=on_retry)


def rendered_marker(session: PracticeSession) -> None:
    """An empty, keyed container naming the turn count and status, last on the page.

    Rendered only at the end of a run that drew the whole page, after every turn it counts is stored
    (the trainee's turn and the customer's reply of this run included) and drawn, so a browser test
    (or any client) can wait for `.st-key-hs_rendered_<turns>_<status>` instead of guessing from
    "the script is not running".
    """
    st.container(key=f"hs_rendered_{len(session.turns)}_{session.status}", height=1, border=False)


def page_marker(*parts: object) -> None:
    """An empty, keyed container `hs_<part>_<part>…`, to be drawn last by a page that was drawn to the end.

    Each part says something true about what this run drew (a count, a state), so a browser test waits
    for the page it expects (`.st-key-hs_…`) instead of guessing. Characters a CSS class name cannot
    hold become `-`.
    """
    key = "_".join(str(p) for p in ("hs", *parts))
    st.container(key=re.sub(r"[^A-Za-z0-9_-]", "-", key), height=1, border=False)


def ending_banner(session: PracticeSession) -> None:
    """Show how the conversation ended."""
    if session.status in ENDING_TEXT:
        kind, text = ENDING_TEXT[session.status]
        getattr(st, kind)(text)
