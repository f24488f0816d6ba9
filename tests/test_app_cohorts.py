"""Cohorts in the app, driven with AppTest: sign-in, the menu by role, trainee, grader, admin and calibration pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from helpers_org import PASSWORD, fast_passwords
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash
from support import PROJECT_ROOT
from typer.testing import CliRunner

from evaluators.skills import Skill
from hotseat.org import accounts
from hotseat.org.accounts import Actor, Role, local_actor
from hotseat.org.assignments import Assignment, create_assignment, start_assignment
from hotseat.org.cohorts import Cohort, add_grader, create_cohort, join_cohort
from hotseat.org.reviews import review_queue, reviews_of, submit_for_review
from hotseat.practice.session import PracticeSession
from hotseat.services import Services
from hotseat.ui.components import as_text
from hotseat.ui.routes import menu_keys

APP = str(PROJECT_ROOT / "app.py")
PERSONA = "transaction-not-relationship"  # the default customer; its "good" script wins them back
GOOD_LINES: list[str] = yaml.safe_load((PROJECT_ROOT / "tests" / "fixtures" / "trainee_scripts.yaml").read_text())[
    PERSONA
]["good"]
MARKUP = "<b>bold</b> **x** <script>alert(1)</script> [link](http://example.com)"


@dataclass
class Org:
    """An admin, a grader, two trainees in one cohort with one assignment."""

    svc: Services
    admin: Actor
    grader: Actor
    alice: Actor
    bob: Actor
    cohort: Cohort
    assignment: Assignment


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> Org:
    """Fresh services on a tmp database, seeded with the org API."""
    from hotseat.ui.state import services

    fast_passwords(monkeypatch)
    services.clear()
    svc = services()
    store = svc.store
    admin = accounts.bootstrap_admin(store, "ada", PASSWORD, display_name="Ada Admin")
    grader = accounts.create_user(store, admin, "gina", PASSWORD, role=Role.GRADER, display_name="Gina")
    alice = accounts.register_trainee(store, "alice", PASSWORD, display_name="Alice")
    bob = accounts.register_trainee(store, "bob", PASSWORD, display_name="Bob")
    cohort = create_cohort(store, admin, "March")
    add_grader(store, admin, cohort.id, grader.id)
    assignment = create_assignment(
        store,
        admin,
        cohort.id,
        personas=svc.personas,
        persona_id=PERSONA,
        due=datetime.now(UTC) + timedelta(days=7),
        title="Overdraft fees",
    )
    return Org(svc, admin, grader, alice, bob, cohort, assignment)


def _goto(at: AppTest, url_path: str) -> AppTest:
    """Open the page with this url_path, as a click in the menu would.

    AppTest.switch_page() takes page files only and Hotseat's pages are functions, so set the page
    hash it would set (Streamlit hashes a page's url_path), run, and clear it so that later runs stay
    wherever the app itself navigates.
    """
    at._page_hash = calc_hash(url_path)
    at.run()
    at._page_hash = ""
    assert not at.exception, at.exception
    return at


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def _sign_in(username: str, password: str = PASSWORD) -> AppTest:
    at = _goto(_app(), "account")
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password)
    at.button(key="signin_submit").click().run()
    assert not at.exception, at.exception
    return at


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def _play(org: Org, trainee: Actor, lines: list[str]) -> PracticeSession:
    session = start_assignment(org.svc.engine, trainee, org.assignment.id)
    for line in lines:
        if session.ended:
            break
        org.svc.engine.say(session, line)
    return session


def test_the_menu_depends_on_the_role(org: Org) -> None:
    """Everyone practises; trainees get their cohorts, graders the queue and calibration, admins cohorts and
    customers too (the local user sees customers: the page asks them to sign in once accounts exist)."""
    everyone = ["practice", "history", "progress"]
    assert menu_keys(local_actor(org.svc.store)) == [*everyone, "authoring", "signin"]
    assert menu_keys(org.alice) == [*everyone, "cohorts", "signout"]
    assert menu_keys(org.grader) == [*everyone, "review", "calibration", "signout"]
    assert menu_keys(org.admin) == [*everyone, "admin", "authoring", "review", "calibration", "signout"]


def test_wrong_password_is_refused_and_nobody_is_signed_in(org: Org) -> None:
    at = _sign_in("alice", "not-the-password")
    assert "username or password is wrong" in at.error[0].value
    assert _titles(at) == ["Sign in"]
    assert at.session_state["hotseat"].actor_id is None


def test_practice_still_needs_no_account(org: Org) -> None:
    """With accounts in the database, the app still opens on practice as the single local user."""
    at = _app()
    at.button(key="start").click().run()
    at.chat_input(key="chat").set_value("That sounds really frustrating. What happened?").run()
    assert not at.exception
    sessions = org.svc.store.list_sessions(user_id=org.svc.store.local_user_id())
    assert len(sessions) == 1 and len(sessions[0].trainee_turns()) == 1


def test_a_trainee_cannot_open_another_trainees_session_from_the_url(org: Org) -> None:
    join_cohort(org.svc.store, org.alice, org.cohort.join_code or "")
    session = _play(org, org.alice, GOOD_LINES[:1])
    fresh = AppTest.from_file(APP, default_timeout=30)  # a new tab, not signed in, with her session's URL
    fresh.query_params["session"] = session.id
    fresh.run()
    assert "no longer exists" in fresh.warning[0].value
    assert not fresh.chat_message
    at = _sign_in("bob")
    at.session_state["hotseat"].session_id = session.id  # as if bob's tab pointed at her session
    at = _goto(at, "practice")
    assert "no longer exists" in at.warning[0].value
    assert not at.chat_message


def test_trainee_joins_starts_plays_and_submits(org: Org) -> None:
    """Sign in → My cohorts → join with the code → start → talk the customer round → submit for review."""
    at = _sign_in("alice")
    assert _titles(at) == ["My cohorts"]  # a trainee lands on their cohorts
    at.text_input(key="join_code_input").input("WRONG-CODE")
    at.button(key="join_submit").click().run()
    assert "No cohort has the join code" in at.error[0].value
    at.text_input(key="join_code_input").input((org.cohort.join_code or "").lower())
    at.button(key="join_submit").click().run()
    assert any("You are in the cohort March" in s.value for s in at.success)
    assert any("Overdraft fees" in m.value for m in at.markdown)

    at.button(key=f"start_assignment_{org.assignment.id}").click().run()
    assert not at.exception
    for line in GOOD_LINES:
        if _has_button(at, "submit_for_review"):
            break
        at.chat_input(key="chat").set_value(line).run()
        assert not at.exception
    assert any("won them back" in s.value for s in at.success)
    at.button(key="submit_for_review").click().run()
    assert not at.exception
    assert any("Submitted for review" in s.value for s in at.success)
    queue = review_queue(org.svc.store, org.grader)
    assert [item.trainee_username for item in queue] == ["alice"]


def _has_button(at: AppTest, key: str) -> bool:
    return any(b.key == key for b in at.button)


@pytest.fixture
def submitted(org: Org) -> PracticeSession:
    """Alice's attempt with HTML and Markdown in a turn, submitted for review."""
    join_cohort(org.svc.store, org.alice, org.cohort.join_code or "")
    session = _play(org, org.alice, [f"I'm sorry. {MARKUP}", *GOOD_LINES[1:]])
    submit_for_review(org.svc.store, org.alice, session.id)
    return session


def test_review_screen_shows_markup_as_text_and_saves_an_adjusted_skill(org: Org, submitted: PracticeSession) -> None:
    at = _sign_in("gina")
    assert _titles(at) == ["Review queue"]  # a grader lands on the queue
    at.button(key=f"review_{submitted.id}").click().run()
    assert not at.exception
    shown = [m.value for m in at.markdown]
    raw = submitted.turns[1].text
    assert as_text(raw) in shown  # the trainee's turn, escaped: shown as typed
    assert not any("<script>" in text or "<b>" in text for text in shown)
    assert not any(m.proto.allow_html for m in at.markdown)

    evaluator = at.radio(key=f"rv_score_empathy_{submitted.id}").value
    new_score = 1 if evaluator != 1 else 2
    at.radio(key=f"rv_score_empathy_{submitted.id}").set_value(new_score)
    at.button(key=f"rv_save_{submitted.id}").click().run()  # no comment: refused, nothing saved
    assert "Say why you changed empathy" in at.error[0].value
    assert reviews_of(org.svc.store, org.grader, submitted.id) == []

    at.radio(key=f"rv_score_empathy_{submitted.id}").set_value(new_score)
    at.text_input(key=f"rv_comment_empathy_{submitted.id}").input("Sounded <i>scripted</i>, not **felt**.")
    at.button(key=f"rv_save_{submitted.id}").click().run()
    assert not at.exception
    assert any("1 skill(s) adjusted" in s.value for s in at.success)
    [review] = reviews_of(org.svc.store, org.grader, submitted.id)
    empathy = review.score(Skill.EMPATHY)
    assert (empathy.evaluator_score, empathy.grader_score) == (evaluator, new_score)
    assert empathy.comment == "Sounded <i>scripted</i>, not **felt**."
    assert sum(s.adjusted for s in review.skills) == 1

    at = _goto(at, "calibration")
    assert _titles(at) == ["Calibration"]
    assert at.metric[1].value == "1"  # one review
    assert any("Where the evaluator disagrees most" in h.value for h in at.subheader)
    assert any(as_text("Sounded <i>scripted</i>, not **felt**.") in m.value for m in at.markdown)


def test_a_trainee_cannot_open_the_review_queue(org: Org, submitted: PracticeSession) -> None:
    at = _goto(_sign_in("bob"), "review")
    assert "Review queue" not in _titles(at)  # not in a trainee's menu: Streamlit opens the default page
    assert not any(b.key == f"review_{submitted.id}" for b in at.button)


def test_admin_creates_a_cohort_imports_users_adds_a_grader_and_sets_an_assignment(org: Org) -> None:
    at = _sign_in("ada")
    assert _titles(at) == ["Cohorts"]  # an admin lands on the cohorts page
    at.text_input(key="new_cohort_name").input("April")
    at.button(key="new_cohort_submit").click().run()
    assert any("Cohort April created" in s.value for s in at.success)
    april = next(c for c in accounts_cohorts(org) if c.name == "April")
    assert at.selectbox(key="admin_cohort").value == april.id

    at.text_area(key="import_text").input("username,display_name,role\nhank,Hank,grader\nivy,Ivy,trainee\nivy,Ivy,x\n")
    at.button(key="import_submit").click().run()
    assert "not imported" in at.error[0].value  # a duplicate and a bad role: nobody added
    at.text_area(key="import_text").input("username,display_name,role\nhank,Hank,grader\nivy,Ivy,trainee\n")
    at.button(key="import_submit").click().run()
    assert any("Imported 2 user(s)" in s.value for s in at.success)
    passwords = at.session_state["hotseat"].issued_passwords
    assert [name for name, _ in passwords] == ["hank", "ivy"]

    hank = next(u for u in accounts.list_users(org.svc.store, org.admin) if u.username == "hank")
    assert not any(b.key == "as_create" for b in at.button)  # only the open tab is rendered
    at.selectbox(key=f"grader_pick_{april.id}").set_value(hank.id)
    at.button(key=f"add_grader_{april.id}").click().run()
    assert any("hank now grades April" in s.value for s in at.success)

    at.session_state["admin_tab"] = "Assignments"
    at.run()
    at.selectbox(key="as_persona").set_value("policy-over-problem").run()
    at.number_input(key="as_attempts").set_value(2)
    at.text_input(key="as_title").input("Fare after surgery")
    at.button(key="as_create").click().run()
    assert not at.exception
    assert any("Assignment 'Fare after surgery' set for April" in s.value for s in at.success)
    assert at.text_input(key="as_title").value == ""
    at.session_state["admin_tab"] = "Dashboard"
    at.run()
    assert any(getattr(b, "label", None) == "Attempts CSV" for b in at.get("download_button"))


def accounts_cohorts(org: Org) -> list[Cohort]:
    """Every cohort, as the admin sees them."""
    from hotseat.org.cohorts import list_cohorts

    return list_cohorts(org.svc.store, org.admin)


def test_admin_dashboard_shows_completion_and_skills(org: Org, submitted: PracticeSession) -> None:
    at = _sign_in("ada")
    at.session_state["admin_tab"] = "Dashboard"
    at.run()
    assert not at.exception
    headers = [h.value for h in at.subheader]
    assert {"Completion", "Scores by skill", "Each trainee's trend"} <= set(headers)
    assert any("Weakest skills across the cohort" in m.value for m in at.markdown)


def test_single_sign_on_user_maps_to_a_trainee_account(org: Org) -> None:
    """With st.login configured, a signed-in identity becomes (or finds) its account: no code changes."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.user = {
        "is_logged_in": True,
        "iss": "https://login.example.com",
        "sub": "sam-1",
        "email": "Sam@Example.com",
        "email_verified": True,
        "name": "Sam Lee",
    }
    at.run()
    assert not at.exception
    sam = next(u for u in accounts.list_users(org.svc.store, org.admin) if u.username == "sam@example.com")
    assert sam.role == Role.TRAINEE and sam.display_name == "Sam Lee"
    at = _goto(at, "account")
    assert any("Signed in as" in m.value and as_text("sam@example.com") in m.value for m in at.markdown)
    at.button(key="signout").click().run()  # also ends the single sign-on session (st.logout)
    assert not at.exception
    assert at.session_state["hotseat"].actor_id is None
    assert _titles(at) == ["Sign in"]


def test_cli_creates_the_first_admin_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from hotseat.cli.main import app

    fast_passwords(monkeypatch)
    runner = CliRunner()
    made = runner.invoke(app, ["admin", "create", "root", "--name", "Root", "--password-stdin"], input="long-pass-42\n")
    assert made.exit_code == 0, made.output
    again = runner.invoke(app, ["admin", "create", "other", "--password-stdin"], input="long-pass-42\n")
    assert again.exit_code == 2 and "An admin already exists" in again.output


def test_sign_in_page_offers_single_sign_on_only_when_configured(org: Org) -> None:
    at = _goto(_app(), "account")
    assert not any(b.key and b.key.startswith("sso_") for b in at.button)  # no [auth]: no button, no error
    configured = AppTest.from_file(APP, default_timeout=30)
    configured.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "not-a-secret",
        "client_id": "hotseat",
        "client_secret": "not-a-secret",
        "server_metadata_url": "https://login.example.com/.well-known/openid-configuration",
    }
    configured.run()
    configured = _goto(configured, "account")
    assert [b.label for b in configured.button if b.key and b.key.startswith("sso_")] == [
        "Sign in with your organisation"
    ]


def test_sign_out_returns_to_individual_practice(org: Org) -> None:
    at = _goto(_sign_in("alice"), "account")
    assert any(as_text("Alice (alice)") in m.value for m in at.markdown)
    at.button(key="signout").click().run()
    assert not at.exception
    assert at.session_state["hotseat"].actor_id is None and _titles(at) == ["Sign in"]


def _texts_in_order(at: AppTest) -> list[str]:
    """The text of every element of the main area, top to bottom."""
    found: list[str] = []

    def walk(node: object) -> None:
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)
            return
        value = getattr(node, "value", None)
        if isinstance(value, str):
            found.append(value)

    walk(at.main)
    return found


def test_a_reviewed_attempt_says_so_at_the_top_with_the_graders_feedback(org: Org, submitted: PracticeSession) -> None:
    from hotseat.org.reviews import SkillDecision, submit_review

    submit_review(
        org.svc.store,
        org.grader,
        submitted.id,
        {"apology": SkillDecision(score=1, comment="No **owning** it.")},
        comment="Good start.",
    )
    at = _sign_in("alice")
    at.session_state["hotseat"].session_id = submitted.id
    at = _goto(at, "practice")
    texts = _texts_in_order(at)
    banner = next(i for i, t in enumerate(texts) if t.startswith("Reviewed by gina on"))
    debrief = texts.index("Debrief")
    assert banner < debrief  # at the top, before the debrief and the transcript
    assert texts.index(as_text(submitted.turns[0].text)) > banner
    assert any(as_text("No **owning** it.") in m.value and "**1/5** (grader; evaluator" in m.value for m in at.markdown)
    assert any("Good start." in m.value for m in at.markdown)
    assert not any("will review it" in t for t in texts)  # no stale promise once reviewed
    assert any("Reviewed by gina: the grader's feedback" in s.value for s in at.success)
    assert any(e.label.startswith("Apology — 1/5 (grader; evaluator") for e in at.expander)  # the debrief too
