"""Sentence meaning offline: the shipped model2vec model (distilled from all-MiniLM-L6-v2).

Loaded lazily on first use from `evaluators/models/minilm-m2v/` with the Hugging Face Hub
switched off, so grading never touches the network. Rebuild it with
`scripts/build_embedding_model.py`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from hotseat.datafiles import packaged_path
from hotseat.errors import EvaluationError

MODEL_DIR = packaged_path("evaluators", "models", "minilm-m2v")
_CACHE_SIZE = 8192

log = logging.getLogger(__name__)
_lock = threading.Lock()
_model: Any = None
_cache: OrderedDict[str, np.ndarray] = OrderedDict()
# The tokenizer's own pre-tokenisation (BERT: lower-case, split at spaces, each punctuation mark
# alone) is, on printable ASCII, exactly this; each piece's word-piece ids are then cached, so a
# sentence costs dictionary lookups instead of a trip through the tokenizer.
_PLAIN = re.compile(r"[\x20-\x7e\t\n\r]*")
_PIECE = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")
_PIECE_CACHE_SIZE = 100_000
_piece_ids: dict[str, tuple[int, ...]] = {}


def _load() -> Any:
    global _model
    with _lock:
        if _model is None:
            if not (MODEL_DIR / "model.safetensors").is_file():
                raise EvaluationError(
                    f"The sentence-embedding model is missing from {MODEL_DIR}.",
                    hint="Rebuild it with scripts/build_embedding_model.py (see its header).",
                )
            os.environ["HF_HUB_OFFLINE"] = "1"  # a local folder: never ask the Hub
            from model2vec import StaticModel

            _model = StaticModel.from_pretrained(str(MODEL_DIR))
    return _model


def model_available() -> bool:
    """True when the shipped model files are present (does not load them)."""
    return _model is not None or (MODEL_DIR / "model.safetensors").is_file()


def encode(texts: Sequence[str]) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (cached per text)."""
    missing = [t for t in dict.fromkeys(texts) if t not in _cache]
    if missing:
        vectors = _embed(_load(), missing)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        with _lock:
            for text, vector in zip(missing, vectors, strict=True):
                _cache[text] = vector
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    if not texts:
        return np.zeros((0, 256), dtype=np.float32)
    with _lock:  # another thread may evict between our insert and this read
        rows = [_cache.get(t) for t in texts]
    return np.stack([row if row is not None else _encode_one(t) for row, t in zip(rows, texts, strict=True)])


def _encode_one(text: str) -> np.ndarray:
    vector: np.ndarray = _embed(_load(), [text])[0]
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def _embed(model: Any, texts: list[str]) -> np.ndarray:
    """What `model.encode(texts)` returns (float32), with plain-ASCII texts tokenised from the cache."""
    limit = _cut(model)
    plain = [i for i, t in enumerate(texts) if _PLAIN.fullmatch(t[:limit])]
    out: np.ndarray = np.zeros((len(texts), model.dim), dtype=model.embedding.dtype)
    others = sorted(set(range(len(texts))) - set(plain))
    if others:
        out[others] = model.encode([texts[i] for i in others])
    for i in plain:
        ids = _ids(model, texts[i][:limit])
        if ids:
            out[i] = model.embedding[ids].mean(axis=0)
    if plain:
        rows = out[plain].astype(np.float32)  # model2vec's normalisation, to the same float16 values
        norms = np.linalg.norm(rows, axis=1, keepdims=True) + 1e-32
        out[plain] = (rows / norms).astype(out.dtype)
    return np.asarray(out, dtype=np.float32)


def _cut(model: Any) -> int:
    """model2vec's own cut of a text, in characters."""
    return int(model.max_length * model.median_token_length)


def _ids(model: Any, text: str) -> list[int]:
    """Word-piece ids of lower-case printable ASCII, as model2vec keeps them (cut, unknowns dropped)."""
    ids: list[int] = []
    for piece in _PIECE.findall(text.lower()):
        known = _piece_ids.get(piece)
        if known is None:
            known = tuple(model.tokenizer.encode(piece, add_special_tokens=False).ids)
            if len(_piece_ids) > _PIECE_CACHE_SIZE:
                _piece_ids.clear()
            _piece_ids[piece] = known
        ids.extend(known)
    return [i for i in ids[: model.max_length] if i != model.unk_token_id]


def similarity(a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    """Cosine similarities, shape (len(a), len(b))."""
    if not a or not b:
        return np.zeros((len(a), len(b)), dtype=np.float32)
    scores: np.ndarray = encode(a) @ encode(b).T
    return scores


def token_ids(text: str) -> list[int]:
    """The word-piece ids of `text` the sentence embedding averages (cut, unknowns dropped, as model2vec does)."""
    model = _load()
    return _ids(model, text[: _cut(model)])


def unit_vectors(ids: Sequence[int]) -> np.ndarray:
    """Unit-length vectors of word-piece `ids`, shape (len(ids), dim)."""
    model = _load()
    rows = np.asarray(model.embedding[list(ids)], dtype=np.float32).reshape(len(ids), model.dim)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)


def tokenizer() -> Any:
    """The model's word-piece tokenizer (a `tokenizers.Tokenizer`)."""
    return _load().tokenizer


def warm_up() -> None:
    """Load the model now (e.g. at app start) so the first turn is fast."""
    encode(["warm up"])
