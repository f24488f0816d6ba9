"""Faults the tests inject: the database going away at a chosen moment."""

from __future__ import annotations

import pytest

from hotseat.errors import StorageError
from hotseat.storage.store import Store


def lose_customer_replies(patch: pytest.MonkeyPatch) -> None:
    """The database refuses every customer turn (the trainee's turn is stored as usual)."""
    real = Store.record_turn

    def outage_on_reply(self: Store, session_id: str, turn: object, session: object) -> None:
        if getattr(turn, "role", "") == "customer":
            raise StorageError("The database is unavailable (connection refused).", hint="Try again.")
        real(self, session_id, turn, session)  # type: ignore[arg-type]

    patch.setattr(Store, "record_turn", outage_on_reply)
