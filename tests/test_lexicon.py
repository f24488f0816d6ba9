"""The cue lexicons: the narrowed alternation finds exactly what the full one finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evaluators.lexicon import _FLAGS, _requirements, cues, lexicon_names
from evaluators.text import normalise, sentences
from hotseat.practice.personas import PersonaLibrary
from hotseat.quality.corpus import replies

ROOT = Path(__file__).resolve().parents[1]


def _full(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(
        "(?<![a-z0-9])(?:" + "|".join(f"(?:{p})" for p in patterns) + ")(?:(?![a-z0-9])|(?<![a-z0-9]))", _FLAGS
    )


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Real trainee replies from the training split (an even spread of about 650, however large the corpus
    grows): raw, normalised, and per sentence."""
    found: list[str] = []
    items = list(replies("train", PersonaLibrary(ROOT / "personas")))
    for item in items[:: max(1, len(items) // 650)]:
        found += [item.reply, normalise(item.reply), *(normalise(s) for s in sentences(item.reply))]
    return found


def test_every_pattern_can_be_read_for_its_literals() -> None:
    every = [p for name in lexicon_names() for ps in cues(name).lexicon.cues.values() for p in ps]
    unread = [p for p in every if not _requirements(p)]
    assert len(unread) <= 5, unread  # the few left are always tried, which is only slower


def test_requirements_are_what_every_match_contains() -> None:
    needs = _requirements("(are|were) you (really )?(sure|certain)")
    assert needs == (("are", "were"), (" you ",), ("sure", "certain"))
    assert _requirements("(calm|settle) down") == (("calm", "settle"), (" down",))
    assert _requirements("(a|the) refund") == ((" refund",),)  # 'a' is too short to require


def test_narrowed_matching_equals_the_full_alternation_on_real_replies(texts: list[str]) -> None:
    checked = 0
    for name in lexicon_names():
        cue_set = cues(name)
        for group, patterns in cue_set.lexicon.cues.items():
            full = _full(patterns)
            for text in texts:
                assert cue_set.find(group, text) == [m.group(0) for m in full.finditer(text)], (name, group, text)
                checked += 1
    assert checked > 10_000


def test_upper_case_and_non_ascii_text_match_as_the_full_alternation_does() -> None:
    flags = cues("flags")
    full = _full(flags.lexicon.cues["accusation"])
    for text in ("ARE YOU SURE YOU didn't read it?", "are you \u017fure you didn't take it?", "Are you sure, café?"):
        found = flags.find("accusation", text)
        assert found == [m.group(0) for m in full.finditer(text)]
        assert found  # each of them is a doubting question
    assert flags.spans("policy_hiding", "per our policy, no") == flags.spans("policy_hiding", "PER OUR POLICY, no")
    assert flags.spans("policy_hiding", "per our policy, no")


def test_a_phrase_that_ends_on_a_space_matches_before_the_next_word() -> None:
    """'(a |an |the |your )' closes a phrase at a word's edge: 'I can open a dispute' is a fix on offer
    (the end guard once demanded no letter after the space, so such phrases never matched)."""
    moves = cues("moves")
    assert moves.has("solution", "i can open a dispute on the charge today.")
    assert moves.has("solution", "i've booked your car in for monday.")
    assert moves.has("solution", "i'll raise a ticket with our engineering team.")
    assert not moves.has("solution", "i can openly say it was our mistake.")  # still whole words only
    assert cues("flags").has("accusation", "next time, just check the date.")


def test_alternatives_that_share_a_literal_still_open_the_gate() -> None:
    """'(utili[sz]e|utili[sz]ing|...|expedit\\w*)' needs one of its literals, 'utili' three times over: the
    gate's mask is the set of their bits (a sum of repeated bits once carried into other literals' bits)."""
    assert cues("flags").has("doublespeak", "i'll expedite the ticket and mark it high priority.")
    assert cues("flags").has("doublespeak", "we will utilise the standard process.")
