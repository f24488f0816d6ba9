"""Grader review: trainees submit attempts, graders accept or adjust each skill's score with a comment.

A review is written once and never edited; it keeps the evaluator's score beside the grader's, and
names the evaluation it reviewed (evaluations themselves are never overwritten either).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evaluators.results import Evaluation
from evaluators.skills import Skill
from hotseat.errors import DuplicateError, InputError, NotFoundError
from hotseat.org.access import (
    graded_cohort_ids,
    is_cohort_grader,
    require_cohort_grader,
    require_role,
    visible_session_row,
)
from hotseat.org.accounts import Actor, Role
from hotseat.org.scores import latest_evaluations, skill_scores
from hotseat.org.timeutil import aware, now_utc
from hotseat.practice.personas import PersonaSource
from hotseat.practice.session import PracticeSession
from hotseat.review.grades import evaluation_for, evaluation_of, save_evaluation, session_facts, stored_evaluation
from hotseat.storage import Store
from hotseat.storage.schema import (
    AssignmentRow,
    AssignmentSessionRow,
    CohortRow,
    ReviewRow,
    ReviewScoreRow,
    SessionRow,
    UserRow,
)

MAX_COMMENT_CHARS = 2000
GradeFn = Callable[[PracticeSession], Evaluation]


@dataclass(frozen=True)
class SkillDecision:
    """A grader's call on one skill: keep the evaluator's score (score=None) or set another, with a comment."""

    score: int | None = None
    comment: str = ""


# Per skill (a Skill or its key: Skill is a str): a SkillDecision, a bare score, or None to accept.
Decisions = Mapping[str, SkillDecision | int | None]


@dataclass(frozen=True)
class ReviewedSkill:
    """One skill of a stored review: both scores, and the grader's comment."""

    skill: Skill
    evaluator_score: int
    grader_score: int
    comment: str

    @property
    def adjusted(self) -> bool:
        """True when the grader changed the evaluator's score."""
        return self.grader_score != self.evaluator_score


@dataclass(frozen=True)
class Review:
    """A grader's review of one session."""

    id: int
    session_id: str
    grader_id: int
    grader_username: str
    evaluation_id: int
    comment: str
    created_at: datetime
    skills: tuple[ReviewedSkill, ...]

    def score(self, skill: Skill | str) -> ReviewedSkill:
        """The review of one skill."""
        return next(s for s in self.skills if s.skill == Skill(skill))


@dataclass(frozen=True)
class QueueItem:
    """A submitted session waiting for review."""

    session_id: str
    cohort_id: int
    cohort_name: str
    assignment_id: int
    assignment_title: str
    trainee_id: int
    trainee_username: str
    trainee_name: str
    submitted_at: datetime
    reviews: int


@dataclass(frozen=True)
class ReviewSheet:
    """What the review screen shows: the transcript, the evaluator's grade, and the reviews so far."""

    session: PracticeSession
    evaluation: Evaluation
    evaluation_id: int
    reviews: tuple[Review, ...]
    final: FinalScores | None = None  # the scores that stand now (the newest review's, else the evaluator's)


def submit_for_review(
    store: Store,
    actor: Actor,
    session_id: str,
    *,
    personas: PersonaSource | None = None,
    grade: GradeFn | None = None,
    now: datetime | None = None,
) -> datetime:
    """A trainee submits their own assignment attempt for review (graded first if needed); returns when.

    Submitting again changes nothing. `grade` grades the session when no stored evaluation covers
    it yet (default: the offline evaluator, with the scenario's facts from `personas`).
    """
    with store.transaction() as db:
        row = visible_session_row(db, actor, session_id)
        if row.user_id != actor.id:
            raise NotFoundError(f"No session {session_id!r}.", hint="You can submit only your own sessions.")
        link = db.get(AssignmentSessionRow, session_id)
        if link is None:
            raise InputError(
                "Only attempts at a cohort assignment can be submitted for review.",
                hint="Start the assignment from your assignments list, then submit that session.",
            )
        if link.submitted_at is not None:
            return aware(link.submitted_at)
    session = store.load_session(session_id)
    if not session.trainee_turns():
        raise InputError("There is nothing to review yet.", hint="Answer the customer at least once, then submit.")
    if session.awaiting_reply:
        raise InputError("The customer has not answered your last message yet.", hint="Get their reply, then submit.")
    if grade is None:
        evaluation_for(store, session, None, facts=session_facts(personas, session))
    elif stored_evaluation(store, session) is None:
        save_evaluation(store, session_id, grade(session))
    with store.transaction() as db:
        link = db.get(AssignmentSessionRow, session_id)
        if link is None:  # pragma: no cover - links are never deleted on their own
            raise NotFoundError(f"No session {session_id!r}.")
        if link.submitted_at is None:
            link.submitted_at = now or now_utc()
        return aware(link.submitted_at)


def load_reviews(db: Session, session_ids: list[str]) -> dict[str, list[Review]]:
    """The reviews of these sessions, oldest first, keyed by session id."""
    found: dict[str, list[Review]] = defaultdict(list)
    if not session_ids:
        return found
    reviews = db.execute(
        select(ReviewRow, UserRow.username)
        .join(UserRow, UserRow.id == ReviewRow.grader_id)
        .where(ReviewRow.session_id.in_(session_ids))
        .order_by(ReviewRow.id)
    ).all()
    scores: dict[int, list[ReviewedSkill]] = defaultdict(list)
    ids = [r.id for r, _ in reviews]
    if ids:
        for s in db.scalars(select(ReviewScoreRow).where(ReviewScoreRow.review_id.in_(ids))):
            scores[s.review_id].append(ReviewedSkill(Skill(s.skill), s.evaluator_score, s.grader_score, s.comment))
    order = {skill: i for i, skill in enumerate(Skill)}
    for r, username in reviews:
        skills = tuple(sorted(scores[r.id], key=lambda s: order[s.skill]))
        found[r.session_id].append(
            Review(r.id, r.session_id, r.grader_id, username, r.evaluation_id, r.comment, aware(r.created_at), skills)
        )
    return found


def _reviewable(db: Session, actor: Actor, session_id: str) -> tuple[UserRow, SessionRow, AssignmentSessionRow]:
    """Checks for the review screen and for a review: a grader of the session's cohort, a submitted session."""
    user = require_role(db, actor, Role.GRADER, Role.ADMIN, doing="review sessions")
    row = db.get(SessionRow, session_id)
    if row is None:
        raise NotFoundError(f"No session {session_id!r}.", hint="Pick a session from the review queue.")
    link = db.get(AssignmentSessionRow, session_id)
    if link is None:  # free practice belongs to no cohort: private to its trainee
        raise NotFoundError(f"No session {session_id!r}.", hint="Pick a session from the review queue.")
    cohort_id = db.scalar(select(AssignmentRow.cohort_id).where(AssignmentRow.id == link.assignment_id))
    if cohort_id is None or not is_cohort_grader(db, user, cohort_id):  # read exactly like a made-up id
        raise NotFoundError(f"No session {session_id!r}.", hint="Pick a session from the review queue.")
    if link.submitted_at is None:
        raise InputError(
            "This session has not been submitted for review.", hint="Only submitted sessions are reviewed."
        )
    return user, row, link


def review_sheet(store: Store, actor: Actor, session_id: str) -> ReviewSheet:
    """The transcript, the evaluator's grade it was submitted with, and earlier reviews (graders of its cohort)."""
    with store.transaction() as db:
        _reviewable(db, actor, session_id)
        latest = latest_evaluations(db, [session_id]).get(session_id)
        evaluation = evaluation_of(latest.result) if latest is not None else None
        if latest is None or evaluation is None:
            raise InputError("This session has no evaluator grade to review.", hint="Ask the trainee to submit again.")
        reviews = tuple(load_reviews(db, [session_id]).get(session_id, []))
        evaluation_id = latest.id
        final = final_scores(db, [session_id]).get(session_id)
    return ReviewSheet(store.load_session(session_id), evaluation, evaluation_id, reviews, final)


def _decided(evaluation: Evaluation, decisions: Decisions) -> list[ReviewedSkill]:
    chosen: dict[Skill, SkillDecision] = {}
    for key, value in decisions.items():
        try:
            skill = Skill(key)
        except ValueError as exc:
            known = ", ".join(s.value for s in Skill)
            raise InputError(f"Unknown skill {key!r}.", hint=f"Skills are {known}.") from exc
        chosen[skill] = value if isinstance(value, SkillDecision) else SkillDecision(score=value)
    out = []
    for skill in Skill:
        decision = chosen.get(skill, SkillDecision())
        evaluator_score = evaluation.score(skill).score
        score = evaluator_score if decision.score is None else decision.score
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise InputError(f"The {skill.value} score must be a whole number from 1 to 5, not {score!r}.")
        comment = decision.comment.strip()
        if len(comment) > MAX_COMMENT_CHARS:
            raise InputError(
                f"The {skill.value} comment is too long.", hint=f"Keep it under {MAX_COMMENT_CHARS} chars."
            )
        if score != evaluator_score and not comment:
            raise InputError(
                f"Say why you changed {skill.value} from {evaluator_score} to {score}.",
                hint="An adjusted score needs a comment: the trainee and the calibration page read it.",
            )
        out.append(ReviewedSkill(skill, evaluator_score, score, comment))
    return out


def submit_review(
    store: Store,
    actor: Actor,
    session_id: str,
    decisions: Decisions | None = None,
    *,
    comment: str = "",
) -> Review:
    """A grader of the cohort reviews a submitted session; skills left out accept the evaluator's score.

    Both scores are kept. A second review of the same session by the same grader raises DuplicateError.
    """
    overall = comment.strip()
    if len(overall) > MAX_COMMENT_CHARS:
        raise InputError("The comment is too long.", hint=f"Keep it under {MAX_COMMENT_CHARS} characters.")
    try:
        with store.transaction() as db:
            user, row, _link = _reviewable(db, actor, session_id)
            if row.user_id == user.id:
                raise InputError("You cannot review your own session.", hint="Another grader has to review it.")
            earlier = db.scalar(
                select(ReviewRow).where(ReviewRow.session_id == session_id, ReviewRow.grader_id == user.id)
            )
            if earlier is not None:
                raise _duplicate(earlier.created_at)
            latest = latest_evaluations(db, [session_id]).get(session_id)
            evaluation = evaluation_of(latest.result) if latest is not None else None
            if latest is None or evaluation is None:
                raise InputError("This session has no evaluator grade to review.", hint="Ask the trainee to resubmit.")
            skills = _decided(evaluation, decisions or {})
            review = ReviewRow(session_id=session_id, grader_id=user.id, evaluation_id=latest.id, comment=overall)
            db.add(review)
            db.flush()
            for s in skills:
                db.add(
                    ReviewScoreRow(
                        review_id=review.id,
                        skill=s.skill.value,
                        evaluator_score=s.evaluator_score,
                        grader_score=s.grader_score,
                        comment=s.comment,
                    )
                )
            db.flush()
            return Review(
                review.id,
                session_id,
                user.id,
                user.username,
                latest.id,
                overall,
                aware(review.created_at),
                tuple(skills),
            )
    except IntegrityError as exc:  # the same grader saving twice at the same moment (two tabs)
        raise _duplicate(None) from exc


def _duplicate(when: datetime | None) -> DuplicateError:
    at = f" on {aware(when):%d %B %Y at %H:%M UTC}" if when else ""
    return DuplicateError(
        f"You already reviewed this session{at}.",
        hint="A review is kept as it was written; pick another session from the queue.",
    )


def reviews_of(store: Store, actor: Actor, session_id: str) -> list[Review]:
    """The reviews of a session, for its trainee and the graders who may see it."""
    with store.transaction() as db:
        visible_session_row(db, actor, session_id)
        return load_reviews(db, [session_id]).get(session_id, [])


def review_queue(
    store: Store, actor: Actor, *, cohort_id: int | None = None, include_reviewed: bool = False
) -> list[QueueItem]:
    """Submitted sessions of the cohorts the actor grades, oldest first; ones they reviewed are left out."""
    with store.transaction() as db:
        user = require_role(db, actor, Role.GRADER, Role.ADMIN, doing="see the review queue")
        query = (
            select(AssignmentSessionRow, AssignmentRow, CohortRow, UserRow)
            .join(AssignmentRow, AssignmentRow.id == AssignmentSessionRow.assignment_id)
            .join(CohortRow, CohortRow.id == AssignmentRow.cohort_id)
            .join(SessionRow, SessionRow.id == AssignmentSessionRow.session_id)
            .join(UserRow, UserRow.id == SessionRow.user_id)
            .where(AssignmentSessionRow.submitted_at.is_not(None), SessionRow.user_id != user.id)
            .order_by(AssignmentSessionRow.submitted_at, AssignmentSessionRow.session_id)
        )
        if user.role != Role.ADMIN:
            query = query.where(AssignmentRow.cohort_id.in_(graded_cohort_ids(db, user.id)))
        if cohort_id is not None:
            require_cohort_grader(db, user, cohort_id, doing="see its review queue")
            query = query.where(AssignmentRow.cohort_id == cohort_id)
        rows = db.execute(query).all()
        reviews = load_reviews(db, [link.session_id for link, *_ in rows])
        items = []
        for link, assignment, cohort, trainee in rows:
            done = reviews.get(link.session_id, [])
            if not include_reviewed and any(r.grader_id == user.id for r in done):
                continue
            items.append(
                QueueItem(
                    session_id=link.session_id,
                    cohort_id=cohort.id,
                    cohort_name=cohort.name,
                    assignment_id=assignment.id,
                    assignment_title=assignment.title,
                    trainee_id=trainee.id,
                    trainee_username=trainee.username,
                    trainee_name=trainee.display_name,
                    submitted_at=aware(link.submitted_at or link.linked_at),
                    reviews=len(done),
                )
            )
        return items


# -- a session's final scores: the one place a grader's review and the evaluator's grade meet -------
class ScoreSource(StrEnum):
    """Where a final score came from."""

    EVALUATOR = "evaluator"  # nobody reviewed the session: the evaluator's stored grade
    CONFIRMED = "confirmed"  # a grader reviewed it and kept the evaluator's score
    GRADER = "grader"  # a grader reviewed it and set another score


@dataclass(frozen=True)
class FinalScore:
    """One skill's final score, where it came from, and the evaluator's score beside it."""

    skill: Skill
    score: int
    source: ScoreSource
    evaluator_score: int
    comment: str = ""


@dataclass(frozen=True)
class FinalScores:
    """A session's final scores: the newest review's where a grader reviewed it, else the evaluator's grade.

    Every score shown for a session (dashboard, CSV, trainee status, debrief, review, history,
    exports) comes from here, so a grader's override reaches all of them at once.
    """

    session_id: str
    evaluator: str
    skills: tuple[FinalScore, ...]
    review: Review | None = None

    @property
    def reviewed(self) -> bool:
        """True when a grader reviewed the session (the scores are the grader's)."""
        return self.review is not None

    @property
    def scores(self) -> dict[Skill, int]:
        """Each skill's final score."""
        return {s.skill: s.score for s in self.skills}

    @property
    def mean(self) -> float:
        """Mean of the six final scores."""
        return sum(s.score for s in self.skills) / len(self.skills)

    @property
    def source(self) -> str:
        """ "review by <grader>" or "evaluator <name>", for one-line captions."""
        if self.review is not None:
            return f"review by {self.review.grader_username}"
        return f"evaluator {self.evaluator}"

    def score(self, skill: Skill | str) -> FinalScore:
        """The final score of one skill."""
        return next(s for s in self.skills if s.skill == Skill(skill))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: per skill the score, its source and the evaluator's score (the exports' `final_scores`)."""
        review = self.review
        return {
            "source": "review" if review is not None else "evaluator",
            "evaluator": self.evaluator,
            "reviewed_by": review.grader_username if review is not None else None,
            "reviewed_at": review.created_at.isoformat() if review is not None else None,
            "review_comment": review.comment if review is not None else None,
            "mean": round(self.mean, 2),
            "skills": {
                s.skill.value: {
                    "score": s.score,
                    "source": s.source.value,
                    "evaluator_score": s.evaluator_score,
                    "comment": s.comment,
                }
                for s in self.skills
            },
        }


def final_scores(db: Session, session_ids: list[str]) -> dict[str, FinalScores]:
    """The final scores of each of these sessions that has a usable grade (see FinalScores).

    The newest review wins: its grader scores are final, marked GRADER where they differ from the
    evaluator's and CONFIRMED where the grader kept them. A session nobody reviewed keeps its newest
    stored evaluation's scores (EVALUATOR). A session with neither is left out.
    """
    found: dict[str, FinalScores] = {}
    if not session_ids:
        return found
    evaluations = latest_evaluations(db, session_ids)
    reviews = load_reviews(db, session_ids)
    for session_id in session_ids:
        done = reviews.get(session_id)
        row = evaluations.get(session_id)
        evaluator = row.evaluator if row is not None else ""
        if done:
            newest = done[-1]
            skills = tuple(
                FinalScore(
                    s.skill,
                    s.grader_score,
                    ScoreSource.GRADER if s.adjusted else ScoreSource.CONFIRMED,
                    s.evaluator_score,
                    s.comment,
                )
                for s in newest.skills
            )
            if len(skills) == len(Skill):
                found[session_id] = FinalScores(session_id, evaluator, skills, newest)
                continue
        scores = skill_scores(row.result) if row is not None else None
        if scores is not None:
            skills = tuple(FinalScore(s, scores[s], ScoreSource.EVALUATOR, scores[s]) for s in Skill)
            found[session_id] = FinalScores(session_id, evaluator, skills)
    return found


def session_final_scores(store: Store, session_id: str) -> FinalScores | None:
    """A session's final scores, with no access check (for the CLI, an operator tool, and owners' exports)."""
    with store.transaction() as db:
        return final_scores(db, [session_id]).get(session_id)


def final_scores_of(store: Store, actor: Actor, session_id: str) -> FinalScores | None:
    """A session's final scores, for its trainee and the graders who may see it (None if not graded)."""
    with store.transaction() as db:
        visible_session_row(db, actor, session_id)
        return final_scores(db, [session_id]).get(session_id)


def own_final_scores(store: Store, actor: Actor, session_ids: list[str]) -> dict[str, FinalScores]:
    """The final scores of those of these sessions that are the actor's own (for My sessions)."""
    with store.transaction() as db:
        mine = list(
            db.scalars(select(SessionRow.id).where(SessionRow.id.in_(session_ids), SessionRow.user_id == actor.id))
        )
        return final_scores(db, mine)
