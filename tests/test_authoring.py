"""Custom customers written by authors: stored in the database, versioned, checked, imported and exported.

Real persona files, a real database (SQLite, and PostgreSQL where marked), the real scripted customer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers_org import PASSWORD, any_db_url, fast_passwords
from sqlalchemy import select

from hotseat.authoring import operations as ops
from hotseat.authoring.catalog import PersonaCatalog
from hotseat.authoring.check import check_persona
from hotseat.authoring.validation import PersonaInvalid, field_errors, persona_from_yaml
from hotseat.errors import AccessDenied, InputError, PersonaError
from hotseat.org import accounts
from hotseat.org.accounts import Role, can_author
from hotseat.org.assignments import create_assignment, start_assignment
from hotseat.org.cohorts import create_cohort, join_cohort
from hotseat.practice.engine import PracticeEngine
from hotseat.practice.personas import Persona, PersonaLibrary
from hotseat.settings import Settings, load_settings
from hotseat.storage import Store
from hotseat.storage.schema import PersonaVersionRow

__all__ = ["any_db_url"]
TEMPLATE = "policy-over-problem"
NEW_ID = "hotel-wifi-pitch"


class Desk:
    """A database with the persona catalog and the engine over it, and an author."""

    def __init__(self, url: str, tmp_path: Path) -> None:
        self.settings: Settings = load_settings(data_dir=tmp_path, database_url=url)
        self.store = Store.open(url)
        self.catalog = PersonaCatalog(PersonaLibrary(self.settings.personas_dir), self.store)
        self.engine = PracticeEngine(self.settings, self.store, self.catalog, None)
        self.admin = accounts.bootstrap_admin(self.store, "ada", PASSWORD)
        self.author = accounts.create_user(self.store, self.admin, "aurora", PASSWORD, role=Role.AUTHOR)
        self.trainee = accounts.register_trainee(self.store, "tess", PASSWORD)

    def copy_template(self, new_id: str = NEW_ID) -> Persona:
        """The author copies the template and returns the copy's version 1."""
        info = ops.create_from_template(
            self.store, self.catalog, self.author, template_id=TEMPLATE, new_id=new_id, title="Wi-Fi at the pitch"
        )
        assert info.version == 1
        return self.catalog.get(new_id, 1)


@pytest.fixture
def desk(any_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    fast_passwords(monkeypatch)
    built = Desk(any_db_url, tmp_path)
    yield built
    built.store.engine.dispose()


def _edited(persona: Persona, **scenario_changes: Any) -> dict[str, Any]:
    data = persona.model_dump(mode="json")
    data["scenarios"][0].update(scenario_changes)
    return data


# -- storage, versions and the catalog (SQLite and PostgreSQL) ------------------------------------------
def test_every_save_is_a_new_version_and_a_session_keeps_the_version_it_was_played_on(desk: Desk) -> None:
    first = desk.copy_template()
    assert NEW_ID not in desk.catalog.ids()  # a draft is not in the picker
    with pytest.raises(PersonaError, match="not published"):
        desk.catalog.get(NEW_ID)
    published = ops.publish(desk.store, desk.catalog, desk.author, NEW_ID, desk.settings)
    assert published.version == 1 and NEW_ID in desk.catalog.ids()

    session = desk.engine.start(NEW_ID, user_id=desk.trainee.id)
    assert session.persona_version == 1
    desk.engine.say(session, "I'm so sorry, that sounds awful.")

    changed = _edited(first, opening_line="My Wi-Fi died in the middle of my pitch to the board.")
    second = ops.save_version(desk.store, desk.catalog, desk.author, NEW_ID, changed, note="hotel opening")
    assert second.version == 2 and not second.published
    ops.publish(desk.store, desk.catalog, desk.author, NEW_ID, desk.settings)
    assert desk.catalog.get(NEW_ID).scenarios[0].opening_line.startswith("My Wi-Fi died")

    reloaded = desk.engine.load(session.id)
    _persona, scenario = desk.engine.persona_and_scenario(reloaded)
    assert reloaded.persona_version == 1
    assert scenario.opening_line == first.scenarios[0].opening_line == reloaded.turns[0].text
    newer = desk.engine.start(NEW_ID)
    assert newer.persona_version == 2 and newer.turns[0].text.startswith("My Wi-Fi died")
    versions = ops.list_versions(desk.store, desk.catalog, desk.author, NEW_ID)
    assert [(v.version, v.check_passed, v.current, v.note) for v in versions] == [
        (1, True, False, f"copied from {TEMPLATE}"),
        (2, True, True, "hotel opening"),
    ]


def test_an_assignment_pins_a_version_or_plays_the_latest_published(desk: Desk) -> None:
    first = desk.copy_template()
    cohort = create_cohort(desk.store, desk.admin, "Front desk")
    due = datetime.now(UTC) + timedelta(days=7)
    with pytest.raises(PersonaError, match="not published"):  # only published custom personas are assigned
        create_assignment(desk.store, desk.admin, cohort.id, personas=desk.catalog, persona_id=NEW_ID, due=due)
    ops.publish(desk.store, desk.catalog, desk.author, NEW_ID, desk.settings)
    ops.save_version(desk.store, desk.catalog, desk.author, NEW_ID, _edited(first, opening_line="Version two."))
    with pytest.raises(PersonaError, match="never published"):
        create_assignment(
            desk.store, desk.admin, cohort.id, personas=desk.catalog, persona_id=NEW_ID, persona_version=2, due=due
        )
    pinned = create_assignment(
        desk.store, desk.admin, cohort.id, personas=desk.catalog, persona_id=NEW_ID, persona_version=1, due=due
    )
    latest = create_assignment(desk.store, desk.admin, cohort.id, personas=desk.catalog, persona_id=NEW_ID, due=due)
    ops.publish(desk.store, desk.catalog, desk.author, NEW_ID, desk.settings, 2)
    assert cohort.join_code
    join_cohort(desk.store, desk.trainee, cohort.join_code)
    on_pin = start_assignment(desk.engine, desk.trainee, pinned.id)
    on_latest = start_assignment(desk.engine, desk.trainee, latest.id)
    assert (pinned.persona_version, on_pin.persona_version, on_pin.turns[0].text) == (
        1,
        1,
        first.scenarios[0].opening_line,
    )
    assert (latest.persona_version, on_latest.persona_version, on_latest.turns[0].text) == (None, 2, "Version two.")


def test_built_in_personas_stay_read_only_and_custom_ids_are_checked(desk: Desk) -> None:
    desk.copy_template()
    with pytest.raises(PersonaError, match="built-in persona and cannot be changed"):
        ops.save_version(desk.store, desk.catalog, desk.author, TEMPLATE, desk.catalog.get(TEMPLATE))
    with pytest.raises(InputError, match="id of a built-in persona"):
        ops.import_yaml(desk.store, desk.catalog, desk.author, ops.export_yaml(desk.catalog, TEMPLATE))
    with pytest.raises(InputError, match="already exists"):
        desk.copy_template()
    with pytest.raises(PersonaInvalid, match="not a valid persona id") as caught:
        desk.copy_template("Bad Id!")
    assert [f.path for f in caught.value.fields] == ["id"]
    with pytest.raises(PersonaError, match="no versions"):
        desk.catalog.versions(TEMPLATE)
    entries = {e.id: e for e in desk.catalog.entries(include_unpublished=True)}
    assert entries[TEMPLATE].built_in and entries[TEMPLATE].marker == "built-in"
    assert entries[NEW_ID].custom and entries[NEW_ID].marker == "custom, draft v1"
    assert NEW_ID not in {e.id for e in desk.catalog.entries()}


def test_only_authors_and_admins_write_customers(desk: Desk) -> None:
    grader = accounts.create_user(desk.store, desk.admin, "gina", PASSWORD, role=Role.GRADER)
    for outsider in (desk.trainee, grader):
        assert not can_author(outsider)
        with pytest.raises(AccessDenied, match="Only an author or admin"):
            ops.create_from_template(desk.store, desk.catalog, outsider, template_id=TEMPLATE, new_id="nope")
    assert can_author(desk.author) and can_author(desk.admin)
    assert ops.may_author(desk.store, desk.author) and not ops.may_author(desk.store, desk.trainee)
    desk.copy_template()
    with pytest.raises(AccessDenied):
        ops.publish(desk.store, desk.catalog, desk.trainee, NEW_ID, desk.settings)
    ops.create_from_template(desk.store, desk.catalog, desk.admin, template_id=TEMPLATE, new_id="admin-copy")
    # The local user writes only while no accounts exist (they do here).
    local = accounts.local_actor(desk.store)
    assert can_author(local)
    with pytest.raises(AccessDenied, match="Sign in as an author"):
        ops.create_from_template(desk.store, desk.catalog, local, template_id=TEMPLATE, new_id="local-copy")
    # A demoted author loses the right at once (the role is read fresh).
    accounts.set_role(desk.store, desk.admin, desk.author.id, Role.TRAINEE)
    with pytest.raises(AccessDenied):
        ops.save_version(desk.store, desk.catalog, desk.author, NEW_ID, desk.catalog.get(NEW_ID, 1))


def test_an_archived_customer_leaves_the_picker_and_its_sessions_stay_readable(desk: Desk) -> None:
    desk.copy_template()
    ops.publish(desk.store, desk.catalog, desk.author, NEW_ID, desk.settings)
    session = desk.engine.start(NEW_ID)
    ops.archive(desk.store, desk.catalog, desk.author, NEW_ID)
    assert NEW_ID not in desk.catalog.ids()
    assert NEW_ID not in {p.id for p in desk.catalog.load_all()[0]}
    with pytest.raises(PersonaError, match="not published"):
        desk.engine.start(NEW_ID)
    assert desk.engine.persona_and_scenario(desk.engine.load(session.id))[0].id == NEW_ID
    ops.publish(desk.store, desk.catalog, desk.author, NEW_ID, desk.settings)  # publishing again restores it
    assert NEW_ID in desk.catalog.ids()


def test_the_local_user_authors_while_no_accounts_exist(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'solo.db'}"
    store = Store.open(url)
    catalog = PersonaCatalog(PersonaLibrary(load_settings(data_dir=tmp_path).personas_dir), store)
    local = accounts.local_actor(store)
    assert ops.may_author(store, local)
    info = ops.create_from_template(store, catalog, local, template_id=TEMPLATE, new_id="my-own")
    assert info.version == 1 and info.author_id == local.id


# -- YAML: export, import, validate ---------------------------------------------------------------------
@pytest.mark.parametrize("persona_id", ["transaction-not-relationship", TEMPLATE, "sorry-hardest-word"])
def test_export_then_import_gives_an_equal_persona(desk: Desk, persona_id: str) -> None:
    built_in = desk.catalog.get(persona_id)
    text = ops.export_yaml(desk.catalog, persona_id)
    assert persona_from_yaml(text) == built_in
    copy_id = f"{persona_id}-copy"
    info = ops.import_yaml(desk.store, desk.catalog, desk.author, text, persona_id=copy_id)
    imported = desk.catalog.get(copy_id, info.version)
    assert imported == built_in.model_copy(update={"id": copy_id})
    again = ops.export_yaml(desk.catalog, copy_id)
    assert again == text.replace(f"id: {persona_id}\n", f"id: {copy_id}\n", 1)
    second = ops.import_yaml(desk.store, desk.catalog, desk.author, again)  # the same id: a new version
    assert second.version == 2 and desk.catalog.get(copy_id, 2) == imported


def test_validation_errors_name_the_field(desk: Desk) -> None:
    data = yaml.safe_load(ops.export_yaml(desk.catalog, TEMPLATE))
    del data["scenarios"][1]["customer"]["name"]
    data["scenarios"][0]["lines"]["felt_heard"] = ["Thanks, {{ nme }}."]
    data["loyalty_killer"] = 7
    data["colour"] = "red"
    with pytest.raises(PersonaInvalid) as caught:
        ops.import_yaml(desk.store, desk.catalog, desk.author, yaml.safe_dump(data), persona_id="broken")
    fields = {f.path: f.message for f in caught.value.fields}
    assert fields["scenarios.1.customer.name"] == "this field is required"
    assert "unknown placeholder {{ nme }}" in fields["scenarios.0.lines.felt_heard.0"]
    assert "less than or equal to 4" in fields["loyalty_killer"]
    assert fields["colour"].startswith("unknown field")
    assert "scenarios.1.customer.name: this field is required" in caught.value.message
    assert not desk.catalog.is_custom("broken")  # nothing stored


def test_field_errors_keep_the_location_for_a_form() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        Persona.model_validate({"id": "x"})
    errors = field_errors(caught.value)
    assert ("title", ("title",)) in [(e.path, e.loc) for e in errors]


# -- the built-in check ---------------------------------------------------------------------------------
BUILT_IN = ["transaction-not-relationship", TEMPLATE, "guilty-until-proven-innocent", "sorry-hardest-word"]


@pytest.mark.parametrize("persona_id", BUILT_IN)
def test_the_built_in_personas_example_replies_pass_the_check(persona_id: str, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    report = check_persona(PersonaLibrary(settings.personas_dir).get(persona_id), settings)
    assert report.passed, report.summary()
    for scenario in report.scenarios:
        assert scenario.good.status == "won_back" and scenario.good.turns <= settings.turn_limit
        assert scenario.bad.status == "walked_away"
    assert report == check_persona(PersonaLibrary(settings.personas_dir).get(persona_id), settings)  # the same


def test_the_check_fails_with_the_replies_swapped_and_says_why(desk: Desk) -> None:
    persona = desk.copy_template()
    data = persona.model_dump(mode="json")
    for scenario in data["scenarios"]:
        replies = scenario["example_replies"]
        replies["good"], replies["bad"] = replies["bad"], replies["good"]
    data["scenarios"][2]["example_replies"] = {"good": [], "bad": []}
    info = ops.save_version(desk.store, desk.catalog, desk.author, NEW_ID, data, note="swapped")
    with pytest.raises(ops.CheckFailed) as caught:
        ops.publish(desk.store, desk.catalog, desk.author, NEW_ID, desk.settings)
    report = caught.value.report
    assert not report.passed and report.version == info.version
    first = report.scenarios[0]
    assert first.good.status == "walked_away" and not first.good.passed
    assert "walked away at good reply" in first.good.explanation
    assert first.bad.status != "walked_away" and not first.bad.passed
    assert "No good example replies" in report.scenarios[2].good.explanation
    assert "example_replies" in report.scenarios[2].good.explanation
    assert desk.catalog.versions(NEW_ID)[-1].check_passed is False  # the report is kept on the version
    assert ops.last_check(desk.store, desk.author, NEW_ID, info.version) == report
    assert NEW_ID not in desk.catalog.ids()  # not published
    with desk.store.transaction() as db:
        assert db.scalar(select(PersonaVersionRow.published_at).where(PersonaVersionRow.version == 2)) is None
