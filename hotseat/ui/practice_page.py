"""Practice page: pick a customer, talk, see their mood move.

A trainee's turn is one script run: the chat input's callback keeps the text, the run loads the
session once, stores the turn, draws the page with it, streams the reply, and shows the ending.
"""

from __future__ import annotations

import streamlit as st

from hotseat.errors import HotseatError, ProviderError, StorageError
from hotseat.practice.personas import Persona, Scenario
from hotseat.practice.session import PracticeSession
from hotseat.ui import components
from hotseat.ui.context import PageContext
from hotseat.ui.debrief_view import render_debrief
from hotseat.ui.scores_view import review_banner
from hotseat.ui.state import UiState, remember_session
from hotseat.ui.submit_box import attempt_of, submit_box

CHAT_KEY = "chat"


def render(page: PageContext) -> None:
    """Render the practice page."""
    session = _current_session(page)
    _sidebar(page, session)
    if session is None:
        page.state.sent_text, page.state.reply_requested = None, False  # nothing they could be for
        _welcome(page)
        return
    _conversation(page, session)
    components.rendered_marker(session)


def _current_session(page: PageContext) -> PracticeSession | None:
    state = page.state
    if not state.session_id:
        return None
    try:
        return page.svc.engine.load(state.session_id, user_id=page.actor.id)
    except StorageError:
        raise  # the database is unavailable: the session is kept, the app says so (app.py)
    except HotseatError:
        st.warning("That session no longer exists; start a new one.")
        remember_session(state, None)
        return None


def _sidebar(page: PageContext, session: PracticeSession | None) -> None:
    svc, state = page.svc, page.state
    with st.sidebar:
        st.caption(f"Customer played by: {svc.provider_label}")
        pick = components.customer_picker(svc.personas, key="pick", report_broken=True)
        if pick is None:
            return
        if st.button("Start conversation", type="primary", use_container_width=True, key="start"):
            new = svc.engine.start(pick.persona.id, pick.scenario_id, pick.difficulty, user_id=page.actor.id)
            remember_session(state, new.id)
            state.clear_messages()
            st.rerun()
        if session is not None and st.button("Start over", use_container_width=True, key="start_over"):
            remember_session(state, None)
            st.rerun()


def _welcome(page: PageContext) -> None:
    st.title("Hotseat")
    st.markdown(
        "Practise the conversations that lose customers. Pick a customer and a scenario on the left, "
        "then talk them round: listen first, restate what you heard, own what went wrong, and offer choices."
    )
    try:
        usable, _broken = page.svc.personas.load_all()  # the broken ones are reported in the sidebar
    except HotseatError:
        usable = []
    for persona in sorted(usable, key=lambda p: (p.loyalty_killer, p.id)):
        with st.container(border=True):
            st.markdown(f"**{persona.loyalty_killer}. {persona.title}**")
            st.caption(persona.summary)


def _keep_sent_text(state: UiState) -> None:
    """The chat input's callback: keep the sent text for this run to store (runs before the page)."""
    text = st.session_state.get(CHAT_KEY)
    state.sent_text = text if isinstance(text, str) else None


def _ask_reply_again(state: UiState) -> None:
    """The "Get their reply" button's callback: this run fetches the missing reply."""
    state.reply_requested = True


def _conversation(page: PageContext, session: PracticeSession) -> None:
    svc, state = page.svc, page.state
    persona, scenario = svc.engine.persona_and_scenario(session)
    reply_now = _take_turn(page, session) or state.reply_requested
    state.reply_requested = False

    st.subheader(f"{scenario.customer.name} · {scenario.title}")
    found = attempt_of(svc, page.actor, session.id) if session.ended else None
    review_banner(found[1] if found is not None else None)  # a reviewed attempt says so first
    with st.expander("Your brief", expanded=len(session.turns) <= 1):
        components.scenario_brief(scenario)
    components.mood_meter(session.mood)
    after_reply = st.container()  # filled once this run's reply is in: its tokens, the ending it may bring
    components.transcript(session, scenario.customer.name, on_retry=lambda index: _try_again(page, session, index))
    if reply_now and session.awaiting_reply:
        _stream_reply(page, session, scenario.customer.name)
    with after_reply:
        _usage_and_comparison(page, session)

    if state.error:
        st.error(state.error)
    if session.awaiting_reply:
        st.info("The customer has not answered your last message yet. Your message is saved.")
        st.button("Get their reply", key="retry_reply", on_click=_ask_reply_again, args=(state,))
    if session.ended:
        components.ending_banner(session)
        render_debrief(svc, session, persona=persona, scenario=scenario, actor=page.actor)
        submit_box(svc, page.actor, session, found)
        return
    _coach(page, session, persona, scenario)
    if state.refused_text:
        st.text_area("Your message (not sent yet: edit it and send again)", state.refused_text, key="refused_text")
    st.chat_input(
        f"Say something to {scenario.customer.name.split()[0]}…",
        key=CHAT_KEY,
        on_submit=_keep_sent_text,
        args=(state,),
    )


def _usage_and_comparison(page: PageContext, session: PracticeSession) -> None:
    if session.usage.prompt_tokens:
        u = session.usage
        st.caption(
            f"Tokens this session: {u.prompt_tokens:,} prompt ({u.cached_tokens:,} cached), "
            f"{u.completion_tokens:,} completion"
        )
    if session.parent_id:
        _comparison(page, session)


def _take_turn(page: PageContext, session: PracticeSession) -> bool:
    """Store the text sent from the chat input as the trainee's turn; True when the customer should answer now."""
    state = page.state
    text, state.sent_text = state.sent_text, None
    if text is None or session.ended:
        return False
    try:
        page.svc.engine.submit(session, text, hint_used=state.hint_pending)
    except StorageError:
        state.sent_text = text  # app.py keeps it on screen for the trainee to send again
        raise
    except HotseatError as exc:  # refused: the text is kept for editing
        state.refused_text = text if text.strip() else None
        state.error = exc.user_message()
        return False
    state.clear_messages()
    return True


def _stream_reply(page: PageContext, session: PracticeSession, name: str) -> None:
    """Stream (or show) the customer's reply under the transcript; it is stored before the run goes on."""
    svc, state = page.svc, page.state
    try:
        if svc.engine.customer.streams:
            with components.customer_message(name):
                shown, text = st.empty(), ""
                for chunk in svc.engine.respond(session):  # streamed as text, like the stored reply
                    text += chunk
                    shown.markdown(components.as_text(text))
        else:
            svc.engine.reply_text(session)
            components.chat_turn(session, session.turns[-1], name)
        state.error = None
    except ProviderError as exc:
        state.error = exc.user_message()


def _coach(page: PageContext, session: PracticeSession, persona: Persona, scenario: Scenario) -> None:
    """The coach hint button; a session where a hint was used is marked assisted."""
    from hotseat.review.coach import coach_hint

    state = page.state
    if st.button("💡 Coach hint", key="hint", help="A suggestion for your next message. Marks the session assisted."):
        model = getattr(page.svc.engine.customer, "model", None)
        state.hint = coach_hint(session, persona, scenario, model=model)
        state.hint_pending = True
    if state.hint and state.hint_pending:
        st.info(components.as_text(state.hint), icon="💡")


def _try_again(page: PageContext, session: PracticeSession, index: int) -> None:
    """Branch the session at a trainee turn and continue on the new path."""
    from hotseat.practice.branching import branch_session

    state = page.state
    try:
        branch = branch_session(page.svc.engine, session, index)
    except HotseatError as exc:
        state.error = exc.user_message()
        st.rerun()
    remember_session(state, branch.id)
    state.clear_messages()
    st.rerun()


def _comparison(page: PageContext, session: PracticeSession) -> None:
    """Compare a retry with the path it branched from."""
    from hotseat.ui.branch_view import render_compare

    try:
        original = page.svc.engine.load(session.parent_id or "")
    except HotseatError:
        return
    st.caption(f"You are trying again from turn {session.branched_at} of an earlier conversation.")
    if len(session.trainee_turns()) > len(
        [t for t in original.turns[: session.branched_at or 0] if t.role == "trainee"]
    ):
        with st.expander("Compare with your first try", expanded=session.ended):
            render_compare(page.svc, original, session)
