"""The debrief: what a finished session teaches, built from its turns and its grade (no UI)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, Field

from evaluators.results import Evaluation
from evaluators.skills import Flag, Skill
from hotseat.errors import HotseatError
from hotseat.practice.personas import Persona, Scenario
from hotseat.practice.session import PracticeSession, Turn

MOVING_TURN = 1.0  # |Δanger| at or above this marks a turn that moved the customer


class SkillDebrief(BaseModel):
    """One skill: the score, the rubric anchor it reached, the trainee's words and a better line."""

    skill: Skill
    score: int
    anchor: str | None = None  # the rubric's description of the level reached
    reasoning: str = ""
    evidence: list[str] = Field(default_factory=list)  # verbatim quotes of the trainee
    better: str = ""  # a sentence the trainee could have said
    evaluator: str = ""  # which evaluator gave this score ("offline" or "llm:<model>")


class FlagRaised(BaseModel):
    """A flag raised on one trainee turn."""

    flag: Flag
    index: int  # position in the transcript (Turn.index)
    turn: int  # the trainee's own turn number, 1-based
    quote: str  # what the trainee said that raised it
    why: str = ""
    source: Literal["live", "grader"] = "live"  # read while playing, or only by the grader


class MoodPoint(BaseModel):
    """The customer's mood after one trainee turn (turn 0: as the conversation opened)."""

    index: int
    turn: int
    anger: float
    trust: float
    felt_heard: bool
    delta_anger: float = 0.0
    moved: bool = False  # |Δanger| ≥ MOVING_TURN
    note: str | None = None


class Phases(BaseModel):
    """Listening and understanding, then solving: where the trainee switched, and whether too soon."""

    switch_index: int | None = None  # Turn.index of the first turn that offered a fix or a choice
    switch_turn: int | None = None  # the trainee's turn number of that switch
    heard_before_switch: bool | None = None  # None when they never switched
    listening_turns: int = 0
    solving_turns: int = 0

    @property
    def too_soon(self) -> bool:
        """True when the trainee started solving before the customer felt heard."""
        return self.heard_before_switch is False

    def summary(self) -> str:
        """One sentence on the switch from listening to solving."""
        if self.switch_turn is None:
            return "You never moved on to solving: the customer heard no fix or choice."
        when = "before" if self.too_soon else "after"
        return f"You started solving at turn {self.switch_turn}, {when} they felt heard."


class Debrief(BaseModel):
    """Everything the end-of-session debrief shows."""

    session_id: str
    persona_title: str
    scenario_title: str
    customer_name: str
    status: str
    assisted: bool
    evaluator: str | None = None  # "offline" or "llm:<model>"; None when no grade is available
    fallback_reason: str | None = None
    judge_pending: bool = False  # the LLM judge is still grading; these are the offline evaluator's scores
    skills: list[SkillDebrief] = Field(default_factory=list)
    flags: list[FlagRaised] = Field(default_factory=list)
    curve: list[MoodPoint] = Field(default_factory=list)
    phases: Phases = Field(default_factory=Phases)

    def moving_points(self) -> list[MoodPoint]:
        """The turns that moved the customer's anger by a point or more."""
        return [p for p in self.curve if p.moved]


# -- rubric anchors ---------------------------------------------------------------------------
def load_rubric_anchors() -> dict[Skill, dict[int, str]]:
    """Per skill, the rubric's "label: anchor" per level, from the real rubric files (empty if one is broken)."""
    from evaluators.rubric import load_rubrics

    try:
        rubrics = load_rubrics()
    except HotseatError:
        return {}  # a broken rubric file shows no anchors here; the judge reports it when grading
    return {
        Skill(skill): {level.score: f"{level.label}: {' '.join(level.anchor.split())}" for level in rubric.levels}
        for skill, rubric in rubrics.items()
    }


def anchor_reached(levels: Mapping[int, str], score: int) -> str | None:
    """The anchor of the highest level at or below `score` (a 4 reached the 3 anchor)."""
    reached = [level for level in levels if level <= score]
    return levels[max(reached)] if reached else None


# -- building the debrief ---------------------------------------------------------------------
def _trainee_numbers(session: PracticeSession) -> dict[int, int]:
    """Turn.index -> the trainee's 1-based turn number."""
    return {t.index: n for n, t in enumerate(session.trainee_turns(), start=1)}


def _flags(session: PracticeSession, evaluation: Evaluation | None) -> list[FlagRaised]:
    numbers = _trainee_numbers(session)
    by_index = {t.index: t for t in session.turns}
    raised: list[FlagRaised] = []
    seen: set[tuple[Flag, int]] = set()
    for turn in session.trainee_turns():
        signals = turn.signals
        for flag in signals.flags if signals else []:
            quote = signals.evidence.get(flag.value, turn.text) if signals else turn.text
            why = signals.notes.get(flag.value, "") if signals else ""
            raised.append(FlagRaised(flag=flag, index=turn.index, turn=numbers[turn.index], quote=quote, why=why))
            seen.add((flag, turn.index))
    for grade in evaluation.turns if evaluation else []:
        graded = by_index.get(grade.index)
        if graded is None or graded.role != "trainee":
            continue
        for flag in grade.flags:
            if (flag, grade.index) not in seen:
                number = numbers[grade.index]
                raised.append(FlagRaised(flag=flag, index=grade.index, turn=number, quote=graded.text, source="grader"))
                seen.add((flag, grade.index))
    return sorted(raised, key=lambda f: (f.index, f.flag.value))


def _curve(session: PracticeSession) -> list[MoodPoint]:
    opening = session.turns[0] if session.turns else None
    start = opening.mood if opening and opening.mood else None
    points: list[MoodPoint] = []
    if start is not None:
        points.append(MoodPoint(index=0, turn=0, anger=start.anger, trust=start.trust, felt_heard=start.felt_heard))
    for number, turn in enumerate(session.trainee_turns(), start=1):
        if turn.mood is None:
            continue
        delta = round(turn.mood.anger - points[-1].anger, 2) if points else 0.0
        points.append(
            MoodPoint(
                index=turn.index,
                turn=number,
                anger=turn.mood.anger,
                trust=turn.mood.trust,
                felt_heard=turn.mood.felt_heard,
                delta_anger=delta,
                moved=abs(delta) >= MOVING_TURN,
                note=turn.note,
            )
        )
    return points


def _mood_before(session: PracticeSession, turn: Turn) -> bool:
    """Whether the customer felt heard just before `turn`."""
    for earlier in reversed(session.turns[: turn.index]):
        if earlier.mood is not None:
            return earlier.mood.felt_heard
    return False


def _phases(session: PracticeSession) -> Phases:
    trainee = session.trainee_turns()
    for number, turn in enumerate(trainee, start=1):
        if turn.signals and (turn.signals.offers_solution or turn.signals.offers_choice):
            return Phases(
                switch_index=turn.index,
                switch_turn=number,
                heard_before_switch=_mood_before(session, turn),
                listening_turns=number - 1,
                solving_turns=len(trainee) - number + 1,
            )
    return Phases(listening_turns=len(trainee))


def _skills(evaluation: Evaluation, anchors: Mapping[Skill, Mapping[int, str]]) -> list[SkillDebrief]:
    return [
        SkillDebrief(
            skill=skill,
            score=(grade := evaluation.score(skill)).score,
            anchor=anchor_reached(anchors.get(skill, {}), grade.score),
            reasoning=grade.reasoning,
            evidence=list(grade.evidence),
            better=grade.suggestion,
            evaluator="offline" if skill in evaluation.fallback_skills else evaluation.evaluator,
        )
        for skill in Skill
    ]


def build_debrief(
    session: PracticeSession,
    persona: Persona,
    scenario: Scenario,
    evaluation: Evaluation | None,
    *,
    anchors: Mapping[Skill, Mapping[int, str]] | None = None,
    judge_pending: bool = False,
) -> Debrief:
    """The debrief of a session: skills with anchors and evidence, flags by turn, mood curve, phases."""
    if evaluation is not None and anchors is None:
        anchors = load_rubric_anchors()
    return Debrief(
        session_id=session.id,
        persona_title=persona.title,
        scenario_title=scenario.title,
        customer_name=scenario.customer.name,
        status=session.status,
        assisted=session.assisted,
        evaluator=evaluation.evaluator if evaluation else None,
        fallback_reason=evaluation.fallback_reason if evaluation else None,
        judge_pending=judge_pending,
        skills=_skills(evaluation, anchors or {}) if evaluation else [],
        flags=_flags(session, evaluation),
        curve=_curve(session),
        phases=_phases(session),
    )
