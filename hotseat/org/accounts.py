"""Accounts: roles, local accounts with argon2 password hashes, sign-in, and the single local user."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotseat.errors import AccessDenied, AuthenticationError, InputError, NotFoundError
from hotseat.org.auth_sessions import revoke_user_sessions
from hotseat.org.codes import temporary_password
from hotseat.org.signin import check_allowed, record_attempt
from hotseat.storage import Store
from hotseat.storage.schema import IdentityRow, UserRow
from hotseat.storage.store import LOCAL_USER
from hotseat.text import clean_text

USERNAME_RULE = "3–64 characters: letters a-z, digits and . _ - @ +, starting with a letter or digit"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,63}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 256
_SIGN_IN_FAILED = "The username or password is wrong."


class Role(StrEnum):
    """What a user may do: practise (trainee), review a cohort's sessions (grader), write customers (author),
    run cohorts (admin; admins are authors too)."""

    TRAINEE = "trainee"
    GRADER = "grader"
    ADMIN = "admin"
    AUTHOR = "author"


AUTHOR_ROLES = (Role.AUTHOR, Role.ADMIN)


@dataclass(frozen=True)
class Actor:
    """The user acting: passed explicitly to every function of hotseat.org."""

    id: int
    username: str
    role: Role
    display_name: str = ""
    active: bool = True  # False: deactivated by an admin (cannot sign in; their data stays)
    must_change_password: bool = False  # signed in with a temporary password: choose a new one first

    @property
    def is_local(self) -> bool:
        """True for the single local user of individual practice (no account)."""
        return self.username == LOCAL_USER

    @property
    def label(self) -> str:
        """The name to show: display name, else username."""
        return self.display_name or self.username


def can_author(actor: Actor) -> bool:
    """True if `actor`'s role may write custom customers (author or admin), or it is the local single user.

    For menus; hotseat.authoring enforces it with the role read fresh from the database (and lets the local
    user author only while no accounts exist).
    """
    return actor.is_local or actor.role in AUTHOR_ROLES


@cache
def password_hasher() -> PasswordHasher:
    """The argon2id hasher (argon2-cffi's RFC 9106 defaults), built on first use."""
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return password_hasher().hash("not a password: only here so unknown users take as long")


def actor_of(row: UserRow) -> Actor:
    """The Actor for a users row."""
    return Actor(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        display_name=row.display_name,
        active=row.active,
        must_change_password=row.must_change_password,
    )


def _deactivated() -> AccessDenied:
    return AccessDenied("This account is deactivated.", hint="Ask an admin of your organisation to reactivate it.")


def normalise_username(raw: str) -> str:
    """The username in canonical form (trimmed, lower case); raises InputError if it breaks the rules."""
    username = raw.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise InputError(f"{raw.strip()!r} is not a valid username.", hint=f"Usernames are {USERNAME_RULE}.")
    if username == LOCAL_USER:
        raise InputError(
            f"The username {LOCAL_USER!r} is reserved for individual practice.", hint="Choose another username."
        )
    return username


def check_password(password: str, *, username: str = "") -> None:
    """Raise InputError unless the password is acceptable (length, not blank, not the username)."""
    if len(password) < MIN_PASSWORD or not password.strip():
        raise InputError("The password is too short.", hint=f"Use at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise InputError("The password is too long.", hint=f"Use at most {MAX_PASSWORD} characters.")
    if username and password.strip().lower() == username:
        raise InputError("The password is the same as the username.", hint="Choose a password others cannot guess.")


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return password_hasher().hash(password)


def _admin_row(db: Session, actor: Actor) -> UserRow:
    row = db.get(UserRow, actor.id)
    if row is None or row.username != actor.username:
        raise AccessDenied("Your account no longer exists.", hint="Sign in again.")
    if not row.active:
        raise _deactivated()
    if row.role != Role.ADMIN:
        raise AccessDenied("Only an admin can manage accounts.", hint="Ask an admin of your organisation.")
    return row


def insert_user(db: Session, username: str, password: str | None, role: Role, display_name: str) -> UserRow:
    """Add a users row in the caller's transaction (username already normalised); InputError if it is taken."""
    if db.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
        raise InputError(f"The username {username!r} is already taken.", hint="Choose another username.")
    row = UserRow(
        username=username,
        display_name=display_name.strip()[:200],
        role=role.value,
        password_hash=hash_password(password) if password is not None else None,
    )
    db.add(row)
    db.flush()
    return row


def _create(store: Store, username: str, password: str | None, role: Role, display_name: str) -> Actor:
    name = normalise_username(username)
    if password is not None:
        check_password(password, username=name)
    try:
        with store.transaction() as db:
            return actor_of(insert_user(db, name, password, role, display_name))
    except IntegrityError as exc:  # the same username created at the same moment elsewhere
        raise InputError(f"The username {name!r} is already taken.", hint="Choose another username.") from exc


def create_user(
    store: Store, actor: Actor, username: str, password: str, *, role: Role | str = Role.TRAINEE, display_name: str = ""
) -> Actor:
    """An admin creates a local account with any role."""
    with store.transaction() as db:
        _admin_row(db, actor)
    return _create(store, username, password, Role(role), display_name)


def register_trainee(store: Store, username: str, password: str, *, display_name: str = "") -> Actor:
    """Self-service sign-up: always a trainee (graders and admins are made by an admin)."""
    return _create(store, username, password, Role.TRAINEE, display_name)


def bootstrap_admin(store: Store, username: str, password: str, *, display_name: str = "") -> Actor:
    """Create the first admin; refused once any admin exists."""
    with store.transaction() as db:
        if db.scalar(select(func.count()).select_from(UserRow).where(UserRow.role == Role.ADMIN)):
            raise AccessDenied("An admin already exists.", hint="Ask that admin to create your account.")
    return _create(store, username, password, Role.ADMIN, display_name)


def authenticate(
    store: Store, username: str, password: str, *, client: str = "unknown", now: datetime | None = None
) -> Actor:
    """Sign in with a local account; rehashes the password if the hasher's parameters have changed.

    Failed attempts slow down further ones per account and per client (see hotseat.org.signin);
    an account with too many failures in a row is locked until an admin unlocks it. Every
    attempt is logged. An unknown username behaves exactly like a wrong password.
    """
    hasher = password_hasher()
    name = clean_text(username).strip().lower()[:120]
    client = clean_text(client)[:100] or "unknown"
    moment = now or datetime.now(UTC)
    check_allowed(store, name, client, moment)
    with store.transaction() as db:
        row = db.scalar(select(UserRow).where(UserRow.username == name)) if name != LOCAL_USER else None
        stored = row.password_hash if row is not None else None
        user_id = row.id if row is not None else None
    try:
        hasher.verify(stored or _dummy_hash(), password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        stored = None
    if row is None or stored is None:
        record_attempt(store, name, client, "failed", user_id=user_id, now=moment)
        raise AuthenticationError(_SIGN_IN_FAILED, hint="Check both and try again.")
    with store.transaction() as db:
        fresh = db.get(UserRow, row.id)
        if fresh is None:  # deleted a moment ago
            raise AuthenticationError(_SIGN_IN_FAILED, hint="Check both and try again.")
        if hasher.check_needs_rehash(stored):
            fresh.password_hash = hasher.hash(password)
        actor = actor_of(fresh)
    if not actor.active:  # the right password: say why, and log it (not a failure: no back-off)
        record_attempt(store, name, client, "refused", user_id=actor.id, detail="deactivated", now=moment)
        raise AuthenticationError("This account is deactivated.", hint="Ask an admin of your organisation.")
    record_attempt(store, name, client, "ok", user_id=actor.id, now=moment)
    return actor


def change_password(store: Store, actor: Actor, current: str, new: str) -> None:
    """The user changes their own password (the current one is checked first, with the same back-off).

    A temporary password is then no longer temporary (`must_change_password` is cleared).
    """
    check_password(new, username=actor.username)
    if new == current:
        raise InputError("The new password is the same as the current one.", hint="Choose a different password.")
    authenticate(store, actor.username, current, client=f"user:{actor.id}")
    hashed = hash_password(new)
    with store.transaction() as db:
        row = db.get(UserRow, actor.id)
        if row is None:
            raise AccessDenied("Your account no longer exists.", hint="Sign in again.")
        row.password_hash = hashed
        row.must_change_password = False


def _managed_user(db: Session, actor: Actor, user_id: int) -> UserRow:
    _admin_row(db, actor)
    row = db.get(UserRow, user_id)
    if row is None or row.username == LOCAL_USER:
        raise NotFoundError(f"No user with id {user_id}.", hint="Pick one of the users listed.")
    return row


def _active_admins(db: Session) -> int:
    query = select(func.count()).select_from(UserRow).where(UserRow.role == Role.ADMIN, UserRow.active.is_(True))
    return int(db.scalar(query) or 0)


def set_password(store: Store, actor: Actor, user_id: int, new: str, *, temporary: bool = False) -> None:
    """An admin sets another user's password (e.g. a forgotten one); the user's browser sign-ins end.

    `temporary`: the user must choose a new password at their next sign-in.
    """
    with store.transaction() as db:
        row = _managed_user(db, actor, user_id)
        check_password(new, username=row.username)
        row.password_hash = hash_password(new)
        row.must_change_password = temporary
        revoke_user_sessions(db, row.id)


def reset_password(store: Store, actor: Actor, user_id: int) -> str:
    """An admin resets a forgotten password: returns a temporary one to pass on (shown once, never stored).

    The user must change it at their next sign-in; their browser sign-ins end, and a lockout or
    back-off after failed sign-ins is lifted (logged as unlocked).
    """
    temporary = temporary_password()
    set_password(store, actor, user_id, temporary, temporary=True)
    user = actor_by_id(store, user_id)
    record_attempt(
        store, user.username, "admin", "unlocked", user_id=user.id, method="admin", detail=f"reset by {actor.username}"
    )
    return temporary


def set_role(store: Store, actor: Actor, user_id: int, role: Role | str) -> Actor:
    """An admin changes a user's role; the last active admin cannot be demoted (not even by themselves)."""
    new_role = Role(role)
    with store.transaction() as db:
        row = _managed_user(db, actor, user_id)
        if row.role == Role.ADMIN and new_role != Role.ADMIN and row.active and _active_admins(db) == 1:
            raise InputError("This is the last admin.", hint="Make someone else an admin first.")
        row.role = new_role.value
        return actor_of(row)


def set_active(store: Store, actor: Actor, user_id: int, active: bool) -> Actor:
    """An admin deactivates (or reactivates) a user: a deactivated user cannot sign in; their data stays.

    Deactivating ends the user's browser sign-ins at once. The last active admin cannot be deactivated.
    """
    with store.transaction() as db:
        row = _managed_user(db, actor, user_id)
        if not active and row.active and row.role == Role.ADMIN and _active_admins(db) == 1:
            raise InputError("This is the last admin.", hint="Make someone else an admin first.")
        row.active = active
        if not active:
            revoke_user_sessions(db, row.id)
        return actor_of(row)


def local_actor(store: Store) -> Actor:
    """The single local user of individual practice (no account, no password)."""
    user_id = store.local_user_id()
    with store.transaction() as db:
        row = db.get(UserRow, user_id)
        if row is None:  # pragma: no cover - created just above
            raise NotFoundError("The local user is missing.")
        return actor_of(row)


def actor_by_id(store: Store, user_id: int) -> Actor:
    """The user with this id, as an Actor (to restore a signed-in user from the id a page kept)."""
    with store.transaction() as db:
        row = db.get(UserRow, user_id)
        if row is None:
            raise NotFoundError(f"No user with id {user_id}.", hint="Sign in again.")
        return actor_of(row)


def signed_in_actor(store: Store, user_id: int) -> Actor:
    """The user a page or a cookie says is signed in: NotFoundError if gone, AccessDenied if deactivated."""
    actor = actor_by_id(store, user_id)
    if not actor.active:
        raise _deactivated()
    return actor


@dataclass(frozen=True)
class SsoIdentity:
    """What single sign-on (OIDC) tells us about a person: issuer and subject identify them; email may not."""

    issuer: str
    subject: str
    email: str | None = None
    email_verified: bool = False
    display_name: str = ""


def _sso_username(identity: SsoIdentity) -> str:
    digest = hashlib.sha256(f"{identity.issuer}\n{identity.subject}".encode()).hexdigest()[:16]
    return f"sso-{digest}"


def identity_actor(store: Store, identity: SsoIdentity, *, client: str = "sso") -> Actor:
    """The account for an identity verified by single sign-on.

    Linked by issuer and subject. On first sign-in a *verified* email may claim an account of that
    name only if it has no password, or an admin allowed it (`allow_sso_link`); otherwise a new
    trainee account is made (named by the email if free and verified, else `sso-<hash>`).
    An email or `preferred_username` alone never signs anyone into an existing account.
    """
    if not identity.issuer or not identity.subject:
        raise AuthenticationError(
            "The identity provider did not say who you are (no issuer or subject).",
            hint="Ask your administrator to check the single sign-on set-up.",
        )
    email = identity.email.strip().lower() if identity.email and identity.email_verified else None
    try:
        with store.transaction() as db:
            actor = _linked_or_new(db, identity, email)
    except IntegrityError:  # the same identity signed in from another tab at the same moment
        with store.transaction() as db:
            actor = _linked_or_new(db, identity, email)
    if not actor.active:
        record_attempt(store, actor.username, client, "refused", user_id=actor.id, method="sso", detail="deactivated")
        raise _deactivated()
    record_attempt(store, actor.username, client, "ok", user_id=actor.id, method="sso")
    return actor


def _linked_or_new(db: Session, identity: SsoIdentity, email: str | None) -> Actor:
    linked = db.scalar(
        select(UserRow)
        .join(IdentityRow, IdentityRow.user_id == UserRow.id)
        .where(IdentityRow.issuer == identity.issuer, IdentityRow.subject == identity.subject)
    )
    if linked is not None:
        return actor_of(linked)
    username = None
    if email is not None and _USERNAME.fullmatch(email) and email != LOCAL_USER:
        existing = db.scalar(select(UserRow).where(UserRow.username == email))
        if existing is None:
            username = email
        elif existing.password_hash is None or existing.sso_link_allowed:
            other = db.scalar(
                select(IdentityRow.id).where(IdentityRow.user_id == existing.id, IdentityRow.issuer == identity.issuer)
            )
            if other is not None:
                raise AccessDenied(
                    f"The account {email!r} is already linked to another identity of this provider.",
                    hint="Ask an admin of your organisation.",
                )
            _link(db, existing, identity, email)
            return actor_of(existing)
        else:
            raise AccessDenied(
                f"An account named {email!r} already exists and is not linked to single sign-on.",
                hint=f"Ask an admin to allow it: `hotseat admin allow-sso {email}`, or sign in with its password.",
            )
    row = UserRow(
        username=username or _sso_username(identity),
        display_name=identity.display_name.strip()[:200],
        role=Role.TRAINEE.value,
        password_hash=None,
    )
    db.add(row)
    db.flush()
    _link(db, row, identity, email)
    return actor_of(row)


def _link(db: Session, row: UserRow, identity: SsoIdentity, email: str | None) -> None:
    db.add(IdentityRow(user_id=row.id, issuer=identity.issuer[:500], subject=identity.subject[:255], email=email))
    db.flush()
    if identity.display_name and not row.display_name:
        row.display_name = identity.display_name.strip()[:200]


def allow_sso_link(store: Store, username: str) -> Actor:
    """Let a verified single sign-on email equal to `username` claim this password account (operator/admin)."""
    name = username.strip().lower()
    with store.transaction() as db:
        row = db.scalar(select(UserRow).where(UserRow.username == name))
        if row is None or row.username == LOCAL_USER:
            raise NotFoundError(f"No user {name!r}.")
        row.sso_link_allowed = True
        return actor_of(row)


def list_users(store: Store, actor: Actor, *, role: Role | str | None = None) -> list[Actor]:
    """Every account (admins only), by username; the local user is left out."""
    with store.transaction() as db:
        _admin_row(db, actor)
        query = select(UserRow).where(UserRow.username != LOCAL_USER).order_by(UserRow.username)
        if role is not None:
            query = query.where(UserRow.role == Role(role).value)
        return [actor_of(r) for r in db.scalars(query)]
