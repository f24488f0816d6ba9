"""What the LLM judge must answer: one JSON object grading all six skills and every trainee turn.

Every field of a skill is required and declared in the order the model should think (evidence,
reasoning, score, suggestion): grammar-constrained servers such as llama.cpp write required fields
first, in schema order, so an optional `evidence` would be skipped and the score written first.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, create_model

from evaluators.skills import Flag, Skill


class JudgedSkill(BaseModel):
    """One skill: evidence, then reasoning, then the score, then a suggestion (all required, in that order)."""

    model_config = ConfigDict(extra="forbid")

    evidence: list[str] = Field(description="Exact trainee words, verbatim; [] when the skill was never shown.")
    reasoning: str = Field(description="Which rubric level the evidence matches, and why.")
    score: int = Field(ge=1, le=5)
    suggestion: str = Field(description="A better sentence the trainee could have said.")


class JudgedSkills(BaseModel):
    """All six skills, each exactly once (keys are the public skill keys)."""

    model_config = ConfigDict(extra="forbid")

    empathy: JudgedSkill
    paraphrase: JudgedSkill
    validation: JudgedSkill
    apology: JudgedSkill
    plain_language: JudgedSkill
    values: JudgedSkill

    def items(self) -> list[tuple[Skill, JudgedSkill]]:
        """(skill, grade) pairs in the order of `Skill`."""
        return [(skill, getattr(self, skill.value)) for skill in Skill]


class JudgedTurn(BaseModel):
    """What one trainee turn showed."""

    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=0, description="The turn's index attribute in the transcript.")
    skills: dict[Skill, Annotated[int, Field(ge=1, le=5)]] = Field(default_factory=dict)
    flags: list[Flag] = Field(default_factory=list)


class JudgeAnswer(BaseModel):
    """The judge's whole answer for one transcript."""

    model_config = ConfigDict(extra="forbid")

    skills: JudgedSkills
    turns: list[JudgedTurn] = Field(default_factory=list)


@lru_cache(maxsize=64)
def _partial_answer_model(keys: tuple[str, ...]) -> type[BaseModel]:
    fields: dict[str, object] = {key: (JudgedSkill, ...) for key in keys}
    skills = create_model(  # type: ignore[call-overload]
        "JudgedSkills", __config__=ConfigDict(extra="forbid"), **fields
    )
    answer: type[BaseModel] = create_model("JudgeAnswer", __config__=ConfigDict(extra="forbid"), skills=(skills, ...))
    return answer


def partial_answer_model(skills: Collection[Skill]) -> type[BaseModel]:
    """The schema of a re-ask: only `skills` (in `Skill` order), all required, no per-turn part."""
    return _partial_answer_model(tuple(s.value for s in Skill if s in skills))
