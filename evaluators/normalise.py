"""Normalise text before detection: Unicode compatibility forms, invisible characters, leetspeak.

A trainee who writes "ｉｇｎｏｒｅ" (full width), "ig\u200bnore" (a zero-width space) or "1gn0r3"
means "ignore"; the injection detector reads what the text means, not how it is encoded.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that render as nothing: zero-width spaces and joiners, word joiner, BOM, soft hyphen,
# and the bidirectional controls.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_LEET_WORD = re.compile(r"\b(?=[a-z0-9@$!]*[a-z])(?=[a-z0-9@$!]*[0-9@$!])[a-z0-9@$!]{3,}\b", re.IGNORECASE)
_SPACED = re.compile(r"\b(?:[a-z] ){3,}[a-z]\b", re.IGNORECASE)  # "i g n o r e"


def visible(text: str) -> str:
    """NFKC form with invisible and control characters removed (newlines and tabs kept)."""
    return _CONTROL.sub("", _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)))


def deobfuscated(text: str) -> str:
    """`visible(text)` with leetspeak words decoded and letter-spaced words joined, for detection only."""
    out = visible(text)
    out = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), out)
    return _SPACED.sub(lambda m: m.group(0).replace(" ", ""), out)
