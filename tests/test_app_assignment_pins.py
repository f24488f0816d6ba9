"""An assignment pins a published version of a custom customer, or plays the latest published one (AppTest)."""

from __future__ import annotations

from typing import Any

import pytest
from test_app_cohorts import Org, org
from test_app_standards import _admin_tab, _table

from hotseat.authoring import operations as ops
from hotseat.errors import HotseatError
from hotseat.org.assignments import (
    create_assignment,
    get_assignment,
    list_assignments,
    start_assignment,
    update_assignment,
)
from hotseat.org.cohorts import join_cohort

__all__ = ["org"]

TEMPLATE = "policy-over-problem"
CUSTOM = "hotel-wifi"


@pytest.fixture
def custom(org: Org) -> str:
    """A custom customer with two published versions (v1, v2) and an unpublished draft (v3)."""
    store, catalog, settings = org.svc.store, org.svc.personas, org.svc.settings
    ops.create_from_template(store, catalog, org.admin, template_id=TEMPLATE, new_id=CUSTOM, title="Wi-Fi down")
    ops.publish(store, catalog, org.admin, CUSTOM, settings, 1)
    v1 = catalog.get(CUSTOM, 1)
    ops.save_version(store, catalog, org.admin, CUSTOM, v1.model_copy(update={"title": "Wi-Fi down, again"}))
    ops.publish(store, catalog, org.admin, CUSTOM, settings, 2)
    ops.save_version(store, catalog, org.admin, CUSTOM, v1.model_copy(update={"title": "Wi-Fi draft"}))
    return CUSTOM


def _row(at: Any, title: str) -> dict[str, Any]:
    return next(r for r in _table(at, "Version") if r["Title"] == title)


def test_an_admin_pins_a_published_version_sees_it_listed_and_unpins_it(org: Org, custom: str) -> None:
    at = _admin_tab("Assignments")
    assert _row(at, "Overdraft fees")["Version"] == "built-in"
    assert not [s for s in at.selectbox if s.key == f"as_version_{org.assignment.persona_id}"]  # built-in: no pin

    at.selectbox(key="as_persona").set_value(custom).run()
    picker = at.selectbox(key=f"as_version_{custom}")
    assert picker.options == ["latest published (now v2)", "v2", "v1"]  # the draft v3 cannot be pinned
    picker.set_value(1)
    at.text_input(key="as_title").input("Wi-Fi, first version")
    at.button(key="as_create").click().run()
    assert not at.exception, at.exception
    assert any("set for March" in s.value for s in at.success)
    made = next(a for a in list_assignments(org.svc.store, org.admin, org.cohort.id) if a.persona_id == custom)
    assert made.persona_version == 1
    assert _row(at, "Wi-Fi, first version")["Version"] == "v1 (pinned)"

    # A trainee's attempt plays the pinned version, though v2 is the latest published.
    join_cohort(org.svc.store, org.alice, org.cohort.join_code or "")
    session = start_assignment(org.svc.engine, org.alice, made.id)
    assert (session.persona_id, session.persona_version) == (custom, 1)

    # Edit: back to the latest published version (attempts already played keep theirs).
    edit = at.selectbox(key=f"as_edit_version_{made.id}")
    assert edit.value == 1
    edit.set_value(0)
    at.button(key=f"as_edit_save_{made.id}").click().run()
    assert not at.exception, at.exception
    assert get_assignment(org.svc.store, org.alice, made.id).persona_version is None
    assert _row(at, "Wi-Fi, first version")["Version"] == "latest published (now v2)"
    assert org.svc.engine.load(session.id).persona_version == 1

    # And pinned again, to v2.
    at.selectbox(key=f"as_edit_version_{made.id}").set_value(2)
    at.button(key=f"as_edit_save_{made.id}").click().run()
    assert _row(at, "Wi-Fi, first version")["Version"] == "v2 (pinned)"


def test_a_pin_must_be_a_published_version_of_a_custom_customer(org: Org, custom: str) -> None:
    store, personas = org.svc.store, org.svc.personas
    wifi = create_assignment(store, org.admin, org.cohort.id, personas=personas, persona_id=custom)
    with pytest.raises(HotseatError, match="never published"):
        update_assignment(store, org.admin, wifi.id, personas=personas, persona_version=3)
    with pytest.raises(HotseatError, match="no version 1"):
        update_assignment(store, org.admin, org.assignment.id, personas=personas, persona_version=1)
    with pytest.raises(HotseatError, match="edit assignments"):
        update_assignment(store, org.alice, org.assignment.id, personas=personas, persona_version=1)
    assert all(a.persona_version is None for a in list_assignments(store, org.admin, org.cohort.id))
