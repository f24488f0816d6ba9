"""Per-turn signals: what the trainee did in one turn, read offline and instantly.

One detector set serves the scripted customer, the mood engine and the offline grader.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from evaluators.skills import Flag, Skill

MAX_TURN_CHARS = 20_000


class TurnContext(BaseModel):
    """What the detectors may know besides the trainee's words."""

    model_config = ConfigDict(frozen=True)

    customer_said: Sequence[str] = ()  # the customer's turns so far, oldest first
    facts: Sequence[str] = ()  # scenario facts a paraphrase may restate
    felt_heard: bool = False  # whether the customer already felt heard before this turn
    trainee_turn_number: int = 1  # 1-based count of the trainee's turns
    trainee_said: Sequence[str] = ()  # the trainee's earlier turns, oldest first (for repetition)
    needs: Sequence[str] = ()  # example utterances that would meet this customer's need (scenario data)
    triggers: Sequence[str] = ()  # example utterances that set this customer off (scenario data)


class TurnSignals(BaseModel):
    """What one trainee turn showed: skills (1-5, only those shown), flags, and moves."""

    skills: dict[Skill, int] = Field(default_factory=dict)
    flags: list[Flag] = Field(default_factory=list)
    offers_solution: bool = False
    offers_choice: bool = False
    asks_question: bool = False
    notes: dict[str, str] = Field(default_factory=dict)  # key (skill or flag) -> short why
    evidence: dict[str, str] = Field(default_factory=dict)  # key -> the verbatim sentence that showed it
    misheard: bool = False  # a restatement that distorts what the customer said
    grounded: bool = False  # picks up something of this customer's story (facts, numbers, names)
    repeated: bool = False  # the same or nearly the same as an earlier trainee turn: earns nothing
    ignored_question: str | None = None  # the customer's question this turn left unanswered
    meets_need: bool = False  # a concrete fix that matches what this customer needs
    triggered: bool = False  # close in meaning to what sets this customer off
    not_graded: str | None = None  # why the turn was not read (e.g. not English)

    def shows(self, skill: Skill, at_least: int = 3) -> bool:
        """True when the turn showed `skill` at `at_least` or better."""
        return self.skills.get(skill, 0) >= at_least

    def has(self, flag: Flag) -> bool:
        """True when the turn raised `flag`."""
        return flag in self.flags
