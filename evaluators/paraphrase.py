"""Paraphrase by meaning: does a trainee sentence restate what the customer said?

Meaning comes from the shipped sentence-embedding model; a reflective frame ("it sounds
like…", "so you're saying…") and the second person make a restatement explicit. A frame
around the wrong content (other numbers, an added "not", nothing the customer said) is a
distortion: the customer feels misheard.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from evaluators import embeddings
from evaluators.lexicon import cues
from evaluators.text import content_stems, normalise, numbers, words
from evaluators.turn import Finding, ParsedTurn

SIM_POINT = 0.52  # a customer sentence counts as restated at or above this similarity
SIM_LOOSE = 0.42  # with a frame or in the second person, this is enough for a simple restatement
SIM_DISTORTED = 0.30  # a framed restatement below this matches nothing the customer said
PARROT_RATIO = 90  # rapidfuzz ratio at which a "restatement" is a verbatim echo
_SECOND_PERSON = frozenset({"you", "your", "you're", "you've", "you'd", "you'll", "yours", "yourself"})
_NEGATIONS = frozenset({"not", "no", "never", "nothing", "none", "nobody", "cannot"})


@dataclass(frozen=True)
class _Sentence:
    index: int
    best: float
    best_unit: int
    framed: bool
    second_person: bool


def _negated(text: str) -> bool:
    return any(w in _NEGATIONS or w.endswith("n't") for w in words(text))


def _distortion(sentence: str, sources: list[str], turn: ParsedTurn) -> str | None:
    extra = numbers(sentence) - numbers(turn.customer_text)
    if extra and numbers(turn.customer_text):
        return f"the customer never said {', '.join(sorted(extra))}"
    if len(content_stems(sentence)) >= 2 and all(_negated(sentence) != _negated(s) for s in sources):
        return "it flips what the customer said"
    return None


def detect_paraphrase(turn: ParsedTurn) -> tuple[Finding | None, bool]:
    """(finding, misheard) for this turn's restatements of the customer's words."""
    lex = cues("paraphrase")
    if not turn.customer or not turn.sentences:
        return None, False
    candidates = [i for i, s in enumerate(turn.sentences) if len(content_stems(s)) >= 1]
    if not candidates:
        return None, False
    sims = embeddings.similarity([turn.sentences[i] for i in candidates], turn.customer)
    rows: list[_Sentence] = []
    for row, i in enumerate(candidates):
        norm = turn.normalised[i]
        unit = int(sims[row].argmax())
        rows.append(
            _Sentence(
                index=i,
                best=float(sims[row, unit]),
                best_unit=unit,
                framed=lex.has("frame", norm),
                second_person=bool(_SECOND_PERSON & set(words(norm))),
            )
        )

    restated = [
        r
        for r in rows
        if r.index not in turn.flagged_sentences
        and _restates(r)
        and (r.framed or not turn.sentences[r.index].rstrip().endswith("?"))
    ]
    framed = [r for r in rows if r.framed and r.index not in turn.flagged_sentences]
    for r in framed:
        near = [turn.customer[j] for j in range(len(turn.customer)) if sims[rows.index(r), j] >= SIM_LOOSE]
        why = _distortion(turn.sentences[r.index], near, turn) if near else None
        if r.best < SIM_DISTORTED and not restated and lex.has("claim", turn.normalised[r.index]):
            why = "it restates something the customer did not say"
        if why:
            return Finding(1, f"Your restatement distorts their words: {why}.", turn.sentences[r.index]), True

    if not restated:
        generic = next((i for i, n in enumerate(turn.normalised) if lex.has("generic_frame", n)), None)
        if generic is not None:
            note = "You said you heard them, but did not say back what you heard."
            return Finding(2, note, turn.sentences[generic]), False
        return None, False

    best = max(restated, key=lambda r: (r.framed, r.best))
    evidence = turn.sentences[best.index]
    source = turn.customer[best.best_unit]
    if fuzz.ratio(normalise(evidence), normalise(source)) >= PARROT_RATIO:
        return Finding(2, "You repeated their words back verbatim rather than in your own words.", evidence), False

    points = {r.best_unit for r in restated if r.best >= SIM_LOOSE}
    points |= {j for r in restated for j in range(len(turn.customer)) if float(sims[rows.index(r), j]) >= SIM_POINT}
    adds_meaning = any(
        lex.has("impact", turn.normalised[r.index]) or cues("empathy").has("feeling", turn.normalised[r.index])
        for r in restated
    )
    score = 3
    if (best.framed and best.best >= SIM_POINT) or len(points) >= 2:
        score = 4
    if score == 4 and ((len(points) >= 2 and adds_meaning) or len(points) >= 3):
        score = 5
    what = _short(source)
    notes = {
        3: f"You restated one point they made ({what}).",
        4: f"You restated their point in your own words ({what}).",
        5: f"You restated {len(points)} of their points and what they meant for them ({what}).",
    }
    return Finding(score, notes[score], evidence), False


def _restates(r: _Sentence) -> bool:
    if r.best >= SIM_POINT and (r.framed or r.second_person):
        return True
    return r.best >= SIM_LOOSE and r.framed


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 1].rstrip()}…"'
