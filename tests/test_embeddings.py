"""Sentence vectors: the cached word-piece path gives model2vec's own vectors, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluators import embeddings
from evaluators.text import sentences
from hotseat.practice.personas import PersonaLibrary
from hotseat.quality.corpus import replies

ROOT = Path(__file__).resolve().parents[1]
EDGES = [
    "",
    "   ",
    "Don't!! (Really?) 50% off, $12.50 @ 9:30 - ok~",
    "tab\there\nnew line\r\nand more",
    "Café au lait, naïve façade",  # beyond ASCII: model2vec itself
    "bell\x07 and nul\x00 characters",  # control characters: model2vec itself
    "a" * 150 + " supercalifragilisticexpialidocious",  # a word too long for word pieces
    "word " * 3_000,  # past model2vec's length cut
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    found: list[str] = []
    for item in list(replies("train", PersonaLibrary(ROOT / "personas")))[::5]:
        found += [item.reply, *sentences(item.reply), *item.customer]
    return found + EDGES


def test_cached_word_pieces_give_model2vecs_vectors_exactly(texts: list[str]) -> None:
    model = embeddings._load()
    embeddings._piece_ids.clear()
    expected = np.asarray(model.encode(texts), dtype=np.float32)
    assert np.array_equal(embeddings._embed(model, texts), expected)
    # one at a time, now from a warm piece cache, as grading calls it
    for text in texts[:200] + EDGES:
        assert np.array_equal(embeddings._embed(model, [text])[0], np.asarray(model.encode([text])[0], np.float32))


def test_encode_is_unit_length_and_cached() -> None:
    vectors = embeddings.encode(["I'm so sorry we lost your photos.", "I'm so sorry we lost your photos."])
    assert vectors.shape == (2, 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[1])
