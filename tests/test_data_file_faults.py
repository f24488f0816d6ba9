"""Broken persona and prompt files: found when they load (or at start), reported by file and field, isolated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import PROJECT_ROOT
from typer.testing import CliRunner

from hotseat.cli.main import app
from hotseat.errors import PersonaError
from hotseat.practice.personas import PersonaLibrary

runner = CliRunner()
BROKEN = "policy-over-problem"


def _personas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "personas"
    shutil.copytree(PROJECT_ROOT / "personas", folder)
    monkeypatch.setenv("HOTSEAT_PERSONAS_DIR", str(folder))
    return folder


def _misspell(folder: Path) -> None:
    path = folder / f"{BROKEN}.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  felt_heard:")
    first_line = text.index("    - ", start)
    path.write_text(
        text[:first_line] + '    - "Thank you, {{ nmae }}. That\'s it."\n' + text[first_line:], encoding="utf-8"
    )


def test_a_misspelt_placeholder_fails_at_load_naming_file_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _personas(tmp_path, monkeypatch)
    _misspell(folder)
    with pytest.raises(PersonaError) as caught:
        PersonaLibrary(folder).get(BROKEN)
    message = caught.value.user_message()
    assert f"{BROKEN}.yaml" in message and "lines.felt_heard" in message
    assert "unknown placeholder {{ nmae }}" in message and "{{ name }}" in message

    listed = runner.invoke(app, ["personas"])
    assert listed.exit_code == 1
    assert "unknown placeholder {{ nmae }}" in listed.stderr and f"{BROKEN}.yaml" in listed.stderr
    assert "sorry-hardest-word" in listed.stdout and BROKEN not in listed.stdout  # the others are still listed

    chat = runner.invoke(app, ["chat", "-p", BROKEN, "--script", "/dev/null"])
    assert chat.exit_code == 2 and "KeyError" not in chat.output and "unknown placeholder" in chat.output


def test_literal_braces_and_known_placeholders_are_fine() -> None:
    from hotseat.practice.personas import PLACEHOLDERS
    from hotseat.templating import check_placeholders

    check_placeholders("Hi {{ name }}, this is {{company}}; {single braces} are text", PLACEHOLDERS)
    bad_lines = (
        "{{ name.__class__ }}", "{{ 0 }}", "{{ }}", "{{ name|upper }}", "unbalanced {{ name",
        "{% for x in y %}{% endfor %}", "{{ nmae }}", "{# a comment #}", "{{ company ~ agent }}",
    )  # fmt: skip
    for bad in bad_lines:
        with pytest.raises(ValueError):
            check_placeholders(bad, PLACEHOLDERS)


def test_one_broken_persona_file_leaves_the_others_usable_in_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotseat.ui.state import services

    folder = _personas(tmp_path, monkeypatch)
    (folder / f"{BROKEN}.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    services.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    assert any(f"{BROKEN}.yaml is not valid YAML" in e.value for e in at.sidebar.error)
    options = at.selectbox(key="pick_persona").options
    assert len(options) == 3 and not any("olicy" in o for o in options)
    at.button(key="start").click().run()
    assert not at.exception
    assert len(at.chat_message) == 1


def test_a_broken_prompt_file_is_reported_when_the_cli_and_the_app_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotseat.ui.state import services

    folder = tmp_path / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", folder)
    monkeypatch.setenv("HOTSEAT_PROMPTS_DIR", str(folder))
    state = folder / "customer_state.yaml"
    state.write_text(state.read_text(encoding="utf-8").replace("mood.anger", "moood.anger", 1), encoding="utf-8")

    result = runner.invoke(app, ["sessions"])
    assert result.exit_code == 2
    assert "customer_state.yaml" in result.output and "moood" in result.output
    assert runner.invoke(app, ["personas"]).exit_code == 1
    transcripts = tmp_path / "in.jsonl"
    transcripts.write_text('{"id": "t", "turns": [{"role": "trainee", "text": "Sorry."}]}\n', encoding="utf-8")
    graded = runner.invoke(app, ["grade", str(transcripts), "--offline"])
    assert graded.exit_code == 2 and "customer_state.yaml" in graded.output and not graded.stdout.strip()

    services.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception
    assert any("customer_state.yaml" in e.value for e in at.error)
