"""Per-turn skill detectors (empathy, validation, apology, values, plain language).

Each returns a `Finding` (1-5 score, short reason, the sentence that showed it) or None when
the turn does not show the skill at all. Paraphrase lives in `evaluators.paraphrase`.
"""

from __future__ import annotations

import re

from evaluators import embeddings
from evaluators.lexicon import cues
from evaluators.paraphrase import SIM_POINT, content_text
from evaluators.readability import measure
from evaluators.text import content_stems
from evaluators.turn import Finding, ParsedTurn, overlaps_customer

PLAIN_LIMITS = (3.0, 2.4, 1.9, 1.4)  # readability difficulty at or below each earns 2, 3, 4, 5
LONGEST_SENTENCE_WORDS = 30  # one sentence longer than this loses a point
TIED_WORDS = 2  # words of theirs the sentence after a reaction must pick up to tie it to their story
_SPECIFIC_REASON = (  # a validation that says why: "...after being charged twice"
    "because", "especially", "after", "when you", "given", "with ", "since", "that you", "about",
    "you've", "you were", "you did",
)  # fmt: skip


def _feeling_stems(sentence: str) -> frozenset[str]:
    return content_stems(" ".join(cues("empathy").find("feeling", sentence)))


def _quote(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 1].rstrip()}…"'


def _tied_to_their_story(turn: ParsedTurn, index: int) -> bool:
    """Feeling tied to what happened to them: the sentence, or the statement after it, picks up what they said.

    Picking up means sharing their words, or saying the same thing by meaning (the sentence-embedding
    model). "Oh no. Losing harvest days with rain on the way is the worst timing." is tied; "Oh no.
    What's your order number?" and "Oh no. Your order is in our system." are not.
    """
    if overlaps_customer(turn.sentences[index], turn, ignore=_feeling_stems(turn.normalised[index])):
        return True
    said = [index]
    after = index + 1
    if after < len(turn.sentences) and after not in turn.flagged_sentences:
        norm = turn.normalised[after]
        if not norm.rstrip().endswith("?") and not cues("moves").has("solution", norm):
            if len(overlaps_customer(turn.sentences[after], turn, ignore=_feeling_stems(norm))) >= TIED_WORDS:
                return True
            said.append(after)
    if not turn.customer:
        return False
    sims = embeddings.similarity(
        [content_text(turn.sentences[i]) for i in said], [content_text(c) for c in turn.customer]
    )
    return float(sims.max()) >= SIM_POINT


def detect_empathy(turn: ParsedTurn) -> Finding | None:
    """Showing they feel with the customer: warmth, their feeling named, tied to what happened."""
    lex = cues("empathy")
    apology = cues("apology")
    named: list[int] = []  # their feeling named ("that sounds exhausting")
    warm: list[int] = []  # explicit compassion ("I'm so sorry this happened")
    reaction: list[int] = []  # a brief reaction ("I'm sorry." "Oh no.")
    generic: list[int] = []  # "I understand", platitudes
    for i, s in enumerate(turn.normalised):
        if i in turn.flagged_sentences:
            continue
        owning = apology.has("ownership", s) or bool(re.search(r"sorry (that |for )?(we|i|our|my)\b", s))
        if lex.has("feeling", s) and lex.has("frame", s) and not owning:
            named.append(i)
        if lex.has("warm", s) and not owning:
            warm.append(i)
        elif lex.has("reaction", s) or lex.has("warm", s):
            reaction.append(i)
        elif lex.has("generic", s):
            generic.append(i)
    # The rubric's ladder, as floors the learned scorer cannot go below. A "sorry" alone, even about their
    # event, is formulaic (2: the labels put most such turns there; the scorer lifts a sincere one); a
    # sincere reaction ("Oh no, that's awful", "I'd feel the same") is 3, and 4 about what happened to
    # them; their feeling named is 3, tied to what happened to them 4, and staying with it 5.
    shown = sorted(set(named + warm))
    if not named:
        sincere = [i for i in sorted({*warm, *reaction}) if not _only_sorry(turn.normalised[i])]
        tied = [i for i in sincere if _tied_to_their_story(turn, i)]
        if tied:
            return Finding(4, "You reacted to what happened to them in particular.", turn.sentences[tied[0]])
        if sincere:
            return Finding(
                3, "A brief reaction to what happened, without naming how they feel.", turn.sentences[sincere[0]]
            )
        if warm or reaction:
            lead = min([*warm, *reaction])
            return Finding(
                2, 'A "sorry", without naming how they feel or what it meant for them.', turn.sentences[lead]
            )
        if generic:
            return Finding(2, 'A general "I understand" without naming how they feel.', turn.sentences[generic[0]])
        return None
    specific = [i for i in shown if _tied_to_their_story(turn, i)]
    lead = (specific or named)[0]
    # "I'm sorry. That sounds frustrating." could be said to anyone: named, but not about them, stays at 3
    score = min(5, 3 + bool(specific) + (bool(specific) and (len(shown) + len(reaction) >= 2 or bool(warm))))
    feeling = (lex.first("feeling", turn.normalised[lead]) or "").strip()
    named_part = f" ({feeling})" if feeling else ""
    notes = {
        3: f"You named how they feel{named_part}, but not about what happened to them.",
        4: f"You showed you feel for them{named_part}, about what happened to them.",
        5: f"You named how they feel{named_part}, tied it to what happened, and stayed with it.",
    }
    return Finding(score, notes[score], turn.sentences[lead])


def _only_sorry(norm: str) -> bool:
    """Whether a sentence's warmth is all "sorry" ("I'm so sorry about the tablet"), with no other reaction."""
    lex = cues("empathy")
    found = [*lex.find("warm", norm), *lex.find("reaction", norm)]
    return bool(found) and all("sorry" in phrase for phrase in found)


def detect_validation(turn: ParsedTurn) -> Finding | None:
    """Saying their reaction makes sense, whether or not the facts are settled."""
    lex = cues("validation")
    strong = [i for i, s in enumerate(turn.normalised) if i not in turn.flagged_sentences and lex.has("strong", s)]
    weak = [i for i, s in enumerate(turn.normalised) if i not in turn.flagged_sentences and lex.has("weak", s)]
    if not strong:
        if weak:
            return Finding(
                2, "You acknowledged them, but did not say their reaction makes sense.", turn.sentences[weak[0]]
            )
        return None
    lead = strong[0]
    s = turn.normalised[lead]
    cue_stems = content_stems(" ".join(lex.find("strong", s)))
    concrete = len(content_stems(turn.sentences[lead]) - cue_stems) >= 3 or bool(
        overlaps_customer(turn.sentences[lead], turn)
    )
    reasoned = (any(r in s for r in _SPECIFIC_REASON) or ":" in s or " - " in s) and concrete
    cue_count = sum(len(lex.find("strong", turn.normalised[i])) for i in strong)
    score = min(5, 3 + reasoned + (cue_count >= 2))
    notes = {
        3: "You told them their reaction makes sense.",
        4: "You told them their reaction makes sense and said why, in their terms.",
        5: "You validated their experience more than once, in terms of what happened to them.",
    }
    return Finding(score, notes[score], turn.sentences[lead])


def detect_apology(turn: ParsedTurn, offers_solution: bool) -> tuple[Finding | None, str | None]:
    """(finding, non-apology phrase) - an apology counts when it owns the mistake."""
    lex = cues("apology")
    non = next(((i, p) for i, s in enumerate(turn.unquoted) for p in lex.find("non_apology", s)), None)
    apologies = [i for i, s in enumerate(turn.normalised) if lex.has("apology", s) and i not in turn.flagged_sentences]
    owned = [
        i
        for i, s in enumerate(turn.normalised)
        if lex.has("ownership", s) and i not in turn.flagged_sentences and not s.endswith("?")
    ]
    commits = offers_solution or lex.has("commitment", turn.full)
    non_phrase = non[1] if non else None
    if not apologies and not owned:
        if non:
            return Finding(1, f'"{non[1]}" is a non-apology: it owns nothing.', turn.sentences[non[0]]), non_phrase
        return None, None
    if owned:
        lead = next((i for i in owned if i in apologies), owned[0])
        specific = bool(overlaps_customer(turn.sentences[lead], turn)) or len(content_stems(turn.sentences[lead])) >= 3
        score = 4 + (specific and commits) if apologies else 3 + specific
        if non:
            score = min(score, 3)
    else:
        lead = apologies[0]
        specific = len(content_stems(turn.sentences[lead])) >= 2 and bool(overlaps_customer(turn.sentences[lead], turn))
        score = 3 if specific else 2
        if non:
            score = min(score, 2)
    notes = {
        2: "You said sorry, but did not say for what or own it.",
        3: "You apologised for what happened, but did not own it as your mistake.",
        4: "You apologised and owned the mistake.",
        5: "You apologised, owned the mistake, and committed to putting it right.",
    }
    if not apologies:
        notes[3] = "You owned the mistake, without saying sorry."
        notes[4] = "You owned the specific mistake, without saying sorry."
    if non:
        notes[score] = f'{notes[score]} But "{non[1]}" undercuts it.'
    return Finding(score, notes[score], turn.sentences[lead]), non_phrase


def detect_values(turn: ParsedTurn) -> Finding | None:
    """Tying the fix to what the customer values long-term."""
    lex = cues("values")
    kinds: dict[str, int] = {}
    for group in ("relationship", "their_goals", "future"):
        for i, s in enumerate(turn.normalised):
            if lex.has(group, s):
                kinds.setdefault(group, i)
                break
    if not kinds:
        return None
    lead = min(kinds.values())
    corporate = all(cues("flags").has("doublespeak", turn.normalised[i]) for i in set(kinds.values()))
    if corporate:
        return Finding(2, "A stock line about valuing them, not tied to what they care about.", turn.sentences[lead])
    if len(kinds) < 2:
        # One cue ("your clients", "you've been with us") is a mention, not yet a connection: a floor of 2,
        # and the values-sentence model and the scorer judge the rest.
        return Finding(2, "A nod to more than today's problem, not tied to what they care about.", turn.sentences[lead])
    specific = any(overlaps_customer(turn.sentences[i], turn) for i in kinds.values())
    score = min(5, 2 + len(kinds) + specific)
    notes = {
        4: "You connected the fix to what they value long-term.",
        5: "You connected the fix to their own goals and to the relationship going on.",
    }
    return Finding(score, notes[score], turn.sentences[lead])


def readability_level(difficulty: float, longest_sentence_words: float) -> int:
    """What readability alone earns (0-5): a level per PLAIN_LIMITS passed, one less for an over-long sentence."""
    return 1 + sum(difficulty <= limit for limit in PLAIN_LIMITS) - (longest_sentence_words > LONGEST_SENTENCE_WORDS)


def detect_plain_language(turn: ParsedTurn) -> tuple[Finding | None, list[str], list[str]]:
    """(finding, doublespeak phrases, jargon) - readability, sentence length and word choice."""
    if turn.word_count < 3:
        return None, [], []
    flags = cues("flags")
    corporate = [p for s in turn.unquoted for p in flags.find("doublespeak", s)]
    strong = [p for s in turn.unquoted for p in flags.find("doublespeak_strong", s)]
    jargon = [p for s in turn.unquoted for p in flags.find("jargon", s)]
    r = measure(turn.text)
    score = readability_level(r.difficulty, r.longest_sentence_words)
    reasons = []
    if r.longest_sentence_words > LONGEST_SENTENCE_WORDS:
        reasons.append(f"sentences up to {r.longest_sentence_words} words")
    if corporate:
        score -= min(2, len(corporate))
        reasons.append(f"corporate phrasing ({', '.join(dict.fromkeys(corporate))})")
    if jargon:
        score -= 1
        reasons.append(f"jargon ({', '.join(dict.fromkeys(jargon))})")
    if strong:
        score = min(score, 2)
    score = max(1, min(5, score))
    if reasons:
        note = f"Harder to follow than it needs to be: {'; '.join(reasons)}."
    elif score >= 4:
        note = f"Plain and clear (about grade {max(r.grade, 1):.0f} reading level)."
    else:
        note = f"Hard to read (about grade {r.grade:.0f}): use shorter sentences and everyday words."
    worst = max(range(len(turn.sentences)), key=lambda i: len(turn.normalised[i])) if turn.sentences else 0
    evidence = turn.sentences[worst] if turn.sentences else ""
    return Finding(score, note, evidence), corporate + strong, jargon
