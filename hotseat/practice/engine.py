"""The practice engine: the one loop the UI and the CLI both drive.

submit() validates and saves the trainee's turn (with its offline signals and the mood it
produced) before any LLM is called; respond() streams the customer's reply and saves it.
If the provider fails, the trainee's turn is already stored and respond() can be retried.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from evaluators.reading import read_turn
from evaluators.signals import TurnContext, TurnSignals
from hotseat.errors import ConflictError, InputError
from hotseat.practice.customer import LLMCustomer, ScriptedCustomer
from hotseat.practice.mood import MoodChange, MoodState, ending_for, initial_mood, update_mood
from hotseat.practice.personas import Difficulty, Persona, PersonaSource, Scenario
from hotseat.practice.prompt_window import CustomerPromptBuilder
from hotseat.practice.reply_request import Customer, ReplyRequest
from hotseat.practice.session import PracticeSession, SessionStatus, SessionStore, Turn
from hotseat.prompts import PromptLibrary
from hotseat.providers.base import ChatModel, UsageMeter, metered
from hotseat.settings import Settings
from hotseat.text import clean_text


def mood_note(change: MoodChange, signals: TurnSignals) -> str:
    """One line on what moved the customer's mood, in the trainee's terms."""
    if not change.reasons:
        return ""
    key, effect = change.reasons[0]
    why = signals.notes.get(key) or _REASONS.get(key) or key.replace("_", " ")
    if key == "nothing_new":
        why = "nothing new for them yet"
    if key == "not_graded":
        return signals.not_graded or "Not graded: English only."
    direction = "calmer" if change.delta_anger < 0 else "angrier" if change.delta_anger > 0 else "no change"
    note = f"{direction.capitalize()}: {why}"
    # Say the other side too, so the note agrees with a customer who reacts to it ("Calmer: ... but ...").
    opposite = next((k for k, e in change.reasons[1:] if (e > 0) != (effect > 0) and e != 0), None)
    if opposite is not None and direction != "no change":
        other = signals.notes.get(opposite) or _REASONS.get(opposite) or opposite.replace("_", " ")
        note = f"{note.rstrip('.')}; but {other[0].lower()}{other[1:]}"
    return note


_REASONS = {
    "meets_need": "a concrete fix for what they need",
    "listening": "you asked them to tell you more",
    "triggered": "that is what sets this customer off",
    "repeated": "you said that before; repeating it grates",
    "ignored_question": "you did not answer their question",
}


class PracticeEngine:
    """Starts, continues and resumes practice sessions against the store."""

    def __init__(
        self,
        settings: Settings,
        store: SessionStore,
        personas: PersonaSource,
        chat_model: ChatModel | None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.personas = personas
        self.customer: Customer
        if chat_model is None:
            self.customer = ScriptedCustomer()
        else:
            builder = CustomerPromptBuilder(
                PromptLibrary(settings.prompts_dir),
                budget=settings.prompt_token_budget,
                block=settings.summary_block_turns,
                encoding=settings.tiktoken_encoding,
            )
            self.customer = LLMCustomer(chat_model, builder)

    # -- lifecycle --------------------------------------------------------------------------
    def start(
        self,
        persona_id: str,
        scenario_id: str | None = None,
        difficulty: Difficulty | str = Difficulty.UPSET,
        *,
        user_id: int | None = None,
        persona_version: int | None = None,
    ) -> PracticeSession:
        """Open a session: the customer speaks first with the scenario's opening line.

        A custom persona is played at `persona_version` (None: its latest published version); the
        session records the version, so its debrief and reviews always read the persona it was played on.
        """
        persona, version = self.personas.resolve(persona_id, persona_version)
        scenario = persona.scenario(scenario_id)
        level = Difficulty(difficulty)
        session = PracticeSession(
            id=str(uuid.uuid4()),
            user_id=user_id,
            persona_id=persona.id,
            persona_version=version,
            scenario_id=scenario.id,
            difficulty=level,
            provider=self.customer.name,
            mood=initial_mood(level),
            turns=[Turn(index=0, role="customer", text=scenario.opening_line, mood=initial_mood(level))],
        )
        self.store.create_session(session)
        return session

    def load(self, session_id: str, *, user_id: int | None = None) -> PracticeSession:
        """Resume a stored session (e.g. after a browser refresh)."""
        return self.store.load_session(session_id, user_id=user_id)

    def persona_and_scenario(self, session: PracticeSession) -> tuple[Persona, Scenario]:
        """The persona (at the version it was played on) and scenario a session is played in."""
        persona = self.personas.get(session.persona_id, session.persona_version)
        return persona, persona.scenario(session.scenario_id)

    def validate_message(self, text: str) -> str:
        """The trainee's text without control characters, stripped; raises InputError if empty or too long."""
        cleaned = clean_text(text).strip()
        if not cleaned:
            raise InputError("Your message is empty.", hint="Type what you would say to the customer.")
        limit = self.settings.max_message_chars
        if len(cleaned) > limit:
            raise InputError(
                f"Your message is {len(cleaned):,} characters; the limit is {limit:,}.",
                hint="Shorten it (customers stop reading long replies) — your text is kept in the box.",
            )
        return cleaned

    # -- the loop ---------------------------------------------------------------------------
    def submit(self, session: PracticeSession, text: str, *, hint_used: bool = False) -> Turn:
        """Save the trainee's turn (with signals and the mood it caused) before any LLM call."""
        if session.ended:
            raise InputError("This conversation has ended.", hint="Start a new session or try again from a turn.")
        if session.awaiting_reply:
            raise InputError(
                "The customer has not answered your last message yet.",
                hint="Press Retry to get their reply; your message is saved.",
            )
        cleaned = self.validate_message(text)
        persona, scenario = self.persona_and_scenario(session)
        context = TurnContext(
            customer_said=tuple(session.customer_lines()),
            facts=tuple(scenario.story()),
            felt_heard=session.mood.felt_heard,
            trainee_turn_number=len(session.trainee_turns()) + 1,
            trainee_said=tuple(t.text for t in session.trainee_turns()),
            needs=tuple(scenario.need_examples),
            triggers=tuple(scenario.trigger_examples),
        )
        signals = read_turn(cleaned, context)
        change = update_mood(session.mood, signals, persona, session.difficulty)
        turn = Turn(
            index=len(session.turns),
            role="trainee",
            text=cleaned,
            signals=signals,
            mood=change.after,
            note=mood_note(change, signals),
            hint_used=hint_used,
        )
        after = session.model_copy(
            update={"turns": [*session.turns, turn], "mood": change.after, "assisted": session.assisted or hint_used}
        )
        try:
            self.store.record_turn(session.id, turn, after)  # the turn and its state: one transaction
        except ConflictError:
            fresh = self.load(session.id)
            session.__dict__.update(fresh.__dict__)
            raise
        session.__dict__.update(after.__dict__)
        return turn

    def reply_request(self, session: PracticeSession) -> ReplyRequest:
        """What the customer needs to answer the trainee's last turn (mood change, ending, signals)."""
        persona, scenario = self.persona_and_scenario(session)
        last = session.turns[-1]
        before = self._mood_before(session)
        change = MoodChange(before=before, after=last.mood or session.mood) if last.mood else None
        ending = ending_for(session.mood, session.difficulty, len(session.trainee_turns()), self.settings.turn_limit)
        return ReplyRequest(
            persona=persona,
            scenario=scenario,
            difficulty=session.difficulty,
            session=session,
            signals=last.signals,
            change=change,
            ending=ending,
        )

    def respond(self, session: PracticeSession) -> Iterator[str]:
        """Stream the customer's reply to the trainee's last turn, then store it."""
        if not session.awaiting_reply:
            return
        request = self.reply_request(session)
        ending = request.ending
        chunks: list[str] = []
        meter = UsageMeter()  # this reply's own usage: never read back from the shared model
        for chunk in metered(self.customer.reply(request), meter):
            chunks.append(chunk)
            yield chunk
        text = "".join(chunks).strip() or "…"
        reply = Turn(
            index=len(session.turns),
            role="customer",
            text=text,
            mood=session.mood,
            prompt_tokens=meter.prompt_tokens,
        )
        update: dict[str, object] = {"turns": [*session.turns, reply], "usage": session.usage + meter.usage}
        if ending is not None:
            update["status"] = SessionStatus(ending.value)
        after = session.model_copy(update=update)
        self.store.record_turn(session.id, reply, after)  # the reply and its state: one transaction
        session.__dict__.update(after.__dict__)

    def reply_text(self, session: PracticeSession) -> str:
        """The customer's whole reply (for the CLI and tests)."""
        return "".join(self.respond(session))

    def say(self, session: PracticeSession, text: str) -> str:
        """Submit a trainee turn and return the customer's reply."""
        self.submit(session, text)
        return self.reply_text(session)

    @staticmethod
    def _mood_before(session: PracticeSession) -> MoodState:
        for turn in reversed(session.turns[:-1]):
            if turn.mood is not None:
                return turn.mood
        return session.mood
