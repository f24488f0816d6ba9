"""An author writes a custom customer in a real browser: from a template, test-driven, checked and published."""

from __future__ import annotations

import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
import yaml
from support.browser import (  # the fixtures are imported so pytest finds them here
    ARTIFACTS,
    ROOT,
    UI_TIMEOUT_MS,
    RunningApp,
    chromium,
    chromium_page,
    click_key,
    idle,
    say_in_chat,
    see,
    streamlit_app,
    wait_rendered,
)

__all__ = ["chromium", "streamlit_app"]

PASSWORD = "correct-horse-battery"
TEMPLATE = "transaction-not-relationship"
NEW_ID = "harbor-overdraft"
LINES: list[str] = yaml.safe_load((ROOT / "tests" / "fixtures" / "trainee_scripts.yaml").read_text())[TEMPLATE]["good"]
SEED = """
from hotseat.org.accounts import Role, bootstrap_admin, create_user
from hotseat.services import build_services
store = build_services().store
admin = bootstrap_admin(store, "ada", {password!r}, display_name="Ada Admin")
create_user(store, admin, "otto", {password!r}, role=Role.AUTHOR, display_name="Otto Author")
"""


def _seed(app: RunningApp) -> None:
    """An admin and an author, made with the org API against the app's own database."""
    done = subprocess.run(
        [sys.executable, "-c", SEED.format(password=PASSWORD)],
        cwd=ROOT,
        env=app.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.browser
def test_an_author_creates_test_drives_and_publishes_a_customer(
    chromium: Path, streamlit_app: RunningApp, tmp_path: Path
) -> None:
    from playwright.sync_api import Page, expect

    _seed(streamlit_app)

    click = partial(click_key, prefix=False)

    def customers(page: Page, marker: str) -> None:
        """Wait for the customers page drawn to the end with this marker (see authoring_page._rendered_marker)."""
        expect(page.locator(f".st-key-hs_customers_{marker}")).to_have_count(1, timeout=UI_TIMEOUT_MS)
        idle(page)

    with chromium_page(chromium, tmp_path / "profile", streamlit_app, "authoring") as page:
        page.goto(f"{streamlit_app.url}/account")
        idle(page)
        page.get_by_label("Username").fill("otto")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        click(page, "signin_submit")
        expect(page.get_by_role("heading", name="Customers")).to_be_visible(timeout=UI_TIMEOUT_MS)
        customers(page, "none")

        # From a template: the built-in customer's copy, version 1.
        click(page, f"au_template_{TEMPLATE}")
        page.locator(".st-key-au_new_id input").fill(NEW_ID)
        page.locator(".st-key-au_new_title input").fill("Fees after twelve years")
        page.locator(".st-key-au_new_title input").press("Enter")
        idle(page)
        click(page, "au_new_create")
        customers(page, f"{NEW_ID}_v1_check-none_pub0_err0")
        see(page, "Created harbor-overdraft (version 1)")

        # Edit: her name; a single fact is refused beside its field and nothing is saved.
        page.locator(".st-key-au_scenarios_0_customer_name input").fill("Dana Whitfield")
        page.locator(".st-key-au_scenarios_0_facts textarea").fill("Three overdraft fees in one day")
        click(page, "au_save")
        customers(page, f"{NEW_ID}_v1_check-none_pub0_err1")
        expect(page.locator(".st-key-au_scenarios_0_customer_name input")).to_have_value("Dana Whitfield")
        see(page, "List should have at least 2 items")
        page.locator(".st-key-au_scenarios_0_facts textarea").fill("Three overdraft fees in one day\nPaid late once")
        click(page, "au_save")
        customers(page, f"{NEW_ID}_v2_check-none_pub0_err0")
        see(page, "Saved version 2 of harbor-overdraft")
        expect(page.locator(".st-key-au_publish button").first).to_be_disabled()  # help= draws a second one
        page.screenshot(path=str(ARTIFACTS / "authoring-editor.png"), full_page=True)

        # Test drive: version 2 at once on the practice page, with the scripted customer.
        click(page, "au_play")
        wait_rendered(page, 1)
        see(page, "Dana Whitfield")
        turns, status = say_in_chat(page, LINES[0], 1)
        assert (turns, status) == (3, "active")
        page.screenshot(path=str(ARTIFACTS / "authoring-test-drive.png"), full_page=True)

        # Back to the editor: the check, then publish.
        page.get_by_role("link", name="Customers").click()
        customers(page, f"{NEW_ID}_v2_check-none_pub0_err0")
        click(page, "au_check")
        customers(page, f"{NEW_ID}_v2_check-passed_pub0_err0")
        see(page, "The check passed")
        see(page, "Dana was won back")
        click(page, "au_publish")
        customers(page, f"{NEW_ID}_v2_check-passed_pub2_err0")
        see(page, "Published version 2 of harbor-overdraft")
        page.screenshot(path=str(ARTIFACTS / "authoring-published.png"), full_page=True)

        # Import: a YAML file (a built-in customer under a new id) becomes a custom customer, version 1.
        upload = tmp_path / "airline.yaml"
        upload.write_text(_yaml_of("policy-over-problem", "airline-imported"), encoding="utf-8")
        page.get_by_text("Import a customer from YAML").click()
        page.locator(".st-key-au_import_file input[type=file]").set_input_files(str(upload))
        enabled = page.locator(".st-key-au_import_submit button:not([disabled])")  # drawn once the file is in
        expect(enabled).not_to_have_count(0, timeout=UI_TIMEOUT_MS)
        click(page, "au_import_submit")
        customers(page, "airline-imported_v1_check-none_pub0_err0")
        see(page, "Imported airline-imported as version 1")


def _yaml_of(persona_id: str, new_id: str) -> str:
    from hotseat.authoring.validation import persona_to_yaml
    from hotseat.practice.personas import PersonaLibrary

    persona = PersonaLibrary(ROOT / "personas").get(persona_id)
    return persona_to_yaml(persona.model_copy(update={"id": new_id}))
