"""Flags in disguise: sarcasm that sounds polite, doubt asked as a question, talking down, and the buck
passed to a rule or another desk; and what only looks like them (their own words retold, a desk they will
never have to go through). The sentences here were written for this test, not taken from the corpus.
"""

from __future__ import annotations

import pytest

from evaluators.reading import read_turn
from evaluators.signals import TurnContext
from evaluators.skills import Flag

CUSTOMER = (
    "Your technician told me 'people always say the leak was there before' and charged me $420 to fix a "
    "pipe he cracked himself. I've been with you eleven years. Are you going to make this right?"
)


def _read(reply: str) -> set[Flag]:
    return set(read_turn(reply, TurnContext(customer_said=(CUSTOMER,))).flags)


@pytest.mark.parametrize(
    "reply",
    [
        "Right, because pipes famously crack on their own the minute we arrive.",
        "Oh, absolutely, we send technicians out just to break things.",
        "Sure, let me just rebuild your plumbing for free while I'm at it.",
        "Eleven years, huh? Funny how the leaks start when the warranty ends.",
        "Wow, imagine that, a plumber who finds a leak.",
        "Are you absolutely certain the pipe was dry before he came?",
        "And you're sure nobody else touched that pipe that week?",
        "Be honest with me: did you try fixing it yourself first?",
        "Memory plays tricks, especially after a stressful day.",
        "Did you not think to turn the water off at the main?",
        "Let me explain how this works, since it can be confusing.",
        "We get a lot of pre-existing leak stories, so the team looks closely.",
        "There's no need to take that tone with me.",
    ],
)
def test_sarcasm_doubt_and_talking_down_are_accusations(reply: str) -> None:
    assert Flag.ACCUSATION in _read(reply), reply


@pytest.mark.parametrize(
    "reply",
    [
        "You were told 'people always say that', as if you were making it up, and that was wrong of us.",
        "He treated you like you were trying it on, after eleven years. I'm sorry.",
        "I'm certain you're owed the $420 back, and I'm refunding it today.",
        "Funny you should ask: I was just about to tell you the refund has gone through.",
        "That's not the whole story: I'm also refunding the $420 callout fee today.",
    ],
)
def test_their_words_retold_or_plain_certainty_are_not_accusations(reply: str) -> None:
    assert Flag.ACCUSATION not in _read(reply), reply


@pytest.mark.parametrize(
    "reply",
    [
        "I hear you. Refunds over $200 are outside what I'm able to approve.",
        "Charge disputes have to go through the billing team, and they make the final call, not me.",
        "Repairs after the visit aren't something we handle on this line.",
        "The callout fee is set by head office, and it's in the terms.",
        "The system caps me at a $50 credit for a visit like this.",
        "We don't have a goodwill exception for plumbing work.",
    ],
)
def test_the_buck_passed_to_a_limit_or_another_desk_is_policy_hiding(reply: str) -> None:
    assert Flag.POLICY_HIDING in _read(reply), reply


@pytest.mark.parametrize(
    "reply",
    [
        "Here's my direct number, so you never have to go through the call centre again.",
        "I'm refunding the $420 today, and I'll tell the billing team why myself.",
        "I've approved it, and the refund is issued automatically by tomorrow.",
    ],
)
def test_a_desk_set_aside_is_not_a_wall(reply: str) -> None:
    assert Flag.POLICY_HIDING not in _read(reply), reply


def test_a_shrug_that_ends_the_conversation_is_doublespeak() -> None:
    assert Flag.DOUBLESPEAK in _read("The $420 is what it is, I'm afraid.")


@pytest.mark.parametrize(
    "reply",
    [
        "I'm sorry. Let me make sure I've got it: he cracked the pipe, and you paid $420 for the repair on top.",
        "I've read his notes and the crack came from the fitting he fitted. I can take the $420 off your next "
        "statement, or send it back to your card today: which would you prefer?",
        "That repair is ours to pay for. I'll refund the $420 today and write the call-out fee off too.",
    ],
)
def test_money_put_right_or_their_payment_retold_is_not_selling(reply: str) -> None:
    # A refund, the cost taken off their bill, or what they paid said back is money as the topic, not a
    # sale: the sentence readings must not call it transactional (the clause model once did).
    assert Flag.TRANSACTIONAL not in _read(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "I'll refund the $420, and here's a voucher for 20% off your next service to make up for it.",
        "Eleven years is great. Our Premium Care plan would cover repairs like this, want me to add it?",
    ],
)
def test_a_sweetener_or_an_upsell_beside_a_refund_is_still_selling(reply: str) -> None:
    assert Flag.TRANSACTIONAL in _read(reply)
