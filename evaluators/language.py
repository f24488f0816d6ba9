"""Is this turn English? The offline reader grades English only, and says so for anything else."""

from __future__ import annotations

import re

from evaluators.text import words

_ENGLISH = frozenset(
    """the a an and or but to of in on at for with is are was were be been it this that you your i
    we our my me they them he she not no do does did have has had will would can could so if what
    when how why just about sorry please thank thanks there here all from as by up out get got""".split()
)
# Frequent function words of other Latin-script languages that are not English words.
_OTHER = frozenset(
    """el la los las un una unos que de del en por para con sin es son está estoy lo siento muy pero
    como usted su sus gracias le les se nos ya mucho también porque cuando
    le la les des une est sont je vous nous avec pour pas très mais votre vos désolé merci ce cette qui
    der die das und ist nicht ich sie wir mit für auf ein eine es tut mir leid sehr aber ihr ihre
    wenn dass oder auch noch bitte danke il lo gli della che per non sono mi dispiace molto
    o os as um uma é não você obrigado muito desculpe""".split()
)
_LATIN_LETTER = re.compile(r"[A-Za-z]")
MIN_ENGLISH_SHARE = 0.5


def is_english(text: str) -> bool:
    """True when `text` reads as English (or has too few words to tell, but Latin letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(bool(_LATIN_LETTER.match(c)) for c in letters) / len(letters)
    if latin < MIN_ENGLISH_SHARE:
        return False
    tokens = [w for w in re.findall(r"[^\W\d_]+", text.lower())]
    english = sum(w in _ENGLISH for w in tokens)
    other = sum(w in _OTHER and w not in _ENGLISH for w in tokens)
    if other >= 2 and other > english:
        return False
    return bool(words(text))
