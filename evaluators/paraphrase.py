"""Paraphrase: does a trainee sentence restate what the customer said, in the trainee's words?

Two things make a restatement. Its form: a reflective frame ("it sounds like…", "so you're
saying…") or a statement about the customer in the second person that is neither a question
nor advice ("You were home all afternoon and nothing came."). And its meaning: the sentence
must be close, by the shipped sentence-embedding model, to something the customer said. A
framed restatement of something the customer did not say (other numbers, an added "not",
nothing they said at all) is a distortion: the customer feels misheard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz

from evaluators import embeddings
from evaluators.lexicon import cues
from evaluators.text import STOPWORDS, content_stems, normalise, numbers, words
from evaluators.turn import Finding, ParsedTurn

SIM_LINK = 0.30  # content similarity at which a reflective sentence is about what the customer said
SIM_POINT = 0.50  # content similarity at which a customer sentence counts as restated
SIM_DISTORTED = 0.22  # a framed claim below this matches nothing the customer said
PARROT_RATIO = 90  # rapidfuzz ratio at which a "restatement" is a verbatim echo
FLIP_RATIO = 75  # near-identical content words with the negation flipped is a distortion
ECHO_WORDS = 6  # a declarative this short that shares their words is an echo of them
CHECK_WORDS = 6  # "Is that right?" and friends are at most this long
SUBJECT_WINDOW = 10  # "you"/"your" this early in the sentence makes it about them


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SUBJECTS = _words("you you're you've you'd your yourself")
_IMPERATIVE = _words("try consider make remember don't do please let's go take call check keep stop start give get be")
_NEGATIONS = _words("not no never nothing none nobody cannot")
_SELF = _words("i i'm i've i'd i'll my me we we're we've we'll our us")
_OTHER_SUBJECTS = _words("he she they it this that there it's that's there's he's she's they're these those")
_WH = _words("what how why when where which who whose whom")
_AUX = _words("do does did is are was were can could would will should have has had else often much many")
_CONDITIONS = _words("if unless whenever once")
_FIRST_PERSON = _words("i i'm i've i'd me my")
_THEIR_SELF = _FIRST_PERSON | _words("myself mine")
_WE = _words("we we're we've we'll we'd our us")


@dataclass(frozen=True)
class _Sentence:
    index: int
    form: int  # 2 framed, 1 second-person statement, 0 neither
    link: float  # best content similarity to a customer sentence
    unit: int  # which customer sentence


@cache
def _lead() -> re.Pattern[str]:
    patterns = cues("paraphrase").lexicon.cues["lead"]
    return re.compile(r"^(?:(?:" + "|".join(patterns) + r")(?![a-z0-9])[\s,\-—–.!:]*)+")


def content_text(text: str) -> str:
    """The content words of `text` (no stopwords), what the embedding model compares."""
    return " ".join(w for w in words(text) if w not in STOPWORDS) or text


def reflective_form(norm: str) -> int:
    """How a sentence is built: 2 reflective frame, 1 statement about them, -1 short echo, 0 other.

    A statement about their side is declarative (or a declarative said as a question:
    "so that's three days with no call back?"), is not advice or an instruction, and speaks
    of them ("you", "your"). An echo is a short fragment picking up their words ("Three days.").
    A frame with no content words after it ("I hear you.") is not built to restate anything.
    """
    lex = cues("paraphrase")
    body = _lead().sub("", norm)
    tokens = words(body)
    if not any((len(w) > 2 and w not in STOPWORDS) or w.isdigit() for w in tokens):
        return 0  # a frame with nothing after it ("I hear you.") says back nothing
    if lex.has("question_start", tokens[0]) and norm.rstrip().endswith("?"):
        return 2 if lex.has("claim", norm) else 0  # "what I hear is that you...?" still restates
    if lex.has("frame", norm):
        return 2
    if lex.has("advice", norm) or tokens[0] in _IMPERATIVE or tokens[0] in _SELF:
        return 0
    if lex.has("question_start", tokens[0]) and (tokens[0] not in _WH or _AUX & set(tokens[1:3])):
        return 0  # "do you...", "how often do you..." without a question mark is still a question
    if tokens[0] in _CONDITIONS:
        return 0  # "if you...", "when you..." set up advice, not a restatement
    if _SUBJECTS & set(tokens[:SUBJECT_WINDOW]):
        return 1
    if re.match(r"^(and )?so\b", norm) and len(tokens) >= 2 and not lex.has("question_start", tokens[0]):
        return 1  # "So the parcel never came." sums up their side
    if len(tokens) <= ECHO_WORDS and tokens[0] not in _OTHER_SUBJECTS:
        return -1
    return 0


def _is_check(norm: str) -> bool:
    """A short question checking a restatement: "Is that right?", "Did I get that right?"."""
    return norm.rstrip().endswith("?") and len(words(norm)) <= CHECK_WORDS and cues("paraphrase").has("frame", norm)


def _negated(text: str) -> bool:
    return any(w in _NEGATIONS or w.endswith("n't") for w in words(text))


def _distortion(sentence: str, sources: list[str], turn: ParsedTurn) -> str | None:
    extra = numbers(sentence) - numbers(turn.customer_text)
    if extra and numbers(turn.customer_text):
        return f"the customer never said {', '.join(sorted(extra))}"
    for source in sources:
        same_words = fuzz.token_sort_ratio(content_text(sentence), content_text(source)) >= FLIP_RATIO
        if same_words and _negated(sentence) != _negated(source):
            return "it flips what the customer said"
    return None


def detect_paraphrase(turn: ParsedTurn) -> tuple[Finding | None, bool]:
    """(finding, misheard) for this turn's restatements of the customer's words."""
    lex = cues("paraphrase")
    if not turn.sentences:
        return None, False
    usable = [i for i in range(len(turn.sentences)) if i not in turn.flagged_sentences]
    forms = {i: reflective_form(turn.normalised[i]) for i in usable}
    for i in usable:  # "...four bills cleared and we charged $35 each. Is that right?" frames the sentence before
        before = i - 1
        about_them = (
            before in forms and len(content_stems(turn.sentences[before]) & content_stems(turn.customer_text)) >= 2
        )
        if before in forms and (forms[before] or about_them) and _is_check(turn.normalised[i]):
            forms[i - 1], forms[i] = 2, 0
    candidates = [i for i in usable if forms[i]]
    if not candidates:
        return _token(turn, usable), False

    if not turn.customer:  # nothing of theirs to compare with: credit the form alone, modestly
        best_form = max(candidates, key=lambda i: forms[i])
        note = "You reflected back to them (there was little of theirs to compare with)."
        return Finding(1 + max(1, forms[best_form]), note, turn.sentences[best_form]), False
    sims = embeddings.similarity(
        [content_text(turn.sentences[i]) for i in candidates], [content_text(c) for c in turn.customer]
    )
    rows = [_Sentence(i, forms[i], float(sims[k].max()), int(sims[k].argmax())) for k, i in enumerate(candidates)]
    for k, r in enumerate(rows):
        if r.form != 2 or not lex.has("claim", turn.normalised[r.index]):
            continue
        near = [turn.customer[j] for j in range(len(turn.customer)) if sims[k, j] >= SIM_POINT]
        why = _distortion(turn.sentences[r.index], near, turn) if r.link >= SIM_DISTORTED else None
        if r.link < SIM_DISTORTED:
            why = "it restates something the customer did not say"
        if why:
            return Finding(1, f"Your restatement distorts their words: {why}.", turn.sentences[r.index]), True

    strengths = {r.index: _strength(r, turn) for r in rows}
    scored = [r for r in rows if strengths[r.index] >= 2]
    if not scored:
        return _token(turn, usable), False
    best = max(scored, key=lambda r: (strengths[r.index], r.link))
    evidence = turn.sentences[best.index]
    source = turn.customer[best.unit]
    score = strengths[best.index]
    said_back, said = normalise(evidence), normalise(source)
    if fuzz.ratio(said_back, said) >= PARROT_RATIO:
        if not _speaker_swapped(said_back, said):
            return Finding(2, "You repeated their words back verbatim rather than in your own words.", evidence), False
        # Their words with the speaker swapped ("my refill" -> "your refill"): restated, not yet one's own.
        note = "You said their point back, speaker swapped; put it in your own words to show you understood it."
        return Finding(min(score, 3), note, evidence), False
    clear = [r for r in scored if strengths[r.index] >= 3]
    if len(clear) >= 2:
        score += 1
    if score == 4 and len(clear) >= 1:
        points = {r.unit for r in clear}
        meaning = any(_adds_meaning(turn.normalised[r.index]) for r in clear)
        if meaning and (len(points) >= 2 or (best.form == 2 and best.link >= SIM_POINT)):
            score = 5
    score = min(score, 5)
    what = _short(source)
    notes = {
        2: f"You touched on what they said ({what}) without clearly restating it.",
        3: f"You restated a point they made ({what}).",
        4: f"You restated their point in your own words ({what}).",
        5: f"You restated their points and what they meant for them ({what}).",
    }
    return Finding(score, notes[score], evidence), False


def _token(turn: ParsedTurn, usable: list[int]) -> Finding | None:
    """A token: they said they heard or understood ("I hear you", "I've been there"), not what."""
    lex = cues("paraphrase")
    generic = next((i for i in usable if lex.has("generic_frame", turn.normalised[i])), None)
    if generic is not None:
        return Finding(2, "You said you heard them, but not what you heard.", turn.sentences[generic])
    shared = next((i for i in usable if _relates(turn, i)), None)
    if shared is not None:
        note = "You related it to your own experience, but did not say back what they told you."
        return Finding(2, note, turn.sentences[shared])
    return None


def _relates(turn: ParsedTurn, index: int) -> bool:
    """A first-person "me too" about the customer's matter: "I had a parcel go missing once too"."""
    norm = turn.normalised[index]
    tokens = words(_lead().sub("", norm))
    if not tokens or tokens[0] not in _FIRST_PERSON or _WE & set(tokens):
        return False
    if not cues("paraphrase").has("shared_experience", norm) or cues("moves").has("solution", norm):
        return False
    if not turn.customer:
        return False
    if _shares_words(turn, index):
        return True
    sims = embeddings.similarity([content_text(turn.sentences[index])], [content_text(c) for c in turn.customer])
    return float(sims.max()) >= SIM_LINK


def _strength(r: _Sentence, turn: ParsedTurn) -> int:
    """How clearly one sentence restates the customer: 0 (not at all) to 4 (framed and on point)."""
    shared = len(content_stems(turn.sentences[r.index]) & content_stems(turn.customer[r.unit]))
    if r.form == 2:  # framed: on their point (4), near it (3), or only the frame and a word of theirs (2)
        # Near their point and saying what it means for them is the reflection that goes past their words
        # (4); without that meaning, a loose match is a start (3).
        near_with_meaning = r.link >= SIM_LINK and _adds_meaning(turn.normalised[r.index])
        return 4 if r.link >= SIM_POINT or near_with_meaning else 3 if r.link >= SIM_LINK else 2
    if r.form == 1 and (r.link >= SIM_POINT or shared >= 2):
        return 4 if _adds_meaning(turn.normalised[r.index]) else 3  # restated, with what it means for them
    if (r.form == 1 and (r.link >= SIM_DISTORTED or shared >= 1)) or (r.form == -1 and shared >= 1):
        return 2  # about them and near what they said, but not clearly restating it
    return 0


def _speaker_swapped(said_back: str, source: str) -> bool:
    """Whether a near-copy of the customer's sentence turns their "I"/"my" into "you"/"your": the rubric's
    restatement with the pronouns shifted, not the parrot that keeps them."""
    theirs, body = set(words(source)), set(words(_lead().sub("", said_back)))
    me_to_you = bool(theirs & _THEIR_SELF) and not body & _THEIR_SELF and bool(body & _SUBJECTS)
    you_to_us = bool(theirs & _SUBJECTS) and not theirs & _WE and bool(body & _WE)
    return me_to_you or you_to_us


def _adds_meaning(norm: str) -> bool:
    return cues("paraphrase").has("impact", norm) or cues("empathy").has("feeling", norm)


def _shares_words(turn: ParsedTurn, index: int) -> bool:
    return bool(content_stems(turn.sentences[index]) & content_stems(turn.customer_text))


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 1].rstrip()}…"'
