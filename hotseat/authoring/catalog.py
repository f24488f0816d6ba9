"""The persona catalog: the built-in persona files and the database's custom personas, side by side.

Built-in personas are read-only files without versions. A custom persona has versions 1, 2, 3…
(every save is one); trainees play its latest *published* version, an author's test drive may play
any version, and a session keeps the version it was played on. Versions never change once saved,
so each is parsed once and cached; which version is published is read from the database on each
call, so every replica sees a publish at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotseat.authoring.validation import PersonaInvalid, validate_persona
from hotseat.datafiles import closest
from hotseat.errors import PersonaError
from hotseat.org.timeutil import aware
from hotseat.practice.personas import Persona, PersonaLibrary
from hotseat.storage import Store
from hotseat.storage.schema import CustomPersonaRow, PersonaVersionRow


@dataclass(frozen=True)
class PersonaEntry:
    """One persona as a listing shows it: built-in or custom, and for a custom one its versions."""

    id: str
    title: str
    custom: bool
    loyalty_killer: int | None = None
    published_version: int | None = None  # custom only: what trainees play (None: not published yet)
    latest_version: int | None = None  # custom only: the newest saved version
    archived: bool = False

    @property
    def built_in(self) -> bool:
        """True for a persona file shipped with Hotseat (or in HOTSEAT_PERSONAS_DIR): read-only."""
        return not self.custom

    @property
    def marker(self) -> str:
        """The listing's marker: built-in, custom vN, or custom draft vN / archived."""
        if not self.custom:
            return "built-in"
        if self.archived:
            return "custom, archived"
        if self.published_version is None:
            return f"custom, draft v{self.latest_version}"
        return f"custom v{self.published_version}"


@dataclass(frozen=True)
class VersionInfo:
    """One saved version of a custom persona."""

    persona_id: str
    version: int
    title: str
    author_id: int | None
    created_at: datetime
    note: str
    check_passed: bool | None  # None: the built-in check has not run on this version
    published_at: datetime | None
    current: bool = False  # the version trainees play now

    @property
    def published(self) -> bool:
        """True if this version was ever published (it may be pinned by an assignment)."""
        return self.published_at is not None


def version_info(row: PersonaVersionRow, published_version: int | None) -> VersionInfo:
    """The VersionInfo of a persona_versions row."""
    report = row.check_report
    return VersionInfo(
        persona_id=row.persona_id,
        version=row.version,
        title=str(row.body.get("title", "")),
        author_id=row.author_id,
        created_at=aware(row.created_at),
        note=row.note,
        check_passed=bool(report.get("passed")) if report is not None else None,
        published_at=aware(row.published_at) if row.published_at else None,
        current=row.version == published_version,
    )


class PersonaCatalog:
    """Built-in persona files plus custom personas from the database (a `PersonaSource`)."""

    def __init__(self, library: PersonaLibrary, store: Store) -> None:
        self.library = library
        self.store = store
        self._versions: dict[tuple[str, int], Persona] = {}

    # -- what trainees pick from -------------------------------------------------------------
    def ids(self) -> list[str]:
        """Built-in ids and the ids of published, not archived custom personas, sorted."""
        return sorted({*self.library.ids(), *self._published_ids()})

    def all(self) -> list[Persona]:
        """Every persona trainees may pick, validated (raises on the first broken one)."""
        return [self.get(i) for i in self.ids()]

    def load_all(self) -> tuple[list[Persona], list[PersonaError]]:
        """Every usable persona (custom ones at their published version), and the error of each broken one."""
        usable, broken = self.library.load_all()
        for persona_id in self._published_ids():
            try:
                usable.append(self.get(persona_id))
            except PersonaError as exc:
                broken.append(exc)
        return usable, broken

    # -- one persona -------------------------------------------------------------------------
    def is_custom(self, persona_id: str) -> bool:
        """True if `persona_id` is a custom persona in the database (published or not)."""
        if self.library.has(persona_id):
            return False
        with self.store.transaction() as db:
            return db.get(CustomPersonaRow, persona_id) is not None

    def get(self, persona_id: str, version: int | None = None) -> Persona:
        """A built-in persona, or a custom one at `version` (None: its latest published version)."""
        return self.resolve(persona_id, version)[0]

    def resolve(
        self, persona_id: str, version: int | None = None, *, published_only: bool = False
    ) -> tuple[Persona, int | None]:
        """The persona and the version to play: None for a built-in; for a custom one `version`, or the
        latest published one. `published_only` also refuses a version that was never published."""
        if self.library.has(persona_id):
            return self.library.get(persona_id, version), None
        with self.store.transaction() as db:
            row = db.get(CustomPersonaRow, persona_id)
            if row is None:
                raise self._unknown(db, persona_id)
            if version is None:
                if row.published_version is None or row.archived_at is not None:
                    raise PersonaError(
                        f"The custom persona {persona_id!r} is not published.",
                        hint="An author publishes it once its built-in check passes "
                        "(`hotseat personas import FILE --publish`).",
                    )
                version = row.published_version
            cached = self._versions.get((persona_id, version))
            if cached is not None and not published_only:
                return cached, version
            found = db.scalar(
                select(PersonaVersionRow).where(
                    PersonaVersionRow.persona_id == persona_id, PersonaVersionRow.version == version
                )
            )
            if found is None:
                raise PersonaError(
                    f"The custom persona {persona_id!r} has no version {version}.",
                    hint=f"Its versions are 1–{self._latest(db, persona_id)}.",
                )
            if published_only and found.published_at is None:
                raise PersonaError(
                    f"Version {version} of {persona_id!r} was never published.",
                    hint="Publish it first (its built-in check must pass), or pick a published version.",
                )
            body = dict(found.body)
        persona = self._parse(persona_id, version, body)
        return persona, version

    def versions(self, persona_id: str) -> list[VersionInfo]:
        """Every saved version of a custom persona, oldest first; PersonaError for a built-in or unknown id."""
        if self.library.has(persona_id):
            raise PersonaError(
                f"{persona_id!r} is a built-in persona: it has no versions.",
                hint="Copy it as a template to write your own version.",
            )
        with self.store.transaction() as db:
            row = db.get(CustomPersonaRow, persona_id)
            if row is None:
                raise self._unknown(db, persona_id)
            rows = db.scalars(
                select(PersonaVersionRow)
                .where(PersonaVersionRow.persona_id == persona_id)
                .order_by(PersonaVersionRow.version)
            )
            return [version_info(r, row.published_version) for r in rows]

    # -- listings ----------------------------------------------------------------------------
    def entries(self, *, include_unpublished: bool = False) -> list[PersonaEntry]:
        """Built-in and custom personas side by side (custom ones marked), by loyalty killer then id.

        Without `include_unpublished`, only what trainees may pick (published, not archived); with it,
        drafts and archived custom personas too (for authors). Broken built-in files are left out.
        """
        usable, _broken = self.library.load_all()
        found = [PersonaEntry(p.id, p.title, False, p.loyalty_killer) for p in usable]
        with self.store.transaction() as db:
            latest = dict(
                db.execute(
                    select(PersonaVersionRow.persona_id, func.max(PersonaVersionRow.version)).group_by(
                        PersonaVersionRow.persona_id
                    )
                ).all()
            )
            for row in db.scalars(select(CustomPersonaRow).order_by(CustomPersonaRow.id)):
                listed = row.published_version is not None and row.archived_at is None
                if not listed and not include_unpublished:
                    continue
                killer, title = None, row.title
                shown = row.published_version or latest.get(row.id)  # the version trainees see, else the draft
                if shown is not None:
                    body = db.scalar(
                        select(PersonaVersionRow.body).where(
                            PersonaVersionRow.persona_id == row.id, PersonaVersionRow.version == shown
                        )
                    )
                    killer = int(body["loyalty_killer"]) if body and "loyalty_killer" in body else None
                    title = str(body.get("title", title)) if body else title
                found.append(
                    PersonaEntry(
                        row.id,
                        title,
                        True,
                        killer,
                        row.published_version,
                        latest.get(row.id),
                        row.archived_at is not None,
                    )
                )
        return sorted(found, key=lambda e: (e.loyalty_killer or 9, e.custom, e.id))

    # -- helpers -----------------------------------------------------------------------------
    def _published_ids(self) -> list[str]:
        with self.store.transaction() as db:
            query = select(CustomPersonaRow.id).where(
                CustomPersonaRow.published_version.is_not(None), CustomPersonaRow.archived_at.is_(None)
            )
            return sorted(db.scalars(query))

    def _parse(self, persona_id: str, version: int, body: dict[str, object]) -> Persona:
        try:
            persona = validate_persona(body, persona_id=persona_id, source=f"Version {version} of {persona_id!r}")
        except PersonaInvalid as exc:  # saved by an older Hotseat whose model has since changed
            raise PersonaError(exc.message, hint="Open it in the editor, fix the fields listed and save it.") from exc
        self._versions[(persona_id, version)] = persona
        return persona

    def _unknown(self, db: Session, persona_id: str) -> PersonaError:
        custom = list(db.scalars(select(CustomPersonaRow.id)))
        known = sorted({*self.library.ids(), *custom})
        return PersonaError(
            f"Unknown persona {persona_id!r}; {closest(persona_id, known)}.",
            hint="Run `hotseat personas` to list them.",
        )

    @staticmethod
    def _latest(db: Session, persona_id: str) -> int:
        return int(
            db.scalar(select(func.max(PersonaVersionRow.version)).where(PersonaVersionRow.persona_id == persona_id))
            or 0
        )
