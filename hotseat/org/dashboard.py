"""The cohort dashboard's data: completion, per-skill score distributions, weakest skills, trends.

Scores are the evaluator's, from each session's newest stored evaluation. Distributions use the
attempts that count; trends use every graded attempt, oldest first.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from evaluators.skills import Skill
from hotseat.org.access import current_user, require_cohort_grader
from hotseat.org.accounts import Actor, Role
from hotseat.org.assignments import (
    Assignment,
    AssignmentStatus,
    assignment_of,
    attempts_by_trainee,
    status_of,
)
from hotseat.org.cohorts import Cohort, get_cohort
from hotseat.org.scores import latest_evaluations, skill_scores
from hotseat.storage import Store
from hotseat.storage.schema import AssignmentRow, CohortMemberRow, UserRow


@dataclass(frozen=True)
class AssignmentCompletion:
    """How far the cohort's trainees are with one assignment."""

    assignment: Assignment
    trainees: int
    done: int
    in_progress: int
    not_started: int
    overdue: int

    @property
    def rate(self) -> float:
        """Share of trainees done (0 when the cohort has no trainees)."""
        return self.done / self.trainees if self.trainees else 0.0


@dataclass(frozen=True)
class SkillDistribution:
    """How often each score 1–5 was given for one skill."""

    skill: Skill
    counts: tuple[int, int, int, int, int]

    @property
    def n(self) -> int:
        """Number of scores."""
        return sum(self.counts)

    @property
    def mean(self) -> float | None:
        """Mean score, or None without scores."""
        return sum((i + 1) * c for i, c in enumerate(self.counts)) / self.n if self.n else None


@dataclass(frozen=True)
class TrendPoint:
    """One graded attempt in a trainee's trend."""

    session_id: str
    assignment_id: int
    started_at: datetime
    scores: dict[Skill, int]

    @property
    def mean(self) -> float:
        """Mean of the six skill scores."""
        return statistics.fmean(self.scores.values())


@dataclass(frozen=True)
class TraineeRow:
    """One trainee: status per assignment and their trend, oldest attempt first."""

    user_id: int
    username: str
    display_name: str
    statuses: dict[int, AssignmentStatus]
    trend: tuple[TrendPoint, ...]

    @property
    def change(self) -> float | None:
        """Mean score of the latest graded attempt minus the first's (None with fewer than two)."""
        return self.trend[-1].mean - self.trend[0].mean if len(self.trend) > 1 else None


@dataclass(frozen=True)
class CohortDashboard:
    """Everything the cohort dashboard shows."""

    cohort: Cohort
    completion: tuple[AssignmentCompletion, ...]
    distributions: tuple[SkillDistribution, ...]
    trainees: tuple[TraineeRow, ...]
    ungraded: int  # counted attempts with no usable evaluation yet

    @property
    def weakest(self) -> tuple[SkillDistribution, ...]:
        """Skills with scores, lowest mean first."""
        scored = [d for d in self.distributions if d.mean is not None]
        return tuple(sorted(scored, key=lambda d: (d.mean, d.skill.value)))


def cohort_dashboard(store: Store, actor: Actor, cohort_id: int, *, now: datetime | None = None) -> CohortDashboard:
    """The dashboard of a cohort, for its graders and admins."""
    cohort = get_cohort(store, actor, cohort_id)
    with store.transaction() as db:
        user = current_user(db, actor)
        require_cohort_grader(db, user, cohort_id, doing="see its dashboard")
        assignments = [
            assignment_of(r)
            for r in db.scalars(
                select(AssignmentRow).where(AssignmentRow.cohort_id == cohort_id).order_by(AssignmentRow.id)
            )
        ]
        trainees = (
            db.execute(
                select(UserRow)
                .join(CohortMemberRow, CohortMemberRow.user_id == UserRow.id)
                .where(CohortMemberRow.cohort_id == cohort_id, CohortMemberRow.role == Role.TRAINEE.value)
                .order_by(UserRow.username)
            )
            .scalars()
            .all()
        )
        attempts = attempts_by_trainee(db, [a.id for a in assignments])
        all_attempts = [a for group in attempts.values() for a in group]
        evaluations = latest_evaluations(db, [a.session_id for a in all_attempts])
        scores = {sid: skill_scores(row.result) for sid, row in evaluations.items()}
        rows = []
        for t in trainees:
            statuses = {a.id: status_of(a, attempts.get((a.id, t.id), []), now) for a in assignments}
            mine = sorted(
                (x for a in assignments for x in attempts.get((a.id, t.id), []) if scores.get(x.session_id)),
                key=lambda x: x.started_at,
            )
            trend = tuple(
                TrendPoint(x.session_id, x.assignment_id, x.started_at, scores[x.session_id] or {}) for x in mine
            )
            rows.append(TraineeRow(t.id, t.username, t.display_name, statuses, trend))
    completion = tuple(_completion(a, [r.statuses[a.id] for r in rows]) for a in assignments)
    counted = [a for a in all_attempts if a.counted]
    graded = [scores[a.session_id] for a in counted if scores.get(a.session_id)]
    return CohortDashboard(
        cohort=cohort,
        completion=completion,
        distributions=distributions([g for g in graded if g]),
        trainees=tuple(rows),
        ungraded=len(counted) - len(graded),
    )


def _completion(assignment: Assignment, statuses: list[AssignmentStatus]) -> AssignmentCompletion:
    return AssignmentCompletion(
        assignment=assignment,
        trainees=len(statuses),
        done=statuses.count(AssignmentStatus.DONE),
        in_progress=statuses.count(AssignmentStatus.IN_PROGRESS),
        not_started=statuses.count(AssignmentStatus.NOT_STARTED),
        overdue=statuses.count(AssignmentStatus.OVERDUE),
    )


def distributions(graded: list[dict[Skill, int]]) -> tuple[SkillDistribution, ...]:
    """Per skill, how many sessions scored 1, 2, 3, 4 and 5."""
    out = []
    for skill in Skill:
        counts = [0, 0, 0, 0, 0]
        for scores in graded:
            counts[scores[skill] - 1] += 1
        out.append(SkillDistribution(skill, (counts[0], counts[1], counts[2], counts[3], counts[4])))
    return tuple(out)
