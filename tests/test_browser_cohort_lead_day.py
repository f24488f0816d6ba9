"""A cohort lead's day in a real browser, end to end (issue 11's "Done when").

An author writes a customer from a template, test-drives it, checks and publishes it; the admin assigns
it (a pinned version) to a cohort; a trainee signs up with the join code alone, wins the customer back
with the scenario's own good example replies and submits; a grader overrides one score with a comment;
the dashboard, both CSVs (the bytes the download buttons serve) and the trainee's own pages show the
override; the admin resets the trainee's password and the trainee must choose a new one at sign-in.

Each person has their own browser context (cookies, session). Every wait is on a marker the page draws
last (`hs_…`, see components.page_marker) or on an element that only the expected page has.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest
from support.browser import (  # the fixtures are imported so pytest finds them here
    APP_IDLE,
    ARTIFACTS,
    CHROMIUM_ARGS,
    ROOT,
    UI_TIMEOUT_MS,
    RunningApp,
    chromium,
    click_key,
    say_in_chat,
    see,
    streamlit_app,
    wait_rendered,
)

from hotseat.practice.personas import PersonaLibrary

__all__ = ["chromium", "streamlit_app"]

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-brand-new-one-2"
TEMPLATE = "transaction-not-relationship"
CUSTOM = "harbor-fees"
OPENING = "Fourteen years with Harborline and you took $140 off me because my pay came a day late. Why?"
SKILL = "empathy"
USERS_CSV = (
    f"username,display_name,role,password\notto,Otto Author,author,{PASSWORD}\ngina,Gina Grader,grader,{PASSWORD}"
)


def _good_replies() -> list[str]:
    """The template scenario's own good example replies (a copy keeps them; the built-in check passes on them)."""
    scenario = PersonaLibrary(ROOT / "personas").get(TEMPLATE).scenarios[0]
    return list(scenario.example_replies.good)


def _seed_admin(app: RunningApp) -> None:
    """The first admin, made with the CLI against the app's own database."""
    done = subprocess.run(
        [sys.executable, "-m", "hotseat.cli", "admin", "create", "ada", "--name", "Ada Admin", "--password-stdin"],
        cwd=ROOT,
        env=app.env,
        input=f"{PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.browser
def test_a_cohort_leads_day_from_a_custom_customer_to_a_password_reset(
    chromium: Path, streamlit_app: RunningApp
) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    started = time.monotonic()
    ARTIFACTS.mkdir(exist_ok=True)
    _seed_admin(streamlit_app)
    lines = _good_replies()

    click = partial(click_key, wait=False)

    def marker(page: Page, key: str) -> None:
        """Wait for the page drawn to the end with this marker, and for the script to stop."""
        expect(page.locator(f".st-key-hs_{key}")).to_have_count(1, timeout=UI_TIMEOUT_MS)
        expect(page.locator(APP_IDLE)).to_have_count(1, timeout=UI_TIMEOUT_MS)

    def fill(page: Page, key: str, text: str, kind: str = "input") -> None:
        page.locator(f'[class*="st-key-{key}"] {kind}').fill(text)

    def choose(page: Page, key: str, option: str) -> None:
        """Pick an option of the selectbox with this key."""
        box = page.locator(f".st-key-{key}").get_by_role("combobox")
        box.click()
        box.press("Control+a")
        box.press_sequentially(option.split()[-1].strip("()"))  # typing opens the list (a click alone may not)
        page.get_by_role("option", name=option, exact=True).click()
        expect(page.locator(f".st-key-{key}").get_by_role("combobox")).to_have_value(option)

    def sign_in(page: Page, username: str, password: str, lands_on: str) -> None:
        page.goto(f"{streamlit_app.url}/account")
        marker(page, "account_signin")
        fill(page, "signin_username", username)
        fill(page, "signin_password", password)
        click(page, "signin_submit")
        marker(page, lands_on)

    def lap(what: str) -> None:
        print(f"{what}: {time.monotonic() - started:.1f} s")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        pages: dict[str, Page] = {}

        def open_page(who: str) -> Page:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            pages[who] = page
            return page

        def download(page: Page, key: str) -> list[dict[str, str]]:
            """The rows of the CSV this download button serves, as the browser saves it."""
            with page.expect_download() as event:
                click(page, key)
            text = Path(event.value.path()).read_text(encoding="utf-8-sig")
            return list(csv.DictReader(io.StringIO(text)))

        try:
            # The lead (admin): an author and a grader from CSV, a cohort with its join code and its grader.
            admin = open_page("admin")
            sign_in(admin, "ada", PASSWORD, "admin_u1_c0_temp-none")
            admin.get_by_text("Import users from CSV").click()
            fill(admin, "import_text", USERS_CSV, "textarea")
            admin.locator(".st-key-import_text textarea").press("Control+Enter")
            click(admin, "import_submit")
            marker(admin, "admin_u3_c0_temp-none")
            admin.get_by_text("New cohort").click()
            fill(admin, "new_cohort_name", "March")
            click(admin, "new_cohort_submit")
            marker(admin, "admin_u3_c1_people-g0_temp-none")
            join_code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", admin.locator(".st-key-join_code").inner_text())
            assert join_code, admin.locator(".st-key-join_code").inner_text()
            expect(admin.get_by_role("combobox", name="Grader to add")).to_have_value(re.compile("Gina Grader"))
            click(admin, "add_grader_")
            marker(admin, "admin_u3_c1_people-g1_temp-none")
            lap("cohort set up")

            # The author: a customer from a template, their own name and opening line, test-driven.
            author = open_page("author")
            sign_in(author, "otto", PASSWORD, "customers_none")
            click(author, f"au_template_{TEMPLATE}")
            expect(author.locator(".st-key-au_new_id input")).to_be_visible()
            fill(author, "au_new_id", CUSTOM)
            fill(author, "au_new_title", "Fees after fourteen years")
            click(author, "au_new_create")
            marker(author, f"customers_{CUSTOM}_v1_check-none_pub0_err0")
            fill(author, "au_scenarios_0_customer_name", "Dana Whitfield")
            fill(author, "au_scenarios_0_opening_line", OPENING, "textarea")
            click(author, "au_save")
            marker(author, f"customers_{CUSTOM}_v2_check-none_pub0_err0")
            expect(author.locator(".st-key-au_publish button").first).to_be_disabled()  # not checked yet
            click(author, "au_play")
            wait_rendered(author, 1)
            opening = author.get_by_test_id("stChatMessage").first
            expect(opening).to_contain_text("Dana Whitfield")
            assert OPENING in _flat(opening.inner_text())  # the practice page plays the saved version
            author.get_by_role("link", name="Customers").click()
            marker(author, f"customers_{CUSTOM}_v2_check-none_pub0_err0")
            click(author, "au_check")
            marker(author, f"customers_{CUSTOM}_v2_check-passed_pub0_err0")
            see(author, "Dana was won back")
            click(author, "au_publish")
            marker(author, f"customers_{CUSTOM}_v2_check-passed_pub2_err0")
            lap("customer written, test-driven, checked and published")

            # The lead assigns it to the cohort, pinned to the version just published.
            admin.get_by_role("tab", name="Assignments").click()
            marker(admin, f"admin_u3_c1_assignments0-new-{TEMPLATE}-latest_temp-none")
            choose(admin, "as_persona", "1. Fees after fourteen years · custom")
            marker(admin, f"admin_u3_c1_assignments0-new-{CUSTOM}-latest_temp-none")
            choose(admin, f"as_version_{CUSTOM}", "v2")
            marker(admin, f"admin_u3_c1_assignments0-new-{CUSTOM}-v2_temp-none")
            fill(admin, "as_title", "Fees, your own customer")
            click(admin, "as_create")
            marker(admin, f"admin_u3_c1_assignments1-new-{CUSTOM}-v2_temp-none")
            see(admin, "Assignment 'Fees, your own customer' set for March")
            lap("assigned")

            # The trainee: signs up with the join code alone, plays the assignment to the end, submits.
            trainee = open_page("trainee")
            trainee.goto(f"{streamlit_app.url}/account")
            marker(trainee, "account_signin")
            trainee.get_by_text("New here? Sign up with your cohort's join code").click()
            expect(trainee.locator(".st-key-signup_code input")).to_be_visible()
            fill(trainee, "signup_code", join_code.group(0).lower())
            fill(trainee, "signup_username", "dora")
            fill(trainee, "signup_name", "Dora Trainee")
            fill(trainee, "signup_password", PASSWORD)
            fill(trainee, "signup_again", PASSWORD)
            click(trainee, "signup_submit")
            marker(trainee, "mycohorts_c1_a1_attempts0_reviewed0")
            click(trainee, "start_assignment_")
            turns, status = 1, wait_rendered(trainee, 1)
            expect(trainee.get_by_test_id("stChatMessage").first).to_contain_text(OPENING[:40])
            for line in lines:  # each reply typed once, into a page drawn from the database
                if status != "active":
                    break
                turns, status = say_in_chat(trainee, line, turns)
            assert status == "won_back", status
            see(trainee, "You won them back.")
            click(trainee, "submit_for_review")
            marker(trainee, "attempt_submitted")
            wait_rendered(trainee, turns)
            lap(f"trainee won the customer back in {turns} turns and submitted")

            # The grader: overrides one skill with a comment.
            grader = open_page("grader")
            sign_in(grader, "gina", PASSWORD, "review_queue1")
            click(grader, "review_")
            marker(grader, "review_sheet_reviews0_mine0")
            score = grader.locator(f'[class*="st-key-rv_score_{SKILL}_"]')
            starred = score.get_by_text(re.compile(r"^[1-5]\*$"))
            expect(starred).to_have_count(1)
            evaluator = int(starred.inner_text().strip("*"))
            override = 1 if evaluator > 1 else 5
            score.get_by_text(str(override), exact=True).click()
            fill(grader, f"rv_comment_{SKILL}_", "You said sorry, but never named how she felt.")
            click(grader, "rv_save_")
            marker(grader, "review_queue0")
            see(grader, "Review saved: 1 skill(s) adjusted")
            lap("reviewed")
            changed = f"{SKILL} {override} (was {evaluator})"

            # The dashboard: the trainee's attempt with the override; both CSVs as downloaded.
            admin.get_by_role("tab", name="Dashboard").click()
            marker(admin, "admin_u4_c1_dashboard-reviewed1_temp-none")
            row = admin.locator('[class*="st-key-trainee_session_"]')
            expect(row).to_contain_text("reviewed by gina")
            expect(row).to_contain_text(changed)
            attempts = download(admin, "csv_sessions")
            assert len(attempts) == 1, attempts
            attempt = attempts[0]
            assert (attempt["username"], attempt["final_source"]) == ("dora", "review")
            assert (int(attempt[SKILL]), int(attempt[f"{SKILL}_final"])) == (evaluator, override)
            finals = [int(v) for k, v in attempt.items() if k.endswith("_final")]
            evaluators = [int(attempt[k.removesuffix("_final")]) for k in attempt if k.endswith("_final")]
            progress = download(admin, "csv_progress")
            assert [(r["username"], r["latest_mean"]) for r in progress] == [("dora", f"{sum(finals) / 6:.2f}")]
            assert progress[0]["latest_mean"] != f"{sum(evaluators) / 6:.2f}"  # the evaluator's mean is not it
            admin.screenshot(path=str(ARTIFACTS / "lead-day-dashboard.png"), full_page=True)
            lap("dashboard and CSVs checked")

            # The trainee's own pages: the attempt reviewed with the override; the review at the top.
            trainee.get_by_role("link", name="My cohorts").click()
            marker(trainee, "mycohorts_c1_a1_attempts1_reviewed1")
            assignment = trainee.locator('[class*="st-key-assignment_"]')
            expect(assignment).to_contain_text("reviewed by gina")
            expect(assignment).to_contain_text(changed)
            click(trainee, "open_attempt_")
            marker(trainee, "attempt_reviewed")
            banner = trainee.locator(".st-key-reviewed_banner")
            expect(banner).to_contain_text("Reviewed by gina")
            expect(banner).to_contain_text("never named how she felt")
            trainee.screenshot(path=str(ARTIFACTS / "lead-day-trainee-reviewed.png"), full_page=True)

            # The lead resets the trainee's password: a temporary one, shown once.
            admin.get_by_text("Users", exact=True).click()
            admin.get_by_role("tab", name="Graders and trainees").click()  # away from the dashboard's charts
            marker(admin, "admin_u4_c1_people-g1_temp-none")
            choose(admin, "users_pick", "Dora Trainee (dora, trainee)")
            expect(admin.get_by_role("combobox", name="Role")).to_have_value("trainee")  # dora's actions drawn
            click(admin, "users_reset")
            marker(admin, "admin_u4_c1_people-g1_temp-dora")
            temporary = admin.locator('[data-testid="stCode"]').first.inner_text().strip()
            assert re.fullmatch(r"[a-z0-9]{4}(-[a-z0-9]{4}){3}", temporary, re.IGNORECASE), temporary

            # The trainee: signed out by the reset; the temporary password opens only the password change.
            sign_in(trainee, "dora", temporary, "account_trainee_temporary")
            see(trainee, "You signed in with a temporary password")
            expect(trainee.get_by_role("link", name="My cohorts")).to_have_count(0)
            fill(trainee, "pw_current", temporary)
            fill(trainee, "pw_new", NEW_PASSWORD)
            fill(trainee, "pw_again", NEW_PASSWORD)
            click(trainee, "pw_submit")
            marker(trainee, "mycohorts_c1_a1_attempts1_reviewed1")
            sign_in(open_page("trainee-again"), "dora", NEW_PASSWORD, "mycohorts_c1_a1_attempts1_reviewed1")
            lap("password reset and changed")
        except Exception:
            for who, page in pages.items():
                page.screenshot(path=str(ARTIFACTS / f"lead-day-failure-{who}.png"), full_page=True)
            print(f"streamlit log:\n{streamlit_app.log_tail()}")
            raise
        finally:
            browser.close()
    print(f"the cohort lead's day took {time.monotonic() - started:.1f} s (a figure, not an assertion)")
