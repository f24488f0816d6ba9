"""Concrete suggestions: a rubric's better sentence, filled in with this customer's own story."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from evaluators.lexicon import cues
from evaluators.rubric import Rubric
from evaluators.text import normalise, sentences, words
from hotseat.templating import render, undeclared

_SWAP = {
    "i": "you", "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll", "me": "you",
    "my": "your", "mine": "yours", "myself": "yourself", "am": "are",
    "you": "we", "you're": "we're", "you've": "we've", "you'll": "we'll", "you'd": "we'd",
    "your": "our", "yours": "ours", "yourself": "ourselves",
    # the customer's "we/our" is their side (their firm, their family): it becomes "you/your"
    "we": "you", "we're": "you're", "we've": "you've", "we'll": "you'll", "we'd": "you'd",
    "us": "you", "our": "your", "ours": "yours", "ourselves": "yourselves",
}  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z']+|[^A-Za-z']+")
MAX_POINT_WORDS = 22
DEFAULT_FEELING = "frustrating"


def second_person(sentence: str) -> str:
    """Retell a customer's sentence from the trainee's side: "I was charged" -> "you were charged"."""
    out: list[str] = []
    previous = ""
    for token in _TOKEN.findall(sentence.replace("\u2019", "'")):
        low = token.lower()
        if low in _SWAP:
            swapped = _SWAP[low]
            if low == "you" and previous in {"to", "for", "with", "at", "from", "about", "than"}:
                swapped = "us"
            out.append(swapped)
        elif low == "was" and previous in {"i", "we"}:
            out.append("were")
        else:
            out.append(token)
        if token.strip():
            previous = low
    return "".join(out)


def their_point(customer_said: Sequence[str]) -> str | None:
    """The customer's first substantial sentence, retold in the second person and trimmed."""
    for turn in customer_said:
        for sentence in sentences(turn):
            if len(words(sentence)) >= 5 and not sentence.rstrip().endswith("?"):
                text = second_person(sentence.strip().rstrip(".!"))
                cut = text.split()
                if len(cut) > MAX_POINT_WORDS:
                    text = " ".join(cut[:MAX_POINT_WORDS]).rstrip(",;") + "…"
                return text[0].lower() + text[1:] if text[:2] != "I " else text
    return None


_AS_SITUATION = {  # "I'm frustrated" -> "how frustrating this has been"
    "frustrat": "frustrating", "upset": "upsetting", "angr": "infuriating", "anger": "infuriating",
    "annoy": "annoying", "stress": "stressful", "worr": "worrying", "disappoint": "disappointing",
    "exhaust": "exhausting", "infuriat": "infuriating", "embarrass": "embarrassing",
    "humiliat": "humiliating", "confus": "confusing", "overwhelm": "overwhelming", "scar": "scary",
    "furious": "infuriating", "insult": "insulting", "awful": "awful", "terrible": "terrible",
}  # fmt: skip


def their_feeling(customer_said: Sequence[str]) -> str:
    """How the situation feels to the customer, from their own words, as an adjective."""
    for turn in customer_said:
        for found in cues("empathy").find("feeling", normalise(turn)):
            for stem, adjective in _AS_SITUATION.items():
                if found.startswith(stem):
                    return adjective
    return DEFAULT_FEELING


@lru_cache(maxsize=256)
def _point_and_feeling(customer_said: tuple[str, ...]) -> tuple[str | None, str]:
    """Read once per conversation so far: every skill's suggestion asks the same."""
    return their_point(customer_said), their_feeling(customer_said)


def suggestion_for(rubric: Rubric, customer_said: Sequence[str]) -> str:
    """The rubric's first suggestion that can be filled in for this customer, else its top example."""
    point, feeling = _point_and_feeling(tuple(customer_said))
    for template in rubric.suggestions:
        if "their_point" in undeclared([template], ()) and point is None:
            continue
        text = render(template, their_point=point or "", feeling=feeling)
        return re.sub(r"(^|[.!?] )([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    return rubric.level(5).examples[0]
