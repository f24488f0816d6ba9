"""Rubrics as data: `evaluators/rubrics/<skill>.yaml`, one per skill, validated by `Rubric`.

Both evaluators grade against these anchors; the LLM judge renders them into its prompt
(`as_prompt`) and the app shows them to trainees (`as_markdown`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from evaluators.skills import Skill
from hotseat.datafiles import StrictModel, closest, load_yaml_model, packaged_path
from hotseat.errors import EvaluationError
from hotseat.templating import check_placeholders

RUBRIC_DIR = packaged_path("evaluators", "rubrics")
PLACEHOLDERS = ("their_point", "feeling")


class Level(StrictModel):
    """What one score looks like: a behavioural anchor and example sentences."""

    score: int = Field(ge=1, le=5)
    label: str = Field(min_length=1)
    anchor: str = Field(min_length=10)  # observable behaviour at this level
    examples: list[str] = Field(min_length=1, max_length=2)  # what a trainee might say


class Rubric(StrictModel):
    """One skill's rubric: what it is, why it matters, and anchors for every level 1-5."""

    skill: Skill
    title: str = Field(min_length=1)
    question: str = Field(min_length=10)  # the one question a grader asks of the transcript
    why: str = Field(min_length=10)  # why it matters, from the seeds' advice
    levels: list[Level] = Field(min_length=5, max_length=5)
    suggestions: list[str] = Field(min_length=1)  # better sentences; may use {{ their_point }}, {{ feeling }}
    source: str = Field(min_length=1)  # which seed advice the anchors come from

    @field_validator("levels")
    @classmethod
    def _one_per_score(cls, value: list[Level]) -> list[Level]:
        scores = [level.score for level in value]
        if scores != [1, 2, 3, 4, 5]:
            raise ValueError(f"levels must be listed for scores 1, 2, 3, 4, 5 in order (got {scores})")
        return value

    @model_validator(mode="after")
    def _known_placeholders(self) -> Rubric:
        for text in self.suggestions:
            check_placeholders(text, PLACEHOLDERS)
        return self

    def level(self, score: int) -> Level:
        """The anchor for one score (1-5)."""
        if not 1 <= score <= 5:
            raise EvaluationError(f"Score {score} is outside 1-5.", hint="Scores run from 1 to 5.")
        return self.levels[score - 1]

    def as_prompt(self) -> str:
        """Plain text for an LLM judge's prompt: question, then every level with examples."""
        lines = [f"{self.title} ({self.skill.value})", f"Question: {self.question}", f"Why: {self.why}"]
        for level in self.levels:
            lines.append(f"{level.score} - {level.label}: {level.anchor}")
            lines.extend(f'    e.g. "{example}"' for example in level.examples)
        return "\n".join(lines)

    def as_markdown(self) -> str:
        """Markdown for trainees: why it matters and what each level sounds like."""
        lines = [f"### {self.title}", "", f"**{self.question}**", "", self.why, ""]
        for level in self.levels:
            examples = " ".join(f"*“{example}”*" for example in level.examples)
            lines.append(f"- **{level.score} · {level.label}** — {level.anchor} {examples}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_prompt()


# The situations the rubric examples were written for: what a reader of the examples is told the customer said.
EXAMPLE_SITUATIONS = (
    "You charged me twice for the same order and I've spent three days on the phone. Nobody calls back.",
    "I was home all afternoon and nothing came. Your agent asked for a police report, as if I stole it.",
    "The new combine quit twice in the first week of harvest. I've lost four days and rain is coming.",
)


def rubric_path(skill: Skill) -> Path:
    """Where one skill's rubric file lives."""
    return RUBRIC_DIR / f"{skill.value}.yaml"


@cache
def load_rubric(skill: Skill | str) -> Rubric:
    """Load one skill's rubric (cached); unknown names suggest the closest skill."""
    try:
        skill = Skill(skill)
    except ValueError:
        known = [s.value for s in Skill]
        raise EvaluationError(
            f"No skill {skill!r}; {closest(str(skill), known)}.", hint="Rubrics exist for the six skills."
        ) from None
    path = rubric_path(skill)
    if not path.is_file():
        raise EvaluationError(f"The rubric for {skill.value} is missing: {path}.", hint="Restore it from git.")
    return load_yaml_model(path, Rubric, EvaluationError, skill=skill.value)


def load_rubrics() -> dict[Skill, Rubric]:
    """Every skill's rubric, in the order of `Skill`."""
    return {skill: load_rubric(skill) for skill in Skill}
