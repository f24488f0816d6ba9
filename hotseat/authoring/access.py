"""Whether a user may write customers, asked before showing the editor (the operations check it again)."""

from __future__ import annotations

from hotseat.authoring.operations import require_author
from hotseat.org.accounts import Actor
from hotseat.storage import Store


def may_author(store: Store, actor: Actor) -> None:
    """AccessDenied (saying what to do) unless `actor` may write customers now, role read fresh."""
    with store.transaction() as db:
        require_author(db, actor)
