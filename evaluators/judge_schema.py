"""What the LLM judge must answer: one JSON object grading all six skills and every trainee turn."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from evaluators.skills import Flag, Skill


class JudgedSkill(BaseModel):
    """One skill: evidence, then reasoning, then the score (the model reasons before it scores)."""

    model_config = ConfigDict(extra="forbid")

    evidence: list[str] = Field(default_factory=list, description="Exact trainee words, verbatim.")
    reasoning: str = Field(description="Which rubric level the evidence matches, and why.")
    score: int = Field(ge=1, le=5)
    suggestion: str = Field(default="", description="A better sentence the trainee could have said.")


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
