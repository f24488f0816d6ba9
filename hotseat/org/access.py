"""Who may see what. A trainee sees their own sessions; a grader, the sessions of the cohorts they grade.

A session another user may not see is reported exactly like a session that does not exist.
Admins see every session that belongs to a cohort, plus their own; free practice stays private (in the app:
the CLI is an operator tool, see README).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotseat.errors import AccessDenied, NotFoundError
from hotseat.org.accounts import Actor, Role
from hotseat.practice.session import PracticeSession
from hotseat.storage import Store
from hotseat.storage.schema import (
    AssignmentRow,
    AssignmentSessionRow,
    CohortMemberRow,
    CohortRow,
    SessionRow,
    UserRow,
)


def current_user(db: Session, actor: Actor) -> UserRow:
    """The actor's row, read fresh (so a changed role counts at once); AccessDenied if it is gone."""
    row = db.get(UserRow, actor.id)
    if row is None or row.username != actor.username:
        raise AccessDenied("Your account no longer exists.", hint="Sign in again.")
    if not row.active:
        raise AccessDenied("This account is deactivated.", hint="Ask an admin of your organisation to reactivate it.")
    return row


def require_role(db: Session, actor: Actor, *roles: Role, doing: str) -> UserRow:
    """The actor's row if their current role is one of `roles`; else AccessDenied saying what was refused."""
    row = current_user(db, actor)
    if Role(row.role) not in roles:
        allowed = " or ".join(r.value for r in roles)
        article = "an" if allowed[0] in "aeiou" else "a"
        raise AccessDenied(f"Only {article} {allowed} can {doing}.", hint="Ask an admin if you need this.")
    return row


def graded_cohort_ids(db: Session, user_id: int) -> set[int]:
    """The cohorts this user grades."""
    query = select(CohortMemberRow.cohort_id).where(
        CohortMemberRow.user_id == user_id, CohortMemberRow.role == Role.GRADER.value
    )
    return set(db.scalars(query))


def is_cohort_grader(db: Session, user: UserRow, cohort_id: int) -> bool:
    """True for an admin, or a grader of this cohort."""
    return user.role == Role.ADMIN or cohort_id in graded_cohort_ids(db, user.id)


def cohort_not_found(cohort_id: int) -> NotFoundError:
    """The one answer for a cohort that does not exist and for one the user may not know about."""
    return NotFoundError(f"No cohort with id {cohort_id}.", hint="Pick one of the cohorts listed for you.")


def require_cohort_grader(db: Session, user: UserRow, cohort_id: int, *, doing: str) -> CohortRow:
    """The cohort's row if `user` is its admin or grader.

    A trainee of the cohort (who knows it exists) gets AccessDenied saying what was refused; anyone
    else gets the same NotFoundError as for a cohort that does not exist.
    """
    row = db.get(CohortRow, cohort_id)
    if row is not None and is_cohort_grader(db, user, cohort_id):
        return row
    member = db.scalar(
        select(CohortMemberRow.id).where(CohortMemberRow.cohort_id == cohort_id, CohortMemberRow.user_id == user.id)
    )
    if row is not None and member is not None:
        raise AccessDenied(f"Only the cohort's graders and admins can {doing}.", hint="Ask an admin if you need this.")
    raise cohort_not_found(cohort_id)


def session_cohort_id(db: Session, session_id: str) -> int | None:
    """The cohort a session belongs to through its assignment, or None for free practice."""
    query = (
        select(AssignmentRow.cohort_id)
        .join(AssignmentSessionRow, AssignmentSessionRow.assignment_id == AssignmentRow.id)
        .where(AssignmentSessionRow.session_id == session_id)
    )
    return db.scalar(query)


def _not_found(session_id: str) -> NotFoundError:
    return NotFoundError(f"No session {session_id!r}.", hint="Pick one of the sessions listed for you.")


def visible_session_row(db: Session, actor: Actor, session_id: str) -> SessionRow:
    """The session's row if the actor may see it; otherwise NotFoundError, as if it did not exist."""
    user = current_user(db, actor)
    row = db.get(SessionRow, session_id)
    if row is None:
        raise _not_found(session_id)
    if row.user_id == user.id:
        return row
    if user.role in (Role.GRADER, Role.ADMIN):
        cohort_id = session_cohort_id(db, session_id)
        if cohort_id is not None and is_cohort_grader(db, user, cohort_id):
            return row
    raise _not_found(session_id)


def get_session_for(store: Store, actor: Actor, session_id: str) -> PracticeSession:
    """A session with its turns, if `actor` may see it; NotFoundError otherwise."""
    with store.transaction() as db:
        visible_session_row(db, actor, session_id)
    return store.load_session(session_id)


def visible_session_ids(db: Session, actor: Actor, *, cohort_id: int | None = None, limit: int = 200) -> list[str]:
    """Ids of the sessions the actor may see (newest first); with `cohort_id`, only that cohort's."""
    user = current_user(db, actor)
    linked = (
        select(SessionRow.id, SessionRow.created_at)
        .join(AssignmentSessionRow, AssignmentSessionRow.session_id == SessionRow.id)
        .join(AssignmentRow, AssignmentRow.id == AssignmentSessionRow.assignment_id)
    )
    if cohort_id is not None:
        if user.role == Role.TRAINEE or not is_cohort_grader(db, user, cohort_id):
            query = linked.where(AssignmentRow.cohort_id == cohort_id, SessionRow.user_id == user.id)
        else:
            query = linked.where(AssignmentRow.cohort_id == cohort_id)
    elif user.role == Role.ADMIN:
        query = select(SessionRow.id, SessionRow.created_at).where(
            (SessionRow.user_id == user.id) | SessionRow.id.in_(select(AssignmentSessionRow.session_id))
        )
    elif user.role == Role.GRADER:
        cohorts = graded_cohort_ids(db, user.id)
        query = select(SessionRow.id, SessionRow.created_at).where(
            (SessionRow.user_id == user.id)
            | SessionRow.id.in_(
                select(AssignmentSessionRow.session_id)
                .join(AssignmentRow, AssignmentRow.id == AssignmentSessionRow.assignment_id)
                .where(AssignmentRow.cohort_id.in_(cohorts))
            )
        )
    else:
        query = select(SessionRow.id, SessionRow.created_at).where(SessionRow.user_id == user.id)
    rows = db.execute(query.order_by(SessionRow.created_at.desc()).limit(limit)).all()
    return [r[0] for r in rows]


def list_sessions_for(
    store: Store, actor: Actor, *, cohort_id: int | None = None, limit: int = 200
) -> list[PracticeSession]:
    """The sessions the actor may see, newest first, with their turns."""
    with store.transaction() as db:
        ids = visible_session_ids(db, actor, cohort_id=cohort_id, limit=limit)
    return store.load_sessions(ids)
