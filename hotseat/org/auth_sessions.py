"""Browser sign-ins of password accounts: a random token in a cookie, its SHA-256 here, with expiry and revocation.

The token is 256 random bits from `secrets`: unguessable, so it needs no signature of its own; the
database row is what makes it valid. Only its hash is stored, so a copy of the database signs no one
in. A token is refused once it has expired, been revoked (sign-out, an admin's reset or deactivation),
or its user is deactivated.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotseat.org.timeutil import aware
from hotseat.storage import Store
from hotseat.storage.schema import AuthSessionRow, UserRow

COOKIE_NAME = "hotseat_session"
LIFETIME = timedelta(days=14)
_MAX_TOKEN = 100  # longer cookie values are not ours: refused without a lookup


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_auth_session(store: Store, user_id: int, *, client: str = "", now: datetime | None = None) -> str:
    """Start a browser sign-in for this user; returns the token for the cookie (kept nowhere else)."""
    moment = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    with store.transaction() as db:
        db.add(
            AuthSessionRow(
                token_hash=_digest(token),
                user_id=user_id,
                client=client[:100],
                created_at=moment,
                expires_at=moment + LIFETIME,
            )
        )
    return token


def auth_session_user(store: Store, token: str, *, now: datetime | None = None) -> int | None:
    """The id of the active user this token signs in, or None (unknown, expired, revoked, deactivated)."""
    if not token or len(token) > _MAX_TOKEN:
        return None
    moment = now or datetime.now(UTC)
    with store.transaction() as db:
        found = db.execute(
            select(AuthSessionRow, UserRow.active)
            .join(UserRow, UserRow.id == AuthSessionRow.user_id)
            .where(AuthSessionRow.token_hash == _digest(token))
        ).first()
        if found is None:
            return None
        row, active = found
        if row.revoked_at is not None or aware(row.expires_at) <= moment or not active:
            return None
        return row.user_id


def revoke_auth_session(store: Store, token: str, *, now: datetime | None = None) -> None:
    """End this browser sign-in (sign-out): the token is refused from now on, wherever it is sent from."""
    if not token or len(token) > _MAX_TOKEN:
        return
    with store.transaction() as db:
        db.execute(
            update(AuthSessionRow)
            .where(AuthSessionRow.token_hash == _digest(token), AuthSessionRow.revoked_at.is_(None))
            .values(revoked_at=now or datetime.now(UTC))
        )


def revoke_user_sessions(db: Session, user_id: int, *, now: datetime | None = None) -> int:
    """End every browser sign-in of this user (in the caller's transaction); returns how many were open."""
    result = db.execute(
        update(AuthSessionRow)
        .where(AuthSessionRow.user_id == user_id, AuthSessionRow.revoked_at.is_(None))
        .values(revoked_at=now or datetime.now(UTC))
    )
    return int(getattr(result, "rowcount", 0) or 0)
