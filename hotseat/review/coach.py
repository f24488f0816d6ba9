"""The coach: a concrete next-step hint from the session state (offline), or from an LLM.

Hints live only in the UI's state; they are never stored as turns, so they never reach the
grader. A turn submitted after a hint is marked `hint_used`, which makes the session assisted.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, model_validator
from rapidfuzz import fuzz

from evaluators.flags import detect_moves
from evaluators.skills import Flag, Skill
from evaluators.text import content_stems, sentences
from evaluators.turn import parse_turn
from hotseat.datafiles import StrictModel, load_yaml_model
from hotseat.errors import PromptError, ProviderError
from hotseat.practice.personas import Persona, Scenario
from hotseat.practice.session import PracticeSession
from hotseat.prompts import PromptLibrary
from hotseat.providers.base import ChatModel
from hotseat.templating import render, undeclared

HINT_KINDS = ("listen", "misheard", "apologise", "calm_more", "offer_choices", "connect_values", "ended")
LLM_WINDOW_TURNS = 12  # the newest turns the LLM coach sees


class HintTemplate(StrictModel):
    """One hint as a Jinja2 template with its declared variables."""

    variables: list[str] = Field(default_factory=list)
    text: str

    @model_validator(mode="after")
    def _declared(self) -> HintTemplate:
        extra = undeclared([self.text], self.variables)
        if extra:
            raise ValueError(f"variables: the text uses {extra} but does not declare them")
        return self

    def render(self, **values: Any) -> str:
        """The hint text; every declared variable must be given."""
        missing = sorted(set(self.variables) - set(values))
        if missing:
            raise PromptError(f"Coach hint needs variable(s) {missing}.", hint="Pass every declared variable.")
        return " ".join(render(self.text, **values).split())


class PractiseNext(StrictModel):
    """The persona that trains one skill best, and why."""

    persona: str
    why: str


class Coaching(StrictModel):
    """The coach's data file: hint templates, flags to avoid, and skill → persona to practise."""

    apology_first_personas: list[str] = Field(default_factory=list)
    fallback_option: str = "a clear plan, in writing, for what happens next"
    two_options: HintTemplate  # the offer when the scenario has no need example left to suggest
    calm_closers: list[HintTemplate] = Field(min_length=1)  # how a "calm_more" example ends, varied
    hints: dict[str, HintTemplate]
    avoid: dict[Flag, HintTemplate]
    practise_next: dict[Skill, PractiseNext]

    @model_validator(mode="after")
    def _complete(self) -> Coaching:
        missing = [k for k in HINT_KINDS if k not in self.hints]
        missing += [f"avoid.{f.value}" for f in Flag if f not in self.avoid]
        missing += [f"practise_next.{s.value}" for s in Skill if s not in self.practise_next]
        if missing:
            raise ValueError(f"missing entries: {missing}")
        return self


class Hint(BaseModel):
    """A coach hint: which situation it answers and the text to show."""

    kind: str
    text: str
    avoid: str | None = None  # what to stop doing, when the last turn raised a flag

    def full_text(self) -> str:
        """The text with the 'avoid' line first."""
        return f"{self.avoid} {self.text}" if self.avoid else self.text


def coaching_path(prompts_dir: Path | None = None) -> Path:
    """Where the coach's data file lives (beside prompts/coach.yaml)."""
    if prompts_dir is None:
        from hotseat.settings import load_settings

        prompts_dir = load_settings().prompts_dir
    return prompts_dir / "coach" / "coaching.yaml"


@cache
def _load(path: Path) -> Coaching:
    return load_yaml_model(path, Coaching, PromptError)


def load_coaching(prompts_dir: Path | None = None) -> Coaching:
    """The coach's data, read once per path."""
    return _load(coaching_path(prompts_dir))


# -- wording ---------------------------------------------------------------------------------
_SWAP_CUSTOMER = {
    "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll", "i": "you", "me": "you",
    "my": "your", "mine": "yours", "myself": "yourself", "we're": "you're", "we've": "you've",
    "we": "you", "us": "you", "our": "your", "ours": "yours", "you're": "we're", "you've": "we've",
    "you'd": "we'd", "you'll": "we'll", "your": "our", "yours": "ours", "yourself": "ourselves",
}  # fmt: skip
_SWAP_THIRD = {
    "she": "you", "he": "you", "her": "your", "his": "your", "him": "you", "hers": "yours",
    "herself": "yourself", "himself": "yourself", "she's": "you're", "he's": "you're",
}  # fmt: skip
_OBJECT_AFTER = {  # "you" after these is an object ("told you" → "told us"); otherwise a subject ("we")
    "to", "for", "with", "from", "at", "by", "about", "of", "on", "than", "told", "tell", "asked", "ask",
    "gave", "give", "sent", "send", "called", "call", "paid", "pay", "trusted", "trust", "chose", "choose",
    "let", "emailed", "contacted", "owe", "owed", "thank", "help", "see", "heard", "believe", "believed",
}  # fmt: skip
_AGREEMENT = [(r"\byou was\b", "you were"), (r"\byou is\b", "you are"), (r"\byou has\b", "you have")]
_AGREEMENT += [(r"\bwe was\b", "we were"), (r"\bwe is\b", "we are"), (r"\bwe has\b", "we have")]
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def _swap(text: str, table: dict[str, str], *, you_to_us: bool = False) -> str:
    text = text.replace("\u2019", "'")
    out: list[str] = []
    last = 0
    previous = ""
    for match in _WORD.finditer(text):
        word = match.group(0)
        low = word.lower()
        new = table.get(low, word)
        if you_to_us and low == "you":
            follows = text[match.end() : match.end() + 2].strip()
            new = "us" if previous in _OBJECT_AFTER or follows[:1] in {".", ",", "!", "?"} else "we"
        if low in table and word[0].isupper() and not low.startswith("i"):
            new = new[0].upper() + new[1:]
        out.append(text[last : match.start()] + new)
        last = match.end()
        previous = low
    out.append(text[last:])
    result = "".join(out)
    for pattern, fix in _AGREEMENT:
        result = re.sub(pattern, fix, result, flags=re.IGNORECASE)
    return result


def _clause(text: str) -> str:
    """A sentence as a clause to embed: no end punctuation, first letter lower-case."""
    text = text.strip().rstrip(".!? ")
    quotes = len(re.findall(r"(?<!\w)'|'(?!\w)", text.replace('"', "'")))  # quote marks, not apostrophes
    if text.endswith(("'", '"')) and quotes % 2:
        text = text[:-1].rstrip(".!? ")
    if text and not text.startswith("I ") and not (len(text) > 1 and text[1].isupper()):
        text = text[0].lower() + text[1:]
    return text


_DOUBLE_QUOTES = re.compile('["\u201c\u201d]')


def restate_customer(sentence: str) -> str:
    """The customer's sentence as the trainee would say it back (I ↔ you, my ↔ your).

    Their double quotes become single ones: the hint quotes the whole example in double quotes.
    """
    return _clause(_swap(_DOUBLE_QUOTES.sub("'", sentence), _SWAP_CUSTOMER, you_to_us=True))


def to_second_person(text: str) -> str:
    """A description of the customer ('her account') as said to them ('your account')."""
    return _swap(text, _SWAP_THIRD)


def _said_back(sentence: str, trainee_text: frozenset[str]) -> bool:
    stems = content_stems(sentence)
    return bool(stems) and len(stems & trainee_text) >= 0.6 * len(stems)


def pick_restatement(session: PracticeSession, scenario: Scenario) -> str:
    """The customer's most telling recent sentence the trainee has not said back yet, restated."""
    trainee = content_stems(" ".join(t.text for t in session.trainee_turns()))
    said = session.customer_lines() or [scenario.opening_line]
    pools = [sentences(line) for line in reversed(said)] + [list(scenario.facts)]
    for pool in pools:
        candidates = [s for s in pool if not s.endswith("?") and len(content_stems(s)) >= 4]
        candidates = [s for s in candidates if not _said_back(s, trainee)]
        if candidates:
            # Their own quotes of our jargon ("a sync event") read as doublespeak when said back.
            best = max(candidates, key=lambda s: ('"' not in s.replace("\u201c", '"'), len(content_stems(s))))
            return restate_customer(best)
    return restate_customer(scenario.facts[0])


_OPTION_SPLIT = re.compile(r",\s*(?:and|or)\s+|,\s+|;\s*")
_NOT_AN_OPTION = ("since ", "without ", "because ", "so ", "as ", "while ", "which ", "about ")


def choice_options(scenario: Scenario, fallback: str) -> tuple[str, str]:
    """Two concrete things to offer, from what the customer wants."""
    parts = [p.strip().rstrip(".") for p in _OPTION_SPLIT.split(scenario.wants)]
    options = []
    for part in parts:
        low = part.lower()
        if not part or low.startswith(_NOT_AN_OPTION):
            continue
        part = re.sub(r"^(to|and|or)\s+", "", part, flags=re.IGNORECASE)
        options.append(_clause(to_second_person(part)))
    options.append(fallback)
    return options[0], options[1]


def _values(scenario: Scenario) -> str:
    """What the customer values long-term, as said to the trainee about them ("her" -> "their")."""
    text = scenario.values.strip().rstrip(".")
    text = re.sub(r"\b(she|he)\b", "they", text)
    text = re.sub(r"\b(her|his)\b", "their", text)
    text = re.sub(r"\bthey is\b", "they are", text)
    return text[0].lower() + text[1:] if text else text


def _is_offer(text: str) -> bool:
    """True when the reader sees a concrete fix or a choice in `text` (what meets a need)."""
    solution, choice, _question = detect_moves(parse_turn(text, [], []))
    return solution is not None or choice is not None


def next_offer(session: PracticeSession, scenario: Scenario, coaching: Coaching) -> str:
    """A concrete offer the trainee has not made yet: the scenario's own need examples first."""
    said = [t.text.lower() for t in session.trainee_turns()]
    for example in scenario.need_examples:
        if _is_offer(example) and all(fuzz.ratio(example.lower(), s) < 80 for s in said):
            return example
    option_a, option_b = choice_options(scenario, coaching.fallback_option)
    return coaching.two_options.render(option_a=option_a, option_b=option_b)


def calm_closer(session: PracticeSession, scenario: Scenario, coaching: Coaching) -> str:
    """The first "calm_more" ending the trainee has not said yet (the least recent one when all are used)."""
    said = " ".join(t.text.lower() for t in session.trainee_turns())
    closers = [c.render(company=scenario.company) for c in coaching.calm_closers]
    fresh = [c for c in closers if c.lower() not in said]
    if fresh:
        return fresh[0]
    return closers[len(session.trainee_turns()) % len(closers)]


# -- choosing the hint -----------------------------------------------------------------------
def _values_shown(session: PracticeSession) -> bool:
    return any(t.signals is not None and t.signals.shows(Skill.VALUES) for t in session.trainee_turns())


def _owned_apology(session: PracticeSession) -> bool:
    return any(
        t.signals is not None and t.signals.shows(Skill.APOLOGY) and not t.signals.has(Flag.NON_APOLOGY)
        for t in session.trainee_turns()
    )


def _avoid_line(session: PracticeSession, persona: Persona, coaching: Coaching) -> str | None:
    trainee = session.trainee_turns()
    signals = trainee[-1].signals if trainee else None
    if signals is None or not signals.flags:
        return None
    flag = min(signals.flags, key=lambda f: persona.mood_weights.get(f.value, 0.0))  # what this customer minds most
    return coaching.avoid[flag].render(note=signals.notes.get(flag.value, "").rstrip("."))


def suggest(
    session: PracticeSession, persona: Persona, scenario: Scenario, *, coaching: Coaching | None = None
) -> Hint:
    """The offline coach's hint for the trainee's next turn, from the session's state."""
    coaching = coaching or load_coaching()
    hints = coaching.hints
    name = scenario.customer.name.split()[0]
    if session.ended:
        return Hint(kind="ended", text=hints["ended"].render())
    avoid = _avoid_line(session, persona, coaching)
    mood = session.mood
    trainee = session.trainee_turns()
    last = trainee[-1].signals if trainee else None
    opening_anger = session.turns[0].mood.anger if session.turns and session.turns[0].mood else mood.anger
    if not mood.felt_heard:
        kind = "misheard" if last is not None and last.misheard else "listen"
        text = hints[kind].render(name=name, restated=pick_restatement(session, scenario), company=scenario.company)
    elif persona.id in coaching.apology_first_personas and not _owned_apology(session):
        kind = "apologise"
        text = hints[kind].render(name=name, restated=pick_restatement(session, scenario))
    elif not mood.need_met and mood.anger >= opening_anger:
        kind = "calm_more"
        text = hints[kind].render(
            name=name, restated=pick_restatement(session, scenario), closer=calm_closer(session, scenario, coaching)
        )
    elif not mood.need_met:
        kind = "offer_choices"
        text = hints[kind].render(name=name, offer=next_offer(session, scenario, coaching), values=_values(scenario))
    elif not _values_shown(session):
        kind = "connect_values"
        text = hints[kind].render(
            name=name,
            offer=next_offer(session, scenario, coaching),
            values=_values(scenario),
            values_you=_clause(to_second_person(scenario.values.strip())),
        )
    else:
        # Their need is met and the fix tied to what they value: keep validating, about another
        # part of their story each time (a repeated line earns nothing).
        kind = "calm_more"
        text = hints[kind].render(
            name=name, restated=pick_restatement(session, scenario), closer=calm_closer(session, scenario, coaching)
        )
    return Hint(kind=kind, text=text, avoid=avoid)


def offline_hint(session: PracticeSession, persona: Persona, scenario: Scenario) -> str:
    """A concrete next-step suggestion from the session state, without any LLM."""
    return suggest(session, persona, scenario).full_text()


def llm_hint(
    model: ChatModel,
    session: PracticeSession,
    persona: Persona,
    scenario: Scenario,
    *,
    prompts: PromptLibrary | None = None,
) -> str:
    """An LLM coach's hint (prompts/coach.yaml); the offline hint if the provider fails."""
    if prompts is None:
        from hotseat.settings import load_settings

        prompts = PromptLibrary(load_settings().prompts_dir)
    offline = offline_hint(session, persona, scenario)
    if session.ended:
        return offline
    window = session.turns[-LLM_WINDOW_TURNS:]
    messages = prompts.get("coach").render(
        persona=persona,
        scenario=scenario,
        turns=window,
        omitted=len(session.turns) - len(window),
        mood=session.mood,
        suggestion=offline,
    )
    try:
        text = model.complete(messages).strip()
    except ProviderError:
        return offline
    return text or offline


def coach_hint(
    session: PracticeSession, persona: Persona, scenario: Scenario, *, model: ChatModel | None = None
) -> str:
    """The hint to show: from the LLM coach when a model is given, else offline."""
    if model is None:
        return offline_hint(session, persona, scenario)
    return llm_hint(model, session, persona, scenario)
