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


def _windows_by_matrix_product(ids: list[int]) -> np.ndarray:
    """The side-by-side features computed the slow, obvious way: each run of word pieces through each filter."""
    from evaluators import embeddings

    vectors = embeddings.unit_vectors(ids)
    dim, f = clauses.EMBEDDING_DIM, clauses.WINDOW_FILTERS
    filters = clauses._filters()
    out = [vectors.max(axis=0)]
    for width, first in ((2, 0), (3, 2)):
        block = np.vstack([filters[:, (first + k) * f : (first + k + 1) * f] for k in range(width)])
        padded = np.vstack([np.zeros((2, dim)), vectors, np.zeros((2, dim))])
        runs = [padded[s : s + width].reshape(-1) for s in range(len(padded) - width + 1)]
        out.append(np.maximum(np.vstack(runs) @ block, 0).max(axis=0))
    return np.concatenate(out)


def test_the_side_by_side_features_are_each_run_of_words_through_each_filter() -> None:
    from evaluators import embeddings

    for sentence in ("Have the kids had a proper look around the flat?", "Rules are rules.", "Sorry."):
        ids = embeddings.token_ids(sentence)
        fast = clauses.windows(ids)
        assert fast.shape == (clauses.WINDOW_DIM,)
        assert np.allclose(fast, _windows_by_matrix_product(ids), atol=1e-5)
    assert not clauses.windows([]).any()


def test_the_side_by_side_features_see_word_order_that_the_embedding_averages_away() -> None:
    from evaluators import embeddings

    asked, shuffled = "did your kids take it", "it take kids your did"
    assert np.allclose(embeddings.encode([asked])[0], embeddings.encode([shuffled])[0], atol=1e-6)
    a, b = (clauses.windows(embeddings.token_ids(s)) for s in (asked, shuffled))
    dim = clauses.EMBEDDING_DIM
    assert np.array_equal(a[:dim], b[:dim])  # the strongest value per dimension ignores order too...
    assert not np.allclose(a[dim:], b[dim:])  # ...the runs of words do not


def test_the_fixed_filters_never_change_under_the_shipped_models() -> None:
    # Philox's raw stream is stable across NumPy versions; these values pin it (a change would silently
    # give the shipped clause models other features than they were trained on).
    filters = clauses._filters()
    assert filters.shape == (clauses.EMBEDDING_DIM, 5 * clauses.WINDOW_FILTERS)
    assert filters.dtype == np.float32
    assert round(float(filters[0, 0]), 6) == 0.037574
    assert round(float(np.abs(filters.astype(np.float64)).sum()), 2) == 5573.16


def test_the_word_piece_table_stays_right_when_it_fills_and_starts_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from evaluators import embeddings

    monkeypatch.setattr(clauses, "_TABLE_ROWS", 12)
    monkeypatch.setattr(clauses, "_slots", {})
    monkeypatch.setattr(clauses, "_table", np.zeros((0, clauses._table.shape[1]), dtype=np.float32))
    sentences = [
        "Have the kids had a proper look around the flat?",
        "The refund goes back to your card by Friday.",
        "Rules are rules, I'm afraid.",
    ]
    for sentence in [*sentences, *sentences]:
        ids = embeddings.token_ids(sentence)
        assert np.allclose(clauses.windows(ids), _windows_by_matrix_product(ids), atol=1e-5)
    assert len(clauses._slots) <= 12


def test_a_sentence_the_rules_read_as_their_point_said_back_is_not_made_a_fault_by_a_clause_model() -> None:
    # The rubric's own paraphrase example: "even though tracking says..." is their view, restated.
    from evaluators.reading import read_turn
    from evaluators.skills import Skill

    context = TurnContext(
        customer_said=("I was home all afternoon and nothing came. Your tracking says it was left at my door at 2:12.",)
    )
    reply = (
        "Just so I understand: you were home all afternoon and nothing arrived, "
        "even though tracking says it was left at your door?"
    )
    signals = read_turn(reply, context)
    assert signals.skills[Skill.PARAPHRASE] >= 4
    assert Flag.ACCUSATION not in signals.flags
