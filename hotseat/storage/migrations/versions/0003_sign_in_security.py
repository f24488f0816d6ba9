"""Sign-in security: single sign-on identities linked by issuer and subject, and the sign-in log.

The log (sign_in_events) is also what the password back-off and the lockout are computed from,
so they hold across replicas. users.sso_link_allowed marks a password account an admin has
allowed a verified single sign-on email to claim.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("sso_link_allowed", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("issuer", "subject", name="uq_identity_issuer_subject"),
    )
    op.create_index("ix_identities_user_id", "identities", ["user_id"])
    op.create_table(
        "sign_in_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(120), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False, server_default=""),
    )
    op.create_index("ix_sign_in_events_username_at", "sign_in_events", ["username", "at"])
    op.create_index("ix_sign_in_events_client_at", "sign_in_events", ["client", "at"])


def downgrade() -> None:
    op.drop_table("sign_in_events")
    op.drop_table("identities")
    op.drop_column("users", "sso_link_allowed")  # SQLite >= 3.35 drops a column in place
