"""End to end in a real browser: Debian's Chromium, driven by Playwright, talks to the app under `streamlit run`."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import require_or_skip
from support.browser import (  # the fixtures are imported so pytest finds them here
    APP_IDLE,
    ARTIFACTS,
    CHROMIUM_MISSING,
    REQUIRE_BROWSER,
    ROOT,
    UI_TIMEOUT_MS,
    RunningApp,
    chromium,
    chromium_page,
    say_in_chat,
    streamlit_app,
    wait_rendered,
)

__all__ = ["chromium", "streamlit_app"]


@pytest.mark.browser
def test_trainee_types_a_message_and_the_customer_answers(
    chromium: Path, streamlit_app: RunningApp, tmp_path: Path
) -> None:
    """Pick the default customer, start, type a message, press Enter: the customer's reply appears."""
    from playwright.sync_api import expect

    message = "I'm so sorry, that sounds really frustrating. Tell me what happened."
    with chromium_page(chromium, tmp_path / "chromium-profile", streamlit_app, "browser-e2e") as page:
        app_idle = page.locator(APP_IDLE)
        page.goto(streamlit_app.url)
        page.get_by_role("button", name="Start conversation").click()  # the default customer

        assert wait_rendered(page, 1) == "active"  # the opening line, read back and drawn
        messages = page.get_by_test_id("stChatMessage")
        expect(messages).to_have_count(1)
        customer = messages.first.inner_text().strip().splitlines()[0]  # the opening line's speaker

        say_in_chat(page, message, 1)

        expect(messages.filter(has_text=message)).to_have_count(1)
        expect(messages).to_have_count(3)  # the opening, the trainee's message and the customer's reply
        expect(app_idle).to_have_count(1)
        reply = messages.last
        expect(reply).to_contain_text(customer)
        expect(reply).not_to_contain_text(message)
        assert reply.inner_text().strip() != customer, "the customer's reply is empty"
        reply.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "browser-e2e.png"), full_page=True)


@pytest.mark.browser
def test_full_session_through_to_the_debrief(chromium: Path, streamlit_app: RunningApp, tmp_path: Path) -> None:
    """A good trainee wins the default customer back; the debrief shows the skills chart and the mood curve."""
    import yaml
    from playwright.sync_api import expect

    script = yaml.safe_load((ROOT / "tests" / "fixtures" / "trainee_scripts.yaml").read_text())
    lines = script["transaction-not-relationship"]["good"]  # the default customer (loyalty-killer 1)
    with chromium_page(chromium, tmp_path / "chromium-profile", streamlit_app, "browser-debrief") as page:
        app_idle = page.locator(APP_IDLE)
        page.goto(streamlit_app.url)
        page.get_by_role("button", name="Start conversation").click()
        messages = page.get_by_test_id("stChatMessage")
        turns, status = 1, wait_rendered(page, 1)
        for line in lines:
            if status != "active":
                break  # won back before the script ran out
            turns, status = say_in_chat(page, line, turns)
            expect(messages).to_have_count(turns)  # every turn read back is on the page, none missing
        assert status == "won_back", status
        expect(app_idle).to_have_count(1)
        expect(page.get_by_text("You won them back.")).to_be_visible(timeout=UI_TIMEOUT_MS)
        charts = page.locator('[data-testid="stVegaLiteChart"], [data-testid="stArrowVegaLiteChart"]')
        charts.first.scroll_into_view_if_needed()
        expect(charts.first).to_be_visible(timeout=UI_TIMEOUT_MS)
        charts.nth(1).scroll_into_view_if_needed()  # the skills chart and the mood curve
        expect(charts.nth(1)).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(page.get_by_role("button", name="↩ Try again from here").first).to_be_attached()
        charts.first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "browser-debrief.png"))


def test_missing_browser_skips_with_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a machine without Chromium the browser test skips and says how to install it."""
    monkeypatch.delenv(REQUIRE_BROWSER, raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_or_skip(False, CHROMIUM_MISSING, REQUIRE_BROWSER)


def test_missing_browser_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """With HOTSEAT_REQUIRE_BROWSER=1 (as in .ci/run) a missing Chromium is a failure, not a skip."""
    monkeypatch.setenv(REQUIRE_BROWSER, "1")
    with pytest.raises(pytest.fail.Exception, match="HOTSEAT_REQUIRE_BROWSER=1"):
        require_or_skip(False, CHROMIUM_MISSING, REQUIRE_BROWSER)
    require_or_skip(True, CHROMIUM_MISSING, REQUIRE_BROWSER)  # present: nothing happens
