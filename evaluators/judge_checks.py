"""Checks on a judge's answer that pydantic cannot do alone: verbatim quotes and real turn indices."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from functools import lru_cache

from evaluators.judge_schema import JudgeAnswer, JudgedSkill
from evaluators.skills import Flag, Skill

_PUNCTUATION = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
     "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
     "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"}
)  # fmt: skip
_QUOTE_MARKS = " \"'`"
_EDGES = _QUOTE_MARKS + ".,;:!?"
_ELISION = re.compile(r"\.\.\.+")
_WORDS = re.compile(r"\w+")
_PLACEHOLDERS = {"text", "reasoning", "your reasoning", "n/a", "none", "todo"}
MAX_PROBLEMS = 12


def _fold(char: str) -> str:
    return unicodedata.normalize("NFKC", char).translate(_PUNCTUATION).casefold()


@lru_cache(maxsize=1024)
def normalise_with_map(text: str) -> tuple[str, tuple[int, ...]]:
    """Fold case, quotes, dashes and whitespace; map each output char to its source index."""
    out: list[str] = []
    where: list[int] = []
    pending_space = False
    for i, char in enumerate(text):
        for folded in _fold(char):
            if folded.isspace():
                pending_space = bool(out)
                continue
            if pending_space:
                out.append(" ")
                where.append(i)
                pending_space = False
            out.append(folded)
            where.append(i)
    return "".join(out), tuple(where)


def normalise(text: str) -> str:
    """The folded form quotes are compared in."""
    return normalise_with_map(text)[0]


def _find_span(needle: str, text: str, start: int = 0) -> tuple[int, int] | None:
    """Where the folded `needle` occurs in `text`, as a span of the original text."""
    folded, where = normalise_with_map(text)
    at = folded.find(needle, start) if needle else -1
    if at < 0:
        return None
    return where[at], where[at + len(needle) - 1] + 1


def locate_quote(quote: str, turns: Mapping[int, str]) -> tuple[int, str] | None:
    """The turn a quote comes from and the exact words it quotes there, or None if it is not verbatim.

    Case, curly quotes, dashes, spacing and edge punctuation are forgiven; an ellipsis ("...")
    may mark words left out, as long as every part is in the same turn, in order.
    """
    folded = normalise(quote)
    whole = folded.strip(_EDGES)
    if not any(c.isalnum() for c in whole):
        return None
    for candidate in dict.fromkeys((folded.strip(_QUOTE_MARKS), whole)):
        for index, text in turns.items():
            span = _find_span(candidate, text)
            if span:
                return index, text[span[0] : span[1]]
    parts = [p.strip(_EDGES) for p in _ELISION.split(whole)]
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return None
    for index, text in turns.items():
        folded, where = normalise_with_map(text)
        found, cursor = [], 0
        for part in parts:
            at = folded.find(part, cursor)
            if at < 0:
                break
            found.append(text[where[at] : where[at + len(part) - 1] + 1])
            cursor = at + len(part)
        if len(found) == len(parts):
            return index, " … ".join(found)
    return None


def _placeholder(text: str) -> bool:
    folded = text.strip().lower()
    return not _WORDS.search(folded) or folded in _PLACEHOLDERS or "exact trainee words" in folded


def skill_problems(
    skill: Skill,
    graded: JudgedSkill,
    trainee_turns: Mapping[int, str],
    flagged: Collection[int],
    *,
    salvage: bool = False,
) -> list[str]:
    """What is wrong with one skill's grade: quotes not verbatim, from flagged turns, or a score above 1 unquoted.

    With `salvage`, quotes that are not verbatim are forgiven (they are dropped from the evidence)
    as long as one verbatim quote remains, and a placeholder reasoning is a problem.
    """
    problems: list[str] = []
    quotable = {i: text for i, text in trainee_turns.items() if i not in flagged}
    valid = 0
    unverified: list[str] = []
    if salvage and _placeholder(graded.reasoning):
        problems.append(
            f"skills.{skill.value}.reasoning: write one or two real sentences naming the rubric level, "
            "not a placeholder."
        )
    for quote in graded.evidence:
        found = locate_quote(quote, quotable)
        if found:
            valid += 1
            continue
        source = locate_quote(quote, {i: trainee_turns[i] for i in flagged if i in trainee_turns})
        if source:
            problems.append(
                f'skills.{skill.value}.evidence: "{_short(quote)}" is from turn {source[0]}, which '
                "is flagged injection and earns nothing; do not quote it."
            )
        else:
            unverified.append(
                f'skills.{skill.value}.evidence: "{_short(quote)}" does not appear verbatim in any '
                "trainee turn; copy the trainee's exact words or remove it."
            )
    if not (salvage and valid):
        problems.extend(unverified)
    if graded.score > 1 and valid == 0:
        problems.append(
            f"skills.{skill.value}: a score of {graded.score} needs at least one verbatim quote "
            "from a trainee turn as evidence (or score 1 if the skill was never shown)."
        )
    return problems


def answer_problems(
    answer: JudgeAnswer,
    trainee_turns: Mapping[int, str],
    customer_turns: Collection[int],
    injected: Collection[int],
) -> list[str]:
    """What is wrong with a schema-valid answer, as short sentences the judge can act on."""
    problems: list[str] = []
    flagged = set(injected) | {t.index for t in answer.turns if Flag.INJECTION in t.flags}
    for skill, graded in answer.skills.items():
        problems.extend(skill_problems(skill, graded, trainee_turns, flagged))
    seen: set[int] = set()
    for turn in answer.turns:
        if turn.index in seen:
            problems.append(f"turns: index {turn.index} appears more than once; give each trainee turn once.")
        elif turn.index in customer_turns:
            problems.append(f"turns: index {turn.index} is a customer turn; grade only trainee turns.")
        elif turn.index not in trainee_turns:
            problems.append(f"turns: there is no turn with index {turn.index}.")
        seen.add(turn.index)
    return problems[:MAX_PROBLEMS]


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
