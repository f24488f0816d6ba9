"""The real-browser harness: `streamlit run app.py` in a subprocess and Debian's Chromium via Playwright.

Fixtures (import them into a test module): `streamlit_app` (a running app on a tmp database) and
`chromium` (skips without Chromium or Playwright; fails when HOTSEAT_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support import free_port, require_or_skip

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
REQUIRE_BROWSER = "HOTSEAT_REQUIRE_BROWSER"
CHROMIUM_MISSING = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
STARTUP_TIMEOUT_S = 60
UI_TIMEOUT_MS = 30_000
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'  # the script is not running (now)
RENDERED = '[class*="st-key-hs_rendered_{turns}_"]'  # the practice page drew a session of N stored turns


@dataclass
class RunningApp:
    """The app served by `streamlit run` in a subprocess."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]  # the app's environment: run the CLI with it to reach the same database

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, for failure messages."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _wait_until_healthy(app: RunningApp) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            pytest.fail(f"streamlit exited with code {app.process.returncode}:\n{app.log_tail()}")
        try:
            with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit was not healthy after {STARTUP_TIMEOUT_S} s:\n{app.log_tail()}")


@contextmanager
def run_streamlit(tmp_path: Path, extra_env: dict[str, str] | None = None) -> Iterator[RunningApp]:
    """`streamlit run app.py` on a free loopback port and a tmp database; `extra_env` picks the customer."""
    port = free_port()
    data = tmp_path / "data"
    env = {
        **os.environ,
        "HOTSEAT_DATA_DIR": str(data),
        "HOTSEAT_PROVIDER": "scripted",
        "DATABASE_URL": f"sqlite:///{data / 'hotseat.db'}",  # wins over a developer's .env
        **(extra_env or {}),
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",  # edits to the checkout mid-test must not hot-reload modules
    ]  # fmt: skip
    log = tmp_path / "streamlit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    app = RunningApp(url=f"http://127.0.0.1:{port}", process=process, log=log, env=env)
    try:
        _wait_until_healthy(app)
        yield app
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def streamlit_app(tmp_path: Path) -> Iterator[RunningApp]:
    """`streamlit run app.py` on a free loopback port, with the scripted customer and a tmp database."""
    with run_streamlit(tmp_path) as app:
        yield app


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium and Playwright: skip without them, fail when HOTSEAT_REQUIRE_BROWSER=1."""
    require_or_skip(CHROMIUM.exists(), CHROMIUM_MISSING, REQUIRE_BROWSER)
    require_or_skip(
        importlib.util.find_spec("playwright") is not None,
        "Playwright is not installed: pip install playwright",
        REQUIRE_BROWSER,
    )
    return CHROMIUM


@contextmanager
def chromium_page(chromium: Path, profile: Path, app: RunningApp, artifact: str) -> Iterator[Any]:
    """A Playwright page in a fresh Chromium profile; on failure, a screenshot and the app's log."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(chromium),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)
        try:
            yield page
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"{artifact}-failure.png"), full_page=True)
            print(f"streamlit log:\n{app.log_tail()}")
            raise
        finally:
            context.close()


def wait_rendered(page: Any, turns: int) -> str:
    """Wait until the practice page has been drawn by a run that read back a session of `turns` turns, and the
    script has stopped; return the session's status (`active`, `won_back`, ...).

    The app renders this marker last, once every turn it counts is stored and drawn (a trainee's turn
    and the customer's reply are one script run), so it never shows a page that is still being drawn.
    """
    from playwright.sync_api import expect

    marker = page.locator(RENDERED.format(turns=turns))
    expect(marker).to_have_count(1, timeout=UI_TIMEOUT_MS)
    expect(page.locator(APP_IDLE)).to_have_count(1, timeout=UI_TIMEOUT_MS)
    expect(marker).to_have_count(1, timeout=UI_TIMEOUT_MS)  # still this run's page, not a newer one
    classes = marker.first.get_attribute("class") or ""
    key = next(c for c in classes.split() if c.startswith(f"st-key-hs_rendered_{turns}_"))
    return key.removeprefix(f"st-key-hs_rendered_{turns}_")


def say_in_chat(page: Any, text: str, turns: int) -> tuple[int, str]:
    """Type `text` into the chat of a session drawn with `turns` turns and press Enter; wait for the
    trainee's turn and the customer's reply to be read back and drawn. Returns (turns, status)."""
    chat = page.get_by_test_id("stChatInputTextArea")
    chat.fill(text)
    chat.press("Enter")
    return turns + 2, wait_rendered(page, turns + 2)


def idle(page: Any) -> None:
    """Wait until the app's script is not running (a rerun has finished drawing)."""
    from playwright.sync_api import expect

    expect(page.locator(APP_IDLE)).to_have_count(1, timeout=UI_TIMEOUT_MS)


def see(page: Any, text: str) -> None:
    """Wait until `text` is visible on the page."""
    from playwright.sync_api import expect

    expect(page.get_by_text(text, exact=False).first).to_be_visible(timeout=UI_TIMEOUT_MS)


def click_key(page: Any, key: str, *, prefix: bool = True, wait: bool = True) -> None:
    """Click the button whose Streamlit key is `key` (`prefix`: or starts with it); with `wait`, wait for the
    script to be idle before and after (without it, the caller waits on a page marker instead)."""
    if wait:
        idle(page)
    selector = f'[class*="st-key-{key}"]' if prefix else f".st-key-{key}"
    button = page.locator(f"{selector} button").first
    button.scroll_into_view_if_needed()
    button.click()
    if wait:
        idle(page)
