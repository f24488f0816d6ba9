"""Practice page: pick a customer, talk, see their mood move."""

from __future__ import annotations

import streamlit as st

from hotseat.errors import HotseatError, ProviderError, StorageError
from hotseat.practice.personas import Difficulty
from hotseat.practice.session import PracticeSession
from hotseat.services import Services
from hotseat.ui import components
from hotseat.ui.state import UiState, current_actor, remember_session, services, ui_state


def render() -> None:
    """Render the practice page."""
    svc = services()
    state = ui_state()
    session = _current_session(svc, state)
    _sidebar(svc, state, session)
    if session is None:
        _welcome(svc)
        return
    _conversation(svc, state, session)
    components.rendered_marker(session)


def _current_session(svc: Services, state: UiState) -> PracticeSession | None:
    if not state.session_id:
        return None
    try:
        return svc.engine.load(state.session_id, user_id=current_actor(svc).id)
    except StorageError:
        raise  # the database is unavailable: the session is kept, the app says so (app.py)
    except HotseatError:
        st.warning("That session no longer exists; start a new one.")
        remember_session(state, None)
        return None


def _sidebar(svc: Services, state: UiState, session: PracticeSession | None) -> None:
    with st.sidebar:
        st.caption(f"Customer played by: {svc.provider_label}")
        try:
            usable, broken = svc.personas.load_all()
        except HotseatError as exc:  # the folder itself is missing
            st.error(exc.user_message())
            return
        for problem in broken:  # one broken file is shown and left out; the others stay usable
            st.error(problem.user_message(), icon="⚠️")
        if not usable:
            return
        personas = sorted(usable, key=lambda p: (p.loyalty_killer, p.id))
        titles = {p.id: f"{p.loyalty_killer}. {p.title}" for p in personas}
        persona_id = st.selectbox("Customer", list(titles), format_func=titles.__getitem__, key="pick_persona")
        persona = svc.personas.get(persona_id)
        scenarios = {s.id: f"{s.title} ({s.industry})" for s in persona.scenarios}
        scenario_id = st.selectbox("Scenario", list(scenarios), format_func=scenarios.__getitem__, key="pick_scenario")
        difficulty = st.segmented_control(
            "Difficulty", [d.value for d in Difficulty], default=Difficulty.UPSET.value, key="pick_difficulty"
        )
        if st.button("Start conversation", type="primary", use_container_width=True, key="start"):
            new = svc.engine.start(
                persona_id, scenario_id, difficulty or Difficulty.UPSET.value, user_id=current_actor(svc).id
            )
            remember_session(state, new.id)
            state.error = state.refused_text = state.hint = None
            st.rerun()
        if session is not None and st.button("Start over", use_container_width=True, key="start_over"):
            remember_session(state, None)
            st.rerun()


def _welcome(svc: Services) -> None:
    st.title("Hotseat")
    st.markdown(
        "Practise the conversations that lose customers. Pick a customer and a scenario on the left, "
        "then talk them round: listen first, restate what you heard, own what went wrong, and offer choices."
    )
    try:
        usable, _broken = svc.personas.load_all()  # the broken ones are reported in the sidebar
    except HotseatError:
        usable = []
    for persona in sorted(usable, key=lambda p: (p.loyalty_killer, p.id)):
        with st.container(border=True):
            st.markdown(f"**{persona.loyalty_killer}. {persona.title}**")
            st.caption(persona.summary)


def _conversation(svc: Services, state: UiState, session: PracticeSession) -> None:
    _, scenario = svc.engine.persona_and_scenario(session)
    st.subheader(f"{scenario.customer.name} · {scenario.title}")
    with st.expander("Your brief", expanded=len(session.turns) <= 1):
        components.scenario_brief(scenario)
    components.mood_meter(session.mood)
    if session.usage.prompt_tokens:
        u = session.usage
        st.caption(
            f"Tokens this session: {u.prompt_tokens:,} prompt ({u.cached_tokens:,} cached), "
            f"{u.completion_tokens:,} completion"
        )
    if session.parent_id:
        _comparison(svc, session)
    components.transcript(
        session, scenario.customer.name, on_retry=lambda index: _try_again(svc, state, session, index)
    )

    if state.error:
        st.error(state.error)
    if session.awaiting_reply:
        st.info("The customer has not answered your last message yet. Your message is saved.")
        if st.button("Get their reply", key="retry_reply"):
            _stream_reply(svc, state, session, scenario.customer.name)
            st.rerun()
    if session.ended:
        components.ending_banner(session)
        from hotseat.ui.cohorts_page import submit_box
        from hotseat.ui.debrief_view import render_debrief

        render_debrief(svc, session)
        submit_box(svc, session)
        return
    _coach(svc, state, session)
    if state.refused_text:
        st.text_area("Your message (not sent yet: edit it and send again)", state.refused_text, key="refused_text")

    text = st.chat_input(f"Say something to {scenario.customer.name.split()[0]}…", key="chat")
    if text is None:
        return
    try:
        svc.engine.submit(session, text, hint_used=state.hint_pending)
    except HotseatError as exc:  # refused, or the database is unavailable: the text is kept either way
        state.refused_text = text if text.strip() else None
        state.error = exc.user_message()
        st.rerun()
    state.error = state.refused_text = state.hint = None
    state.hint_pending = False
    with st.chat_message("user"):
        st.markdown(components.as_text(session.turns[-1].text))
        if session.turns[-1].note:
            st.caption(components.as_text(session.turns[-1].note))
    _stream_reply(svc, state, session, scenario.customer.name)
    st.rerun()


def _stream_reply(svc: Services, state: UiState, session: PracticeSession, name: str) -> None:
    with st.chat_message("assistant", avatar="😠"):
        st.markdown(f"**{name}**")
        try:
            if svc.engine.customer.streams:
                shown, text = st.empty(), ""
                for chunk in svc.engine.respond(session):  # streamed as text, like the stored reply
                    text += chunk
                    shown.markdown(components.as_text(text))
            else:
                st.markdown(components.as_text(svc.engine.reply_text(session)))
            state.error = None
        except ProviderError as exc:
            state.error = exc.user_message()


def _coach(svc: Services, state: UiState, session: PracticeSession) -> None:
    """The coach hint button; a session where a hint was used is marked assisted."""
    from hotseat.review.coach import coach_hint

    if st.button("💡 Coach hint", key="hint", help="A suggestion for your next message. Marks the session assisted."):
        persona, scenario = svc.engine.persona_and_scenario(session)
        model = getattr(svc.engine.customer, "model", None)
        state.hint = coach_hint(session, persona, scenario, model=model)
        state.hint_pending = True
    if state.hint and state.hint_pending:
        st.info(components.as_text(state.hint), icon="💡")


def _try_again(svc: Services, state: UiState, session: PracticeSession, index: int) -> None:
    """Branch the session at a trainee turn and continue on the new path."""
    from hotseat.practice.branching import branch_session

    try:
        branch = branch_session(svc.engine, session, index)
    except HotseatError as exc:
        state.error = exc.user_message()
        st.rerun()
    remember_session(state, branch.id)
    state.error = state.refused_text = state.hint = None
    state.hint_pending = False
    st.rerun()


def _comparison(svc: Services, session: PracticeSession) -> None:
    """Compare a retry with the path it branched from."""
    from hotseat.ui.branch_view import render_compare

    try:
        original = svc.engine.load(session.parent_id or "")
    except HotseatError:
        return
    st.caption(f"You are trying again from turn {session.branched_at} of an earlier conversation.")
    if len(session.trainee_turns()) > len(
        [t for t in original.turns[: session.branched_at or 0] if t.role == "trainee"]
    ):
        with st.expander("Compare with your first try", expanded=session.ended):
            render_compare(svc, original, session)
