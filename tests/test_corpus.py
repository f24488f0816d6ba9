"""Hotseat's own corpus and the shipped reader model: real files, loaded as the trainer loads them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from evaluators import scorer
from evaluators.skills import Flag, Skill
from hotseat.practice.personas import PersonaLibrary
from hotseat.quality.corpus import CORPUS_DIR, replies, sessions, splits

ROOT = Path(__file__).resolve().parent.parent
PERSONAS = PersonaLibrary(ROOT / "personas")


def test_every_scenario_is_in_exactly_one_split() -> None:
    data = yaml.safe_load((CORPUS_DIR / "splits.yaml").read_text(encoding="utf-8"))
    listed = [s for split in ("train", "dev", "test") for s in data[split]]
    assert len(listed) == len(set(listed))
    every = {s.id for p in PERSONAS.all() for s in p.scenarios}
    assert set(listed) == every
    assert set(splits()) == every and {"train", "dev", "test"} == set(splits().values())


def test_the_corpus_has_the_size_and_spread_the_reader_issue_asks_for() -> None:
    items = list(replies(None, PERSONAS))
    assert len(items) >= 1500
    assert len(list(sessions(None, PERSONAS))) >= 150
    for skill in Skill:
        assert {i.skills[skill] for i in items} == {1, 2, 3, 4, 5}, skill
    for flag in Flag:
        assert sum(flag in i.flags for i in items) >= 10, flag
    kinds = {i.kind for i in items}
    assert {"stock_sympathy", "parrot", "sarcasm", "blame_wrapped", "good_plain", "non_english"} <= kinds


def test_the_corpus_passes_its_format_check() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_corpus.py")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "ERROR" not in result.stdout


def test_every_scenario_declares_trigger_and_need_examples() -> None:
    for persona in PERSONAS.all():
        for scenario in persona.scenarios:
            assert len(scenario.trigger_examples) >= 5, scenario.id
            assert len(scenario.need_examples) >= 5, scenario.id


def test_the_persona_files_carry_the_corpus_scenario_examples_unchanged() -> None:
    # corpus/scenario_examples/ is what scripts/merge_scenario_examples.py writes into the persona files:
    # the reader is trained on the one and the app matches against the other, so they must agree.
    for persona in PERSONAS.all():
        path = CORPUS_DIR / "scenario_examples" / f"{persona.id}.yaml"
        examples = yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"]
        for scenario in persona.scenarios:
            assert list(scenario.trigger_examples) == examples[scenario.id]["triggers"], scenario.id
            assert list(scenario.need_examples) == examples[scenario.id]["needs"], scenario.id


def test_merging_the_examples_touches_only_the_scenarios_whose_examples_changed(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from merge_scenario_examples import merge
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    source = ROOT / "personas" / "policy-over-problem.yaml"
    copy = tmp_path / source.name
    copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    examples = yaml.safe_load((CORPUS_DIR / "scenario_examples" / "policy-over-problem.yaml").read_text("utf-8"))
    merge(copy, examples["scenarios"])
    assert copy.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")  # all carried: untouched
    changed = examples["scenarios"]["bakery-freezer-claim"] | {"needs": ["I'll pay the claim in full today."] * 5}
    merge(copy, {"bakery-freezer-claim": changed})
    after = {s["id"]: s for s in yaml.safe_load(copy.read_text(encoding="utf-8"))["scenarios"]}
    before = {s["id"]: s for s in yaml.safe_load(source.read_text(encoding="utf-8"))["scenarios"]}
    assert after["bakery-freezer-claim"]["need_examples"] == changed["needs"]
    assert {k: v for k, v in after.items() if k != "bakery-freezer-claim"} == {
        k: v for k, v in before.items() if k != "bakery-freezer-claim"
    }


def test_the_shipped_reader_model_matches_the_code_and_is_small() -> None:
    scorer.reset_cache()
    model = scorer.load_model()
    assert model is not None
    assert set(model.skills) == set(Skill)
    raw = json.loads(scorer.MODEL_FILE.read_text(encoding="utf-8"))
    training = raw["training"]
    assert training["items"] > 1000  # trained on the train and dev splits...
    test_split = {i.scenario.id for i in replies("test", PersonaLibrary(ROOT / "personas"))}
    assert test_split and not test_split & set(training["scenarios"])  # ...never on a test scenario
    models = ROOT / "evaluators" / "models"
    total = sum(p.stat().st_size for p in models.rglob("*") if p.is_file())
    assert total <= 50 * 1024 * 1024


def test_evidence_labels_name_flags_of_their_reply_and_match_a_sentence_the_reader_sees() -> None:
    from evaluators.text import sentences

    labelled = [i for i in replies(None, PERSONAS) if i.evidence]
    assert len(labelled) >= 500
    for item in labelled:
        for flag in item.evidence:
            assert flag in item.flags, item.id
            found = item.evidence_sentences(flag, sentences(item.reply))
            assert found, (item.id, flag)
            assert all(item.shows_evidence(flag, sentences(item.reply)[i]) for i in found)
    item = labelled[0]
    assert item.evidence_sentences(Flag.INJECTION, sentences(item.reply)) is None


def test_values_labels_mark_sentences_of_replies_at_values_three_or_more() -> None:
    from evaluators.text import sentences

    labelled = [i for i in replies(None, PERSONAS) if i.values_evidence]
    assert len(labelled) >= 300
    assert {i.scenario.id for i in labelled}.isdisjoint(i.scenario.id for i in replies("test", PERSONAS))
    for item in labelled:
        assert item.skills[Skill.VALUES] >= 3, item.id
        found = item.values_sentences(sentences(item.reply))
        assert found, item.id
    unlabelled = next(i for i in replies("train", PERSONAS) if not i.values_evidence)
    assert unlabelled.values_sentences(sentences(unlabelled.reply)) is None
