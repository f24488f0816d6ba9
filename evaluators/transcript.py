"""The transcript schema shared by `hotseat grade`, exports and the evaluators (public contract)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TranscriptTurn(BaseModel):
    """One turn: who spoke and what they said."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["customer", "trainee"]
    text: str


class Transcript(BaseModel):
    """A conversation to grade: `{"id", "persona", "scenario"?, "turns": [{"role", "text"}, ...]}`."""

    model_config = ConfigDict(extra="ignore")

    id: str
    persona: str = ""
    scenario: str = ""  # optional: a scenario id of the persona, whose facts the judge is shown
    turns: list[TranscriptTurn] = Field(default_factory=list)

    def trainee_turns(self) -> list[tuple[int, str]]:
        """(index in turns, text) for each trainee turn."""
        return [(i, t.text) for i, t in enumerate(self.turns) if t.role == "trainee"]
