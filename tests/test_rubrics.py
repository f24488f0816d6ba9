"""Rubrics as data: six valid files, strict validation, rendering, and anchors the detectors agree with."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evaluators.reading import read_turn
from evaluators.rubric import EXAMPLE_SITUATIONS, RUBRIC_DIR, Rubric, load_rubric, load_rubrics
from evaluators.signals import TurnContext
from evaluators.skills import Skill
from hotseat.datafiles import load_yaml_model
from hotseat.errors import EvaluationError


def test_one_valid_rubric_per_skill() -> None:
    rubrics = load_rubrics()
    assert list(rubrics) == list(Skill)
    assert sorted(p.stem for p in RUBRIC_DIR.glob("*.yaml")) == sorted(s.value for s in Skill)
    for skill, rubric in rubrics.items():
        assert rubric.skill is skill
        assert [level.score for level in rubric.levels] == [1, 2, 3, 4, 5]
        assert all(level.examples for level in rubric.levels)


def test_prompt_and_markdown_show_every_level_and_example() -> None:
    for rubric in load_rubrics().values():
        prompt, markdown = rubric.as_prompt(), rubric.as_markdown()
        for level in rubric.levels:
            assert f"{level.score} - {level.label}" in prompt
            assert level.anchor in markdown
            for example in level.examples:
                assert example in prompt and example in markdown
        assert str(rubric) == prompt


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "empathy.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _valid() -> dict:
    return yaml.safe_load((RUBRIC_DIR / "empathy.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(colour="blue"), "colour: remove this key"),
        (lambda d: d["levels"].pop(), "levels"),
        (lambda d: d["levels"].reverse(), "scores 1, 2, 3, 4, 5"),
        (lambda d: d["levels"][0].update(examples=[]), "examples"),
        (lambda d: d.update(suggestions=["Say {{ their_name }}."]), "unknown placeholder"),
        (lambda d: d.pop("question"), "question: add this field"),
    ],
    ids=["extra-key", "four-levels", "out-of-order", "no-examples", "bad-placeholder", "missing-field"],
)
def test_invalid_rubric_files_are_refused_with_a_readable_message(tmp_path: Path, change, message: str) -> None:
    data = _valid()
    change(data)
    with pytest.raises(EvaluationError, match=message) as err:
        load_yaml_model(_write(tmp_path, data), Rubric, EvaluationError, skill="empathy")
    assert "empathy.yaml" in err.value.message


def test_unknown_skill_suggests_the_closest() -> None:
    with pytest.raises(EvaluationError, match="closest matches: empathy"):
        load_rubric("empathie")


def test_level_lookup() -> None:
    rubric = load_rubric(Skill.APOLOGY)
    assert rubric.level(5).label
    with pytest.raises(EvaluationError):
        rubric.level(6)


CUSTOMER = TurnContext(customer_said=EXAMPLE_SITUATIONS)  # the situations the rubric examples were written for


@pytest.mark.parametrize("skill", [Skill.EMPATHY, Skill.APOLOGY, Skill.PLAIN_LANGUAGE, Skill.VALIDATION, Skill.VALUES])
def test_offline_detector_ranks_the_rubric_anchors(skill: Skill) -> None:
    """The top anchor's examples score higher than the bottom anchor's: rubric and detector agree."""
    rubric = load_rubric(skill)

    def score(text: str) -> int:
        return read_turn(text, CUSTOMER).skills.get(skill, 1)

    bottom = max(score(e) for e in rubric.level(1).examples)
    top = min(score(e) for e in rubric.level(5).examples)
    assert top > bottom
    assert top >= 4
