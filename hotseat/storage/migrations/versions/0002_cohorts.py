"""Cohorts and graders: cohorts, members, assignments, session links, reviews, review scores.

Adds tables only; the practice tables of 0001 are untouched (a session is tied to an assignment
through assignment_sessions, so free practice needs no new column).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("join_code", sa.String(32), nullable=False, unique=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cohort_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("cohort_id", "user_id", name="uq_cohort_member"),
        sa.CheckConstraint("role IN ('trainee', 'grader')", name="ck_cohort_member_role"),
    )
    op.create_index("ix_cohort_members_cohort_id", "cohort_members", ["cohort_id"])
    op.create_index("ix_cohort_members_user_id", "cohort_members", ["user_id"])
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("persona_id", sa.String(120), nullable=False),
        sa.Column("scenario_id", sa.String(120), nullable=False),
        sa.Column("difficulty", sa.String(20), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts_counted", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("attempts_counted >= 1", name="ck_assignment_attempts"),
    )
    op.create_index("ix_assignments_cohort_id", "assignments", ["cohort_id"])
    op.create_table(
        "assignment_sessions",
        sa.Column(
            "session_id", sa.String(36), sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "assignment_id", sa.Integer(), sa.ForeignKey("assignments.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_assignment_sessions_assignment_id", "assignment_sessions", ["assignment_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("grader_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), sa.ForeignKey("evaluations.id"), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("session_id", "grader_id", name="uq_review_per_grader"),
    )
    op.create_index("ix_reviews_session_id", "reviews", ["session_id"])
    op.create_index("ix_reviews_grader_id", "reviews", ["grader_id"])
    op.create_table(
        "review_scores",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
        sa.Column("skill", sa.String(40), nullable=False),
        sa.Column("evaluator_score", sa.Integer(), nullable=False),
        sa.Column("grader_score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("review_id", "skill", name="uq_review_skill"),
        sa.CheckConstraint("evaluator_score BETWEEN 1 AND 5", name="ck_review_evaluator_score"),
        sa.CheckConstraint("grader_score BETWEEN 1 AND 5", name="ck_review_grader_score"),
    )
    op.create_index("ix_review_scores_review_id", "review_scores", ["review_id"])


def downgrade() -> None:
    op.drop_table("review_scores")
    op.drop_table("reviews")
    op.drop_table("assignment_sessions")
    op.drop_table("assignments")
    op.drop_table("cohort_members")
    op.drop_table("cohorts")
