"""Company standards: per cohort or per assignment, the skills that count, their weights and a pass mark.

Adds one table; exactly one of cohort_id and assignment_id is set on each row, and an
assignment's standard overrides its cohort's.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "standards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "cohort_id", sa.Integer(), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=True, unique=True
        ),
        sa.Column(
            "assignment_id",
            sa.Integer(),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            nullable=True,
            unique=True,
        ),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("pass_mark", sa.Float(), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(cohort_id IS NULL) <> (assignment_id IS NULL)", name="ck_standard_one_target"),
        sa.CheckConstraint("pass_mark >= 1 AND pass_mark <= 5", name="ck_standard_pass_mark"),
    )


def downgrade() -> None:
    op.drop_table("standards")
