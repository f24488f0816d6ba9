"""Self-signup: a trainee makes their own account with a cohort's join code and lands in that cohort.

It goes through the sign-in back-off (hotseat.org.signin): a wrong join code counts as a failed
sign-in for that username and that client, so codes cannot be guessed faster than passwords. Every
attempt is in the sign-in log (method "signup"). An admin can turn self-signup off per cohort.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotseat.errors import AccessDenied, InputError
from hotseat.org.accounts import Actor, Role, actor_of, check_password, hash_password, insert_user, normalise_username
from hotseat.org.cohorts import Cohort, get_cohort, normalise_join_code
from hotseat.org.signin import check_allowed, record_attempt
from hotseat.storage import Store
from hotseat.storage.schema import CohortMemberRow, CohortRow
from hotseat.text import clean_text

METHOD = "signup"


@dataclass(frozen=True)
class SignedUp:
    """The new trainee and the cohort they joined."""

    actor: Actor
    cohort: Cohort


def _wrong_code(code: str) -> InputError:
    return InputError(
        f"No cohort has the join code {code.strip()[:40]!r}.",
        hint="Check the code with your trainer (it looks like ABCD-EFGH); no account was made.",
    )


def _closed() -> AccessDenied:
    return AccessDenied(
        "Self-signup is turned off for this cohort.", hint="Ask your trainer to make an account for you."
    )


def sign_up_with_code(
    store: Store,
    code: str,
    username: str,
    password: str,
    *,
    display_name: str = "",
    client: str = "unknown",
    now: datetime | None = None,
) -> SignedUp:
    """Make a trainee account with the cohort's join code, in that cohort (all or nothing)."""
    name = normalise_username(username)
    check_password(password, username=name)
    client = clean_text(client)[:100] or "unknown"
    moment = now or datetime.now(UTC)
    check_allowed(store, name, client, moment)
    wanted = normalise_join_code(code)
    with store.transaction() as db:
        row = db.scalar(select(CohortRow).where(CohortRow.join_code == wanted)) if wanted else None
        found = (row.id, row.self_signup) if row is not None else None
    if found is None:
        record_attempt(store, name, client, "failed", method=METHOD, detail="wrong join code", now=moment)
        raise _wrong_code(code)
    cohort_id, allowed = found
    if not allowed:
        record_attempt(store, name, client, "refused", method=METHOD, detail="self-signup off", now=moment)
        raise _closed()
    hashed = hash_password(password)  # slow (argon2): outside the write transaction
    try:
        with store.transaction() as db:
            cohort = db.get(CohortRow, cohort_id)
            if cohort is None or cohort.join_code != wanted:  # deleted, or its code rotated, meanwhile
                raise _wrong_code(code)
            if not cohort.self_signup:
                raise _closed()
            user = insert_user(db, name, None, Role.TRAINEE, display_name)
            user.password_hash = hashed
            db.add(CohortMemberRow(cohort_id=cohort_id, user_id=user.id, role=Role.TRAINEE.value))
            db.flush()
            actor = actor_of(user)
    except IntegrityError as exc:  # the same username taken at the same moment elsewhere
        raise InputError(f"The username {name!r} is already taken.", hint="Choose another username.") from exc
    record_attempt(store, name, client, "ok", user_id=actor.id, method=METHOD, detail=f"cohort {cohort_id}", now=moment)
    return SignedUp(actor, get_cohort(store, actor, cohort_id))
