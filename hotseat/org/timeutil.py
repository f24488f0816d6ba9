"""Time helpers: the database may hand back naive datetimes (SQLite); Hotseat means UTC throughout."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def now_utc() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime (naive values from SQLite are UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def due_moment(due: datetime | date | None) -> datetime | None:
    """A due date as the moment it passes: a bare date means the end of that day, UTC."""
    if due is None:
        return None
    if isinstance(due, datetime):
        return aware(due)
    return datetime.combine(due, time(23, 59, 59), tzinfo=UTC)
