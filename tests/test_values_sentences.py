"""Values read sentence by sentence: one sentence about the years ahead is found among the rest, and a
good reply with nothing beyond today's problem is not lifted by its other merits.

The replies here were written for this test, not taken from the corpus.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from evaluators import clauses, scorer
from evaluators.reading import read
from evaluators.signals import TurnContext
from evaluators.skills import Skill
from evaluators.turn import parse_turn

CUSTOMER = (
    "You charged my card $180 for a room I never stayed in, and when I called, your agent said the system "
    "doesn't make mistakes. I've stayed with you every spring for nine years."
)
NOTHING_BEYOND_TODAY = (
    "You're right, and I'm sorry: we charged you for a night you never had. I've reversed the $180 just now; "
    "your bank should show it within three days."
)
LOOKS_AHEAD = (
    "I'm sorry we charged you for a night you never had, and I've reversed the $180. Nine springs with us "
    "should count for something, and I want next spring's booking to feel like the old ones did."
)


def _reading(low: float = 0.3, cap: int = 2, high: float = 0.9) -> scorer.ValuesReading:
    linear = scorer._Linear(  # a model whose probability is the sigmoid of the first column
        mean=np.zeros(1),
        scale=np.ones(1),
        coef=np.eye(1, clauses.CLAUSE_DIM),
        intercept=np.zeros(1),
        classes=(0, 1),
    )
    return scorer.ValuesReading(linear, low=low, cap=cap, high=high)


def test_presence_is_the_likeliest_sentence() -> None:
    rows = np.zeros((3, clauses.CLAUSE_DIM))
    rows[1, 0] = 3.0  # sigmoid(3) ~ .95
    assert _reading().presence(rows) == pytest.approx(1 / (1 + np.exp(-3.0)))
    assert _reading().presence(np.zeros((0, clauses.CLAUSE_DIM))) == 0.0


@pytest.mark.parametrize(
    ("level", "presence", "expected"),
    [(4, 0.1, 2), (1, 0.1, 1), (4, 0.5, 4), (1, 0.5, 1), (1, 0.95, 3), (4, 0.95, 4)],
)
def test_capped_without_a_values_sentence_and_lifted_with_a_clear_one(
    level: int, presence: float, expected: int
) -> None:
    assert _reading(low=0.3, cap=2, high=0.9).bound(level, presence) == expected


def test_the_shipped_values_reading_matches_its_training_record() -> None:
    scorer.reset_cache()
    model = scorer.load_model()
    assert model is not None
    raw = json.loads(scorer.MODEL_FILE.read_text(encoding="utf-8"))
    chosen = raw["training"].get("values_sentences")
    assert (model.values is None) == (chosen is None)
    if model.values is not None:
        assert model.values.model.coef.shape == (1, clauses.CLAUSE_DIM)
        assert (model.values.low, model.values.cap, model.values.high) == (chosen["low"], chosen["cap"], chosen["high"])


def test_a_sentence_about_the_years_ahead_reads_as_values_and_a_refund_does_not() -> None:
    model = scorer.load_model()
    assert model is not None and model.values is not None, "retrain: python scripts/train_reader.py"
    turn = parse_turn(LOOKS_AHEAD, [CUSTOMER], [])
    rows = clauses.sentence_features(turn)
    per_sentence = [model.values.presence(rows[i : i + 1]) for i in range(len(rows))]
    assert per_sentence[-1] == max(per_sentence)  # the sentence about next spring
    fix_only = clauses.sentence_features(parse_turn(NOTHING_BEYOND_TODAY, [CUSTOMER], []))
    assert model.values.presence(fix_only) < model.values.presence(rows)


def test_the_reader_caps_values_without_a_values_sentence_unless_the_rules_found_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dataclasses import replace

    from evaluators import reading

    real = scorer.load_model()
    assert real is not None and real.values is not None
    strict = replace(real, values=replace(real.values, low=0.999, cap=1, high=1.01))  # nothing clears it
    monkeypatch.setattr(reading, "load_model", lambda: strict)
    context = TurnContext(customer_said=(CUSTOMER,))
    plain = read(NOTHING_BEYOND_TODAY, context)
    assert plain.skills.get(Skill.VALUES, 1) == 1
    assert plain.skills.get(Skill.APOLOGY, 1) >= 3  # the rest of its merits stand
    line = "Nine years with us matters, and I want to keep earning your trust for the next nine."
    cue = read(line, context)
    assert cue.skills.get(Skill.VALUES, 1) >= 2  # the rules found a values cue: their floor stands, not capped
    monkeypatch.setattr(reading, "load_model", lambda: real)
    assert read(line, context).skills.get(Skill.VALUES, 1) >= 3  # and the shipped reader reads it as values


def test_a_good_reply_with_nothing_beyond_today_is_not_lifted_on_values() -> None:
    context = TurnContext(customer_said=(CUSTOMER,))
    assert read(NOTHING_BEYOND_TODAY, context).skills.get(Skill.VALUES, 1) <= 2
