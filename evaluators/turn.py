"""One trainee turn, split into sentences once, plus what the customer said before it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from evaluators.text import content_stems, normalise, sentences, words

RECENT_CUSTOMER_TURNS = 3  # a paraphrase may reach this far back...
ENOUGH_CUSTOMER_SENTENCES = 4  # ...or further, past short replies ("Yeah."), until it has this many
FURTHEST_CUSTOMER_TURNS = 8
MAX_CUSTOMER_SENTENCES = 24


@dataclass(frozen=True)
class Finding:
    """A detector's verdict: a 1-5 score, a short reason, and the sentence that showed it."""

    score: int
    note: str
    evidence: str = ""


@dataclass
class ParsedTurn:
    """The trainee's turn as sentences (verbatim and normalised) and the customer's sentences."""

    text: str
    sentences: list[str]
    normalised: list[str]
    customer: list[str]  # recent customer sentences and scenario facts, verbatim
    customer_text: str  # all recent customer words, for overlap checks
    word_count: int
    flagged_sentences: set[int] = field(default_factory=set)  # non-apologies etc.: earn no credit
    unquoted: list[str] = field(default_factory=list)  # normalised, with quoted words blanked

    def __post_init__(self) -> None:
        if not self.unquoted:
            self.unquoted = [unquote(s) for s in self.normalised]

    @property
    def full(self) -> str:
        """The whole turn, normalised."""
        return " ".join(self.normalised)


_QUOTED = re.compile(r"""(?:^|(?<=[\s(]))(['"])[^'"]{2,80}?\1(?=[\s,.;:!?)]|$)""")


def unquote(norm: str) -> str:
    """A normalised sentence with quoted words blanked: "calling it a 'service degradation' was wrong"
    names a euphemism to reject it, and must not count as using it."""
    return _QUOTED.sub(" \u2026 ", norm)


def parse_turn(text: str, customer_said: list[str], facts: list[str]) -> ParsedTurn:
    """Split the turn and the recent customer turns into sentences."""
    sents = sentences(text)
    customer: list[str] = []
    reach = 0
    for turn in reversed(customer_said[-FURTHEST_CUSTOMER_TURNS:]):  # newest first
        if reach >= RECENT_CUSTOMER_TURNS and len(customer) >= ENOUGH_CUSTOMER_SENTENCES:
            break
        customer.extend(s for s in sentences(turn) if content_stems(s))
        reach += 1
    recent = customer_said[-reach:] if reach else []
    customer = customer[:MAX_CUSTOMER_SENTENCES]
    customer.extend(f for f in facts if f.strip())
    return ParsedTurn(
        text=text,
        sentences=sents,
        normalised=[normalise(s) for s in sents],
        customer=customer,
        customer_text=" ".join([*recent, *facts]),
        word_count=len(words(text)),
    )


def overlaps_customer(sentence: str, turn: ParsedTurn, *, ignore: frozenset[str] = frozenset()) -> set[str]:
    """Content stems this sentence shares with what the customer said (minus `ignore`)."""
    return set(content_stems(sentence) & content_stems(turn.customer_text)) - ignore
