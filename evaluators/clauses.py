"""Flags read sentence by sentence: what each sentence of a turn looks like to the clause models.

One accusing sentence among three warm ones ("...I'm so sorry. Two days is plenty of time to check
your plan, though, isn't it?") is lost in the meaning of the whole reply. The clause models score
every sentence on its own, and a turn carries a flag when its most suspect sentence does; that
sentence is then the evidence the trainee sees. Per sentence: its embedding, a few shape cues
(a question, a "however" in front, who it talks about), and hashed word pairs, so that wording
the embedding blurs ("though, isn't it?") still counts. The models are trained by
`scripts/train_reader.py` on Hotseat's own corpus and shipped in `evaluators/models/reader.json`.
"""

from __future__ import annotations

import itertools
import re
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
CLAUSE_DIM = EMBEDDING_DIM + len(SHAPE_NAMES) + NGRAM_BINS

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


def sentence_features(turn: ParsedTurn) -> np.ndarray:
    """One row per sentence of the turn (shape (sentences, CLAUSE_DIM)); quoted words are blanked."""
    n = len(turn.sentences)
    if not n:
        return np.zeros((0, CLAUSE_DIM), dtype=np.float32)
    if embeddings.model_available():
        emb = embeddings.encode(turn.sentences)
    else:
        emb = np.zeros((n, EMBEDDING_DIM), dtype=np.float32)
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
        rows.append(np.concatenate([emb[i], np.asarray(shape, dtype=np.float32), _ngrams(norm)]))
    return np.vstack(rows).astype(np.float32)
