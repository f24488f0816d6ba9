"""Calibration: how far graders agree with the evaluator, and with each other, skill by skill.

Agreement is Cohen's kappa with quadratic weights on the fixed 1–5 scale (a 1-vs-5 disagreement
costs 16 times a 1-vs-2). Evaluator pairs come from every review (the evaluator's score it kept
beside the grader's); grader pairs from every two graders who reviewed the same session.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from sqlalchemy import select

from evaluators.skills import Skill
from hotseat.org.access import graded_cohort_ids, require_cohort_grader, require_role
from hotseat.org.accounts import Actor, Role
from hotseat.org.reviews import Review, load_reviews
from hotseat.review.grades import evaluation_of
from hotseat.storage import Store
from hotseat.storage.schema import AssignmentRow, AssignmentSessionRow, EvaluationRow

SCALE = (1, 2, 3, 4, 5)
EXAMPLES_PER_SKILL = 3


def quadratic_weighted_kappa(a: Sequence[int], b: Sequence[int], *, scale: Sequence[int] = SCALE) -> float:
    """Cohen's kappa with quadratic weights over `scale`; NaN when undefined (no pairs, or no spread at all)."""
    first, second = np.asarray(a, dtype=int), np.asarray(b, dtype=int)
    if first.shape != second.shape or first.ndim != 1:
        raise ValueError("both raters need the same number of ratings")
    if first.size == 0:
        return math.nan
    levels = np.asarray(scale, dtype=int)
    if not np.isin(first, levels).all() or not np.isin(second, levels).all():
        raise ValueError(f"ratings must be on the scale {list(scale)}")
    k = len(levels)
    observed = np.zeros((k, k))
    np.add.at(observed, (np.searchsorted(levels, first), np.searchsorted(levels, second)), 1)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / first.size
    idx = np.arange(k)
    weights = (idx[:, None] - idx[None, :]) ** 2
    disagreement_by_chance = float((weights * expected).sum())
    if disagreement_by_chance == 0:
        return math.nan
    return 1.0 - float((weights * observed).sum()) / disagreement_by_chance


@dataclass(frozen=True)
class Example:
    """A session where the grader and the evaluator differed on a skill."""

    session_id: str
    grader_username: str
    evaluator_score: int
    grader_score: int
    comment: str
    evidence: tuple[str, ...]  # the evaluator's quotes for this skill


@dataclass(frozen=True)
class SkillCalibration:
    """One skill: agreement evaluator–graders and grader–grader, with the widest disagreements."""

    skill: Skill
    evaluator_kappa: float | None  # None when undefined (no reviews, or one score given throughout by both)
    evaluator_pairs: int
    exact_agreement: float | None  # share of reviews that kept the evaluator's score
    mean_adjustment: float | None  # grader minus evaluator: > 0 means the evaluator is too harsh
    grader_kappa: float | None
    grader_pairs: int
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class CalibrationReport:
    """Calibration over the reviewed sessions of some cohorts."""

    skills: tuple[SkillCalibration, ...]
    reviewed_sessions: int
    reviews: int

    def skill(self, skill: Skill | str) -> SkillCalibration:
        """One skill's figures."""
        return next(s for s in self.skills if s.skill == Skill(skill))

    @property
    def disagreements(self) -> tuple[SkillCalibration, ...]:
        """Skills where the evaluator disagrees with graders most first (lowest kappa, then widest gap)."""
        reviewed = [s for s in self.skills if s.evaluator_pairs]

        def order(s: SkillCalibration) -> tuple[float, float]:
            kappa = s.evaluator_kappa if s.evaluator_kappa is not None else 1.0  # undefined: one score, all agree
            return (kappa, -abs(s.mean_adjustment or 0.0))

        return tuple(sorted(reviewed, key=order))


def _defined(value: float) -> float | None:
    return None if math.isnan(value) else value


def calibrate(reviews: dict[str, list[Review]], evidence: dict[int, dict[Skill, tuple[str, ...]]]) -> CalibrationReport:
    """The report from reviews keyed by session (pure: no database); `evidence` by evaluation id."""
    out = []
    for skill in Skill:
        scored = [(r, r.score(skill)) for group in reviews.values() for r in group]
        evaluator = [s.evaluator_score for _, s in scored]
        graders = [s.grader_score for _, s in scored]
        pairs = [
            (x.score(skill).grader_score, y.score(skill).grader_score)
            for group in reviews.values()
            for x, y in combinations(group, 2)
        ]
        widest = sorted(
            (p for p in scored if p[1].adjusted),
            key=lambda p: (-abs(p[1].grader_score - p[1].evaluator_score), p[0].id),
        )
        examples = tuple(
            Example(
                r.session_id,
                r.grader_username,
                s.evaluator_score,
                s.grader_score,
                s.comment,
                evidence.get(r.evaluation_id, {}).get(skill, ()),
            )
            for r, s in widest[:EXAMPLES_PER_SKILL]
        )
        n = len(scored)
        out.append(
            SkillCalibration(
                skill=skill,
                evaluator_kappa=_defined(quadratic_weighted_kappa(evaluator, graders)) if n else None,
                evaluator_pairs=n,
                exact_agreement=sum(e == g for e, g in zip(evaluator, graders, strict=True)) / n if n else None,
                mean_adjustment=sum(g - e for e, g in zip(evaluator, graders, strict=True)) / n if n else None,
                grader_kappa=_defined(quadratic_weighted_kappa(*zip(*pairs, strict=True))) if pairs else None,
                grader_pairs=len(pairs),
                examples=examples,
            )
        )
    reviewed = [group for group in reviews.values() if group]
    return CalibrationReport(tuple(out), len(reviewed), sum(len(g) for g in reviewed))


def calibration_report(store: Store, actor: Actor, *, cohort_id: int | None = None) -> CalibrationReport:
    """Calibration over the reviewed sessions the actor may see (one cohort, or all they grade; admins: all)."""
    with store.transaction() as db:
        user = require_role(db, actor, Role.GRADER, Role.ADMIN, doing="see calibration")
        cohorts = None if user.role == Role.ADMIN else graded_cohort_ids(db, user.id)
        if cohort_id is not None:
            require_cohort_grader(db, user, cohort_id, doing="see its calibration")
            cohorts = {cohort_id}
        query = select(AssignmentSessionRow.session_id).where(AssignmentSessionRow.submitted_at.is_not(None))
        if cohorts is not None:
            query = query.join(AssignmentRow, AssignmentRow.id == AssignmentSessionRow.assignment_id).where(
                AssignmentRow.cohort_id.in_(cohorts)
            )
        reviews = load_reviews(db, list(db.scalars(query)))
        evaluation_ids = {r.evaluation_id for group in reviews.values() for r in group}
        evidence: dict[int, dict[Skill, tuple[str, ...]]] = {}
        if evaluation_ids:
            for row in db.scalars(select(EvaluationRow).where(EvaluationRow.id.in_(evaluation_ids))):
                evaluation = evaluation_of(row.result)
                if evaluation is not None:
                    evidence[row.id] = {s.skill: tuple(s.evidence) for s in evaluation.skills}
    return calibrate(reviews, evidence)
