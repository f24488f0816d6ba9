"""The one result type both evaluators return (public contract: see README, "Grading")."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evaluators.skills import Flag, Skill


class SkillScore(BaseModel):
    """One skill's grade for a whole session, with the trainee's own words as evidence."""

    model_config = ConfigDict(extra="forbid")

    skill: Skill
    reasoning: str  # written before the score (LLM judges reason first)
    score: int = Field(ge=1, le=5)
    evidence: list[str] = Field(default_factory=list)  # verbatim quotes of the trainee's turns
    suggestion: str = ""  # a better sentence the trainee could have said


class TurnGrade(BaseModel):
    """What one trainee turn showed."""

    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=0)  # position in the transcript's turns (customer turns included)
    skills: dict[Skill, int] = Field(default_factory=dict)
    flags: list[Flag] = Field(default_factory=list)

    @field_validator("skills")
    @classmethod
    def _scores_in_range(cls, value: dict[Skill, int]) -> dict[Skill, int]:
        for skill, score in value.items():
            if not 1 <= score <= 5:
                raise ValueError(f"{skill.value} score {score} is outside 1-5")
        return value


class Evaluation(BaseModel):
    """A graded session: every skill exactly once, flags, per-turn grades, and who graded."""

    model_config = ConfigDict(extra="forbid")

    evaluator: str  # "offline" or "llm:<model>"
    skills: list[SkillScore]
    flags: list[Flag] = Field(default_factory=list)
    turns: list[TurnGrade] = Field(default_factory=list)
    fallback_reason: str | None = None  # set when the LLM judge failed and offline graded instead
    fallback_skills: list[Skill] = Field(default_factory=list)  # skills the offline evaluator graded for the judge

    @model_validator(mode="after")
    def _each_skill_once(self) -> Evaluation:
        seen = [s.skill for s in self.skills]
        if sorted(seen) != sorted(Skill):
            missing = sorted(set(Skill) - set(seen))
            dupes = sorted({s for s in seen if seen.count(s) > 1})
            raise ValueError(f"each skill exactly once (missing {missing}, duplicated {dupes})")
        return self

    def score(self, skill: Skill) -> SkillScore:
        """The grade for one skill."""
        return next(s for s in self.skills if s.skill is skill)
