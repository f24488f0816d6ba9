"""Read per-skill scores out of stored evaluations (evaluations.result holds an `Evaluation` as JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluators.skills import Skill
from hotseat.review.grades import evaluation_of
from hotseat.storage.schema import EvaluationRow


def skill_scores(result: Mapping[str, Any]) -> dict[Skill, int] | None:
    """Each skill's score from a stored result (an Evaluation, or the `hotseat grade` record); None if incomplete."""
    evaluation = evaluation_of(result)
    if evaluation is not None:
        return {s.skill: s.score for s in evaluation.skills}
    skills = result.get("skills")
    scores: dict[Skill, int] = {}
    try:
        if isinstance(skills, Mapping):  # {"empathy": {"score": 4, ...}, ...}
            scores = {Skill(k): int(v["score"]) for k, v in skills.items()}
        elif isinstance(skills, list):  # [{"skill": "empathy", "score": 4, ...}, ...]
            scores = {Skill(item["skill"]): int(item["score"]) for item in skills}
    except (KeyError, TypeError, ValueError):
        return None
    if set(scores) != set(Skill) or not all(1 <= v <= 5 for v in scores.values()):
        return None
    return scores


def latest_evaluations(db: Session, session_ids: list[str]) -> dict[str, EvaluationRow]:
    """The newest evaluation row of each session that has one."""
    latest: dict[str, EvaluationRow] = {}
    if not session_ids:
        return latest
    query = select(EvaluationRow).where(EvaluationRow.session_id.in_(session_ids)).order_by(EvaluationRow.id)
    for row in db.scalars(query):
        latest[row.session_id] = row
    return latest
