"""The Customers page, driven with AppTest: an author writes a customer from a template, checks, publishes, exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml
from helpers_org import PASSWORD, fast_passwords
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Element
from streamlit.util import calc_hash
from support import PROJECT_ROOT

from hotseat.authoring.operations import list_versions
from hotseat.org import accounts
from hotseat.org.accounts import Actor, Role, local_actor
from hotseat.practice.personas import Persona, Reaction
from hotseat.services import Services
from hotseat.ui.routes import menu_keys

APP = str(PROJECT_ROOT / "app.py")
TEMPLATE = "transaction-not-relationship"
NEW_ID = "harbor-overdraft"
SCRIPTS = yaml.safe_load((PROJECT_ROOT / "tests" / "fixtures" / "trainee_scripts.yaml").read_text())[TEMPLATE]
NAME_KEY = "au_scenarios_0_customer_name"
FACTS_KEY = "au_scenarios_0_facts"
GOOD_KEY = "au_scenarios_0_example_replies_good"
BAD_KEY = "au_scenarios_0_example_replies_bad"


@dataclass
class Org:
    """An admin, an author and a trainee."""

    svc: Services
    admin: Actor
    author: Actor
    trainee: Actor


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> Org:
    """Fresh services on a tmp database, with accounts."""
    from hotseat.ui.state import services

    fast_passwords(monkeypatch)
    services.clear()
    svc = services()
    admin = accounts.bootstrap_admin(svc.store, "ada", PASSWORD, display_name="Ada Admin")
    author = accounts.create_user(svc.store, admin, "otto", PASSWORD, role=Role.AUTHOR, display_name="Otto Author")
    trainee = accounts.register_trainee(svc.store, "alice", PASSWORD, display_name="Alice")
    return Org(svc, admin, author, trainee)


def _goto(at: AppTest, url_path: str) -> AppTest:
    """Open the page with this url_path, as a click in the menu would (see test_app_cohorts._goto)."""
    at._page_hash = calc_hash(url_path)
    at.run()
    at._page_hash = ""
    assert not at.exception, at.exception
    return at


def _sign_in(username: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at = _goto(at, "account")
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(PASSWORD)
    at.button(key="signin_submit").click().run()
    assert not at.exception, at.exception
    return at


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def _walk(node: Block | Element) -> Iterator[Block | Element]:
    yield node
    if isinstance(node, Block):
        for child in node.children.values():
            yield from _walk(child)


def _errors_after(at: AppTest, key: str) -> list[str]:
    """The error messages drawn right after the widget with this key (before the next widget)."""
    nodes = [n for n in _walk(at.main) if not isinstance(n, Block)]
    start = next(i for i, n in enumerate(nodes) if getattr(n, "key", None) == key)
    found = []
    for node in nodes[start + 1 :]:
        if node.type != "error":
            break
        found.append(str(node.value))
    return found


def _text(at: AppTest) -> str:
    return " ".join(str(m.value) for m in (*at.markdown, *at.caption, *at.success, *at.info, *at.error))


def _create_from_template(at: AppTest) -> AppTest:
    _click(at, f"au_template_{TEMPLATE}")
    assert at.selectbox(key="au_new_template").value == TEMPLATE
    at.text_input(key="au_new_id").input(NEW_ID)
    at.text_input(key="au_new_title").input("Fees after twelve years")
    return _click(at, "au_new_create")


def _versions(org: Org) -> list[int]:
    return [v.version for v in list_versions(org.svc.store, org.svc.personas, org.author, NEW_ID)]


def test_the_customers_page_is_in_the_menu_of_authors_and_admins_only(org: Org) -> None:
    assert "authoring" in menu_keys(org.author)
    assert "authoring" in menu_keys(org.admin)
    assert "authoring" in menu_keys(local_actor(org.svc.store))
    assert "authoring" not in menu_keys(org.trainee)
    at = _sign_in("alice")
    at = _goto(at, "customers")
    assert "Customers" not in [t.value for t in at.title]  # not a page of hers: the app opens practice
    assert not any(b.key == "au_new_create" for b in at.button)
    local = AppTest.from_file(APP, default_timeout=60)  # not signed in, with accounts in the database
    local.run()
    local = _goto(local, "customers")
    assert any("Sign in as an author or admin" in i.value for i in local.info)
    assert not any(b.key == "au_new_create" for b in local.button)


def test_the_local_user_writes_customers_while_there_are_no_accounts() -> None:
    from hotseat.ui.state import services

    services.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at = _create_from_template(_goto(at, "customers"))
    assert "Created harbor-overdraft (version 1)" in _text(at)


def test_an_author_writes_checks_publishes_and_exports_a_customer(org: Org) -> None:
    at = _sign_in("otto")
    assert [t.value for t in at.title] == ["Customers"]  # an author lands on the customers page
    text = _text(at)
    assert "built-in" in text and "Guilty" in text  # the four built-ins, read-only, with "Use as template"
    assert any(b.key == f"au_template_{TEMPLATE}" for b in at.button)

    at = _create_from_template(at)
    assert "Created harbor-overdraft (version 1)" in _text(at)
    assert _versions(org) == [1]
    assert at.text_input(key="au_title").value == "Fees after twelve years"
    assert at.selectbox(key="au_loyalty_killer").value == 1
    assert at.text_input(key=NAME_KEY).value == "Marisol Vega"  # the template's customer, to edit

    # Invalid: no name, one fact. Each error beside its field; nothing saved; the typed text kept.
    at.text_input(key=NAME_KEY).input("")
    at.text_area(key=FACTS_KEY).input("Charged three overdraft fees in one day")
    at.text_area(key="au_lines_felt_heard").input("Only {{ nickname }} may say that.\nAnother line.")
    at = _click(at, "au_save")
    assert any("required" in e or "at least 1" in e for e in _errors_after(at, NAME_KEY)), _errors_after(at, NAME_KEY)
    assert any("at least 2" in e for e in _errors_after(at, FACTS_KEY)), _errors_after(at, FACTS_KEY)
    assert any("nickname" in e for e in _errors_after(at, "au_lines_felt_heard"))
    assert _errors_after(at, "au_title") == []
    assert _versions(org) == [1]
    assert at.text_input(key=NAME_KEY).value == ""
    assert at.text_area(key=FACTS_KEY).value == "Charged three overdraft fees in one day"

    # Fixed, with the check's example replies: version 2.
    at.text_input(key=NAME_KEY).input("Dana Whitfield")
    at.text_area(key=FACTS_KEY).input("\n".join(org.svc.personas.get(TEMPLATE).scenarios[0].facts))
    at.text_area(key="au_lines_felt_heard").input("You heard me, {{ agent }}.\nThat is exactly it.")
    at.text_area(key=GOOD_KEY).input("\n".join(SCRIPTS["good"]))
    at.text_area(key=BAD_KEY).input("\n".join(SCRIPTS["bad"]))
    at.text_input(key="au_note").input("Dana, and the check's replies")
    at = _click(at, "au_save")
    assert "Saved version 2 of harbor-overdraft" in _text(at)
    assert _versions(org) == [1, 2]
    assert not _errors_after(at, NAME_KEY)
    saved = org.svc.personas.get(NEW_ID, 2)
    assert saved.scenarios[0].customer.name == "Dana Whitfield"
    assert saved.lines.for_reaction(Reaction.FELT_HEARD)[:2] == ["You heard me, {{ agent }}.", "That is exactly it."]
    assert saved.lines.for_reaction(Reaction.DOUBLESPEAK)  # the reactions not edited come from the template
    table = at.dataframe[0].value
    assert list(table["Version"]) == [2, 1]
    assert list(table["Saved by"]) == ["Otto Author", "Otto Author"]
    assert list(table["Check"]) == ["not run", "not run"]

    # Publish waits for the check; the check reports in plain words; then publish.
    assert at.button(key="au_publish").disabled
    at = _click(at, "au_check")
    assert "The check passed" in _text(at)
    assert "Dana was won back" in _text(at) and "Dana walked away" in _text(at)
    assert at.dataframe[0].value["Check"].iloc[0] == "✅ passed"
    assert not at.button(key="au_publish").disabled
    at = _click(at, "au_publish")
    assert "Published version 2 of harbor-overdraft" in _text(at)
    assert at.dataframe[0].value["Published"].iloc[0] == "✅ trainees play this"
    assert "version 2 is published" in _text(at)

    export = next(n for n in _walk(at.main) if getattr(n, "key", None) == "au_export" or n.type == "download_button")
    assert "Export version 2 as YAML" in str(export.proto)
    exported = at.code[0].value  # the same text as the download
    assert Persona.model_validate(yaml.safe_load(exported)) == saved

    # The trainee's picker lists it beside the built-ins.
    trainee = _goto(_sign_in("alice"), "practice")
    options = trainee.sidebar.selectbox(key="pick_persona").options
    assert "1. Fees after twelve years · custom" in options
    assert sum("· custom" not in o for o in options) == 4


def test_a_draft_version_is_test_driven_on_the_practice_page(org: Org) -> None:
    at = _create_from_template(_sign_in("otto"))
    at = _click(at, "au_play")
    assert [t.value for t in at.title] != ["Customers"]
    session_id = at.session_state["hotseat"].session_id
    session = org.svc.engine.load(session_id)
    assert (session.persona_id, session.persona_version) == (NEW_ID, 1)
    opening = org.svc.personas.get(NEW_ID, 1).scenarios[0].opening_line
    assert " ".join(opening.split())[:40] in " ".join(at.chat_message[0].markdown[1].value.split())


def test_the_llm_drafts_lines_for_review_and_nothing_is_saved_until_save(org: Org) -> None:
    from hotseat.practice.customer import LLMCustomer
    from hotseat.practice.prompt_window import CustomerPromptBuilder
    from hotseat.providers.fake import FakeChatModel

    at = _create_from_template(_sign_in("otto"))
    assert not any(b.key == "au_draft" for b in at.button)  # the scripted customer plays: no LLM, no draft
    fake = FakeChatModel()
    settings = org.svc.settings
    builder = CustomerPromptBuilder(
        org.svc.prompts,
        budget=settings.prompt_token_budget,
        block=settings.summary_block_turns,
        encoding=settings.tiktoken_encoding,
    )
    org.svc.engine.customer = LLMCustomer(fake, builder)
    draft = {
        "lines": {r.value: [f"{r.value} line one, {{{{ agent }}}}.", f"{r.value} line two."] for r in Reaction},
        "trigger_examples": ["Rules are rules."],
        "need_examples": ["I'll refund all three fees today."],
        "good_replies": ["That sounds awful. What happened?"],
        "bad_replies": ["Per our policy, no."],
    }
    fake.enqueue('{"lines": {}}', json.dumps(draft))  # the first answer is invalid: sent back, then fixed
    at.run()
    at.text_input(key=NAME_KEY).input("Dana Whitfield")  # typed, not saved: the draft is written from it
    at = _click(at, "au_draft")
    assert len(fake.history) == 2
    assert "Dana Whitfield" in fake.history[0][0].content
    assert "could not be used" in fake.history[1][-1].content
    assert "review it" in _text(at)
    assert at.text_area(key="au_lines_policy").value == "policy line one, {{ agent }}.\npolicy line two."
    assert at.text_area(key=GOOD_KEY).value == "That sounds awful. What happened?"
    assert at.text_input(key=NAME_KEY).value == "Dana Whitfield"
    assert _versions(org) == [1]  # nothing saved
    at = _click(at, "au_save")
    assert _versions(org) == [1, 2]
    assert org.svc.personas.get(NEW_ID, 2).scenarios[0].need_examples == ["I'll refund all three fees today."]

    fake.enqueue("no JSON here", "still none")
    at = _click(at, "au_draft")
    assert any("No draft" in e.value and "not usable after 2 attempts" in e.value for e in at.error)
    assert _versions(org) == [1, 2]


def test_an_older_version_is_saved_as_the_newest_and_a_save_meanwhile_is_not_overwritten(org: Org) -> None:
    from hotseat.authoring.operations import save_version

    at = _create_from_template(_sign_in("otto"))
    at.text_input(key=NAME_KEY).input("Dana Whitfield")
    at = _click(at, "au_save")
    assert _versions(org) == [1, 2]
    at.selectbox(key="au_open_version").select(1)
    at = _click(at, "au_open_version_submit")
    assert at.text_input(key=NAME_KEY).value == "Marisol Vega"  # version 1 in the form
    at.text_input(key="au_scenarios_0_industry").input("Banking")
    at = _click(at, "au_save")
    assert "Saved version 3" in _text(at)
    restored = org.svc.personas.get(NEW_ID, 3).scenarios[0]
    assert (restored.customer.name, restored.industry) == ("Marisol Vega", "Banking")

    # Another tab saves version 4 while this one edits version 3: this save is refused, the typing kept.
    save_version(org.svc.store, org.svc.personas, org.admin, NEW_ID, org.svc.personas.get(NEW_ID, 2))
    at.text_input(key=NAME_KEY).input("Dana W.")
    at = _click(at, "au_save")
    assert any("was saved while you edited" in e.value for e in at.error)
    assert _versions(org) == [1, 2, 3, 4]
    assert at.text_input(key=NAME_KEY).value == "Dana W."


def test_a_failing_check_says_why_in_plain_words_and_publish_stays_off(org: Org) -> None:
    at = _create_from_template(_sign_in("otto"))
    at.text_area(key=GOOD_KEY).input("\n".join(SCRIPTS["bad"]))  # "good" replies that drive her away
    at = _click(at, "au_save")
    at = _click(at, "au_check")
    assert "The check did not pass" in _text(at)
    assert any("Good replies:" in m.value and "walked away at good reply" in m.value for m in at.markdown)
    assert at.dataframe[0].value["Check"].iloc[0] == "❌ failed"
    assert at.button(key="au_publish").disabled
    assert NEW_ID not in org.svc.personas.ids()  # not in the trainees' picker
