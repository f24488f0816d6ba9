"""`hotseat personas validate | import | export | check | publish | versions`; chatting with an imported customer."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from hotseat.cli.main import app
from hotseat.practice.personas import Persona, fill_line

runner = CliRunner()
TEMPLATE = "policy-over-problem"


def _custom_file(tmp_path: Path, *, name: str = "hotel-wifi.yaml", good_is_bad: bool = False) -> Path:
    """A custom persona file made from a built-in's export: a hotel guest whose Wi-Fi failed during a pitch."""
    exported = runner.invoke(app, ["personas", "export", TEMPLATE])
    assert exported.exit_code == 0, exported.output
    data = yaml.safe_load(exported.stdout)
    del data["id"]  # the file name names it
    data["title"] = "The Wi-Fi that failed during the pitch"
    first = data["scenarios"][0]
    first["customer"]["name"] = "Imogen Hartley"
    first["opening_line"] = "Your Wi-Fi dropped three times during my pitch to the board. Three times."
    if good_is_bad:
        for scenario in data["scenarios"]:
            scenario["example_replies"]["good"] = scenario["example_replies"]["bad"]
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_validate_says_valid_or_names_each_broken_field(tmp_path: Path) -> None:
    good = _custom_file(tmp_path)
    result = runner.invoke(app, ["personas", "validate", str(good)])
    assert result.exit_code == 0, result.output
    scenarios = len(yaml.safe_load(good.read_text(encoding="utf-8"))["scenarios"])
    assert f"hotel-wifi.yaml is valid: hotel-wifi, {scenarios} scenario(s)." in result.stdout
    checked = runner.invoke(app, ["personas", "validate", str(good), "--check"])
    assert checked.exit_code == 0, checked.output
    assert "passed" in checked.stdout and "Imogen was won back after" in checked.stdout

    data = yaml.safe_load(good.read_text(encoding="utf-8"))
    data["scenarios"][0]["facts"] = ["only one"]
    data["lines"]["policy"] = ["{{ manager }} says no."]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = runner.invoke(app, ["personas", "validate", str(broken)])
    assert result.exit_code == 2
    assert "scenarios.0.facts: List should have at least 2 items" in result.output
    assert "lines.policy.0: unknown placeholder {{ manager }}" in result.output
    (tmp_path / "syntax.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    result = runner.invoke(app, ["personas", "validate", str(tmp_path / "syntax.yaml")])
    assert result.exit_code == 2 and "not valid YAML at line" in result.output


def test_import_then_chat_plays_the_imported_customer_with_the_scripted_customer(tmp_path: Path) -> None:
    path = _custom_file(tmp_path)
    imported = runner.invoke(app, ["personas", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "Imported hotel-wifi version 1." in imported.stdout

    listed = runner.invoke(app, ["personas"])
    assert listed.exit_code == 0, listed.output
    assert "hotel-wifi — The Wi-Fi that failed during the pitch  [custom, draft v1]" in listed.stdout
    assert "policy-over-problem — Your policy is more important than my problem\n" in listed.stdout

    script = tmp_path / "lines.txt"
    script.write_text("I'm sorry, that sounds awful.\nRules are rules, I'm afraid.\n", encoding="utf-8")
    played = runner.invoke(app, ["chat", "--persona", "hotel-wifi", "--script", str(script), "--json"])
    assert played.exit_code == 0, played.output
    session = json.loads(played.stdout)
    assert (session["persona"], session["persona_version"]) == ("hotel-wifi", 1)
    customer = [t["text"] for t in session["turns"] if t["role"] == "customer"]
    assert customer[0] == "Your Wi-Fi dropped three times during my pitch to the board. Three times."
    persona = Persona.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) | {"id": "hotel-wifi"})
    scenario = persona.scenarios[0]
    lines = {
        fill_line(line, scenario)
        for reaction_lines in persona.lines_for(scenario).root.values()
        for line in reaction_lines
    }
    assert all(any(text.startswith(line) or line in text for line in lines) for text in customer[1:])
    human = runner.invoke(app, ["chat", "--persona", "hotel-wifi", "--script", str(script)])
    assert human.exit_code == 0 and "Imogen Hartley:" in human.stdout


def test_import_publish_runs_the_check_and_export_round_trips(tmp_path: Path) -> None:
    path = _custom_file(tmp_path)
    published = runner.invoke(app, ["personas", "import", str(path), "--publish"])
    assert published.exit_code == 0, published.output
    assert "Published hotel-wifi version 1." in published.stdout
    data = json.loads(runner.invoke(app, ["personas", "--json"]).stdout)
    mine = next(p for p in data if p["id"] == "hotel-wifi")
    assert (mine["custom"], mine["published_version"]) == (True, 1)
    assert {p["id"] for p in data if not p["custom"]} >= {TEMPLATE}

    exported = runner.invoke(app, ["personas", "export", "hotel-wifi"])
    assert exported.exit_code == 0, exported.output
    again = tmp_path / "again.yaml"
    again.write_text(exported.stdout, encoding="utf-8")
    second = runner.invoke(app, ["personas", "import", str(again)])
    assert second.exit_code == 0 and "Imported hotel-wifi version 2." in second.stdout
    assert runner.invoke(app, ["personas", "export", "hotel-wifi", "--version", "2"]).stdout == exported.stdout
    versions = runner.invoke(app, ["personas", "versions", "hotel-wifi"])
    assert "v1" in versions.stdout and "check passed" in versions.stdout and "published" in versions.stdout


def test_a_customer_whose_good_replies_drive_them_away_is_not_published(tmp_path: Path) -> None:
    path = _custom_file(tmp_path, name="bad-check.yaml", good_is_bad=True)
    result = runner.invoke(app, ["personas", "import", str(path), "--publish"])
    assert result.exit_code == 2
    assert "Imported bad-check version 1." in result.stdout
    assert "cannot be published: its built-in check did not pass" in result.output
    assert "walked away at good reply" in result.output
    checked = runner.invoke(app, ["personas", "check", "bad-check"])
    assert checked.exit_code == 1 and "FAILS" in checked.stdout
    listed = runner.invoke(app, ["personas"])
    assert "[custom, draft v1]" in listed.stdout


def test_export_of_an_unknown_persona_suggests_the_closest(tmp_path: Path) -> None:
    result = runner.invoke(app, ["personas", "export", "policy-over"])
    assert result.exit_code == 2 and "closest matches: policy-over-problem" in result.output
