"""The cohort dashboard's data: completion, per-skill score distributions, weakest skills, trends.

Scores are each session's final scores (hotseat.org.reviews.final_scores): a grader's review where
there is one, else the newest stored evaluation. Distributions use the attempts that count; trends
use every graded attempt, oldest first. Pass rates follow the company standard (standards.py):
of the trainees with a graded counted attempt, the share who passed.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from evaluators.skills import Skill
from hotseat.errors import NotFoundError
from hotseat.org.access import current_user, require_cohort_grader
from hotseat.org.accounts import Actor, Role
from hotseat.org.assignments import (
    Assignment,
    AssignmentProgress,
    AssignmentStatus,
    Attempt,
    assignment_of,
    attempts_by_trainee,
    status_of,
    with_final,
)
from hotseat.org.cohorts import Cohort, get_cohort
from hotseat.org.reviews import final_scores
from hotseat.org.standards import Standard, Verdict, standards_for
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
    standard: Standard | None = None
    judged: int = 0  # trainees with a graded counted attempt (only counted with a standard)
    passed: int = 0  # of those, the ones who passed

    @property
    def rate(self) -> float:
        """Share of trainees done (0 when the cohort has no trainees)."""
        return self.done / self.trainees if self.trainees else 0.0

    @property
    def pass_rate(self) -> float | None:
        """Share of judged trainees who passed; None without a standard or anyone judged."""
        return self.passed / self.judged if self.standard is not None and self.judged else None


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
    verdicts: dict[int, Verdict] = field(default_factory=dict)  # by assignment id, where a standard applies

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
        finals = final_scores(db, [a.session_id for a in all_attempts])
        scores = {sid: f.scores for sid, f in finals.items()}
        standards = standards_for(db, [a.id for a in assignments])
        rows = []
        for t in trainees:
            statuses = {a.id: status_of(a, attempts.get((a.id, t.id), []), now) for a in assignments}
            verdicts = {}
            for a in assignments:
                judged = [
                    with_final(x, finals.get(x.session_id), standards.get(a.id)) for x in attempts.get((a.id, t.id), [])
                ]
                overall = AssignmentProgress(a, cohort.name, statuses[a.id], tuple(judged), standards.get(a.id)).verdict
                if overall is not None:
                    verdicts[a.id] = overall
            mine = sorted(
                (x for a in assignments for x in attempts.get((a.id, t.id), []) if scores.get(x.session_id)),
                key=lambda x: x.started_at,
            )
            trend = tuple(
                TrendPoint(x.session_id, x.assignment_id, x.started_at, scores[x.session_id] or {}) for x in mine
            )
            rows.append(TraineeRow(t.id, t.username, t.display_name, statuses, trend, verdicts))
    completion = tuple(
        _completion(a, [r.statuses[a.id] for r in rows], standards.get(a.id), [r.verdicts.get(a.id) for r in rows])
        for a in assignments
    )
    counted = [a for a in all_attempts if a.counted]
    graded = [scores[a.session_id] for a in counted if scores.get(a.session_id)]
    return CohortDashboard(
        cohort=cohort,
        completion=completion,
        distributions=distributions([g for g in graded if g]),
        trainees=tuple(rows),
        ungraded=len(counted) - len(graded),
    )


def _completion(
    assignment: Assignment,
    statuses: list[AssignmentStatus],
    standard: Standard | None,
    verdicts: list[Verdict | None],
) -> AssignmentCompletion:
    judged = [v for v in verdicts if v is not None]
    return AssignmentCompletion(
        assignment=assignment,
        trainees=len(statuses),
        done=statuses.count(AssignmentStatus.DONE),
        in_progress=statuses.count(AssignmentStatus.IN_PROGRESS),
        not_started=statuses.count(AssignmentStatus.NOT_STARTED),
        overdue=statuses.count(AssignmentStatus.OVERDUE),
        standard=standard,
        judged=len(judged),
        passed=sum(v.passed for v in judged),
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


@dataclass(frozen=True)
class TraineeSession:
    """One of a trainee's attempts, as a lead sees it from the dashboard."""

    assignment: Assignment
    attempt: Attempt

    @property
    def mean(self) -> float | None:
        """Mean final score, or None when not graded."""
        return self.attempt.final.mean if self.attempt.final is not None else None


def trainee_sessions(store: Store, actor: Actor, cohort_id: int, user_id: int) -> list[TraineeSession]:
    """A trainee's attempts at the cohort's assignments, newest first, with final scores and verdicts (graders)."""
    with store.transaction() as db:
        user = current_user(db, actor)
        require_cohort_grader(db, user, cohort_id, doing="see its trainees' sessions")
        member = db.scalar(
            select(CohortMemberRow.id).where(
                CohortMemberRow.cohort_id == cohort_id,
                CohortMemberRow.user_id == user_id,
                CohortMemberRow.role == Role.TRAINEE.value,
            )
        )
        if member is None:
            raise NotFoundError(f"No trainee with id {user_id} in this cohort.", hint="Pick one from the dashboard.")
        assignments = {
            r.id: assignment_of(r)
            for r in db.scalars(select(AssignmentRow).where(AssignmentRow.cohort_id == cohort_id))
        }
        attempts = attempts_by_trainee(db, list(assignments))
        mine = [x for (aid, uid), group in attempts.items() if uid == user_id for x in group]
        finals = final_scores(db, [x.session_id for x in mine])
        standards = standards_for(db, list(assignments))
        found = [
            TraineeSession(
                assignments[x.assignment_id],
                with_final(x, finals.get(x.session_id), standards.get(x.assignment_id)),
            )
            for x in mine
        ]
    return sorted(found, key=lambda s: s.attempt.started_at, reverse=True)
