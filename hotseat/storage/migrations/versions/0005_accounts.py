"""Accounts in the app: deactivated users, temporary passwords, self-signup per cohort, browser sign-ins.

users.active (a deactivated user cannot sign in; their data stays) and users.must_change_password
(set with a temporary password); cohorts.self_signup (trainees may make their own account with the
join code; on by default); auth_sessions: a password account signed in from a browser, the cookie's
token kept only as its SHA-256, with its expiry and revocation (sign-out, deactivation, reset).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column(
        "users", sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("cohorts", sa.Column("self_signup", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("client", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_table("auth_sessions")
    op.drop_column("cohorts", "self_signup")  # SQLite >= 3.35 drops a column in place
    op.drop_column("users", "must_change_password")
    op.drop_column("users", "active")
