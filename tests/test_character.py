"""The out-of-character guard: detection, one regeneration with a reminder, then the scripted line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hotseat.practice.character import Breach, CharacterContext, CharacterGuard, reply_breach, sentence_breach
from hotseat.providers.base import ChatMessage

CONTEXT = CharacterContext(
    customer_name="Dana",
    trainee_said="I understand you were charged twice and nobody called you back.",
    customer_said=("You charged me twice for the same flight and nobody ever called me back about it.",),
    private_text="How you feel right now: you are angry, you do not trust them.",
)


@pytest.mark.parametrize(
    ("reply", "breach"),
    [
        ("We apologize for the inconvenience.", Breach.APOLOGISES),
        ("Sure, I can help with that.", Breach.OFFERS_HELP),
        ("I'll send the replacement tablet today.", Breach.OFFERS_HELP),
        ("How can I help you today?", Breach.OFFERS_HELP),
        ("I'm here to help you.", Breach.OFFERS_HELP),
        ("As an AI, I don't have feelings.", Breach.PLAYS_AGENT),
        ("I'm sorry, but I can't assist with that.", Breach.PLAYS_AGENT),
        ("Can you please give me more details?", Breach.PLAYS_AGENT),
        ("I'm sorry, but I'm not able to assist with that request.", Breach.PLAYS_AGENT),
        ("I'm sorry to hear about that.", Breach.APOLOGISES),
        ("Yes, I am Dana, the upset customer speaking for myself.", Breach.REVEALS),
        ("*sighs heavily* Fine.", Breach.NARRATES),
        ("No, you do not feel heard yet.", Breach.REVEALS),
        ("My anger is 7/10 right now.", Breach.REVEALS),
        ("You were charged twice and nobody called you back.", Breach.ECHOES_TRAINEE),
        ("You charged me twice for the same flight and nobody ever called me back.", Breach.ECHOES_ITSELF),
    ],
)
def test_out_of_character_sentences_are_caught(reply: str, breach: Breach) -> None:
    assert sentence_breach(reply, CONTEXT) is breach


@pytest.mark.parametrize(
    "reply",
    [
        "I'm sorry, but that's not good enough.",
        "Then fix it. I've been a customer for nine years.",
        "Why should I trust you now?",
        "Fine. Put the refund through and I'll believe it when I see it.",
    ],
)
def test_in_character_replies_pass(reply: str) -> None:
    assert reply_breach(reply, CONTEXT) is None


def test_walking_away_must_leave() -> None:
    leaving = CharacterContext(customer_name="Dana", walking_away=True, ending=True)
    assert reply_breach("What else can you tell me about the fare?", leaving) is Breach.STAYS
    assert reply_breach("I'm done. I'm taking my business elsewhere.", leaving) is None


def _run(guard: CharacterGuard, *replies: str) -> tuple[str, list[list[ChatMessage]]]:
    calls: list[list[ChatMessage]] = []
    queue = list(replies)

    def generate(extra: list[ChatMessage]) -> Iterator[str]:
        calls.append(extra)
        words = queue.pop(0).split(" ")
        for i, word in enumerate(words):
            yield word if i == len(words) - 1 else word + " "

    return "".join(guard.run(generate, lambda: "SCRIPTED LINE")), calls


def test_a_breach_in_the_first_sentence_regenerates_once_with_a_reminder() -> None:
    guard = CharacterGuard(CONTEXT)
    text, calls = _run(guard, "Sure, I can help with that. Anything else?", "That is not good enough. I want my money.")
    assert text == "That is not good enough. I want my money."
    assert calls[0] == [] and "Dana" in calls[1][0].content and calls[1][0].role == "system"
    assert guard.report.outcome == "regenerated"
    assert guard.report.breaches == [Breach.OFFERS_HELP]


def test_a_second_breach_falls_back_to_the_scripted_line() -> None:
    guard = CharacterGuard(CONTEXT)
    text, _calls = _run(guard, "How can I help you?", "We apologize for the inconvenience.")
    assert text == "SCRIPTED LINE"
    assert guard.report.outcome == "scripted"


def test_a_later_breach_trims_the_reply_to_what_was_already_shown() -> None:
    guard = CharacterGuard(CONTEXT)
    text, calls = _run(guard, "That is not good enough. Let me help you with the refund form.")
    assert text == "That is not good enough. "
    assert len(calls) == 1
    assert guard.report.outcome == "trimmed"


def test_echoing_an_earlier_trainee_turn_is_caught_too() -> None:
    from hotseat.practice.character import context_for

    class _Turn:
        def __init__(self, role: str, text: str) -> None:
            self.role, self.text = role, text

    class _Request:
        session = type(
            "S", (), {"turns": [_Turn("trainee", "I didn't mean to doubt you at all."), _Turn("trainee", "OK.")]}
        )
        scenario = type("Sc", (), {"customer": type("C", (), {"name": "Dana Smith"})})
        ending = None

    context = context_for(_Request(), "")  # type: ignore[arg-type]
    assert sentence_breach("I didn't mean to doubt you at all.", context) is Breach.ECHOES_TRAINEE


def test_a_regeneration_that_repeats_the_reminder_falls_back() -> None:
    guard = CharacterGuard(CONTEXT)
    text, _calls = _run(guard, "How can I help you?", "Reply again as Dana would, reacting to what they just said.")
    assert text == "SCRIPTED LINE"
    assert guard.report.breaches[-1] is Breach.REVEALS
