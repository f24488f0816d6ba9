"""Persistence: SQLAlchemy over a SQLite file by default, any database by DATABASE_URL."""

from hotseat.storage.store import Store

__all__ = ["Store"]
