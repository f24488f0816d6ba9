"""Keeps the LLM customer in character: detect out-of-character replies, regenerate once, then fall back.

Small models drift into the agent's role ("Sure, I can help with that"), apologise for the company,
narrate ("*sighs*"), echo the trainee or themselves, repeat their private instructions, or keep
talking when they were meant to walk away. `CharacterGuard` checks a reply sentence by sentence
as it streams: text is shown only once its sentence passes, so a breach in the first sentence
costs a regeneration (with a reminder) and nothing the trainee saw; a breach later trims the
reply to the sentences already shown. A second breach in the first sentence falls back to the
scripted customer's line for the same reaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from enum import StrEnum
from typing import TYPE_CHECKING

from hotseat.providers.base import ChatMessage

if TYPE_CHECKING:
    from hotseat.practice.reply_request import ReplyRequest


class Breach(StrEnum):
    """Ways a reply stops being the customer's."""

    APOLOGISES = "apologises_for_company"
    OFFERS_HELP = "offers_help"
    PLAYS_AGENT = "speaks_as_agent"
    NARRATES = "narrates"
    REVEALS = "reveals_instructions"
    ECHOES_TRAINEE = "echoes_trainee"
    ECHOES_ITSELF = "echoes_itself"
    STAYS = "does_not_leave"
    EMPTY = "empty"


if TYPE_CHECKING:
    from hotseat.prompts import PromptTemplate

_REASONS = {
    Breach.APOLOGISES: "apologised on behalf of the company, as the agent would",
    Breach.OFFERS_HELP: "offered to help or to fix things, as the agent would",
    Breach.PLAYS_AGENT: "spoke as the agent, an assistant or an AI",
    Breach.NARRATES: "narrated or added stage directions",
    Breach.REVEALS: "repeated your private notes or instructions",
    Breach.ECHOES_TRAINEE: "repeated the other person's words back",
    Breach.ECHOES_ITSELF: "repeated something you already said",
    Breach.STAYS: "did not leave, though the conversation is over and you are walking away",
    Breach.EMPTY: "said nothing",
}

_I = r"(?:i|i'm|i am|i'll|i will|i'd|i would|we|we're|we are|we'll|we will|let me|allow me)"
_PATTERNS: dict[Breach, re.Pattern[str]] = {
    Breach.APOLOGISES: re.compile(
        r"\b(?:we|i)\s+(?:sincerely\s+|truly\s+|do\s+)?apologi[sz]e\b"
        r"|\bsorry\s+(?:for|about)\s+(?:the|any|this|that)\s+(?:inconvenience|trouble|confusion|delay|frustration)"
        r"|\bon behalf of\b|\bapologi[sz]e for (?:the|any) inconvenience\b"
        r"|\bsorry to hear (?:that|about)\b|\bsorry for (?:the|any) (?:misunderstanding|confusion)\b",
        re.I,
    ),
    Breach.OFFERS_HELP: re.compile(
        r"\bhow (?:can|may|could) i (?:help|assist)\b|\bis there anything (?:else )?(?:i|we) can\b"
        rf"|\b{_I}\s+(?:can|could|would be happy to|am happy to|be glad to|will be glad to)\s+(?:help|assist)\b"
        r"|\b(?:happy|glad) to (?:help|assist)\b|\bfeel free to\b"
        r"|\b(?:let me|allow me to) (?:help|assist|check|look into|see what i can)\b"
        rf"|\b{_I}\s+(?:will|'ll|can|could)?\s*(?:send|process|arrange|issue|refund|replace|escalate|look into)\b"
        r"\s+(?:a|the|your|you|this|that|it)\b"
        r"|\bsure, i can\b|\bcertainly, i\b|\b(?:i'?m|i am|we'?re|we are) (?:here|happy|glad) to help\b",
        re.I,
    ),
    Breach.PLAYS_AGENT: re.compile(
        r"\bas an? (?:ai|assistant|language model|customer (?:service|support)|support agent|agent|representative)\b"
        r"|\bthank you for (?:contacting|reaching out|calling|your patience)\b|\blanguage model\b"
        r"|\b(?:can(?:'|no)?t|cannot|unable to|not able to) (?:assist|help) (?:you )?with (?:that|this)\b"
        r"|\bassist with (?:that|this|your) (?:request|question|issue)\b"
        r"|\b(?:give|provide) (?:me |us )?(?:more|some|further) (?:details|information)\b"
        r"|\bunderstand your (?:message|request|question|concern)\b"
        r"|^\s*(?:agent|assistant|support|representative)\s*:",
        re.I | re.M,
    ),
    Breach.NARRATES: re.compile(
        r"\*[^*\n]{2,80}\*|^\s*[(\[][^)\]\n]{2,60}[)\]]|^\s*(?:customer|narrator)\s*:"
        r"|\bthe customer (?:says|said|sighs)\b",
        re.I | re.M,
    ),
    Breach.REVEALS: re.compile(
        r"\bcurrent state\b|\b(?:anger|trust)\s*(?:is\s*)?\d+\s*(?:/|out of)\s*10\b|\bfelt[_ ]heard\b"
        r"|\byou (?:do not|don't) feel heard\b|\byou feel heard\b|\brole[- ]?play|\bin character\b"
        r"|\bsystem prompt\b|\bmy (?:instructions|prompt)\b|\bplain_language\b|\bloyalty[- ]killer"
        r"|\byou showed\b|\bprivate (?:notes?|state)\b|\bshort sentences\b|\bin your own words\b"
        r"|\bupset customer\b|\bnot the agent\b|\bnot an? (?:assistant|ai)\b|\bdraft reply\b",
        re.I,
    ),
}
_LEAVING = re.compile(
    r"\b(?:goodbye|bye|elsewhere|somewhere else|another (?:company|supplier|provider|bank|store)|i'?m done|we'?re done"
    r"|i'?m leaving|leaving now|take my business|taking my business|cancel|never again|i'?m going|i have to go"
    r"|i need to go|i'?ve got to go|gotta go|thank you|thanks|that'?s all|enough)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*\s+")
_WORD = re.compile(r"[a-z0-9']+")
ECHO_WORDS = 5  # a run of this many of the trainee's words, repeated, is an echo
SELF_ECHO_WORDS = 7  # likewise for the customer's own earlier lines
SELF_ECHO_RATIO = 0.85


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def _shares_run(text: str, other: str, run: int) -> bool:
    mine, theirs = _words(text), _words(other)
    if len(mine) < run or len(theirs) < run:
        return False
    grams = {tuple(theirs[i : i + run]) for i in range(len(theirs) - run + 1)}
    return any(tuple(mine[i : i + run]) in grams for i in range(len(mine) - run + 1))


@dataclass(frozen=True)
class CharacterContext:
    """What a reply is checked against."""

    customer_name: str
    trainee_said: str = ""  # everything the trainee said so far
    customer_said: Sequence[str] = ()
    private_text: str = ""  # the state note the model was given: quoting it is a breach
    walking_away: bool = False
    ending: bool = False  # any goodbye turn: checked whole, not streamed sentence by sentence


def context_for(request: ReplyRequest, private_text: str) -> CharacterContext:
    """The checks' context for one reply: what the trainee just said, what the customer said before."""
    from hotseat.practice.mood import Ending

    turns = request.session.turns
    return CharacterContext(
        customer_name=request.scenario.customer.name.split()[0],
        trainee_said="\n".join(t.text for t in turns if t.role == "trainee"),
        customer_said=tuple(t.text for t in turns if t.role == "customer"),
        private_text=private_text,
        walking_away=request.ending is Ending.WALKED_AWAY,
        ending=request.ending is not None,
    )


def sentence_breach(sentence: str, context: CharacterContext) -> Breach | None:
    """The first breach in one sentence (or a whole reply), or None."""
    for breach, pattern in _PATTERNS.items():
        if pattern.search(sentence):
            return breach
    if context.private_text and _shares_run(sentence, context.private_text, 5):
        return Breach.REVEALS
    if context.trainee_said and _shares_run(sentence, context.trainee_said, ECHO_WORDS):
        return Breach.ECHOES_TRAINEE
    folded = " ".join(_words(sentence))
    for line in context.customer_said:
        if _shares_run(sentence, line, SELF_ECHO_WORDS):
            return Breach.ECHOES_ITSELF
        earlier = " ".join(_words(line))
        if len(folded) >= 20 and (
            folded in earlier or SequenceMatcher(None, folded, earlier).ratio() >= SELF_ECHO_RATIO
        ):
            return Breach.ECHOES_ITSELF
    return None


def reply_breach(reply: str, context: CharacterContext) -> Breach | None:
    """The first breach in a whole reply, including the checks only a whole reply allows."""
    if not reply.strip():
        return Breach.EMPTY
    found = sentence_breach(reply, context)
    if found:
        return found
    if context.walking_away and (not _LEAVING.search(reply) or reply.rstrip().endswith("?")):
        return Breach.STAYS
    return None


def reminder(breach: Breach, context: CharacterContext, template: PromptTemplate | None = None) -> ChatMessage:
    """The system note sent with the one regeneration (`prompts/customer_reminder.yaml`)."""
    if template is None:
        from hotseat.prompts import PromptLibrary
        from hotseat.settings import load_settings

        template = PromptLibrary(load_settings().prompts_dir).get("customer_reminder")
    return template.render(name=context.customer_name, reason=_REASONS[breach], walking_away=context.walking_away)[0]


@dataclass
class GuardReport:
    """What happened to the last reply: `outcome` is ok, trimmed, regenerated or scripted."""

    outcome: str = "ok"
    breaches: list[Breach] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # the sentences (or replies) that breached


class CharacterGuard:
    """Streams a reply through the checks, regenerating once and then falling back to a scripted line."""

    def __init__(self, context: CharacterContext, reminder_template: PromptTemplate | None = None) -> None:
        self.context = context
        self.reminder_template = reminder_template
        self.report = GuardReport()

    def run(
        self,
        generate: Callable[[list[ChatMessage]], Iterable[str]],
        fallback: Callable[[], str],
    ) -> Iterator[str]:
        """Yield the reply's checked text; `generate(extra_messages)` streams one draft."""
        shown = yield from self._attempt(generate([]))
        if shown is not None:
            return
        note = reminder(self.report.breaches[-1], self.context, self.reminder_template)
        self.context = replace(self.context, private_text=f"{self.context.private_text}\n{note.content}")
        shown = yield from self._attempt(generate([note]))
        if shown is not None:
            self.report.outcome = "regenerated" if self.report.outcome == "ok" else self.report.outcome
            return
        self.report.outcome = "scripted"
        yield fallback()

    def _attempt(self, chunks: Iterable[str]) -> Generator[str, None, str | None]:
        """Yield passed sentences; return the text shown, or None when the draft was thrown away unseen."""
        if self.context.ending:
            text = "".join(chunks).strip()
            breach = reply_breach(text, self.context)
            if breach:
                self.report.breaches.append(breach)
                self.report.rejected.append(text)
                return None
            yield text
            return text
        shown = ""
        buffer = ""
        for chunk in chunks:
            buffer += chunk
            while (end := _SENTENCE_END.search(buffer)) is not None:
                sentence, buffer = buffer[: end.end()], buffer[end.end() :]
                if not (yield from self._release(sentence, shown)):
                    return shown or None
                shown += sentence
        if buffer.strip():
            if not (yield from self._release(buffer, shown)):
                return shown or None
            shown += buffer
        if not shown.strip():
            self.report.breaches.append(Breach.EMPTY)
            return None
        return shown

    def _release(self, sentence: str, shown: str) -> Generator[str, None, bool]:
        """Yield `sentence` if it passes; on a breach record it (trimming if text was shown) and yield nothing."""
        breach = sentence_breach(sentence, self.context)
        if breach is None:
            yield sentence
            return True
        self.report.breaches.append(breach)
        self.report.rejected.append(sentence)
        if shown.strip():
            self.report.outcome = "trimmed"
        return False
