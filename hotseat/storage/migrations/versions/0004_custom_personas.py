"""Custom personas: customers written by authors, stored in the database (so every replica sees them), versioned.

custom_personas holds one row per custom persona (its id must not clash with a built-in file's);
persona_versions holds every saved version (the validated Persona as JSON, the last built-in
check report, when it was published). sessions.persona_version records the version a session was
played on (NULL: a built-in persona file); assignments.persona_version pins a version (NULL: the
latest published one when an attempt starts).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custom_personas",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "persona_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "persona_id", sa.String(120), sa.ForeignKey("custom_personas.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("check_report", sa.JSON(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("persona_id", "version", name="uq_persona_version"),
        sa.CheckConstraint("version >= 1", name="ck_persona_version_positive"),
    )
    op.create_index("ix_persona_versions_persona_id", "persona_versions", ["persona_id"])
    op.add_column("sessions", sa.Column("persona_version", sa.Integer(), nullable=True))
    op.add_column("assignments", sa.Column("persona_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("assignments", "persona_version")  # SQLite >= 3.35 drops a column in place
    op.drop_column("sessions", "persona_version")
    op.drop_table("persona_versions")
    op.drop_table("custom_personas")
