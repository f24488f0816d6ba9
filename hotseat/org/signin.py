"""Password back-off, lockout and the sign-in log, all kept in the database so they hold across replicas.

Every attempt is a row of `sign_in_events`. Before a password is checked:
- per account (the username as typed, whether or not it exists, so the answers reveal nothing):
  after FREE_FAILURES failures in a row each attempt waits 1, 2, 4… seconds (at most MAX_DELAY_S)
  after the last failure; at LOCK_AFTER failures in a row the account is locked until an admin
  unlocks it. A successful sign-in or an unlock starts the count again.
- per client (browser address, or "cli"): more than CLIENT_FREE failures within CLIENT_WINDOW
  slow that client down the same way, whichever usernames it tries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotseat.errors import AccessDenied, AccountLocked, NotFoundError, SignInThrottled
from hotseat.storage import Store
from hotseat.storage.schema import SignInEventRow, UserRow

FREE_FAILURES = 3
LOCK_AFTER = 10
MAX_DELAY_S = 300.0
CLIENT_FREE = 20
CLIENT_WINDOW = timedelta(minutes=15)
_RESETS = ("ok", "unlocked")


@dataclass(frozen=True)
class SignInEvent:
    """One line of the sign-in log."""

    at: datetime
    username: str
    client: str
    method: str
    outcome: str
    detail: str


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _elapsed(now: datetime, then: datetime) -> float:
    """Seconds since `then`; never negative, so a replica whose clock is behind cannot make a wait longer."""
    return max(0.0, (now - then).total_seconds())


def delay_after(failures: int, free: int) -> float:
    """Seconds to wait after the last failure, once `failures` exceeds the `free` ones."""
    if failures < free:
        return 0.0
    return min(MAX_DELAY_S, 2.0 ** (failures - free))


def account_failures(db: Session, username: str) -> tuple[int, datetime | None]:
    """Failures in a row for `username` since its last success or unlock, and when the last one was."""
    reset = db.scalar(
        select(func.max(SignInEventRow.at)).where(
            SignInEventRow.username == username, SignInEventRow.outcome.in_(_RESETS)
        )
    )
    query = select(func.count(), func.max(SignInEventRow.at)).where(
        SignInEventRow.username == username, SignInEventRow.outcome == "failed"
    )
    if reset is not None:
        query = query.where(SignInEventRow.at > reset)
    count, last = db.execute(query).one()
    return int(count or 0), _aware(last) if last else None


def _client_failures(db: Session, client: str, since: datetime) -> tuple[int, datetime | None]:
    count, last = db.execute(
        select(func.count(), func.max(SignInEventRow.at)).where(
            SignInEventRow.client == client, SignInEventRow.outcome == "failed", SignInEventRow.at >= since
        )
    ).one()
    return int(count or 0), _aware(last) if last else None


def check_allowed(store: Store, username: str, client: str, now: datetime) -> None:
    """Raise AccountLocked or SignInThrottled (and log it) if this attempt may not check a password now."""
    with store.transaction() as db:
        failures, last = account_failures(db, username)
        client_failures, client_last = _client_failures(db, client, now - CLIENT_WINDOW)
    if failures >= LOCK_AFTER:
        record_attempt(store, username, client, "locked", now=now)
        raise AccountLocked(
            "This account is locked after too many failed sign-ins.",
            hint="Ask an admin to unlock it (Cohorts page → Sign-ins, or `hotseat admin unlock USERNAME`).",
        )
    waits = []
    if last is not None:
        waits.append(delay_after(failures, FREE_FAILURES) - _elapsed(now, last))
    if client_last is not None:
        waits.append(delay_after(client_failures, CLIENT_FREE) - _elapsed(now, client_last))
    wait = max(waits, default=0.0)
    if wait > 0:
        record_attempt(store, username, client, "throttled", now=now)
        seconds = math.ceil(wait)
        raise SignInThrottled(
            "Too many failed sign-ins.",
            hint=f"Wait {seconds} second{'s' if seconds != 1 else ''} and try again.",
            retry_after_s=wait,
        )


def record_attempt(
    store: Store,
    username: str,
    client: str,
    outcome: str,
    *,
    user_id: int | None = None,
    method: str = "password",
    detail: str = "",
    now: datetime | None = None,
) -> None:
    """Add one line to the sign-in log (its own transaction: it is kept even when the sign-in fails)."""
    with store.transaction() as db:
        db.add(
            SignInEventRow(
                at=now or datetime.now(UTC),
                username=username[:120],
                user_id=user_id,
                client=client[:100] or "unknown",
                method=method,
                outcome=outcome,
                detail=detail[:200],
            )
        )


def unlock(store: Store, username: str, *, by: str) -> None:
    """Unlock an account (and clear its back-off): for the operator's CLI and for admins (see unlock_user)."""
    name = username.strip().lower()
    with store.transaction() as db:
        row = db.scalar(select(UserRow).where(UserRow.username == name))
        if row is None:
            raise NotFoundError(f"No user {name!r}.", hint="Check the spelling (usernames are lower case).")
        user_id = row.id
    record_attempt(store, name, "admin", "unlocked", user_id=user_id, method="admin", detail=f"by {by}")


def unlock_user(store: Store, actor_username: str, actor_role: str, username: str) -> None:
    """An admin unlocks an account from the app."""
    if actor_role != "admin":
        raise AccessDenied("Only an admin can unlock accounts.", hint="Ask an admin of your organisation.")
    unlock(store, username, by=actor_username)


def locked_usernames(store: Store) -> list[str]:
    """Existing accounts locked right now, by username."""
    with store.transaction() as db:
        candidates = db.scalars(
            select(SignInEventRow.username)
            .join(UserRow, UserRow.username == SignInEventRow.username)
            .where(SignInEventRow.outcome == "failed")
            .group_by(SignInEventRow.username)
            .having(func.count() >= LOCK_AFTER)
        ).all()
        return sorted(name for name in candidates if account_failures(db, name)[0] >= LOCK_AFTER)


def sign_in_log(store: Store, *, username: str | None = None, limit: int = 50) -> list[SignInEvent]:
    """The newest sign-in events first (optionally one username's)."""
    with store.transaction() as db:
        query = select(SignInEventRow).order_by(SignInEventRow.at.desc(), SignInEventRow.id.desc()).limit(limit)
        if username is not None:
            query = query.where(SignInEventRow.username == username.strip().lower())
        return [
            SignInEvent(_aware(r.at), r.username, r.client, r.method, r.outcome, r.detail) for r in db.scalars(query)
        ]
