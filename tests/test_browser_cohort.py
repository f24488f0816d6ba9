"""A cohort end to end in a real browser: an admin, two trainees and a grader, each in their own browser context."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from support.browser import (  # the fixtures are imported so pytest finds them here
    ARTIFACTS,
    CHROMIUM_ARGS,
    ROOT,
    UI_TIMEOUT_MS,
    RunningApp,
    chromium,
    click_key,
    idle,
    say_in_chat,
    see,
    streamlit_app,
    wait_rendered,
)

__all__ = ["chromium", "streamlit_app"]

PASSWORD = "correct-horse-battery"
TRAINEES = ("tara", "tom")
USERS_CSV = "username,display_name,role,password\n" + "\n".join(
    [f"gina,Gina Grader,grader,{PASSWORD}", *(f"{t},{t.title()} Trainee,trainee,{PASSWORD}" for t in TRAINEES)]
)
LINES: list[str] = yaml.safe_load((ROOT / "tests" / "fixtures" / "trainee_scripts.yaml").read_text())[
    "transaction-not-relationship"  # the default customer: the admin's assignment keeps the defaults
]["good"]


def _seed_admin(app: RunningApp) -> None:
    """Make the first admin with the CLI, against the app's own database."""
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


@pytest.mark.browser
def test_a_cohort_end_to_end(chromium: Path, streamlit_app: RunningApp) -> None:
    """Admin sets up a cohort; two trainees join, play and submit; the grader reviews; calibration shows."""
    from playwright.sync_api import Page, expect, sync_playwright

    started = time.monotonic()
    ARTIFACTS.mkdir(exist_ok=True)
    _seed_admin(streamlit_app)

    click = click_key

    def sign_in(page: Page, username: str, lands_on: str) -> None:
        page.goto(f"{streamlit_app.url}/account")
        idle(page)
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        click(page, "signin_submit")
        expect(page.get_by_role("heading", name=lands_on)).to_be_visible(timeout=UI_TIMEOUT_MS)
        idle(page)

    def shot(page: Page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"cohort-{name}.png"), full_page=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        pages: dict[str, Page] = {}

        def open_page(who: str) -> Page:
            context = browser.new_context(viewport={"width": 1280, "height": 900})  # its own cookies and session
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            pages[who] = page
            return page

        try:
            # The admin: users from CSV, a cohort with its join code, a grader, an assignment.
            admin = open_page("admin")
            sign_in(admin, "ada", "Cohorts")
            admin.get_by_text("Import users from CSV").click()
            admin.locator(".st-key-import_text textarea").fill(USERS_CSV)
            admin.locator(".st-key-import_text textarea").press("Control+Enter")
            click(admin, "import_submit")
            see(admin, "Imported 3 user(s).")
            admin.get_by_text("New cohort").click()
            admin.get_by_label("Name").fill("March")
            click(admin, "new_cohort_submit")
            see(admin, "Cohort March created")
            code_text = admin.locator(".st-key-join_code").inner_text()
            match = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code_text)
            assert match, code_text
            join_code = match.group(0)
            click(admin, "add_grader_")  # gina, the only grader account, is preselected
            see(admin, "gina now grades March")
            admin.get_by_role("tab", name="Assignments").click()
            admin.locator(".st-key-as_title input").fill("Overdraft fees")
            admin.locator(".st-key-as_title input").press("Enter")
            click(admin, "as_create")
            see(admin, "Assignment 'Overdraft fees' set for March")
            shot(admin, "admin")
            print(f"admin set up: {time.monotonic() - started:.1f} s")

            # Two trainees: join with the code, start the assignment, talk the customer round, submit.
            for name in TRAINEES:
                page = open_page(name)
                sign_in(page, name, "My cohorts")
                page.get_by_label("Join code").fill(join_code.lower())
                click(page, "join_submit")
                see(page, "You are in the cohort March")
                click(page, "start_assignment_")
                messages = page.get_by_test_id("stChatMessage")
                turns, status = 1, wait_rendered(page, 1)
                for line in LINES:  # no retries: each line is typed once, into a page drawn from the database
                    if status != "active":
                        break
                    turns, status = say_in_chat(page, line, turns)
                    expect(messages).to_have_count(turns)
                assert status == "won_back", status
                see(page, "You won them back.")
                click(page, "submit_for_review")
                see(page, "Submitted for review.")
            shot(pages[TRAINEES[-1]], "trainee-submitted")
            print(f"trainees submitted: {time.monotonic() - started:.1f} s")

            # The grader: the queue, one review with one skill adjusted and a comment.
            grader = open_page("grader")
            sign_in(grader, "gina", "Review queue")
            expect(grader.locator('[class*="st-key-review_"] button')).to_have_count(2, timeout=UI_TIMEOUT_MS)
            click(grader, "review_")
            see(grader, "Your review")
            empathy = grader.locator('[class*="st-key-rv_score_empathy_"]')
            expect(empathy.get_by_text(re.compile(r"^[1-5]\*$"))).to_have_count(1)  # the evaluator's score
            other = next(v for v in "12345" if empathy.get_by_text(v, exact=True).count())  # any other one
            empathy.get_by_text(other, exact=True).click()
            grader.locator('[class*="st-key-rv_comment_empathy_"] input').fill("Warm words, but no feeling named.")
            shot(grader, "review")
            click(grader, "rv_save_")
            see(grader, "Review saved: 1 skill(s) adjusted")
            expect(grader.locator('[class*="st-key-review_"] button')).to_have_count(1, timeout=UI_TIMEOUT_MS)

            # Calibration: the kappas and the skill the evaluator disagreed on.
            grader.get_by_role("link", name="Calibration").click()
            expect(grader.get_by_role("heading", name="Calibration")).to_be_visible(timeout=UI_TIMEOUT_MS)
            idle(grader)
            see(grader, "Where the evaluator disagrees most")
            see(grader, "Warm words, but no feeling named.")
            shot(grader, "calibration")
            print(f"reviewed, calibration shown: {time.monotonic() - started:.1f} s")

            # The admin's dashboard: both trainees done.
            idle(admin)
            admin.get_by_role("tab", name="Dashboard").click()  # reruns: the figures are read fresh
            see(admin, "Each trainee's trend")
            charts = admin.locator('[data-testid="stVegaLiteChart"], [data-testid="stArrowVegaLiteChart"]')
            expect(charts).to_have_count(2, timeout=UI_TIMEOUT_MS)  # scores by skill, each trainee's trend
            expect(admin.locator(".st-key-csv_sessions button")).to_be_visible()
            idle(admin)
            shot(admin, "dashboard")
        except Exception:
            for who, page in pages.items():
                page.screenshot(path=str(ARTIFACTS / f"cohort-failure-{who}.png"), full_page=True)
            print(f"streamlit log:\n{streamlit_app.log_tail()}")
            raise
        finally:
            browser.close()
    print(f"the cohort run took {time.monotonic() - started:.1f} s (a figure, not an assertion: about 60 s here)")
