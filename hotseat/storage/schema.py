"""The database schema (SQLAlchemy ORM). Changes go through Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from hotseat.text import clean_text


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


class CleanString(TypeDecorator[str]):
    """VARCHAR whose values lose control characters on the way in (see hotseat.text.clean_text).

    Every text column uses it or CleanText: the one place NUL and friends are removed, so SQLite
    and PostgreSQL (which refuses NUL) store the same thing, whichever code path wrote it.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return clean_text(value) if isinstance(value, str) else value


class CleanText(CleanString):
    """TEXT whose values lose control characters on the way in."""

    impl = Text
    cache_ok = True


class Base(DeclarativeBase):
    """Base class of every table."""


class UserRow(Base):
    """A person: trainee, grader or admin. The local single user has username 'local'."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(CleanString(120), unique=True)
    display_name: Mapped[str] = mapped_column(CleanString(200), default="")
    role: Mapped[str] = mapped_column(CleanString(20), default="trainee")
    password_hash: Mapped[str | None] = mapped_column(CleanString(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # An admin allowed single sign-on with this username as its verified email to claim the account (0003).
    sso_link_allowed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A deactivated user cannot sign in; their sessions and reviews stay (0005).
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Set with a temporary password (an admin's reset, a CSV import): changed at the next sign-in (0005).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class IdentityRow(Base):
    """A single sign-on identity (issuer + subject, never an email) linked to an account (migration 0003)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_identity_issuer_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(CleanString(500))
    subject: Mapped[str] = mapped_column(CleanString(255))
    email: Mapped[str | None] = mapped_column(CleanString(320), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignInEventRow(Base):
    """One sign-in attempt (or an unlock): the audit log, and what back-off and lockout are computed from."""

    __tablename__ = "sign_in_events"
    __table_args__ = (
        Index("ix_sign_in_events_username_at", "username", "at"),
        Index("ix_sign_in_events_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    username: Mapped[str] = mapped_column(CleanString(120))  # as normalised, even if no such account exists
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    client: Mapped[str] = mapped_column(CleanString(100))  # the browser's address, or "cli"
    method: Mapped[str] = mapped_column(CleanString(20))  # password | sso | admin
    outcome: Mapped[str] = mapped_column(CleanString(20))  # ok | failed | throttled | locked | refused | unlocked
    detail: Mapped[str] = mapped_column(CleanString(200), default="", server_default="")


class SessionRow(Base):
    """One practice conversation."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(CleanString(36), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    persona_id: Mapped[str] = mapped_column(CleanString(120))
    scenario_id: Mapped[str] = mapped_column(CleanString(120))
    difficulty: Mapped[str] = mapped_column(CleanString(20))
    provider: Mapped[str] = mapped_column(CleanString(200))
    status: Mapped[str] = mapped_column(CleanString(20), default="active")
    assisted: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.id"), nullable=True)
    branched_at: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # mood, usage, summary
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # The custom persona version it was played on (0004); None for a built-in persona file.
    persona_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class TurnRow(Base):
    """One message in a session. (session_id, idx) is unique: no turn is stored twice."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "idx", name="uq_turn_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(CleanString(20))  # customer | trainee
    text: Mapped[str] = mapped_column(CleanText)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # signals, mood, tokens
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EvaluationRow(Base):
    """A grade of a session by an evaluator (never overwritten; newest wins for display)."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    evaluator: Mapped[str] = mapped_column(CleanString(200))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# -- cohorts, assignments and grader reviews (migration 0002) -----------------------------------
class CohortRow(Base):
    """An onboarding cohort: trainees join it with its join code; graders review its sessions."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(CleanString(200))
    join_code: Mapped[str] = mapped_column(CleanString(32), unique=True)  # normalised: upper case, no dashes
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Trainees may make their own account with the join code (0005); an admin can turn it off.
    self_signup: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class CohortMemberRow(Base):
    """A user's place in a cohort: trainee or grader (one role per cohort)."""

    __tablename__ = "cohort_members"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id", name="uq_cohort_member"),
        CheckConstraint("role IN ('trainee', 'grader')", name="ck_cohort_member_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(CleanString(20))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AssignmentRow(Base):
    """What a cohort must practise: persona, scenario, difficulty, due date, attempts that count."""

    __tablename__ = "assignments"
    __table_args__ = (CheckConstraint("attempts_counted >= 1", name="ck_assignment_attempts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(CleanString(200))
    persona_id: Mapped[str] = mapped_column(CleanString(120))
    scenario_id: Mapped[str] = mapped_column(CleanString(120))
    difficulty: Mapped[str] = mapped_column(CleanString(20))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts_counted: Mapped[int] = mapped_column(Integer, default=1)
    # A custom persona's pinned version (0004); None: the latest published version when an attempt starts.
    persona_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AssignmentSessionRow(Base):
    """Links a practice session to the assignment it is an attempt at; set when submitted for review."""

    __tablename__ = "assignment_sessions"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)  # 1 for the trainee's first attempt at the assignment
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ReviewRow(Base):
    """A grader's review of one session's evaluation. One per grader and session; never edited."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("session_id", "grader_id", name="uq_review_per_grader"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    grader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    comment: Mapped[str] = mapped_column(CleanText, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewScoreRow(Base):
    """One skill of a review: the evaluator's score and the grader's, both kept."""

    __tablename__ = "review_scores"
    __table_args__ = (
        UniqueConstraint("review_id", "skill", name="uq_review_skill"),
        CheckConstraint("evaluator_score BETWEEN 1 AND 5", name="ck_review_evaluator_score"),
        CheckConstraint("grader_score BETWEEN 1 AND 5", name="ck_review_grader_score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    skill: Mapped[str] = mapped_column(CleanString(40))
    evaluator_score: Mapped[int] = mapped_column(Integer)
    grader_score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(CleanText, default="")


# -- signed-in browsers (migration 0005) --------------------------------------------------------
class AuthSessionRow(Base):
    """A password account signed in from a browser: the cookie holds the token, this row its SHA-256."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(CleanString(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client: Mapped[str] = mapped_column(CleanString(100), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# -- company standards (migration 0006) ----------------------------------------------------------
class StandardRow(Base):
    """A pass rule for a cohort or one assignment: the skills that count, their weights, the pass mark.

    Exactly one of cohort_id and assignment_id is set; an assignment's rule overrides its cohort's.
    """

    __tablename__ = "standards"
    __table_args__ = (
        CheckConstraint("(cohort_id IS NULL) <> (assignment_id IS NULL)", name="ck_standard_one_target"),
        CheckConstraint("pass_mark >= 1 AND pass_mark <= 5", name="ck_standard_pass_mark"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)  # skill key -> weight (>= 0), only the skills that count
    pass_mark: Mapped[float] = mapped_column(Float)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


# -- custom personas written by authors (migration 0004) ---------------------------------------
class CustomPersonaRow(Base):
    """A customer written in the app or imported from YAML; its content lives in its versions."""

    __tablename__ = "custom_personas"

    id: Mapped[str] = mapped_column(CleanString(120), primary_key=True)  # the persona id (a slug)
    title: Mapped[str] = mapped_column(CleanString(200), default="")  # of the newest version, for listings
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # what trainees play
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PersonaVersionRow(Base):
    """One saved version of a custom persona: the validated Persona as JSON. Never edited, except its check."""

    __tablename__ = "persona_versions"
    __table_args__ = (
        UniqueConstraint("persona_id", "version", name="uq_persona_version"),
        CheckConstraint("version >= 1", name="ck_persona_version_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    persona_id: Mapped[str] = mapped_column(ForeignKey("custom_personas.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, 3… per persona
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # Persona.model_dump(mode="json")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    note: Mapped[str] = mapped_column(CleanString(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    check_report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # the last built-in check
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
