"""Small text helpers shared by the detectors: normalising, sentences and content words."""

from __future__ import annotations

import re
from functools import lru_cache

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": " - "})
# A sentence ends at . ! ? (and closing quotes or brackets) followed by a space or the end, or at a line
# break: so "$12.50", "section 9.2" and "4.1%" stay whole, and so do the abbreviations below.
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)|\n")
_ABBREVIATION = re.compile(
    r"(?:^|[\s(])(?:mr|mrs|ms|dr|st|jr|sr|vs|etc|e\.g|i\.e|approx|dept|inc|ltd)\.$", re.IGNORECASE
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

_STOPWORD_TEXT = """
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i i'm i've i'd i'll if in into is it it's its
itself just let's me more most my myself no nor not of off on once only or other our ours ourselves
out over own same she should so some such than that that's the their theirs them themselves then
there these they this those through to too under until up very was we we're we've we'll were what
when where which while who whom why will with would you you're you've you'd you'll your yours
yourself yourselves yes yeah okay ok oh um uh well really also get got going go know like just still
even much many thing things something anything way make made one sure right now said say says saying
tell told hello hi hey bye goodbye thanks thank welcome please morning night evening afternoon today
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


_CONTRACTIONS = {
    "im": "i'm", "ive": "i've", "youre": "you're", "youve": "you've", "youd": "you'd",
    "thats": "that's", "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "cant": "can't",
    "wont": "won't", "isnt": "isn't", "arent": "aren't", "wasnt": "wasn't", "couldnt": "couldn't",
    "wouldnt": "wouldn't", "shouldnt": "shouldn't", "theyre": "they're", "weve": "we've",
    "hes": "he's", "shes": "she's", "whats": "what's", "theres": "there's", "u": "you", "ur": "your",
}  # fmt: skip
_BARE_CONTRACTION = re.compile(r"\b(" + "|".join(_CONTRACTIONS) + r")\b")


def normalise(text: str) -> str:
    """Lower-case with straight quotes, apostrophes restored and single spaces, for matching cues."""
    lowered = " ".join(text.translate(_QUOTES).lower().split())
    return _BARE_CONTRACTION.sub(lambda m: _CONTRACTIONS[m.group(1)], lowered)


def sentences(text: str) -> list[str]:
    """The sentences of `text`, each an exact substring of it (stripped of outer spaces)."""
    return list(_split_cached(text) if len(text) <= _CACHE_UP_TO else _split(text))


def _split(text: str) -> tuple[str, ...]:
    found: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        piece = text[start : end.end()]
        if end.group(0) == "." and _ABBREVIATION.search(piece):
            continue  # "Dr. Okafor", "St. Brigid's": not the end
        found.append(piece.strip())
        start = end.end()
    found.append(text[start:].strip())
    return tuple(s for s in found if any(c.isalnum() for c in s))


_CACHE_UP_TO = 4_000  # characters: a turn is split many times while it is read; huge ones are not kept
_split_cached = lru_cache(maxsize=4096)(_split)


def words(text: str) -> list[str]:
    """Lower-case word tokens (contractions kept whole)."""
    return _WORD.findall(text.translate(_QUOTES).lower())


def _stem(word: str) -> str:
    for suffix in ("ingly", "edly", "ing", "ed", "ies", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=4096)
def content_stems(text: str) -> frozenset[str]:
    """Crude stems of the content words (no stopwords), for overlap checks."""
    return frozenset(_stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 2)


_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "twice": "2", "double": "2",
}  # fmt: skip


@lru_cache(maxsize=4096)
def numbers(text: str) -> frozenset[str]:
    """Numbers mentioned in `text`, digits or words, as digit strings."""
    found = set()
    for w in words(text):
        cleaned = w.replace(",", "")
        if cleaned.isdigit():
            found.add(str(int(cleaned)))
        elif w in _NUMBER_WORDS:
            found.add(_NUMBER_WORDS[w])
    return frozenset(found)
