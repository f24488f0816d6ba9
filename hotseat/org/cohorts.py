"""Cohorts: created by admins with a random join code; graders added by admins; trainees join with the code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotseat.errors import AccessDenied, InputError, NotFoundError, StorageError
from hotseat.org.access import (
    cohort_not_found,
    current_user,
    graded_cohort_ids,
    is_cohort_grader,
    require_cohort_grader,
    require_role,
)
from hotseat.org.accounts import Actor, Role
from hotseat.org.codes import UPPER, random_code
from hotseat.org.timeutil import aware
from hotseat.storage import Store
from hotseat.storage.schema import CohortMemberRow, CohortRow, UserRow

CODE_ALPHABET = UPPER  # nothing to misread (see hotseat.org.codes)
CODE_LENGTH = 8


@dataclass(frozen=True)
class Cohort:
    """A cohort as its viewer may see it (`join_code` is None for trainees)."""

    id: int
    name: str
    join_code: str | None
    created_at: datetime
    trainees: int
    graders: int
    self_signup: bool = True  # trainees may make their own account with the join code


@dataclass(frozen=True)
class Member:
    """A user's place in a cohort."""

    user_id: int
    username: str
    display_name: str
    role: Role
    joined_at: datetime


def new_join_code() -> str:
    """A random join code (from `secrets`), stored without its dash."""
    return random_code(CODE_ALPHABET, CODE_LENGTH)


def normalise_join_code(raw: str) -> str:
    """The code as stored: upper case, spaces and dashes dropped (so 'abcd-efgh' works)."""
    return "".join(ch for ch in raw.upper() if ch not in " -\t")


def format_join_code(code: str) -> str:
    """The code as shown: two groups of four, 'ABCD-EFGH'."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def cohort_row(db: Session, cohort_id: int) -> CohortRow:
    """The cohort's row, or NotFoundError."""
    row = db.get(CohortRow, cohort_id)
    if row is None:
        raise cohort_not_found(cohort_id)
    return row


def _view(db: Session, row: CohortRow, *, show_code: bool) -> Cohort:
    counts = dict(
        db.execute(
            select(CohortMemberRow.role, func.count())
            .where(CohortMemberRow.cohort_id == row.id)
            .group_by(CohortMemberRow.role)
        ).all()
    )
    return Cohort(
        id=row.id,
        name=row.name,
        join_code=format_join_code(row.join_code) if show_code else None,
        created_at=aware(row.created_at),
        trainees=int(counts.get(Role.TRAINEE.value, 0)),
        graders=int(counts.get(Role.GRADER.value, 0)),
        self_signup=row.self_signup,
    )


def create_cohort(store: Store, actor: Actor, name: str) -> Cohort:
    """An admin creates a cohort; it gets a fresh random join code."""
    clean = " ".join(name.split())
    if not clean or len(clean) > 200:
        raise InputError("A cohort needs a name of 1–200 characters.", hint="e.g. 'Support onboarding, March'.")
    for _ in range(5):
        try:
            with store.transaction() as db:
                admin = require_role(db, actor, Role.ADMIN, doing="create cohorts")
                row = CohortRow(name=clean, join_code=new_join_code(), created_by=admin.id)
                db.add(row)
                db.flush()
                return _view(db, row, show_code=True)
        except IntegrityError:  # the same code drawn twice: draw again
            continue
    raise StorageError("Could not draw an unused join code.", hint="Try again.")  # pragma: no cover


def rotate_join_code(store: Store, actor: Actor, cohort_id: int) -> str:
    """An admin replaces a cohort's join code (the old one stops working); returns the new one."""
    with store.transaction() as db:
        require_role(db, actor, Role.ADMIN, doing="change join codes")
        row = cohort_row(db, cohort_id)
        row.join_code = new_join_code()
        return format_join_code(row.join_code)


def set_self_signup(store: Store, actor: Actor, cohort_id: int, allowed: bool) -> Cohort:
    """An admin allows (or stops) trainees making their own account with this cohort's join code."""
    with store.transaction() as db:
        require_role(db, actor, Role.ADMIN, doing="change self-signup")
        row = cohort_row(db, cohort_id)
        row.self_signup = allowed
        db.flush()
        return _view(db, row, show_code=True)


def _member_role(db: Session, cohort_id: int, user_id: int) -> str | None:
    query = select(CohortMemberRow.role).where(
        CohortMemberRow.cohort_id == cohort_id, CohortMemberRow.user_id == user_id
    )
    return db.scalar(query)


def get_cohort(store: Store, actor: Actor, cohort_id: int) -> Cohort:
    """A cohort its admin, graders and trainees may see; NotFoundError for anyone else."""
    with store.transaction() as db:
        user = current_user(db, actor)
        row = cohort_row(db, cohort_id)
        if is_cohort_grader(db, user, cohort_id):
            return _view(db, row, show_code=True)
        if _member_role(db, cohort_id, user.id) == Role.TRAINEE:
            return _view(db, row, show_code=False)
        raise cohort_not_found(cohort_id)


def list_cohorts(store: Store, actor: Actor) -> list[Cohort]:
    """Cohorts the actor may see: all for an admin, the graded ones for a grader, the joined ones for a trainee."""
    with store.transaction() as db:
        user = current_user(db, actor)
        if user.role == Role.ADMIN:
            rows = db.scalars(select(CohortRow).order_by(CohortRow.created_at.desc())).all()
            return [_view(db, r, show_code=True) for r in rows]
        graded = graded_cohort_ids(db, user.id)
        joined = select(CohortMemberRow.cohort_id).where(CohortMemberRow.user_id == user.id)
        mine = db.scalars(select(CohortRow).where(CohortRow.id.in_(joined)).order_by(CohortRow.created_at.desc()))
        return [_view(db, r, show_code=r.id in graded) for r in mine.all()]


def add_grader(store: Store, actor: Actor, cohort_id: int, user_id: int) -> Member:
    """An admin makes a grader (or admin) account a grader of the cohort; adding twice changes nothing."""
    with store.transaction() as db:
        require_role(db, actor, Role.ADMIN, doing="add graders")
        cohort_row(db, cohort_id)
        user = db.get(UserRow, user_id)
        if user is None:
            raise NotFoundError(f"No user with id {user_id}.")
        if user.role not in (Role.GRADER, Role.ADMIN):
            raise InputError(
                f"{user.username} is a {user.role}, not a grader.", hint="Give them the grader role first."
            )
        existing = _member_role(db, cohort_id, user_id)
        if existing == Role.TRAINEE:
            raise InputError(f"{user.username} is a trainee in this cohort.", hint="Remove them as a trainee first.")
        if existing is None:
            db.add(CohortMemberRow(cohort_id=cohort_id, user_id=user_id, role=Role.GRADER.value))
            db.flush()
        return _member_of(db, cohort_id, user)


def remove_member(store: Store, actor: Actor, cohort_id: int, user_id: int) -> None:
    """An admin removes a trainee or grader from the cohort (their sessions stay)."""
    with store.transaction() as db:
        require_role(db, actor, Role.ADMIN, doing="remove cohort members")
        row = db.scalar(
            select(CohortMemberRow).where(CohortMemberRow.cohort_id == cohort_id, CohortMemberRow.user_id == user_id)
        )
        if row is None:
            raise NotFoundError(f"User {user_id} is not a member of cohort {cohort_id}.")
        db.delete(row)


def join_cohort(store: Store, actor: Actor, code: str) -> Cohort:
    """A trainee joins the cohort with this code; joining again changes nothing; a wrong code changes nothing."""
    wanted = normalise_join_code(code)
    try:
        return _join(store, actor, code, wanted)
    except IntegrityError:  # joined in another tab at the same moment: already a member now
        return _join(store, actor, code, wanted)


def _join(store: Store, actor: Actor, code: str, wanted: str) -> Cohort:
    with store.transaction() as db:
        user = current_user(db, actor)
        if user.role != Role.TRAINEE:
            raise AccessDenied(
                "Only trainees join cohorts with a code.", hint="An admin adds graders to the cohorts they grade."
            )
        row = db.scalar(select(CohortRow).where(CohortRow.join_code == wanted)) if wanted else None
        if row is None:
            raise InputError(
                f"No cohort has the join code {code.strip()!r}.",
                hint="Check the code with your trainer (it looks like ABCD-EFGH); you have not joined anything.",
            )
        existing = _member_role(db, row.id, user.id)
        if existing == Role.GRADER:
            raise InputError("You grade this cohort.", hint="Graders cannot also be trainees in it.")
        if existing is None:
            db.add(CohortMemberRow(cohort_id=row.id, user_id=user.id, role=Role.TRAINEE.value))
            db.flush()
        return _view(db, row, show_code=False)


def _member_of(db: Session, cohort_id: int, user: UserRow) -> Member:
    member = db.scalar(
        select(CohortMemberRow).where(CohortMemberRow.cohort_id == cohort_id, CohortMemberRow.user_id == user.id)
    )
    if member is None:  # pragma: no cover - callers add the member first
        raise NotFoundError(f"{user.username} is not in cohort {cohort_id}.")
    return Member(user.id, user.username, user.display_name, Role(member.role), aware(member.joined_at))


def cohort_members(store: Store, actor: Actor, cohort_id: int, *, role: Role | str | None = None) -> list[Member]:
    """The cohort's members by username (its admin and graders only)."""
    with store.transaction() as db:
        user = current_user(db, actor)
        require_cohort_grader(db, user, cohort_id, doing="list its members")
        query = (
            select(CohortMemberRow, UserRow)
            .join(UserRow, UserRow.id == CohortMemberRow.user_id)
            .where(CohortMemberRow.cohort_id == cohort_id)
            .order_by(UserRow.username)
        )
        if role is not None:
            query = query.where(CohortMemberRow.role == Role(role).value)
        return [
            Member(u.id, u.username, u.display_name, Role(m.role), aware(m.joined_at)) for m, u in db.execute(query)
        ]
