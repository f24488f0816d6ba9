"""What a customer is asked to answer: the request for one reply, and the customer protocol."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from evaluators.signals import TurnSignals
from hotseat.practice.mood import Ending, MoodChange
from hotseat.practice.personas import Difficulty, Persona, Scenario
from hotseat.practice.session import PracticeSession


@dataclass(frozen=True)
class ReplyRequest:
    """Everything a customer needs to answer the trainee's latest turn."""

    persona: Persona
    scenario: Scenario
    difficulty: Difficulty
    session: PracticeSession
    signals: TurnSignals | None
    change: MoodChange | None
    ending: Ending | None


class Customer(Protocol):
    """Something that answers as the customer, streaming its reply."""

    name: str
    streams: bool

    def reply(self, request: ReplyRequest) -> Iterator[str]:
        """Yield the customer's reply in chunks."""
        ...
