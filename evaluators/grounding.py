"""Grounding: which of this customer's facts a reply picks up, in its own words or theirs.

Stock sympathy ("I'm so sorry, that was our mistake, you have every right to be upset") could be
pasted under any complaint; a reply that names the tablet, the $529, the birthday or the flag on
their account is about *this* customer. A reply is grounded when it shares specific words,
numbers or names with the customer's story, or restates one of their sentences by meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from evaluators import embeddings
from evaluators.lexicon import word_list
from evaluators.text import content_stems, numbers, sentences

OWN_SPECIFICS = 4  # this many specific words of its own make a reply particular, even in new words
_MIN_SENTENCE_SIM = 0.55  # a reply sentence this close (by meaning) to one of theirs restates it


@cache
def _generic() -> frozenset[str]:
    return content_stems(" ".join(word_list("generic_words")))


@dataclass(frozen=True)
class Grounding:
    """What of the customer's story one reply picked up."""

    anchors: frozenset[str]  # specific content stems shared with their story
    numbers: frozenset[str]  # numbers shared with their story
    best_similarity: float  # best meaning match of a reply sentence to a story sentence
    story_points: int  # how many distinct story sentences the reply picks up
    own_specifics: int = 0  # specific (non-generic) words of the reply's own: the replacement, the flag, express

    @property
    def grounded(self) -> bool:
        """True when the reply is about this customer's situation, not anyone's."""
        return (
            bool(self.numbers)
            or len(self.anchors) >= 2
            or self.story_points >= 1
            or (len(self.anchors) == 1 and self.best_similarity >= 0.45)
            or self.own_specifics >= OWN_SPECIFICS
        )

    @property
    def strength(self) -> float:
        """0 (about nobody) to 1 (several of their facts)."""
        return min(1.0, (len(self.anchors) + 2 * len(self.numbers) + 2 * self.story_points) / 6)


def story_sentences(story: Sequence[str]) -> list[str]:
    """The customer's story (their turns and the scenario facts) as sentences with content."""
    out: list[str] = []
    for part in story:
        out.extend(s for s in sentences(part) if specific_stems(s))
    return list(dict.fromkeys(out))


@lru_cache(maxsize=16384)
def _root(stem: str) -> str:
    """A second, coarser cut so "promise" meets "promised" and "charges" meets "charged"."""
    stem = stem.rstrip("'")
    changed = True
    while changed:
        changed = False
        for suffix in ("e", "s", "ing", "ed"):
            if len(stem) > len(suffix) + 3 and stem.endswith(suffix):
                stem = stem[: -len(suffix)]
                changed = True
                break
    return stem


@cache
def _generic_roots() -> frozenset[str]:
    return frozenset(_root(s) for s in _generic())


@lru_cache(maxsize=8192)
def specific_stems(text: str) -> frozenset[str]:
    """Content roots of `text` minus the generic words every complaint shares."""
    return frozenset(_root(s) for s in content_stems(text)) - _generic_roots()


def ground(reply: str, story: Sequence[str]) -> Grounding:
    """How much of the customer's story `reply` picks up."""
    return _ground(reply, tuple(story))


@lru_cache(maxsize=2048)
def _ground(reply: str, story: tuple[str, ...]) -> Grounding:
    parts = story_sentences(story)
    own = len(specific_stems(reply))
    if not parts:
        return Grounding(frozenset(), frozenset(), 0.0, 0, own)
    story_stems = frozenset().union(*(specific_stems(p) for p in parts))
    anchors = specific_stems(reply) & story_stems
    story_numbers = frozenset().union(*(numbers(p) for p in parts))
    shared_numbers = numbers(reply) & story_numbers
    reply_sents = [s for s in sentences(reply) if specific_stems(s)]
    best = 0.0
    points: set[int] = set()
    if reply_sents and embeddings.model_available():
        sims = embeddings.similarity(reply_sents, parts)
        best = float(sims.max())
        for i, row in enumerate(sims):
            j = int(row.argmax())
            if row[j] >= _MIN_SENTENCE_SIM and specific_stems(reply_sents[i]) & specific_stems(parts[j]):
                points.add(j)
    return Grounding(frozenset(anchors), shared_numbers, round(best, 3), len(points), own)
