"""My progress: a trainee's sessions over time, per skill and by persona, and what to practise next.

A session's score per skill is its stored grade when there is one (the newest evaluation),
otherwise the mean of the per-turn scores the offline reader gave the turns that showed the
skill; a skill never shown in a session counts as 1, the lowest anchor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from evaluators.skills import Skill
from hotseat.practice.personas import Difficulty
from hotseat.practice.session import PracticeSession, SessionStatus
from hotseat.review.coach import Coaching, load_coaching
from hotseat.storage import Store

NOT_SHOWN = 1.0  # a skill a session never showed scores the lowest anchor

SKILL_LABELS: dict[Skill, str] = {
    Skill.EMPATHY: "Empathy",
    Skill.PARAPHRASE: "Accurate paraphrase",
    Skill.VALIDATION: "Validation",
    Skill.APOLOGY: "Apology",
    Skill.PLAIN_LANGUAGE: "Plain language",
    Skill.VALUES: "Long-term values",
}


class SessionScores(BaseModel):
    """One session's score per skill (1-5) and where the scores came from."""

    session_id: str
    created_at: datetime
    persona_id: str
    scenario_id: str
    difficulty: Difficulty
    status: SessionStatus
    assisted: bool
    retry: bool  # a "try again from this turn" branch
    trainee_turns: int
    source: Literal["evaluation", "turns"]
    skills: dict[Skill, float]


class PersonaProgress(BaseModel):
    """Mean skill scores over one persona's sessions."""

    persona_id: str
    sessions: int
    skills: dict[Skill, float]


class PractiseNext(BaseModel):
    """The weakest skill and the persona suggested to train it."""

    skill: Skill
    score: float
    persona_id: str
    why: str


class Progress(BaseModel):
    """The trainee's progress: scored sessions oldest first, means, and what to practise next."""

    sessions: list[SessionScores]
    overall: dict[Skill, float]
    by_persona: list[PersonaProgress]
    weakest: PractiseNext | None


def scores_from_evaluation(result: Mapping[str, Any] | None) -> dict[Skill, float] | None:
    """Skill scores from a stored evaluation (the `Evaluation` schema), or None if unusable."""
    if not result:
        return None
    scores: dict[Skill, float] = {}
    for item in result.get("skills") or []:
        try:
            scores[Skill(item["skill"])] = float(item["score"])
        except (KeyError, TypeError, ValueError):
            return None
    return scores if set(scores) == set(Skill) else None


def scores_from_turns(session: PracticeSession) -> dict[Skill, float]:
    """Per skill, the mean of the per-turn scores of the turns that showed it (else NOT_SHOWN)."""
    shown: dict[Skill, list[int]] = {skill: [] for skill in Skill}
    for turn in session.trainee_turns():
        if turn.signals is not None:
            for skill, level in turn.signals.skills.items():
                shown[skill].append(level)
    return {skill: round(sum(v) / len(v), 2) if v else NOT_SHOWN for skill, v in shown.items()}


def session_scores(session: PracticeSession, evaluation: Mapping[str, Any] | None = None) -> SessionScores | None:
    """A session's scores, or None when it has nothing to score yet."""
    graded = scores_from_evaluation(evaluation)
    trainee_turns = len(session.trainee_turns())
    if graded is None and trainee_turns == 0:
        return None
    return SessionScores(
        session_id=session.id,
        created_at=session.created_at,
        persona_id=session.persona_id,
        scenario_id=session.scenario_id,
        difficulty=session.difficulty,
        status=session.status,
        assisted=session.assisted,
        retry=session.parent_id is not None,
        trainee_turns=trainee_turns,
        source="evaluation" if graded is not None else "turns",
        skills=graded if graded is not None else scores_from_turns(session),
    )


def _utc(moment: datetime) -> datetime:
    """A naive UTC datetime (SQLite returns naive ones; new sessions carry a time zone)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _means(rows: Sequence[SessionScores]) -> dict[Skill, float]:
    return {skill: round(sum(r.skills[skill] for r in rows) / len(rows), 2) for skill in Skill} if rows else {}


def build_progress(
    sessions: Sequence[PracticeSession],
    evaluations: Mapping[str, Mapping[str, Any] | None] | None = None,
    *,
    coaching: Coaching | None = None,
) -> Progress:
    """Progress over `sessions`, with stored evaluations by session id where there are any."""
    evaluations = evaluations or {}
    scored = [s for s in (session_scores(x, evaluations.get(x.id)) for x in sessions) if s is not None]
    scored.sort(key=lambda s: _utc(s.created_at))
    overall = _means(scored)
    by_persona = [
        PersonaProgress(persona_id=pid, sessions=len(rows), skills=_means(rows))
        for pid in sorted({s.persona_id for s in scored})
        for rows in [[s for s in scored if s.persona_id == pid]]
    ]
    weakest = None
    if overall:
        order = list(Skill)
        skill = min(overall, key=lambda k: (overall[k], order.index(k)))
        mapping = (coaching or load_coaching()).practise_next[skill]
        weakest = PractiseNext(skill=skill, score=overall[skill], persona_id=mapping.persona, why=mapping.why)
    return Progress(sessions=scored, overall=overall, by_persona=by_persona, weakest=weakest)


def load_progress(
    store: Store,
    user_id: int | None = None,
    *,
    coaching: Coaching | None = None,
    reviewed: Mapping[str, Mapping[Skill, int]] | None = None,
) -> Progress:
    """The progress of a user's stored sessions (the local user by default).

    `reviewed`: final scores by session id where a grader reviewed it; they replace the evaluator's.
    """
    uid = store.local_user_id() if user_id is None else user_id
    sessions = store.list_sessions(user_id=uid)
    evaluations = {s.id: store.latest_evaluation(s.id) for s in sessions}
    for session_id, scores in (reviewed or {}).items():
        if session_id in evaluations:
            evaluations[session_id] = {"skills": [{"skill": k.value, "score": v} for k, v in scores.items()]}
    return build_progress(sessions, evaluations, coaching=coaching)


def skill_rows(progress: Progress) -> list[dict[str, Any]]:
    """Long-form rows (one per session and skill) for a chart over time."""
    return [
        {
            "session": n,
            "date": s.created_at,
            "skill": SKILL_LABELS[skill],
            "score": score,
            "persona": s.persona_id,
            "assisted": s.assisted,
        }
        for n, s in enumerate(progress.sessions, start=1)
        for skill, score in s.skills.items()
    ]
