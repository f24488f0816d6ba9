"""Company standards: which skills count, their weights, and a pass mark, per cohort or per assignment.

The rule (one place, used by the trainee's pages, the dashboard and the CSV):
- An assignment's standard overrides its cohort's; with neither, there is no verdict.
- An attempt's weighted score is the weighted mean of its *final* scores (a grader's review
  wins over the evaluator, see hotseat.org.reviews.final_scores) over the skills that count:
  sum(weight × score) / sum(weight). It passes when that is at least the pass mark (1–5).
- A trainee passes an assignment once any of their *counted* attempts passes (the assignment's
  "attempts that count"); until then it is "not yet", with the reason of their newest graded one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluators.skills import Skill
from hotseat.errors import InputError, NotFoundError
from hotseat.org.access import current_user, is_cohort_grader, require_role
from hotseat.org.accounts import Actor, Role
from hotseat.org.cohorts import cohort_row
from hotseat.org.reviews import FinalScores
from hotseat.org.timeutil import now_utc
from hotseat.storage import Store
from hotseat.storage.schema import AssignmentRow, CohortMemberRow, StandardRow

MAX_WEIGHT = 100.0
EPSILON = 1e-9  # a weighted mean equal to the pass mark passes, whatever the float rounding


def _skill_label(skill: Skill) -> str:
    return skill.value.replace("_", " ")


@dataclass(frozen=True)
class Standard:
    """A pass rule: the skills that count with their weights, and the pass mark (1–5)."""

    weights: Mapping[Skill, float]
    pass_mark: float
    cohort_id: int | None = None
    assignment_id: int | None = None

    @property
    def scope(self) -> str:
        """ "assignment" or "cohort": where the rule was set."""
        return "assignment" if self.assignment_id is not None else "cohort"

    def describe(self) -> str:
        """One line: the pass mark and the weighted skills."""
        skills = ", ".join(f"{_skill_label(s)} ×{_number(w)}" for s, w in self.weights.items())
        return f"pass mark {self.pass_mark:.1f} · {skills}"


@dataclass(frozen=True)
class Verdict:
    """Whether one graded attempt meets a standard, and why."""

    passed: bool
    weighted: float
    pass_mark: float
    lowest: tuple[Skill, int]
    reviewed: bool

    @property
    def label(self) -> str:
        """ "Passed" or "Not yet"."""
        return "Passed" if self.passed else "Not yet"

    @property
    def reason(self) -> str:
        """E.g. "weighted score 2.8 below the pass mark 3.0; lowest: apology 2"."""
        score, mark = _pair(self.weighted, self.pass_mark)
        skill, low = self.lowest
        if self.passed:
            return f"weighted score {score}, pass mark {mark}"
        return f"weighted score {score} below the pass mark {mark}; lowest: {_skill_label(skill)} {low}"


def _number(value: float) -> str:
    return f"{value:g}"


def _pair(weighted: float, mark: float) -> tuple[str, str]:
    """Both numbers with one decimal, or two when one would make a fail read like the pass mark."""
    if weighted + EPSILON < mark and f"{weighted:.1f}" == f"{mark:.1f}":
        return f"{weighted:.2f}", f"{mark:.2f}"
    return f"{weighted:.1f}", f"{mark:.1f}"


def validate_standard(weights: Mapping[str, float], pass_mark: float) -> dict[Skill, float]:
    """The weights by Skill, checked: known skills, weights 0–100 with at least one skill and a total above 0,
    and a pass mark from 1 to 5. Raises InputError saying what to fix."""
    known = ", ".join(s.value for s in Skill)
    chosen: dict[Skill, float] = {}
    for key, weight in weights.items():
        try:
            skill = Skill(key)
        except ValueError as exc:
            raise InputError(f"Unknown skill {key!r}.", hint=f"Skills are {known}.") from exc
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight != weight:
            raise InputError(f"The weight of {_skill_label(skill)} must be a number, not {weight!r}.")
        if not 0 <= weight <= MAX_WEIGHT:
            raise InputError(
                f"The weight of {_skill_label(skill)} must be from 0 to {_number(MAX_WEIGHT)}, not {_number(weight)}.",
                hint="Weights are relative: 1 for every skill weighs them equally.",
            )
        chosen[skill] = float(weight)
    if not chosen:
        raise InputError("Pick at least one skill that counts.", hint=f"Skills are {known}.")
    if sum(chosen.values()) <= 0:
        raise InputError("At least one skill that counts needs a weight above 0.", hint="Give it a weight of 1.")
    if isinstance(pass_mark, bool) or not isinstance(pass_mark, int | float) or not 1 <= pass_mark <= 5:
        raise InputError(
            f"The pass mark must be from 1 to 5, not {pass_mark!r}.", hint="Scores are 1–5; 3 is a common mark."
        )
    order = list(Skill)
    return dict(sorted(chosen.items(), key=lambda item: order.index(item[0])))


def verdict(standard: Standard, final: FinalScores) -> Verdict:
    """Whether an attempt's final scores meet the standard (weighted mean ≥ pass mark), with the lowest skill."""
    scores = final.scores
    total = sum(standard.weights.values())
    weighted = sum(w * scores[s] for s, w in standard.weights.items()) / total
    order = list(Skill)
    lowest = min(standard.weights, key=lambda s: (scores[s], order.index(s)))
    passed = weighted + EPSILON >= standard.pass_mark
    return Verdict(passed, weighted, standard.pass_mark, (lowest, scores[lowest]), final.reviewed)


def _standard_of(row: StandardRow) -> Standard:
    weights = {Skill(k): float(v) for k, v in row.weights.items() if k in Skill.__members__.values()}
    return Standard(weights, float(row.pass_mark), row.cohort_id, row.assignment_id)


def standards_for(db: Session, assignment_ids: list[int]) -> dict[int, Standard]:
    """The standard that applies to each assignment (its own, else its cohort's); assignments with none are left out."""
    if not assignment_ids:
        return {}
    cohorts = dict(
        db.execute(select(AssignmentRow.id, AssignmentRow.cohort_id).where(AssignmentRow.id.in_(assignment_ids))).all()
    )
    rows = db.scalars(
        select(StandardRow).where(
            StandardRow.assignment_id.in_(assignment_ids) | StandardRow.cohort_id.in_(set(cohorts.values()))
        )
    ).all()
    own = {r.assignment_id: _standard_of(r) for r in rows if r.assignment_id is not None}
    by_cohort = {r.cohort_id: _standard_of(r) for r in rows if r.cohort_id is not None}
    found: dict[int, Standard] = {}
    for assignment_id, cohort_id in cohorts.items():
        standard = own.get(assignment_id) or by_cohort.get(cohort_id)
        if standard is not None:
            found[assignment_id] = standard
    return found


def _may_read(db: Session, actor: Actor, cohort_id: int) -> None:
    user = current_user(db, actor)
    member = db.scalar(
        select(CohortMemberRow.id).where(CohortMemberRow.cohort_id == cohort_id, CohortMemberRow.user_id == user.id)
    )
    if member is None and not is_cohort_grader(db, user, cohort_id):
        raise NotFoundError(f"No cohort with id {cohort_id}.", hint="Pick one of the cohorts listed for you.")


def cohort_standard(store: Store, actor: Actor, cohort_id: int) -> Standard | None:
    """The cohort's own standard, for its members, graders and admins (None when it has none)."""
    with store.transaction() as db:
        cohort_row(db, cohort_id)
        _may_read(db, actor, cohort_id)
        row = db.scalar(select(StandardRow).where(StandardRow.cohort_id == cohort_id))
        return _standard_of(row) if row is not None else None


def assignment_standard(store: Store, actor: Actor, assignment_id: int, *, own: bool = False) -> Standard | None:
    """The standard that applies to an assignment (`own`: only one set on the assignment itself)."""
    with store.transaction() as db:
        row = db.get(AssignmentRow, assignment_id)
        if row is None:
            raise NotFoundError(f"No assignment with id {assignment_id}.", hint="Pick one of the assignments listed.")
        _may_read(db, actor, row.cohort_id)
        if own:
            mine = db.scalar(select(StandardRow).where(StandardRow.assignment_id == assignment_id))
            return _standard_of(mine) if mine is not None else None
        return standards_for(db, [assignment_id]).get(assignment_id)


def set_standard(
    store: Store,
    actor: Actor,
    *,
    cohort_id: int | None = None,
    assignment_id: int | None = None,
    weights: Mapping[str, float],
    pass_mark: float,
) -> Standard:
    """An admin sets (or replaces) the standard of a cohort or of one assignment; validated first."""
    if (cohort_id is None) == (assignment_id is None):
        raise InputError("Set a standard for a cohort or for an assignment, not both.")
    chosen = validate_standard(weights, pass_mark)
    with store.transaction() as db:
        admin = require_role(db, actor, Role.ADMIN, doing="set standards")
        if cohort_id is not None:
            cohort_row(db, cohort_id)
            row = db.scalar(select(StandardRow).where(StandardRow.cohort_id == cohort_id))
        else:
            if db.get(AssignmentRow, assignment_id) is None:
                raise NotFoundError(f"No assignment with id {assignment_id}.", hint="Pick one of the assignments.")
            row = db.scalar(select(StandardRow).where(StandardRow.assignment_id == assignment_id))
        if row is None:
            row = StandardRow(cohort_id=cohort_id, assignment_id=assignment_id)
            db.add(row)
        row.weights = {s.value: w for s, w in chosen.items()}
        row.pass_mark = float(pass_mark)
        row.updated_by = admin.id
        row.updated_at = now_utc()
        db.flush()
        return _standard_of(row)


def clear_standard(
    store: Store, actor: Actor, *, cohort_id: int | None = None, assignment_id: int | None = None
) -> bool:
    """An admin removes a cohort's or an assignment's own standard; True if there was one."""
    with store.transaction() as db:
        require_role(db, actor, Role.ADMIN, doing="set standards")
        query = select(StandardRow)
        if cohort_id is not None:
            query = query.where(StandardRow.cohort_id == cohort_id)
        elif assignment_id is not None:
            query = query.where(StandardRow.assignment_id == assignment_id)
        else:
            return False
        row = db.scalar(query)
        if row is None:
            return False
        db.delete(row)
        return True
