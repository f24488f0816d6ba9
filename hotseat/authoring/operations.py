"""Writing custom personas: create from a template, save (a new version each time), import, export, publish.

Only authors and admins may write (the role read fresh from the database), and the single local user
while no accounts exist. `actor=None` is the operator at the command line (an operator's tool: see
README, Command line). Built-in persona files are read-only: they serve as templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotseat.authoring.catalog import PersonaCatalog, VersionInfo, version_info
from hotseat.authoring.check import CheckReport, check_persona
from hotseat.authoring.validation import check_persona_id, persona_from_yaml, persona_to_yaml, validate_persona
from hotseat.errors import AccessDenied, ConflictError, InputError, NotFoundError, PersonaError
from hotseat.org.access import current_user
from hotseat.org.accounts import AUTHOR_ROLES, Actor, Role
from hotseat.practice.personas import Difficulty, Persona
from hotseat.settings import Settings
from hotseat.storage import Store
from hotseat.storage.schema import CustomPersonaRow, PersonaVersionRow, UserRow
from hotseat.storage.store import LOCAL_USER


class CheckFailed(PersonaError):
    """Publishing was refused because the built-in check did not pass; `report` says why."""

    def __init__(self, message: str, *, report: CheckReport, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


def require_author(db: Session, actor: Actor | None, *, doing: str = "write customers") -> int | None:
    """The author's user id (None for the operator); AccessDenied unless author or admin.

    The local single user may author only while no accounts exist (individual use on one machine).
    """
    if actor is None:
        return None
    user = current_user(db, actor)
    if actor.is_local:
        others = db.scalar(select(func.count()).select_from(UserRow).where(UserRow.username != LOCAL_USER))
        if not others:
            return user.id
        raise AccessDenied(f"Sign in as an author or admin to {doing}.", hint="Ask an admin for the author role.")
    if Role(user.role) not in AUTHOR_ROLES:
        raise AccessDenied(f"Only an author or admin can {doing}.", hint="Ask an admin for the author role.")
    return user.id


def may_author(store: Store, actor: Actor | None) -> bool:
    """True if `actor` may write customers now (the same rule as `require_author`, for menus and pages)."""
    try:
        with store.transaction() as db:
            require_author(db, actor)
    except AccessDenied:
        return False
    return True


def _custom_row(db: Session, catalog: PersonaCatalog, persona_id: str) -> CustomPersonaRow:
    if catalog.library.has(persona_id):
        raise PersonaError(
            f"{persona_id!r} is a built-in persona and cannot be changed.",
            hint="Copy it as a template under a new id, and edit the copy.",
        )
    row = db.get(CustomPersonaRow, persona_id)
    if row is None:
        raise NotFoundError(f"No custom persona {persona_id!r}.", hint="Run `hotseat personas` to list them.")
    return row


def _version_row(db: Session, persona_id: str, version: int | None) -> PersonaVersionRow:
    query = select(PersonaVersionRow).where(PersonaVersionRow.persona_id == persona_id)
    if version is None:
        query = query.order_by(PersonaVersionRow.version.desc()).limit(1)
    else:
        query = query.where(PersonaVersionRow.version == version)
    row = db.scalar(query)
    if row is None:
        raise NotFoundError(f"The custom persona {persona_id!r} has no version {version}.")
    return row


def _insert_version(db: Session, row: CustomPersonaRow, persona: Persona, author_id: int | None, note: str) -> int:
    latest = db.scalar(select(func.max(PersonaVersionRow.version)).where(PersonaVersionRow.persona_id == row.id))
    version = int(latest or 0) + 1
    db.add(
        PersonaVersionRow(
            persona_id=row.id,
            version=version,
            body=persona.model_dump(mode="json"),
            author_id=author_id,
            note=" ".join(note.split())[:500],
        )
    )
    row.title = persona.title[:200]
    db.flush()
    return version


def _as_persona(data: Persona | Mapping[str, Any], persona_id: str) -> Persona:
    if isinstance(data, Persona):
        data = data.model_dump(mode="json")
    return validate_persona(data, persona_id=persona_id)


def _info(db: Session, persona_id: str, version: int) -> VersionInfo:
    row = db.get(CustomPersonaRow, persona_id)
    published = row.published_version if row is not None else None
    return version_info(_version_row(db, persona_id, version), published)


def create_persona(
    store: Store, catalog: PersonaCatalog, actor: Actor | None, persona: Persona | Mapping[str, Any], *, note: str = ""
) -> VersionInfo:
    """A new custom persona at version 1 (validated); its id must be new and not a built-in's."""
    persona_id = check_persona_id(str(persona.id if isinstance(persona, Persona) else persona.get("id", "")))
    checked = _as_persona(persona, persona_id)
    if catalog.library.has(persona_id):
        raise InputError(
            f"{persona_id!r} is the id of a built-in persona.", hint="Choose another id for your customer."
        )
    try:
        with store.transaction() as db:
            author_id = require_author(db, actor)
            if db.get(CustomPersonaRow, persona_id) is not None:
                raise InputError(
                    f"A custom persona {persona_id!r} already exists.",
                    hint="Choose another id, or save a new version of that one.",
                )
            row = CustomPersonaRow(id=persona_id, title=checked.title[:200], created_by=author_id)
            db.add(row)
            db.flush()
            version = _insert_version(db, row, checked, author_id, note or "created")
            return _info(db, persona_id, version)
    except IntegrityError as exc:  # the same id created at the same moment elsewhere
        raise InputError(f"A custom persona {persona_id!r} already exists.", hint="Choose another id.") from exc


def create_from_template(
    store: Store,
    catalog: PersonaCatalog,
    actor: Actor | None,
    *,
    template_id: str,
    new_id: str,
    title: str | None = None,
) -> VersionInfo:
    """Copy a persona (one of the built-ins, or a custom one's published version) under a new id: version 1."""
    template = catalog.get(template_id)
    data = template.model_dump(mode="json") | {"id": new_id}
    if title:
        data["title"] = title
    return create_persona(store, catalog, actor, data, note=f"copied from {template_id}")


def save_version(
    store: Store,
    catalog: PersonaCatalog,
    actor: Actor | None,
    persona_id: str,
    persona: Persona | Mapping[str, Any],
    *,
    note: str = "",
    based_on: int | None = None,
) -> VersionInfo:
    """Save a new version of a custom persona (validated; every save is a new version, none is overwritten).

    With `based_on` (the version the editor opened), a newer version saved meanwhile raises ConflictError.
    """
    checked = _as_persona(persona, persona_id)
    try:
        with store.transaction() as db:
            author_id = require_author(db, actor)
            row = _custom_row(db, catalog, persona_id)
            if based_on is not None:
                latest = _version_row(db, persona_id, None).version
                if latest != based_on:
                    raise ConflictError(
                        f"Version {latest} of {persona_id!r} was saved while you edited version {based_on}.",
                        hint="Reload it, then make your changes again.",
                    )
            version = _insert_version(db, row, checked, author_id, note)
            return _info(db, persona_id, version)
    except IntegrityError as exc:  # two saves of the same persona at the same moment
        raise ConflictError(
            f"Another version of {persona_id!r} was saved at the same moment.", hint="Reload it and save again."
        ) from exc


def list_versions(store: Store, catalog: PersonaCatalog, actor: Actor | None, persona_id: str) -> list[VersionInfo]:
    """Every version of a custom persona, oldest first (authors and admins)."""
    with store.transaction() as db:
        require_author(db, actor, doing="see a customer's versions")
    return catalog.versions(persona_id)


def load_version(
    store: Store, catalog: PersonaCatalog, actor: Actor | None, persona_id: str, version: int | None = None
) -> tuple[Persona, VersionInfo]:
    """A version of a custom persona for the editor (None: the newest saved, draft or not)."""
    with store.transaction() as db:
        require_author(db, actor, doing="edit customers")
        _custom_row(db, catalog, persona_id)
        info = _info(db, persona_id, _version_row(db, persona_id, version).version)
    return catalog.get(persona_id, info.version), info


def run_check(
    store: Store,
    catalog: PersonaCatalog,
    actor: Actor | None,
    persona_id: str,
    settings: Settings,
    version: int | None = None,
    *,
    difficulty: Difficulty = Difficulty.UPSET,
) -> CheckReport:
    """Run the built-in check on a version (None: the newest) and keep its report on that version."""
    persona, info = load_version(store, catalog, actor, persona_id, version)
    report = check_persona(persona, settings, difficulty=difficulty, version=info.version)
    with store.transaction() as db:
        _version_row(db, persona_id, info.version).check_report = report.model_dump(mode="json")
    return report


def last_check(store: Store, actor: Actor | None, persona_id: str, version: int) -> CheckReport | None:
    """The last built-in check report kept on a version, or None if it never ran."""
    with store.transaction() as db:
        require_author(db, actor, doing="see a customer's check")
        report = _version_row(db, persona_id, version).check_report
    return CheckReport.model_validate(report) if report else None


def publish(
    store: Store,
    catalog: PersonaCatalog,
    actor: Actor | None,
    persona_id: str,
    settings: Settings,
    version: int | None = None,
) -> VersionInfo:
    """Publish a version (None: the newest) once the built-in check passes on it: trainees then play it.

    The check runs again here (it is quick and deterministic); CheckFailed carries its report.
    """
    report = run_check(store, catalog, actor, persona_id, settings, version)
    if not report.passed:
        raise CheckFailed(
            f"{persona_id!r} cannot be published: its built-in check did not pass.\n{report.summary()}",
            report=report,
            hint="Change the example replies or the scenario until the good replies win the customer back "
            "and the bad ones make them walk away.",
        )
    with store.transaction() as db:
        require_author(db, actor, doing="publish customers")
        row = _custom_row(db, catalog, persona_id)
        target = _version_row(db, persona_id, version if version is not None else report.version)
        target.published_at = target.published_at or datetime.now(UTC)
        row.published_version = target.version
        row.archived_at = None
        return version_info(target, row.published_version)


def archive(store: Store, catalog: PersonaCatalog, actor: Actor | None, persona_id: str) -> None:
    """Take a custom persona out of the picker and assignments; its sessions and versions stay readable."""
    with store.transaction() as db:
        require_author(db, actor, doing="archive customers")
        _custom_row(db, catalog, persona_id).archived_at = datetime.now(UTC)


def import_yaml(
    store: Store,
    catalog: PersonaCatalog,
    actor: Actor | None,
    text: str,
    *,
    persona_id: str | None = None,
    default_id: str | None = None,
    source: str = "The file",
    note: str = "imported from YAML",
) -> VersionInfo:
    """Import a persona from YAML: a new custom persona (version 1), or a new version of an existing one.

    Its id is `persona_id`, else the file's `id:`, else `default_id` (e.g. the file name).
    """
    persona = persona_from_yaml(text, persona_id=persona_id, default_id=default_id, source=source)
    if catalog.is_custom(persona.id):
        return save_version(store, catalog, actor, persona.id, persona, note=note)
    return create_persona(store, catalog, actor, persona, note=note)


def export_yaml(catalog: PersonaCatalog, persona_id: str, version: int | None = None) -> str:
    """A persona as YAML that imports back equal: a built-in, or a custom one at `version` (None: the
    published version, else the newest draft)."""
    if version is None and catalog.is_custom(persona_id):
        entry = next(e for e in catalog.entries(include_unpublished=True) if e.id == persona_id)
        version = entry.published_version or entry.latest_version
    return persona_to_yaml(catalog.get(persona_id, version))
