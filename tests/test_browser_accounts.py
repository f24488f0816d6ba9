"""Accounts in a real browser: a trainee signs up with the join code alone; a refresh keeps them signed in
(the session cookie); sign-out ends it on the server, so a refresh (even with the old cookie put back) shows
the sign-in page; a password sign-in is kept across a refresh the same way."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.browser import (  # the fixtures are imported so pytest finds them here
    ARTIFACTS,
    CHROMIUM_ARGS,
    UI_TIMEOUT_MS,
    RunningApp,
    chromium,
    click_key,
    idle,
    streamlit_app,
)

from hotseat.org import accounts
from hotseat.org.auth_sessions import COOKIE_NAME
from hotseat.org.cohorts import create_cohort
from hotseat.storage import Store

__all__ = ["chromium", "streamlit_app"]

PASSWORD = "correct-horse-battery"
HAS_COOKIE = f"document.cookie.split('; ').some(c => c.startsWith('{COOKIE_NAME}='))"


def _seed_cohort(app: RunningApp) -> str:
    """The first admin and a cohort, made with the org API in the app's own database; the join code."""
    store = Store.open(app.env["DATABASE_URL"])
    try:
        admin = accounts.bootstrap_admin(store, "ada", PASSWORD)
        code = create_cohort(store, admin, "March").join_code
    finally:
        store.engine.dispose()
    assert code is not None
    return code


@pytest.mark.browser
def test_signup_then_a_refresh_keeps_the_trainee_signed_in_and_sign_out_ends_it(
    chromium: Path, streamlit_app: RunningApp
) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    code = _seed_cohort(streamlit_app)

    click = click_key

    def fill(page: Page, key: str, text: str) -> None:
        page.locator(f".st-key-{key} input").fill(text)

    def heading(page: Page, name: str) -> None:
        expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=UI_TIMEOUT_MS)
        idle(page)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)
        try:
            # Self-signup with the join code alone: the trainee lands in the cohort.
            page.goto(f"{streamlit_app.url}/account")
            heading(page, "Sign in")
            page.get_by_text("New here? Sign up with your cohort's join code").click()
            expect(page.locator(".st-key-signup_code input")).to_be_visible()
            idle(page)
            fill(page, "signup_code", code.lower())
            fill(page, "signup_username", "dora")
            fill(page, "signup_name", "Dora Trainee")
            fill(page, "signup_password", PASSWORD)
            fill(page, "signup_again", PASSWORD)
            click(page, "signup_submit")
            heading(page, "My cohorts")
            expect(page.get_by_text("Welcome! You are in the cohort March")).to_be_visible()
            page.wait_for_function(HAS_COOKIE, timeout=UI_TIMEOUT_MS)  # the page wrote the session cookie

            # A refresh: a new connection, the cookie sent with it; still signed in.
            page.reload()
            heading(page, "My cohorts")
            expect(page.get_by_text("Your cohorts: March")).to_be_visible()
            stolen = next(c for c in context.cookies() if c["name"] == COOKIE_NAME)
            page.screenshot(path=str(ARTIFACTS / "accounts-refreshed.png"), full_page=True)

            # Sign out: the cookie is cleared and the token revoked; a refresh shows the sign-in page.
            page.get_by_role("link", name="Sign out").click()
            heading(page, "Account")
            click(page, "signout")
            heading(page, "Sign in")
            page.wait_for_function(f"!({HAS_COOKIE})", timeout=UI_TIMEOUT_MS)
            page.reload()
            heading(page, "Sign in")

            # The old cookie put back (as a thief would): refused, since sign-out revoked it on the server.
            context.add_cookies([stolen])
            page.reload()
            heading(page, "Sign in")
            expect(page.get_by_role("link", name="My cohorts")).to_have_count(0)

            # Signing in with the password form keeps a refresh signed in the same way.
            page.get_by_label("Username").fill("dora")
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            click(page, "signin_submit")
            heading(page, "My cohorts")
            page.wait_for_function(
                f"document.cookie.includes('{COOKIE_NAME}=') && !document.cookie.includes({stolen['value']!r})",
                timeout=UI_TIMEOUT_MS,
            )  # a new token, not the revoked one
            page.reload()
            heading(page, "My cohorts")
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "accounts-failure.png"), full_page=True)
            print(f"streamlit log:\n{streamlit_app.log_tail()}")
            raise
        finally:
            browser.close()
