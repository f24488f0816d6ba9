"""The reader's features: what the learned scorers see of one trainee turn.

A fixed, named vector: the precise rules' verdicts (levels and flags), grounding in this
customer's story, stock-phrase and copy measures, concreteness, readability, and the reply's
sentence embedding. `scripts/train_reader.py` fits the scorers on these; `evaluators.scorer`
applies them. Change a feature and the shipped model must be retrained (its file lists the names).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz

from evaluators import embeddings
from evaluators.grounding import Grounding, specific_stems
from evaluators.lexicon import text_lines
from evaluators.readability import measure
from evaluators.skills import Flag, Skill
from evaluators.text import normalise, words
from evaluators.turn import ParsedTurn

EMBEDDING_DIM = 256
STOCK_SIMILARITY = 0.78  # a sentence this close to a stock line is stock phrasing...
DIFFICULTY_SCALE = 4.0  # the "difficulty" feature is readability difficulty / this (capped at 8)
LONGEST_SCALE = 40.0  # the "longest_sentence_words" feature is the longest sentence's words / this (capped at 80)
STOCK_MIN_WORDS = 7  # ...when it is long enough to be a formula ("I'm so sorry that happened." is a reaction)
_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|me|my|mine|myself)\b")
_FRAME_LEAD = re.compile(
    r"^(so,? |okay,? |ok,? |right,? )?(what i('m| am) hearing( is)?|what i hear( is)?|it sounds like|sounds like|"
    r"you('re| are) saying|if i understand (you )?(correctly|right)|if i('m| am) understanding (you|this|that)"
    r"( correctly| right)?|let me (just )?(make sure|check) i('ve| have)? ?(understand|got|get)( (this|it|that|you))?"
    r"( right)?|just so i('ve| have)? ?(got|get|understand) (this|it|that)( right)?|if i('ve| have) got (this|that|it)"
    r" right|just to (reflect|play|read) (that|this|it) back|i hear (you saying|that)|correct me if i('m| am) wrong"
    r"( but)?|in other words|to recap|you said|you told (me|us))[,:]?\s*(that\s+)?",
)
_TIME = re.compile(
    r"\b(today|tonight|tomorrow|this (morning|afternoon|evening|week)|by (monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|noon|\d)|within (an|one|two|\d+) (hours?|days?|minutes?)|right now|now|before (you|we|the)|"
    r"on (monday|tuesday|wednesday|thursday|friday|saturday|sunday)|(in|within) the next|end of (the )?day|"
    r"\d{1,2}(:\d\d)? ?(am|pm)|overnight|express|same[- ]day|while you('re| are) on the (line|phone))\b"
)
_COMMIT = re.compile(
    r"\b(i'll|i will|i've|i have|i am going to|i'm going to|we'll|we will|we've|i just|i've just|i'm|let me)\s+"
    r"(\w+ )?(refund|replac|credit|waiv|revers|fix|send|ship|cancel|rebook|mov|chang|remov|restor|repair|call|"
    r"email|book|arrang|approv|process|cover|pay|put|take|add|clear|correct|void|escalat|confirm|reinstat|issu|"
    r"wip|delet|updat|flag|note|extend|hold|lock|schedul|get|set|bring|drop|come|meet|check|personally)\w*"
)


@dataclass(frozen=True)
class TurnEvidence:
    """What the rules found in one turn, as the feature builder needs it."""

    rule_levels: dict[Skill, int]
    rule_flags: Sequence[Flag]
    offers_solution: bool
    offers_choice: bool
    asks_question: bool
    grounding: Grounding
    need_similarity: float
    trigger_similarity: float


def _rule_names() -> list[str]:
    names = []
    for skill in Skill:
        names += [f"rule_{skill.value}", f"rule_{skill.value}_shown"]
    names += [f"flag_{f.value}" for f in Flag if f is not Flag.INJECTION]
    return names


SCALAR_NAMES: list[str] = [
    *_rule_names(),
    "solution",
    "choice",
    "question",
    "question_mark",
    "grounded",
    "ground_strength",
    "anchors",
    "numbers",
    "story_similarity",
    "story_points",
    "stock_similarity",
    "stock_share",
    "ungrounded_stock",
    "copy_ratio",
    "copied_first_person",
    "log_words",
    "sentences",
    "one_or_two_words",
    "mean_sentence_words",
    "longest_sentence_words",
    "difficulty",
    "rare_words",
    "concrete_time",
    "commitment",
    "you_share",
    "we_share",
    "need_similarity",
    "trigger_similarity",
    "but_clause",
    "exclamations",
]
FEATURE_NAMES: list[str] = [*SCALAR_NAMES, *(f"emb_{i}" for i in range(EMBEDDING_DIM))]


def stock_similarity(sents: Sequence[str]) -> tuple[float, float]:
    """(best similarity of a sentence to the stock lines, share of sentences that are stock)."""
    return _stock_similarity(tuple(sents))


@lru_cache(maxsize=4096)
def _stock_similarity(sents: tuple[str, ...]) -> tuple[float, float]:
    if not sents or not embeddings.model_available():
        return 0.0, 0.0
    sims = embeddings.similarity(list(sents), list(text_lines("stock_lines"))).max(axis=1)
    long_enough = np.array([len(words(s)) >= STOCK_MIN_WORDS for s in sents])
    return float(sims.max()), float(((sims >= STOCK_SIMILARITY) & long_enough).mean())


def copy_measures(turn: ParsedTurn, customer_sentences: Sequence[str]) -> tuple[float, bool]:
    """How much a restatement copies the customer verbatim (frame stripped), and whether it keeps their "I/my"."""
    best = 0.0
    first_person = False
    if not customer_sentences:
        return 0.0, False
    for norm in turn.normalised:
        body = _FRAME_LEAD.sub("", norm, count=1)
        if body == norm and not norm.startswith(("you ", "your ")):
            continue
        if len(words(body)) < 4:
            continue
        for said in customer_sentences:
            ratio = fuzz.partial_ratio(body, normalise(said)) / 100 if len(body) <= len(said) + 10 else 0.0
            if ratio > best:
                best = ratio
                first_person = bool(_FIRST_PERSON.search(body)) and ratio >= 0.8
    return best, first_person


def is_concrete(turn: ParsedTurn) -> bool:
    """Says who does what, or by when: a commitment, a time, or a number from the story."""
    return bool(_COMMIT.search(turn.full) or _TIME.search(turn.full))


def unshifted_restatement(turn: ParsedTurn) -> bool:
    """A reflective frame followed by the customer's "I/me/my" left as it was: their words pasted back."""
    for norm in turn.normalised:
        body = _FRAME_LEAD.sub("", norm, count=1)
        if body != norm and len(words(body)) >= 4 and _FIRST_PERSON.search(body):
            return True
    return False


def build(
    turn: ParsedTurn, evidence: TurnEvidence, customer_sentences: Sequence[str], embedding: np.ndarray | None = None
) -> np.ndarray:
    """The feature vector (FEATURE_NAMES order) for one parsed turn."""
    values: list[float] = []
    for skill in Skill:
        level = evidence.rule_levels.get(skill, 0)
        values += [level / 5, float(level > 0)]
    values += [float(f in evidence.rule_flags) for f in Flag if f is not Flag.INJECTION]
    text = turn.text
    tokens = words(text)
    n = max(1, len(tokens))
    read = measure(text) if len(tokens) >= 3 else None
    stock_best, stock_share = stock_similarity(turn.sentences)
    g = evidence.grounding
    copy_ratio, copied_first = copy_measures(turn, customer_sentences)
    full = turn.full
    values += [
        float(evidence.offers_solution),
        float(evidence.offers_choice),
        float(evidence.asks_question),
        float("?" in text),
        float(g.grounded),
        g.strength,
        min(len(g.anchors), 6) / 6,
        float(bool(g.numbers)),
        g.best_similarity,
        min(g.story_points, 3) / 3,
        stock_best,
        stock_share,
        float(stock_share > 0 and not g.grounded),
        copy_ratio,
        float(copied_first),
        math.log1p(len(tokens)) / 5,
        min(len(turn.sentences), 10) / 10,
        float(len(tokens) <= 2),
        min(read.mean_sentence_words if read else len(tokens), 60) / 30,
        min(read.longest_sentence_words if read else len(tokens), 80) / LONGEST_SCALE,
        min(read.difficulty if read else 1.0, 8) / DIFFICULTY_SCALE,
        read.rare_word_share if read else 0.0,
        float(bool(_TIME.search(full))),
        float(bool(_COMMIT.search(full))),
        sum(t in {"you", "your", "you're", "you've", "yours"} for t in tokens) / n,
        sum(t in {"we", "our", "us", "we're", "we've", "we'll"} for t in tokens) / n,
        evidence.need_similarity,
        evidence.trigger_similarity,
        float(bool(re.search(r"\b(but|however|although|though)\b", full))),
        min(text.count("!"), 3) / 3,
    ]
    if embedding is None:
        embedding = embeddings.encode([text])[0] if embeddings.model_available() else np.zeros(EMBEDDING_DIM)
    return np.concatenate([np.asarray(values, dtype=np.float32), embedding.astype(np.float32)])


def example_similarity(turn: ParsedTurn, examples: Sequence[str]) -> float:
    """Best meaning match of a sentence of the turn to an example utterance that it also shares a
    specific word with (the tablet, the flag, the fee): a match by meaning *and* by subject."""
    if not examples or not turn.sentences or not embeddings.model_available():
        return 0.0
    units = [s for s in dict.fromkeys(turn.sentences) if specific_stems(s)]
    if not units:
        return 0.0
    sims = embeddings.similarity(units, list(examples))
    best = 0.0
    for i, unit in enumerate(units):
        mine = specific_stems(unit)
        for j, example in enumerate(examples):
            if sims[i, j] > best and mine & specific_stems(example):
                best = float(sims[i, j])
    return best
