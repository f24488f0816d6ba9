"""The sentence-by-sentence flag models: their features, the shipped file, and what they catch.

The sentences here were written for this test, not taken from the corpus.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from evaluators import clauses, scorer
from evaluators.flags import asks_for_identifier
from evaluators.reading import read
from evaluators.signals import TurnContext
from evaluators.skills import Flag
from evaluators.turn import parse_turn
from hotseat.errors import EvaluationError

CUSTOMER = (
    "My dad's care home bill was taken twice this month, $2,140 each time, and the bank says it's on your side. "
    "I've paid you on time for six years."
)


def test_every_sentence_gets_one_row_of_the_declared_width() -> None:
    turn = parse_turn("I'm sorry. That's our error. Would a refund today help?", [CUSTOMER], [])
    rows = clauses.sentence_features(turn)
    assert rows.shape == (3, clauses.CLAUSE_DIM)
    assert np.array_equal(rows, clauses.sentence_features(turn))  # deterministic
    question = clauses.SHAPE_NAMES.index("question") + clauses.EMBEDDING_DIM
    assert rows[:, question].tolist() == [0.0, 0.0, 1.0]


def test_words_in_quotes_do_not_count_as_said() -> None:
    quoted = parse_turn("Calling it a 'billing event' was wrong of us.", [CUSTOMER], [])
    plain = parse_turn("Calling it a billing event was wrong of us.", [CUSTOMER], [])
    grams = slice(clauses.CLAUSE_DIM - clauses.NGRAM_BINS, clauses.CLAUSE_DIM)
    assert clauses.sentence_features(quoted)[0, grams].sum() < clauses.sentence_features(plain)[0, grams].sum()


def test_restating_what_was_done_to_them_is_marked_as_listening() -> None:
    turn = parse_turn("You were asked whether you'd really paid, and that must have felt insulting.", [CUSTOMER], [])
    row = clauses.sentence_features(turn)[0]
    for name in ("reflects", "reports"):
        assert row[clauses.EMBEDDING_DIM + clauses.SHAPE_NAMES.index(name)] == 1.0, name


def test_the_shipped_clause_models_match_the_code() -> None:
    scorer.reset_cache()
    model = scorer.load_model()
    assert model is not None and model.clauses, "retrain: python scripts/train_reader.py"
    raw = json.loads(scorer.MODEL_FILE.read_text(encoding="utf-8"))
    assert raw["clauses"]["dim"] == clauses.CLAUSE_DIM
    assert set(raw["training"]["clauses"]) == {f.value for f in model.clauses}
    for flag, linear in model.clauses.items():
        assert flag in clauses.CLAUSE_FLAGS
        assert linear.coef.shape == (1, clauses.CLAUSE_DIM)
        assert 0.5 <= linear.threshold < 1.0


def test_a_model_for_other_sentence_features_is_refused() -> None:
    raw = json.loads(scorer.MODEL_FILE.read_text(encoding="utf-8"))
    raw["clauses"]["dim"] = clauses.CLAUSE_DIM + 1
    with pytest.raises(EvaluationError, match="other sentence features") as caught:
        scorer.parse_model(raw)
    assert "train_reader.py" in (caught.value.hint or "")


def test_an_empty_turn_has_no_suspect_sentence() -> None:
    model = scorer.load_model()
    assert model is not None
    for flag in model.clauses:
        assert model.clause_flag(flag, np.zeros((0, clauses.CLAUSE_DIM))) is None


def _read(reply: str) -> tuple[set[Flag], dict[str, str]]:
    signals = read(reply, TurnContext(customer_said=(CUSTOMER,), trainee_turn_number=2))
    return set(signals.flags), signals.evidence


@pytest.mark.parametrize(
    ("reply", "suspect"),
    [
        (
            "Taking $2,140 twice from your dad's care fund is a real blow, and I'm sorry. Our billing platform "
            "experienced a transactional duplication anomaly which has now been remediated.",
            1,
        ),
        (
            "I hear how stressful this is. We are currently leveraging our reconciliation framework to optimise "
            "outcomes for impacted accounts.",
            1,
        ),
    ],
)
def test_one_evasive_sentence_among_warm_ones_is_found_and_shown(reply: str, suspect: int) -> None:
    model = scorer.load_model()
    assert model is not None and Flag.DOUBLESPEAK in model.clauses
    turn = parse_turn(reply, [CUSTOMER], [])
    suspicion = model.clause_suspicion(Flag.DOUBLESPEAK, clauses.sentence_features(turn))
    assert int(suspicion.argmax()) == suspect
    assert suspicion[suspect] >= 0.75 and suspicion[suspect] >= 3 * np.delete(suspicion, suspect).max()
    flags, evidence = _read(reply)
    assert Flag.DOUBLESPEAK in flags
    assert evidence[Flag.DOUBLESPEAK.value] == turn.sentences[suspect]


@pytest.mark.parametrize(
    "reply",
    [
        "Two payments of $2,140 for your dad's care home is a nasty shock, and it's our mistake. I've reversed the "
        "second one just now; you'll see it back in your account by Thursday.",
        "You've paid us on time for six years, so I believe you. Can you tell me which dates the two payments left "
        "your account?",
        "You were told the bank's problem was ours and the bank told you it was ours, and nobody took it on. That "
        "must have felt like being passed around. I'm sorry. I'll own it from here.",
        "I'm sorry. We charged you twice. I'll refund $2,140 today and call you on Friday to check it arrived.",
    ],
)
def test_plain_owning_replies_raise_no_clause_flag(reply: str) -> None:
    model = scorer.load_model()
    assert model is not None
    rows = clauses.sentence_features(parse_turn(reply, [CUSTOMER], []))
    assert {f for f in model.clauses if model.clause_flag(f, rows) is not None} == set()
    assert _read(reply)[0] == set()


@pytest.mark.parametrize(
    ("sentence", "identifier"),
    [
        ("Can you confirm the last four digits of the card the payments came from?", True),
        ("What's the booking reference on your confirmation email?", True),
        ("Could you read me the serial number off the machine?", True),
        ("Can you send a photo of the statement showing both payments?", False),
        ("Do you have a receipt with the order number on it?", False),
        ("Are you sure nobody else in the family uses that card?", False),
    ],
)
def test_asking_for_an_account_number_is_told_apart_from_asking_for_proof(sentence: str, identifier: bool) -> None:
    assert asks_for_identifier(parse_turn(sentence, [CUSTOMER], []).normalised[0]) is identifier


class _SuspectsEverySentence:
    """A reader model whose accusation clause model finds the first sentence suspect, whatever it says."""

    def __init__(self, real: scorer.ReaderModel) -> None:
        self.real = real
        self.flags = real.flags
        self.clauses = {Flag.ACCUSATION: None}
        self.values = real.values

    def clause_flag(self, flag: Flag, sentences: np.ndarray) -> int | None:
        return 0 if len(sentences) else None

    def skill_level(self, skill, x):  # type: ignore[no-untyped-def]
        return self.real.skill_level(skill, x)

    def flag_raised(self, flag, x):  # type: ignore[no-untyped-def]
        return False


def test_asking_for_an_account_number_or_waiving_proof_is_not_an_accusation(monkeypatch: pytest.MonkeyPatch) -> None:
    from evaluators import reading

    real = scorer.load_model()
    assert real is not None
    monkeypatch.setattr(reading, "load_model", lambda: _SuspectsEverySentence(real))
    context = TurnContext(customer_said=(CUSTOMER,), trainee_turn_number=2)
    assert Flag.ACCUSATION not in read("Can you confirm the last four digits of your card?", context).flags
    assert Flag.ACCUSATION not in read("You won't need to send us any bank statements.", context).flags
    assert Flag.ACCUSATION in read("Can you prove you didn't take the money yourself?", context).flags
