"""The practice session: one typed object for the whole conversation and its state."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from evaluators.signals import TurnSignals
from evaluators.transcript import Transcript, TranscriptTurn
from hotseat.practice.mood import Ending, MoodState
from hotseat.practice.personas import Difficulty
from hotseat.providers.base import Usage


class SessionStatus(StrEnum):
    """Where a session stands: still going, or how it ended (the same values as `Ending`)."""

    ACTIVE = "active"
    WON_BACK = Ending.WON_BACK.value
    WALKED_AWAY = Ending.WALKED_AWAY.value
    TURN_LIMIT = Ending.TURN_LIMIT.value


def _now() -> datetime:
    return datetime.now(UTC)


class Turn(BaseModel):
    """One message. Trainee turns carry the offline signals and the mood they produced."""

    index: int
    role: Literal["customer", "trainee"]
    text: str
    signals: TurnSignals | None = None
    mood: MoodState | None = None  # the customer's mood after this turn
    note: str | None = None  # one line: what moved the mood
    hint_used: bool = False
    prompt_tokens: int | None = None  # tokens of the prompt that produced this customer turn
    created_at: datetime = Field(default_factory=_now)


class PracticeSession(BaseModel):
    """A conversation between a trainee and one customer persona in one scenario."""

    id: str
    user_id: int | None = None
    persona_id: str
    persona_version: int | None = None  # the custom persona's version played; None for a built-in file
    scenario_id: str
    difficulty: Difficulty
    provider: str
    status: SessionStatus = SessionStatus.ACTIVE
    assisted: bool = False
    parent_id: str | None = None
    branched_at: int | None = None
    mood: MoodState
    usage: Usage = Field(default_factory=Usage)
    summary: str = ""  # digest of turns that fell out of the LLM's window
    summarised_through: int = 0  # turns[:summarised_through] are in the summary
    turns: list[Turn] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=_now)

    @property
    def ended(self) -> bool:
        """True once the customer was won back, walked away, or time ran out."""
        return self.status != SessionStatus.ACTIVE

    @property
    def ending(self) -> Ending | None:
        """How it ended, if it has."""
        return None if self.status == SessionStatus.ACTIVE else Ending(str(self.status))

    @property
    def awaiting_reply(self) -> bool:
        """True when the trainee's last turn has no customer reply yet (e.g. the LLM failed)."""
        return bool(self.turns) and self.turns[-1].role == "trainee"

    def trainee_turns(self) -> list[Turn]:
        """The trainee's turns, in order."""
        return [t for t in self.turns if t.role == "trainee"]

    def customer_lines(self) -> list[str]:
        """Everything the customer said, in order."""
        return [t.text for t in self.turns if t.role == "customer"]

    def to_transcript(self) -> Transcript:
        """This session in the `hotseat grade` transcript schema."""
        return Transcript(
            id=self.id,
            persona=self.persona_id,
            turns=[TranscriptTurn(role=t.role, text=t.text) for t in self.turns],
        )


class SessionStore(Protocol):
    """Where practice sessions are kept (implemented by `hotseat.storage.Store`, on SQLite or PostgreSQL)."""

    def create_session(self, session: PracticeSession) -> None:
        """Insert a new session with its turns so far."""
        ...

    def record_turn(self, session_id: str, turn: Turn, session: PracticeSession | None) -> None:
        """Store one new turn and the session's state after it, in one transaction."""
        ...

    def load_session(self, session_id: str, *, user_id: int | None = None) -> PracticeSession:
        """A session with its turns; with `user_id`, only if it belongs to that user."""
        ...
