"""The `hotseat` command line, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hotseat.cli.main import app

runner = CliRunner()


def test_personas_json_lists_all_four() -> None:
    result = runner.invoke(app, ["personas", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {p["id"] for p in data} == {
        "transaction-not-relationship",
        "policy-over-problem",
        "guilty-until-proven-innocent",
        "sorry-hardest-word",
    }
    assert all(len(p["scenarios"]) >= 2 for p in data)


def test_scripted_chat_prints_the_session_with_state_after_each_turn(tmp_path: Path) -> None:
    script = tmp_path / "lines.txt"
    script.write_text("Our policy says no refunds after 30 days.\n\nYou should have read the terms before booking.\n")
    result = runner.invoke(app, ["chat", "--persona", "policy-over-problem", "--script", str(script), "--json"])
    assert result.exit_code == 0, result.output
    session = json.loads(result.stdout)
    trainee = [t for t in session["turns"] if t["role"] == "trainee"]
    assert [t["text"] for t in trainee][:2] == [
        "Our policy says no refunds after 30 days.",
        "You should have read the terms before booking.",
    ]
    assert "policy_hiding" in trainee[0]["flags"]
    assert all(t["mood"] is not None for t in session["turns"])
    assert session["turns"][-1]["mood"]["anger"] > session["turns"][0]["mood"]["anger"]
    assert session["status"] in {"active", "walked_away"}


def test_unknown_persona_is_a_clear_error() -> None:
    result = runner.invoke(app, ["chat", "--persona", "sorry", "--script", "/dev/null"])
    assert result.exit_code == 2
    assert "closest matches: sorry-hardest-word" in result.output


def test_export_markdown_round_trip(tmp_path: Path) -> None:
    script = tmp_path / "lines.txt"
    script.write_text("I'm sorry, that should not have happened. What happened exactly?\n")
    made = runner.invoke(app, ["chat", "--persona", "sorry-hardest-word", "--script", str(script), "--json"])
    session_id = json.loads(made.stdout)["id"]
    md = runner.invoke(app, ["export", session_id, "--format", "md"])
    assert md.exit_code == 0, md.output
    assert "I'm sorry, that should not have happened." in md.stdout
    as_json = json.loads(runner.invoke(app, ["export", session_id]).stdout)
    assert as_json["id"] == session_id and as_json["turns"][1]["role"] == "trainee"
    assert runner.invoke(app, ["export", "no-such-session"]).exit_code == 2
    html = runner.invoke(app, ["export", session_id, "--format", "html"])
    assert html.exit_code == 0, html.output
    assert html.stdout.lstrip().lower().startswith("<!doctype html>")
    assert "I&#x27;m sorry, that should not have happened." in html.stdout
