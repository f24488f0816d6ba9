"""Try again from a turn: branch a session before one of the trainee's turns, and compare paths.

A branch is a new session (its own id, `parent_id` pointing at the original) holding copies of
the turns before the chosen trainee turn, with the customer's mood as it was at that point.
The original session is never changed.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from evaluators.skills import Flag, Skill
from hotseat.errors import InputError, NotFoundError
from hotseat.practice.engine import PracticeEngine
from hotseat.practice.mood import MoodState, initial_mood
from hotseat.practice.prompt_window import MIN_RECENT_TURNS
from hotseat.practice.session import PracticeSession, SessionStatus, Turn


def branch_points(session: PracticeSession) -> list[int]:
    """The turn indexes a trainee can try again from (their own turns)."""
    return [t.index for t in session.trainee_turns()]


def _mood_at(turns: list[Turn], session: PracticeSession) -> MoodState:
    """The mood after the last kept turn that carries one (the opening mood if none does)."""
    for turn in reversed(turns):
        if turn.mood is not None:
            return turn.mood.model_copy()
    return initial_mood(session.difficulty)


def _check_branch_point(session: PracticeSession, at_turn_index: int) -> None:
    points = branch_points(session)
    if not 0 <= at_turn_index < len(session.turns):
        raise NotFoundError(
            f"Turn {at_turn_index} no longer exists in session {session.id} (it has {len(session.turns)} turns).",
            hint="Reload the conversation and pick one of your own turns to try again from.",
        )
    if at_turn_index not in points:
        listed = ", ".join(str(p) for p in points) or "none yet"
        raise InputError(
            f"Turn {at_turn_index} is the customer's; you can only try again from one of your own turns ({listed}).",
            hint="Pick a turn where you spoke.",
        )


def branch_session(engine: PracticeEngine, session: PracticeSession, at_turn_index: int) -> PracticeSession:
    """A new stored session replaying `session` up to (not including) the trainee turn `at_turn_index`."""
    original = engine.load(session.id)  # branch from what is stored, not from a stale copy
    _check_branch_point(original, at_turn_index)
    kept = [t.model_copy(deep=True) for t in original.turns[:at_turn_index]]
    through = original.summarised_through
    keep_summary = 0 < through <= max(0, len(kept) - MIN_RECENT_TURNS)
    branch = PracticeSession(
        id=str(uuid.uuid4()),
        user_id=original.user_id,
        persona_id=original.persona_id,
        persona_version=original.persona_version,
        scenario_id=original.scenario_id,
        difficulty=original.difficulty,
        provider=engine.customer.name,
        status=SessionStatus.ACTIVE,
        assisted=any(t.hint_used for t in kept),
        parent_id=original.id,
        branched_at=at_turn_index,
        mood=_mood_at(kept, original),
        summary=original.summary if keep_summary else "",
        summarised_through=through if keep_summary else 0,
        turns=kept,
    )
    engine.store.create_session(branch)
    return branch


# -- comparing the two paths -------------------------------------------------------------------
class MoodPoint(BaseModel):
    """The customer's mood after a trainee turn (turn 0: as the conversation opened)."""

    trainee_turn: int
    anger: float
    trust: float
    felt_heard: bool


class TurnSkills(BaseModel):
    """What one trainee turn showed."""

    index: int  # position in the session's turns
    trainee_turn: int  # 1-based
    text: str
    skills: dict[Skill, int] = Field(default_factory=dict)
    flags: list[Flag] = Field(default_factory=list)
    note: str | None = None
    shared: bool = False  # true when the turn is common to both paths (before the branch point)


class PathSummary(BaseModel):
    """One path of a conversation: its mood curve and per-turn skills."""

    session_id: str
    status: SessionStatus
    assisted: bool
    mood_curve: list[MoodPoint]
    turns: list[TurnSkills]

    def skill_means(self) -> dict[Skill, float]:
        """Mean score per skill over the turns that showed it."""
        means: dict[Skill, float] = {}
        for skill in Skill:
            scores = [t.skills[skill] for t in self.turns if skill in t.skills]
            if scores:
                means[skill] = round(sum(scores) / len(scores), 2)
        return means


class PathComparison(BaseModel):
    """The original path and the retry, side by side."""

    branched_at: int | None
    shared_trainee_turns: int  # trainee turns both paths have in common
    original: PathSummary
    branch: PathSummary


def summarise_path(session: PracticeSession, *, shared_before: int = 0) -> PathSummary:
    """A session's mood curve and per-turn skills; turns before `shared_before` are marked shared."""
    opening = session.turns[0].mood if session.turns and session.turns[0].mood else initial_mood(session.difficulty)
    curve = [MoodPoint(trainee_turn=0, anger=opening.anger, trust=opening.trust, felt_heard=opening.felt_heard)]
    turns: list[TurnSkills] = []
    for number, turn in enumerate(session.trainee_turns(), start=1):
        if turn.mood is not None:
            curve.append(
                MoodPoint(
                    trainee_turn=number, anger=turn.mood.anger, trust=turn.mood.trust, felt_heard=turn.mood.felt_heard
                )
            )
        signals = turn.signals
        turns.append(
            TurnSkills(
                index=turn.index,
                trainee_turn=number,
                text=turn.text,
                skills=dict(signals.skills) if signals else {},
                flags=list(signals.flags) if signals else [],
                note=turn.note,
                shared=turn.index < shared_before,
            )
        )
    return PathSummary(
        session_id=session.id, status=session.status, assisted=session.assisted, mood_curve=curve, turns=turns
    )


def compare_paths(original: PracticeSession, branch: PracticeSession) -> PathComparison:
    """Both paths' mood curves and per-turn skills, for the side-by-side view."""
    if branch.parent_id != original.id:
        raise InputError(
            f"Session {branch.id} is not a retry of session {original.id}.",
            hint="Compare a retry with the session it was branched from.",
        )
    at = branch.branched_at if branch.branched_at is not None else len(branch.turns)
    shared = sum(1 for t in original.trainee_turns() if t.index < at)
    return PathComparison(
        branched_at=branch.branched_at,
        shared_trainee_turns=shared,
        original=summarise_path(original, shared_before=at),
        branch=summarise_path(branch, shared_before=at),
    )
