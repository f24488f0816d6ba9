"""Per-turn signals: what the trainee did in one turn, read offline and instantly.

One detector set serves the scripted customer, the mood engine and the offline grader.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from evaluators.skills import Flag, Skill


class TurnContext(BaseModel):
    """What the detectors may know besides the trainee's words."""

    model_config = ConfigDict(frozen=True)

    customer_said: Sequence[str] = ()  # the customer's turns so far, oldest first
    facts: Sequence[str] = ()  # scenario facts a paraphrase may restate
    felt_heard: bool = False  # whether the customer already felt heard before this turn
    trainee_turn_number: int = 1  # 1-based count of the trainee's turns


class TurnSignals(BaseModel):
    """What one trainee turn showed: skills (1-5, only those shown), flags, and moves."""

    skills: dict[Skill, int] = Field(default_factory=dict)
    flags: list[Flag] = Field(default_factory=list)
    offers_solution: bool = False
    offers_choice: bool = False
    asks_question: bool = False
    notes: dict[str, str] = Field(default_factory=dict)  # key (skill or flag) -> short why

    def shows(self, skill: Skill, at_least: int = 3) -> bool:
        """True when the turn showed `skill` at `at_least` or better."""
        return self.skills.get(skill, 0) >= at_least

    def has(self, flag: Flag) -> bool:
        """True when the turn raised `flag`."""
        return flag in self.flags
