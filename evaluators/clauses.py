"""Flags read sentence by sentence: what each sentence of a turn looks like to the clause models.

One accusing sentence among three warm ones ("...I'm so sorry. Two days is plenty of time to check
your plan, though, isn't it?") is lost in the meaning of the whole reply. The clause models score
every sentence on its own, and a turn carries a flag when its most suspect sentence does; that
sentence is then the evidence the trainee sees. Per sentence: its embedding, a few shape cues
(a question, a "however" in front, who it talks about), what its words say side by side (`windows`),
and hashed word pairs, so that wording the embedding blurs ("though, isn't it?") still counts. The models are trained by
`scripts/train_reader.py` on Hotseat's own corpus and shipped in `evaluators/models/reader.json`.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import threading
import zlib

import numpy as np

from evaluators import embeddings
from evaluators.skills import Flag
from evaluators.turn import ParsedTurn

CLAUSE_FLAGS = (Flag.ACCUSATION, Flag.POLICY_HIDING, Flag.TRANSACTIONAL, Flag.DOUBLESPEAK)
EMBEDDING_DIM = 256
NGRAM_BINS = 2048
NGRAM_WEIGHT = 0.3  # word pairs weigh less than meaning: they must not turn back into a phrase list
SHAPE_NAMES = ("question", "first", "last", "length", "you", "contrast_lead", "we", "i", "reflects", "reports")
WINDOW_FILTERS = 128  # fixed random filters per window width (2 and 3 word pieces)
WINDOW_DIM = EMBEDDING_DIM + 2 * WINDOW_FILTERS
CLAUSE_DIM = EMBEDDING_DIM + len(SHAPE_NAMES) + WINDOW_DIM + NGRAM_BINS
_WINDOW_SEED = 20261202

_CONTRAST_LEAD = re.compile(
    r"^(but|however|still|that said|having said that|unfortunately|though|to be fair|the thing is|with respect|"
    r"honestly|frankly|in fairness|mind you|then again)\b"
)
_YOU = re.compile(r"\byou(r|'re|'ve|'d|'ll)?\b")
_WE = re.compile(r"\b(we|our|us|we're|we've|we'll)\b")
_I = re.compile(r"\b(i|i'm|i'll|i've|i'd|me|my)\b")
_WORD = re.compile(r"[a-z']+")
# Listening about a fault is not the fault: "It sounds like...", "must have felt...", and what was done
# to them, reported ("you were asked whether...", "being told to file a report").
_REFLECTS = re.compile(
    r"^(so,? )?(it sounds like|sounds like|what i('m| am) hearing|if i('ve| have) got|just so i|"
    r"let me (check|make sure)|you('re| are) saying|you said|you told)|\bmust have (felt|been)\b|\bno wonder\b"
)
_REPORTS = re.compile(
    r"\b(you were|you've been|you have been|being|to be|were you) (asked|told|accused|treated|made|sent|charged|"
    r"questioned|doubted|flagged|refused|denied)\b|\basked (whether|if) you\b"
)


def _ngrams(norm: str) -> np.ndarray:
    tokens = _WORD.findall(norm)
    row = np.zeros(NGRAM_BINS, dtype=np.float32)
    for gram in [*tokens, *(f"{a} {b}" for a, b in itertools.pairwise(tokens))]:
        row[zlib.crc32(gram.encode()) % NGRAM_BINS] = NGRAM_WEIGHT
    return row


@functools.cache
def _filters() -> np.ndarray:
    """Fixed random filters, one (EMBEDDING_DIM, WINDOW_FILTERS) slice per place in a window: two for
    runs of two word pieces, then three for runs of three; shape (EMBEDDING_DIM, 5 * WINDOW_FILTERS).

    Drawn from Philox's raw stream (stable across NumPy versions, unlike its distributions) as uniform
    values with the variance of a filter over the whole window, so the shipped models always meet the
    same filters."""
    slices = []
    for width in (2, 3):
        n = width * EMBEDDING_DIM * WINDOW_FILTERS
        raw = np.random.Philox(_WINDOW_SEED + width).random_raw(n)
        uniform = (raw >> np.uint64(11)).astype(np.float64) * 2.0**-53
        block = (2 * uniform - 1) * math.sqrt(3 / (width * EMBEDDING_DIM))
        slices += np.split(block.reshape(width * EMBEDDING_DIM, WINDOW_FILTERS), width)
    return np.hstack(slices).astype(np.float32)


_TABLE_ROWS = 8_000  # word pieces kept (under 30 MB; a session meets a few thousand)
_lock = threading.Lock()
_slots: dict[int, int] = {}  # word-piece id -> row of _table
_table = np.zeros((0, EMBEDDING_DIM + 5 * WINDOW_FILTERS), dtype=np.float32)


def _rows(ids: list[int]) -> np.ndarray:
    """Per word piece: its unit vector, then its response to each place of each filter (kept per id: the
    vectors are static, so a sentence costs a lookup and sums, not a matrix product)."""
    global _table
    with _lock:
        missing = [i for i in dict.fromkeys(ids) if i not in _slots]
        if missing:
            if len(_slots) + len(missing) > _TABLE_ROWS:
                _slots.clear()  # start again, this sentence's pieces first
                missing = list(dict.fromkeys(ids))
            vectors = embeddings.unit_vectors(missing)
            start, end = len(_slots), len(_slots) + len(missing)
            if len(_table) < end:
                grown = np.zeros((max(end, min(_TABLE_ROWS, max(1024, 2 * len(_table)))), _table.shape[1]), np.float32)
                grown[: len(_table)] = _table
                _table = grown
            _table[start:end, :EMBEDDING_DIM] = vectors
            _table[start:end, EMBEDDING_DIM:] = vectors @ _filters()
            _slots.update((i, start + k) for k, i in enumerate(missing))
        return _table[[_slots[i] for i in ids]]


def windows(ids: list[int]) -> np.ndarray:
    """What a sentence's words say side by side (shape (WINDOW_DIM,)): the strongest value of each
    dimension over its word pieces, then for runs of two and three pieces the strongest response of
    each fixed random filter. The sentence embedding averages "have the kids looked" into the topic;
    these keep that a question about their kids was asked, whatever the exact words."""
    if not ids:
        return np.zeros(WINDOW_DIM, dtype=np.float32)
    rows = _rows(ids)
    f = WINDOW_FILTERS
    edge = np.zeros((2, rows.shape[1] - EMBEDDING_DIM), dtype=np.float32)
    p = np.vstack([edge, rows[:, EMBEDDING_DIM:], edge])  # a window may start or end past the sentence
    two = p[:-1, 0:f] + p[1:, f : 2 * f]
    three = p[:-2, 2 * f : 3 * f] + p[1:-1, 3 * f : 4 * f] + p[2:, 4 * f : 5 * f]
    return np.concatenate(
        [rows[:, :EMBEDDING_DIM].max(axis=0), np.maximum(two, 0).max(axis=0), np.maximum(three, 0).max(axis=0)]
    ).astype(np.float32)


def sentence_features(turn: ParsedTurn) -> np.ndarray:
    """One row per sentence of the turn (shape (sentences, CLAUSE_DIM)); quoted words are blanked."""
    n = len(turn.sentences)
    if not n:
        return np.zeros((0, CLAUSE_DIM), dtype=np.float32)
    available = embeddings.model_available()
    emb = embeddings.encode(turn.sentences) if available else np.zeros((n, EMBEDDING_DIM), dtype=np.float32)
    rows = []
    for i, norm in enumerate(turn.unquoted):
        shape = [
            float("?" in turn.sentences[i]),
            float(i == 0),
            float(i == n - 1),
            min(len(norm.split()), 40) / 20,
            float(bool(_YOU.search(norm))),
            float(bool(_CONTRAST_LEAD.search(norm))),
            float(bool(_WE.search(norm))),
            float(bool(_I.search(norm))),
            float(bool(_REFLECTS.search(norm))),
            float(bool(_REPORTS.search(norm))),
        ]
        side_by_side = windows(embeddings.token_ids(turn.sentences[i])) if available else np.zeros(WINDOW_DIM)
        rows.append(np.concatenate([emb[i], np.asarray(shape, dtype=np.float32), side_by_side, _ngrams(norm)]))
    return np.vstack(rows).astype(np.float32)
