"""Flag and move detectors: injection, policy hiding, accusation, transactional, moves."""

from __future__ import annotations

import re

from evaluators.lexicon import cues
from evaluators.normalise import deobfuscated
from evaluators.turn import ParsedTurn

_REPORTED = re.compile(
    r"\b(we|our \w+|i|they|he|she|someone|the agent|your agent|nobody|no one)\s+(\w+\s+)?"
    r"(asked|told|said|suggested|implied|demanded|wanted|made you|accused|treated|questioned|doubted|asking|telling)\b"
)
# What was said to them or how they were treated, retold: the doubt that follows is reported, not meant.
_TOLD = re.compile(r"\byou were (told|asked|made to feel|treated)\b|\b(as if|as though|like) you (were|had|'d)\b")
# Offering them something, or waiving proof, is not asking them to prove their word.
_GIVING = re.compile(
    r"\b(i'll|i will|we'll|we will|i've|we've|i have|we have|let me|i can|we can|i'm|we're|i am|we are)"
    r" (just |also |now |already |personally )?"
    r"(send|sent|sending|email|emailed|emailing|forward|forwarded|get|put|give|attach|attached|mail|post|write|writing)\b"
)
_WAIVED = re.compile(
    r"\b(no need|don't need|do not need|won't need|will not need|doesn't need|don't have to|do not have to|"
    r"won't have to|without (asking|needing|requiring)|not asking|never need|not going to ask|"
    r"no (proof|receipts?|paperwork|report|photos?|evidence|documents?)|instead of asking)"
)
# "The coverage is the coverage", "a fee is a fee", "roaming is roaming", "the date's the date": a
# tautology in place of a reason.
_TAUTOLOGY = re.compile(r"\b((?:the |a |an )?)((?:\w+ ){0,2}[a-z]+)(?: is|'s| are) \1\2\b")
_NOT_A_THING = frozenset(
    {"it", "that", "this", "what", "who", "which", "there", "here", "he", "she", "they", "we", "you", "i", "one", "so"}
)
# An impersonal rule or mechanism, and a refusal or a full stop next to it: "the plan only covers one
# refill every 30 days, so I can't fill it early", "...go in the regular queue, and that's how it has to be".
_MECHANISM = re.compile(
    r"\b(polic(y|ies)|rules?|terms|plan|warranty|system|process|queue|deadline|agreement|contract|procedures?|"
    r"fare|guidelines|cut-?off|window|coverage|insurance|protocol|automatic(ally)?|regulations?|schedul(e|es|ing)|"
    r"head office|corporate|management)\b"
)
_REFUSAL = re.compile(
    r"\b(i|we) (can't|cannot|can not|won't be able to|(am|'m|are|'re) (not able|unable) to) "
    r"(?!(believe|imagine|understand|see|tell|say|blame|apologi[sz]e|promise|thank|stress|emphasi[sz]e|explain|"
    r"excuse|undo|find|locate|access|reach|hear|read|open|wait|let|stop|defend|justify)\b)\w+"
)
_FINAL = re.compile(
    r"\b(that's|that is|it's|it is|this is) (just |simply )?(how it (has to|must|needs to|will have to) be|"
    r"the way it (is|has to be|must be|works|goes))\b|\band that's that\b|\bno way around (it|that|this)\b|"
    r"\b(i'm|i am|we're|we are) not able to change (that|it|this)\b|\b(i|we) (can't|cannot) change (that|it|this)\b"
)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def detect_injection(text: str) -> list[str]:
    """Phrases aimed at the grader or the customer model rather than the customer.

    Read first as written (the phrases are then verbatim from `text`), then decoded (Unicode
    compatibility forms, invisible characters, leetspeak, letter-spacing), where what is
    returned is the decoded phrase.
    """
    # The quote translation maps one character to one, so spans found in it are spans of `text`.
    found = [text[a:b] for a, b in cues("injection").spans("strong", text.translate(_QUOTES))]
    if found:
        return found
    decoded = deobfuscated(text).translate(_QUOTES)
    return [decoded[a:b] for a, b in cues("injection").spans("strong", decoded)]


def policy_walls(turn: ParsedTurn) -> dict[int, str]:
    """Sentence index -> phrase, where policy is used as a wall (no exception offered right after)."""
    from evaluators.paraphrase import reflective_form

    lex = cues("flags")
    walls: dict[int, str] = {}
    for i, s in enumerate(turn.unquoted):
        phrase = lex.first("policy_hiding", s) or _tautology(s) or _mechanism_wall(s, turn.unquoted[i - 1] if i else "")
        if phrase is not None and reflective_form(s) == 2:
            continue  # "So the system won't let you pay it off": their complaint restated
        if phrase is not None and not lex.has("policy_exception", " ".join(turn.normalised[i : i + 2])):
            walls[i] = phrase
    return walls


def _tautology(sentence: str) -> str | None:
    m = _TAUTOLOGY.search(sentence)
    if m is None or (not m.group(1) and m.group(2) in _NOT_A_THING):
        return None
    if cues("apology").has("ownership", sentence):
        return None  # "A promise is a promise, and we broke ours": owning it, not a wall
    return m.group(0)


def _mechanism_wall(sentence: str, before: str) -> str | None:
    """A refusal beside a rule or mechanism in the same sentence, or a full stop ("that's how it has
    to be") after one in this sentence or the one before."""
    if (refusal := _REFUSAL.search(sentence)) and _MECHANISM.search(sentence):
        return refusal.group(0)
    if (final := _FINAL.search(sentence)) and (_MECHANISM.search(sentence) or _MECHANISM.search(before)):
        return final.group(0)
    return None


def proof_request(sentence: str) -> str | None:
    """The phrase asking them to prove their word (a document, a photo, someone to vouch), or None
    when the trainee offers the paper themselves or waives it ("no need for a police report")."""
    phrase = cues("flags").first("proof_request", sentence)
    if phrase is None or _GIVING.search(sentence) or _WAIVED.search(sentence):
        return None
    return phrase


# Asking for something to look the account up by is not asking them to prove their word: "Can you
# confirm the last four digits of your card?" reads like a proof request to a model that has seen many.
_IDENTIFIER = re.compile(
    r"\b(last (four|4|two|2) (digits|numbers)|(account|order|booking|reference|confirmation|serial|policy|claim|ticket|"
    r"case|tracking|member(ship)?|registration|invoice|customer|phone) (number|no|code|id)|booking (reference|code)|"
    r"date of birth|post ?code|zip( code)?|email address|(full )?name on the (account|booking|card))\b"
)
_PROOF_WORDS = re.compile(
    r"\b(receipts?|photos?|pictures?|videos?|footage|reports?|statements?|proof|evidence|screenshots?|documents?|"
    r"letters?|witness|copy|copies|records?)\b"
)


def asks_for_identifier(sentence: str) -> bool:
    """Whether a sentence (normalised) only asks for something to find their account by (a number, a reference)."""
    return bool(_IDENTIFIER.search(sentence)) and not _PROOF_WORDS.search(sentence)


def not_doubt(sentence: str) -> bool:
    """Whether a sentence (normalised) is about proof without doubting them: an account lookup, or proof
    waived ("you won't need to send a police report"). The learned readings blur such topic with stance."""
    return asks_for_identifier(sentence) or bool(_WAIVED.search(sentence))


_GIVEN_BACK = re.compile(
    r"\b(refund\w*|reimburs\w*|waiv(e|ed|es|ing)\b|money back|back (to|on|into) your|"
    r"off your (monthly )?(bill|invoice|statement)|(we|we'll|i'll|i will|we will|i can|we can) (pay|cover)|"
    r"write (it|that|this|the \w+) off)\b"
)
_THEY_PAID = re.compile(r"\byou('ve| have)? (paid|bought|ordered|spent|booked|purchased)\b")


def not_selling(sentence: str) -> bool:
    """Whether a sentence (normalised) is about money without selling: putting it right (a refund, the cost
    taken off their bill, "we'll pay for it") or retelling what they paid. The learned readings blur money
    as topic with selling as stance; a word of selling (a voucher, an upgrade, a discount) keeps it selling."""
    if cues("flags").has("transactional", sentence):
        return False
    return bool(_GIVEN_BACK.search(sentence) or _THEY_PAID.search(sentence))


def detect_policy_hiding(turn: ParsedTurn) -> tuple[int, str] | None:
    """(sentence index, phrase) of the first policy wall, or None."""
    walls = policy_walls(turn)
    return next(iter(walls.items()), None)


def accusations(turn: ParsedTurn) -> dict[int, str]:
    """Sentence index -> phrase that doubts, blames or patronises the customer.

    Citing the company's records against their word counts too, unless the sentence restates
    the customer's own view ("So the tracking says it was left, but you were home all day").
    """
    from evaluators.paraphrase import reflective_form

    lex = cues("flags")
    apology = cues("apology")
    found: dict[int, str] = {}
    for i, s in enumerate(turn.unquoted):  # words quoted back to them are what they were told, not said to them
        if _REPORTED.search(s) and (apology.has("apology", s) or apology.has("ownership", s) or "wrong" in s):
            continue  # "I'm sorry we asked if your kids took it": owning the doubt, not doubting
        phrase = lex.first("accusation", s) or lex.first("sarcasm", s) or proof_request(s)
        if phrase is not None and (told := _TOLD.search(s)) and told.start() < s.find(phrase):
            continue  # "...and you were told customers always say that": what was said to them, retold
        if phrase is None and (doubt := lex.first("record_doubt", s)) and not reflective_form(s):
            phrase = doubt
        if phrase is not None:
            found[i] = phrase
    return found


def find_first(group: str, turn: ParsedTurn) -> tuple[int, str] | None:
    """(sentence index, phrase) of the first cue of a `flags` lexicon group."""
    lex = cues("flags")
    for i, s in enumerate(turn.unquoted):
        phrase = lex.first(group, s)
        if phrase is not None:
            return i, phrase
    return None


# A promise to act, by when: "I'll give you an emergency supply today", "I can reinstate the order now",
# "I'll ask the branch to pull the history and call you by Friday". Whatever the verb, a first-person
# act with a time is a fix on offer; listening and feeling verbs are not acts.
_PROMISE = re.compile(
    r"\b(i'll|i will|i'm going to|i am going to|we'll|we will|we're going to|i can|we can|let me|i've|we've)"
    r" (\w+ly |just |also |now |then |personally |go ahead and )?"
    r"(?!(be|been|see|imagine|understand|hear|say|tell you|feel|appreciate|apologi[sz]e|only|assure|promise|"
    r"guarantee|relate|try|think|know|ask you|explain|had|got|always|never|not|no|make sure|check|look|read|listen|"
    r"talk|speak|note|keep (this|that|it) in mind|put (it|this) simply)\b)[a-z]+\b"
)
_BY_WHEN = re.compile(
    r"\b(today|tonight|tomorrow|right now|now|right away|immediately|this (morning|afternoon|evening|week)|"
    r"by (monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|noon|\d)|"
    r"within (the )?(\w+ )?(hour|hours|day|days|minutes)|before (you|the|your|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday))\b"
)


# ... or under way as they speak: "I'm turning the heat floor on today", "we're paying the plumber's bill this week".
_UNDER_WAY = re.compile(
    r"\b(i'm|i am|we're|we are) (\w+ly |now |also |personally |already )?"
    r"(?!(feeling|hearing|listening|thinking|trying|hoping|waiting|asking|wondering|looking|checking|reading|"
    r"going|getting (back|in touch)|having|seeing|saying|telling|talking|speaking|writing to say|sorry|afraid|"
    r"glad|happy|sure|not|also not)\b)[a-z]+ing\b"
)


def _promises_by_when(sentence: str) -> bool:
    promise = _PROMISE.search(sentence) or _UNDER_WAY.search(sentence)
    return promise is not None and _BY_WHEN.search(sentence, promise.end()) is not None and "?" not in sentence


def detect_moves(turn: ParsedTurn) -> tuple[int | None, int | None, int | None]:
    """Sentence indexes of the first solution, choice and open question (or None)."""
    lex = cues("moves")
    solution = choice = question = None
    for i, s in enumerate(turn.normalised):
        if solution is None and i not in turn.flagged_sentences and (lex.has("solution", s) or _promises_by_when(s)):
            solution = i
        if choice is None and lex.has("choice", s):
            choice = i
        if question is None and lex.has("open_question", s):
            asks = s.rstrip().endswith("?") or any(
                k in s for k in ("tell me", "walk me through", "help me understand", "say more")
            )
            if asks:
                question = i
    return solution, choice, question
