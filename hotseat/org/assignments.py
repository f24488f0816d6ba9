"""Assignments: what a cohort must practise, each trainee's status, and the sessions that are attempts at it.

An attempt is a practice session linked to the assignment. It is finished when the conversation
ended or the trainee submitted it for review; the first `attempts_counted` finished attempts count,
and the assignment is done once that many are finished.

A trainee's own view (`assignments_for`) carries each attempt's final scores (a grader's review
wins over the evaluator) and, when a company standard applies, whether it passed (see standards.py).

Deleting an assignment is refused once anyone has an attempt at it: its sessions, reviews and
dashboard figures stay true. Close it instead by moving its due date to today.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hotseat.errors import ConfigError, InputError, NotFoundError
from hotseat.org.access import current_user, is_cohort_grader, require_role
from hotseat.org.accounts import Actor, Role
from hotseat.org.cohorts import cohort_row
from hotseat.org.reviews import FinalScores, final_scores
from hotseat.org.standards import Standard, Verdict, standards_for, verdict
from hotseat.org.timeutil import aware, due_moment, now_utc
from hotseat.practice.personas import Difficulty, PersonaSource
from hotseat.practice.session import PracticeSession
from hotseat.storage import Store
from hotseat.storage.schema import (
    AssignmentRow,
    AssignmentSessionRow,
    CohortMemberRow,
    CohortRow,
    SessionRow,
    StandardRow,
)

if TYPE_CHECKING:
    from hotseat.practice.engine import PracticeEngine

MAX_ATTEMPTS_COUNTED = 20


class AssignmentStatus(StrEnum):
    """Where a trainee stands on one assignment."""

    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    DONE = "done"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Assignment:
    """One assignment of a cohort."""

    id: int
    cohort_id: int
    title: str
    persona_id: str
    scenario_id: str
    difficulty: Difficulty
    due_at: datetime | None
    attempts_counted: int
    created_at: datetime
    persona_version: int | None = None  # a custom persona's pinned version; None: the latest published

    def closed(self, now: datetime | None = None) -> bool:
        """True once the due date has passed."""
        return self.due_at is not None and (now or now_utc()) > self.due_at


@dataclass(frozen=True)
class Attempt:
    """One session played for an assignment."""

    session_id: str
    assignment_id: int
    user_id: int
    attempt: int
    started_at: datetime
    finished: bool
    submitted: bool
    counted: bool = False
    final: FinalScores | None = None  # filled for the trainee's own view (assignments_for)
    verdict: Verdict | None = None  # against the standard that applies, when there is one

    @property
    def reviewed(self) -> bool:
        """True once a grader reviewed the attempt."""
        return self.final is not None and self.final.reviewed

    @property
    def state(self) -> str:
        """In words: "reviewed", "submitted for review", "finished" or "in progress"."""
        if self.reviewed:
            return "reviewed"
        if self.submitted:
            return "submitted for review"
        return "finished" if self.finished else "in progress"


@dataclass(frozen=True)
class AssignmentProgress:
    """A trainee's status on one assignment, with their attempts (oldest first)."""

    assignment: Assignment
    cohort_name: str
    status: AssignmentStatus
    attempts: tuple[Attempt, ...] = field(default_factory=tuple)
    standard: Standard | None = None

    @property
    def finished(self) -> int:
        """How many attempts are finished."""
        return sum(a.finished for a in self.attempts)

    @property
    def verdict(self) -> Verdict | None:
        """Against the standard: a passing counted attempt, else the newest graded counted one (None: no verdict)."""
        judged = [a.verdict for a in self.attempts if a.counted and a.verdict is not None]
        return next((v for v in judged if v.passed), judged[-1] if judged else None)


def assignment_of(row: AssignmentRow) -> Assignment:
    """The Assignment for a row."""
    return Assignment(
        id=row.id,
        cohort_id=row.cohort_id,
        title=row.title,
        persona_id=row.persona_id,
        scenario_id=row.scenario_id,
        difficulty=Difficulty(row.difficulty),
        due_at=aware(row.due_at) if row.due_at else None,
        attempts_counted=row.attempts_counted,
        created_at=aware(row.created_at),
        persona_version=row.persona_version,
    )


def mark_counted(attempts: list[Attempt], attempts_counted: int) -> list[Attempt]:
    """The attempts in order, the first `attempts_counted` finished ones marked as counted."""
    ordered = sorted(attempts, key=lambda a: (a.attempt, a.started_at))
    out: list[Attempt] = []
    counted = 0
    for a in ordered:
        counts = a.finished and counted < attempts_counted
        counted += counts
        out.append(replace(a, counted=counts))
    return out


def status_of(assignment: Assignment, attempts: list[Attempt], now: datetime | None = None) -> AssignmentStatus:
    """Done once enough attempts are finished; overdue past the due date; in progress once started."""
    if sum(a.finished for a in attempts) >= assignment.attempts_counted:
        return AssignmentStatus.DONE
    if assignment.closed(now):
        return AssignmentStatus.OVERDUE
    return AssignmentStatus.IN_PROGRESS if attempts else AssignmentStatus.NOT_STARTED


def attempts_by_trainee(db: Session, assignment_ids: list[int]) -> dict[tuple[int, int], list[Attempt]]:
    """Every attempt at these assignments, keyed by (assignment id, user id), counted ones marked."""
    found: dict[tuple[int, int], list[Attempt]] = defaultdict(list)
    if not assignment_ids:
        return found
    query = (
        select(AssignmentSessionRow, SessionRow.user_id, SessionRow.status)
        .join(SessionRow, SessionRow.id == AssignmentSessionRow.session_id)
        .where(AssignmentSessionRow.assignment_id.in_(assignment_ids), SessionRow.user_id.is_not(None))
    )
    for link, owner, status in db.execute(query):
        user_id = int(owner or 0)  # never 0: sessions without an owner are filtered out above
        finished = status != "active" or link.submitted_at is not None
        attempt = Attempt(
            session_id=link.session_id,
            assignment_id=link.assignment_id,
            user_id=user_id,
            attempt=link.attempt,
            started_at=aware(link.linked_at),
            finished=finished,
            submitted=link.submitted_at is not None,
        )
        found[(link.assignment_id, user_id)].append(attempt)
    limits = dict(
        db.execute(
            select(AssignmentRow.id, AssignmentRow.attempts_counted).where(AssignmentRow.id.in_(assignment_ids))
        ).all()
    )
    return defaultdict(list, {key: mark_counted(value, limits[key[0]]) for key, value in found.items()})


def create_assignment(
    store: Store,
    actor: Actor,
    cohort_id: int,
    *,
    personas: PersonaSource,
    persona_id: str,
    persona_version: int | None = None,
    scenario_id: str | None = None,
    difficulty: Difficulty | str = Difficulty.UPSET,
    due: datetime | date | None = None,
    attempts_counted: int = 1,
    title: str = "",
) -> Assignment:
    """An admin sets an assignment; persona and scenario must exist (unknown ids suggest the closest).

    A custom persona must be published; `persona_version` pins one of its published versions (None: each
    attempt plays the latest published version).
    """
    persona, _version = personas.resolve(persona_id, persona_version, published_only=True)
    scenario = persona.scenario(scenario_id)
    try:
        level = Difficulty(difficulty)
    except ValueError as exc:
        choices = ", ".join(d.value for d in Difficulty)
        raise InputError(f"Unknown difficulty {difficulty!r}.", hint=f"Choose one of {choices}.") from exc
    if not 1 <= attempts_counted <= MAX_ATTEMPTS_COUNTED:
        raise InputError(
            f"Attempts that count must be 1–{MAX_ATTEMPTS_COUNTED}, not {attempts_counted}.",
            hint="Most assignments count one attempt.",
        )
    due_at = due_moment(due)
    if due_at is not None and due_at <= now_utc():
        raise InputError("The due date has already passed.", hint="Pick a date in the future.")
    name = " ".join(title.split()) or f"{persona.title}: {scenario.title}"
    with store.transaction() as db:
        admin = require_role(db, actor, Role.ADMIN, doing="set assignments")
        cohort_row(db, cohort_id)
        row = AssignmentRow(
            cohort_id=cohort_id,
            title=name[:200],
            persona_id=persona.id,
            persona_version=persona_version,
            scenario_id=scenario.id,
            difficulty=level.value,
            due_at=due_at,
            attempts_counted=attempts_counted,
            created_by=admin.id,
        )
        db.add(row)
        db.flush()
        return assignment_of(row)


def _visible_assignment(db: Session, actor: Actor, assignment_id: int) -> tuple[AssignmentRow, bool]:
    """The assignment and whether the actor is a trainee in its cohort; NotFoundError if not visible."""
    user = current_user(db, actor)
    row = db.get(AssignmentRow, assignment_id)
    if row is not None:
        role = db.scalar(
            select(CohortMemberRow.role).where(
                CohortMemberRow.cohort_id == row.cohort_id, CohortMemberRow.user_id == user.id
            )
        )
        if role == Role.TRAINEE:
            return row, True
        if is_cohort_grader(db, user, row.cohort_id):
            return row, False
    raise NotFoundError(f"No assignment with id {assignment_id}.", hint="Pick one of the assignments listed for you.")


def get_assignment(store: Store, actor: Actor, assignment_id: int) -> Assignment:
    """An assignment, for members of its cohort."""
    with store.transaction() as db:
        row, _ = _visible_assignment(db, actor, assignment_id)
        return assignment_of(row)


def list_assignments(store: Store, actor: Actor, cohort_id: int) -> list[Assignment]:
    """A cohort's assignments by due date, for its members, graders and admins."""
    with store.transaction() as db:
        user = current_user(db, actor)
        cohort_row(db, cohort_id)
        member = db.scalar(
            select(func.count())
            .select_from(CohortMemberRow)
            .where(CohortMemberRow.cohort_id == cohort_id, CohortMemberRow.user_id == user.id)
        )
        if not member and not is_cohort_grader(db, user, cohort_id):
            raise NotFoundError(f"No cohort with id {cohort_id}.", hint="Pick one of the cohorts listed for you.")
        rows = db.scalars(select(AssignmentRow).where(AssignmentRow.cohort_id == cohort_id).order_by(AssignmentRow.id))
        return sorted((assignment_of(r) for r in rows), key=_due_order)


def _due_order(a: Assignment) -> tuple[bool, datetime, int]:
    return (a.due_at is None, a.due_at or a.created_at, a.id)


def assignments_for(store: Store, actor: Actor, *, now: datetime | None = None) -> list[AssignmentProgress]:
    """The actor's own assignments in every cohort they joined as a trainee, with status, by due date."""
    with store.transaction() as db:
        user = current_user(db, actor)
        query = (
            select(AssignmentRow, CohortRow.name)
            .join(CohortRow, CohortRow.id == AssignmentRow.cohort_id)
            .join(CohortMemberRow, CohortMemberRow.cohort_id == CohortRow.id)
            .where(CohortMemberRow.user_id == user.id, CohortMemberRow.role == Role.TRAINEE.value)
        )
        rows = db.execute(query).all()
        attempts = attempts_by_trainee(db, [r.id for r, _ in rows])
        standards = standards_for(db, [r.id for r, _ in rows])
        finals = final_scores(
            db, [a.session_id for (_, owner), group in attempts.items() if owner == user.id for a in group]
        )
        progress = []
        for row, cohort_name in rows:
            assignment = assignment_of(row)
            standard = standards.get(row.id)
            mine = [with_final(a, finals.get(a.session_id), standard) for a in attempts.get((row.id, user.id), [])]
            status = status_of(assignment, mine, now)
            progress.append(AssignmentProgress(assignment, cohort_name, status, tuple(mine), standard))
        return sorted(progress, key=lambda p: _due_order(p.assignment))


def with_final(attempt: Attempt, final: FinalScores | None, standard: Standard | None) -> Attempt:
    """The attempt with its final scores and, when a standard applies, its verdict."""
    judged = verdict(standard, final) if standard is not None and final is not None else None
    return replace(attempt, final=final, verdict=judged)


def _closed_error(assignment: Assignment) -> InputError:
    when = assignment.due_at.strftime("%d %B %Y at %H:%M UTC") if assignment.due_at else ""
    return InputError(
        f"The assignment '{assignment.title}' closed on {when}.",
        hint="Ask your trainer to extend it; you can still practise this customer on your own.",
    )


def _startable(db: Session, actor: Actor, assignment_id: int, now: datetime | None) -> Assignment:
    row, is_trainee = _visible_assignment(db, actor, assignment_id)
    if not is_trainee:
        raise InputError("Only trainees of the cohort practise its assignments.", hint="Graders review them.")
    assignment = assignment_of(row)
    if assignment.closed(now):
        raise _closed_error(assignment)
    return assignment


def _link(db: Session, session_id: str, assignment_id: int, user_id: int) -> Attempt:
    previous = db.scalar(
        select(func.count())
        .select_from(AssignmentSessionRow)
        .join(SessionRow, SessionRow.id == AssignmentSessionRow.session_id)
        .where(AssignmentSessionRow.assignment_id == assignment_id, SessionRow.user_id == user_id)
    )
    link = AssignmentSessionRow(session_id=session_id, assignment_id=assignment_id, attempt=int(previous or 0) + 1)
    db.add(link)
    db.flush()
    return Attempt(session_id, assignment_id, user_id, link.attempt, aware(link.linked_at), False, False)


def start_assignment(
    engine: PracticeEngine, actor: Actor, assignment_id: int, *, now: datetime | None = None
) -> PracticeSession:
    """A trainee starts an attempt: a new session with the assignment's customer, linked to it."""
    store = engine.store
    if not isinstance(store, Store):  # cohorts live in the database, beside the sessions
        raise ConfigError("Assignments need the database store.", hint="Build the engine with hotseat.storage.Store.")
    with store.transaction() as db:
        assignment = _startable(db, actor, assignment_id, now)
    session = engine.start(
        assignment.persona_id,
        assignment.scenario_id,
        assignment.difficulty,
        user_id=actor.id,
        persona_version=assignment.persona_version,
    )
    with store.transaction() as db:
        _link(db, session.id, assignment.id, actor.id)
    return session


def link_session(
    store: Store, actor: Actor, session_id: str, assignment_id: int, *, now: datetime | None = None
) -> Attempt:
    """A trainee counts one of their own sessions (same customer, scenario, difficulty) as an attempt."""
    with store.transaction() as db:
        assignment = _startable(db, actor, assignment_id, now)
        session = db.get(SessionRow, session_id)
        if session is None or session.user_id != actor.id:
            raise NotFoundError(f"No session {session_id!r}.", hint="Pick one of your own sessions.")
        existing = db.get(AssignmentSessionRow, session_id)
        if existing is not None:
            if existing.assignment_id == assignment_id:
                submitted = existing.submitted_at is not None
                return Attempt(
                    session_id, assignment_id, actor.id, existing.attempt, aware(existing.linked_at), False, submitted
                )
            raise InputError("This session already counts for another assignment.", hint="Start a new session.")
        wanted = (assignment.persona_id, assignment.scenario_id, assignment.difficulty.value)
        pinned = assignment.persona_version
        if (session.persona_id, session.scenario_id, session.difficulty) != wanted or (
            pinned is not None and session.persona_version != pinned
        ):
            raise InputError(
                "This session is not with the assignment's customer, scenario and difficulty.",
                hint=f"Start the assignment '{assignment.title}' instead.",
            )
        return _link(db, session_id, assignment_id, actor.id)


def update_assignment(
    store: Store,
    actor: Actor,
    assignment_id: int,
    *,
    title: str | None = None,
    due: datetime | date | None = None,
    clear_due: bool = False,
    difficulty: Difficulty | str | None = None,
    attempts_counted: int | None = None,
    personas: PersonaSource | None = None,
    persona_version: int | None = None,
    unpin: bool = False,
) -> Assignment:
    """An admin edits an assignment; arguments left None stay as they are.

    A new due date must be in the future (an unchanged past one is kept); the difficulty can change
    only while nobody has an attempt (their sessions were played at the old one). `persona_version`
    pins a published version of the assignment's custom persona (checked with `personas`), `unpin`
    goes back to the latest published one; attempts already played keep the version they were played on.
    """
    if persona_version is not None:
        if personas is None:
            raise ConfigError("Pinning a version needs the personas.", hint="Pass personas=services.personas.")
        with store.transaction() as db:
            require_role(db, actor, Role.ADMIN, doing="edit assignments")
            row = db.get(AssignmentRow, assignment_id)
            persona_id = row.persona_id if row is not None else ""
        if persona_id:  # a missing assignment is refused below; a built-in persona has no versions to pin
            personas.resolve(persona_id, persona_version, published_only=True)
    with store.transaction() as db:
        require_role(db, actor, Role.ADMIN, doing="edit assignments")
        row = db.get(AssignmentRow, assignment_id)
        if row is None:
            raise NotFoundError(f"No assignment with id {assignment_id}.", hint="Pick one of the assignments listed.")
        if title is not None:
            name = " ".join(title.split())
            if not name:
                raise InputError("The title cannot be empty.", hint="Name what the trainees practise.")
            row.title = name[:200]
        if clear_due:
            row.due_at = None
        elif due is not None:
            due_at = due_moment(due)
            if due_at is not None and (row.due_at is None or due_at != aware(row.due_at)):
                if due_at <= now_utc():
                    raise InputError("The due date has already passed.", hint="Pick today or a later date.")
                row.due_at = due_at
        if attempts_counted is not None:
            if not 1 <= attempts_counted <= MAX_ATTEMPTS_COUNTED:
                raise InputError(
                    f"Attempts that count must be 1–{MAX_ATTEMPTS_COUNTED}, not {attempts_counted}.",
                    hint="Most assignments count one attempt.",
                )
            row.attempts_counted = attempts_counted
        if difficulty is not None:
            try:
                level = Difficulty(difficulty)
            except ValueError as exc:
                choices = ", ".join(d.value for d in Difficulty)
                raise InputError(f"Unknown difficulty {difficulty!r}.", hint=f"Choose one of {choices}.") from exc
            if level.value != row.difficulty:
                if _attempt_count(db, assignment_id):
                    raise InputError(
                        "Trainees already played this assignment at its difficulty; it cannot change now.",
                        hint="Create a new assignment at the other difficulty.",
                    )
                row.difficulty = level.value
        if unpin:
            row.persona_version = None
        elif persona_version is not None:
            row.persona_version = persona_version
        db.flush()
        return assignment_of(row)


def _attempt_count(db: Session, assignment_id: int) -> int:
    count = db.scalar(
        select(func.count())
        .select_from(AssignmentSessionRow)
        .where(AssignmentSessionRow.assignment_id == assignment_id)
    )
    return int(count or 0)


def delete_assignment(store: Store, actor: Actor, assignment_id: int) -> None:
    """An admin deletes an assignment nobody has started (its own standard goes with it).

    Refused once there is an attempt: deleting would unlink sessions from their cohort, hiding
    them and their reviews from the graders and the dashboard. Sessions are never deleted here.
    """
    with store.transaction() as db:
        require_role(db, actor, Role.ADMIN, doing="delete assignments")
        row = db.get(AssignmentRow, assignment_id)
        if row is None:
            raise NotFoundError(f"No assignment with id {assignment_id}.", hint="Pick one of the assignments listed.")
        attempts = _attempt_count(db, assignment_id)
        if attempts:
            raise InputError(
                f"'{row.title}' has {attempts} attempt(s) by trainees, so it cannot be deleted.",
                hint="Their sessions and reviews stay with it. Close it instead: set its due date to today.",
            )
        db.execute(delete(StandardRow).where(StandardRow.assignment_id == assignment_id))
        db.delete(row)
