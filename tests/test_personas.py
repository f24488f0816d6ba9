"""Persona files: every shipped persona loads; broken files give one clear error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from support import PROJECT_ROOT

from hotseat.errors import PersonaError
from hotseat.practice.personas import PersonaLibrary, Reaction, fill_line

PERSONAS = PROJECT_ROOT / "personas"
EXPECTED_IDS = [
    "guilty-until-proven-innocent",
    "policy-over-problem",
    "sorry-hardest-word",
    "transaction-not-relationship",
]


def test_the_four_loyalty_killers_are_shipped() -> None:
    assert PersonaLibrary(PERSONAS).ids() == EXPECTED_IDS


@pytest.mark.parametrize("persona_id", EXPECTED_IDS)
def test_every_persona_loads_with_two_industries(persona_id: str) -> None:
    persona = PersonaLibrary(PERSONAS).get(persona_id)
    assert persona.id == persona_id
    assert len({s.industry for s in persona.scenarios}) >= 2
    for scenario in persona.scenarios:
        lines = persona.lines_for(scenario)
        for reaction in Reaction:
            assert lines.for_reaction(reaction), f"{scenario.id} has no {reaction} lines"
            for line in lines.for_reaction(reaction):
                fill_line(line, scenario)  # placeholders are known


@pytest.fixture
def persona_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "personas"
    shutil.copytree(PERSONAS, folder)
    return folder


def _rewrite(folder: Path, persona_id: str, change) -> Path:  # type: ignore[no-untyped-def]
    path = folder / f"{persona_id}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_yaml_syntax_error_names_file_and_line(persona_dir: Path) -> None:
    (persona_dir / "policy-over-problem.yaml").write_text("title: [unclosed\nsummary: x\n")
    with pytest.raises(PersonaError) as info:
        PersonaLibrary(persona_dir).get("policy-over-problem")
    message = info.value.user_message()
    assert "policy-over-problem.yaml is not valid YAML at line" in message
    assert "Fix the YAML syntax" in message


def test_missing_field_names_file_field_and_fix(persona_dir: Path) -> None:
    _rewrite(persona_dir, "sorry-hardest-word", lambda d: d["scenarios"][0].pop("opening_line"))
    with pytest.raises(PersonaError) as info:
        PersonaLibrary(persona_dir).get("sorry-hardest-word")
    message = info.value.user_message()
    assert "sorry-hardest-word.yaml is invalid" in message
    assert "scenarios.0.opening_line: add this field" in message


def test_unknown_key_is_rejected_with_its_path(persona_dir: Path) -> None:
    _rewrite(persona_dir, "guilty-until-proven-innocent", lambda d: d["scenarios"][1].update(mood="cross"))
    with pytest.raises(PersonaError) as info:
        PersonaLibrary(persona_dir).get("guilty-until-proven-innocent")
    assert "scenarios.1.mood: remove this key or fix its spelling" in info.value.user_message()


def test_unknown_mood_weight_key_lists_known_keys(persona_dir: Path) -> None:
    _rewrite(persona_dir, "policy-over-problem", lambda d: d["mood_weights"].update(politeness=1.0))
    with pytest.raises(PersonaError, match="politeness"):
        PersonaLibrary(persona_dir).get("policy-over-problem")


def test_unknown_persona_suggests_closest() -> None:
    with pytest.raises(PersonaError) as info:
        PersonaLibrary(PERSONAS).get("policy-over-problems")
    assert "closest matches: policy-over-problem" in info.value.user_message()


def test_unknown_scenario_suggests_closest() -> None:
    persona = PersonaLibrary(PERSONAS).get("policy-over-problem")
    wrong = persona.scenarios[0].id + "x"
    with pytest.raises(PersonaError, match="closest matches: " + persona.scenarios[0].id):
        persona.scenario(wrong)


def test_a_new_persona_needs_no_code(persona_dir: Path) -> None:
    shutil.copy(persona_dir / "policy-over-problem.yaml", persona_dir / "my-new-customer.yaml")
    library = PersonaLibrary(persona_dir)
    assert "my-new-customer" in library.ids()
    assert library.get("my-new-customer").id == "my-new-customer"
