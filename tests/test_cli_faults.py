"""The command line under faults: database outages, lost replies, bad script lines, JSON output, access model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.faults import lose_customer_replies
from typer.testing import CliRunner

from hotseat.cli.main import app
from hotseat.services import build_services

runner = CliRunner()
DOWN = "postgresql+psycopg://hotseat@127.0.0.1:1/hotseat"  # nothing listens on port 1: connection refused
LINE = "I'm sorry, that should never have happened. What happened exactly?"


def _script(tmp_path: Path, *lines: str) -> str:
    path = tmp_path / "lines.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _clear_failure(output: str) -> None:
    assert "Traceback" not in output and "OperationalError" not in output
    assert "The database" in output and "unavailable" in output
    assert len(output.strip().splitlines()) <= 8, output


@pytest.mark.parametrize(
    "args",
    [
        ["sessions"],
        ["export", "some-session"],
        ["chat", "--persona", "policy-over-problem"],
        ["chat", "--resume", "some-session"],
        ["admin", "create", "ada", "--password-stdin"],
        ["admin", "unlock", "ada"],
        ["grade-cohort", "1", "--user", "ada", "--password-stdin"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_database_outage_is_one_clear_message_in_every_command(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", DOWN)
    result = runner.invoke(app, args, input="a long enough password\n")
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    _clear_failure(result.output)


def test_an_unwritable_data_folder_is_one_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("HOTSEAT_DATA_DIR", str(blocker / "data"))
    result = runner.invoke(app, ["sessions"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "unavailable" in result.output


def test_an_outage_mid_chat_says_how_to_resume_and_resume_regenerates_the_lost_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = runner.invoke(app, ["chat", "-p", "policy-over-problem", "--script", _script(tmp_path, LINE), "--json"])
    session_id = json.loads(made.stdout)["id"]

    # The database goes away between the trainee's turn and the customer's reply.
    with monkeypatch.context() as patch:
        lose_customer_replies(patch)
        script = _script(tmp_path, "So the fare is lost?")
        lost = runner.invoke(app, ["chat", "--resume", session_id, "--script", script])
    assert lost.exit_code == 2
    assert f"hotseat chat --resume {session_id}" in lost.output
    assert "Traceback" not in lost.output

    resumed = runner.invoke(app, ["chat", "--resume", session_id, "--script", _script(tmp_path, LINE), "--json"])
    assert resumed.exit_code == 0, resumed.output
    turns = json.loads(resumed.stdout)["turns"]
    roles = [t["role"] for t in turns]
    assert roles[:6] == ["customer", "trainee", "customer", "trainee", "customer", "trainee"]
    assert turns[3]["text"] == "So the fare is lost?", "the trainee's line typed before the outage is kept"


def test_an_over_long_script_line_is_skipped_and_the_run_goes_on(tmp_path: Path) -> None:
    script = _script(tmp_path, LINE, "x" * 5000, "So your surgery moved and you lose the fare?")
    result = runner.invoke(app, ["chat", "-p", "policy-over-problem", "--script", script, "--json"])
    assert result.exit_code == 1, "a skipped line is reported in the exit code"
    assert "script line 2: skipped: Your message is 5,000 characters" in result.stderr
    assert "kept in the box" not in result.output
    trainee = [t["text"] for t in json.loads(result.stdout)["turns"] if t["role"] == "trainee"]
    assert trainee == [LINE, "So your surgery moved and you lose the fare?"]


def test_interactive_json_keeps_prompts_out_of_stdout() -> None:
    result = runner.invoke(app, ["chat", "-p", "policy-over-problem", "--json"], input=f"{LINE}\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["turns"][1]["text"] == LINE
    assert "You: " in result.stderr


def test_the_cli_is_an_operator_tool_that_sees_every_users_sessions(tmp_path: Path) -> None:
    """The CLI's access model (README, "Command line"): whoever runs it has the database, so it sees all."""
    from helpers_org import fast_passwords  # noqa: F401  (argon2 cost is irrelevant here)

    from hotseat.org import accounts

    store = build_services().store
    alice = accounts.register_trainee(store, "alice", "a long enough password")
    services = build_services()
    private = services.engine.start("policy-over-problem", user_id=alice.id)
    services.engine.say(private, LINE)

    listed = runner.invoke(app, ["sessions"])
    assert private.id in listed.stdout and " alice " in listed.stdout
    assert runner.invoke(app, ["sessions", "--user", "bob"]).exit_code == 2
    assert private.id in runner.invoke(app, ["sessions", "--user", "alice"]).stdout
    exported = runner.invoke(app, ["export", private.id])
    assert exported.exit_code == 0 and json.loads(exported.stdout)["id"] == private.id

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "The command line is an operator's tool" in readme


def test_user_text_in_an_error_is_printed_not_read_as_markup() -> None:
    result = runner.invoke(app, ["export", "[/x] [bold]"])
    assert result.exit_code == 2, result.output
    assert "No session '[/x] [bold]'" in result.output


def test_ctrl_c_in_an_interactive_chat_says_how_to_resume(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(_prompt: str = "") -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("builtins.input", interrupted)
    result = runner.invoke(app, ["chat", "-p", "policy-over-problem"])
    assert result.exit_code == 130
    assert "hotseat chat --resume" in result.output and "Traceback" not in result.output
