"""The clause-level flag rules, on sentences written for this test (not taken from the corpus).

Each kind the reader issue names: proof requests (and the offers and waivers that are not),
blame after "but", questions that imply doubt, sarcasm, policy cited as the answer in any
wording, tautologies, selling in place of fixing, corporate abstractions, and a fix that answers
what the customer asked rather than jumping ahead.
"""

from __future__ import annotations

import pytest

from evaluators.reading import read
from evaluators.signals import TurnContext
from evaluators.skills import Flag

CUSTOMER = "I've been a customer for nine years and you charged me twice for the same order. Nobody will help me."


def flags_of(reply: str, customer: str = CUSTOMER, turn: int = 1) -> set[Flag]:
    context = TurnContext(customer_said=(customer,), trainee_turn_number=turn)
    return set(read(reply, context).flags)


@pytest.mark.parametrize(
    "reply",
    [
        "I'll need you to forward the bank statements showing both payments before anything can happen.",
        "Could you send over copies of the receipts so we can check your story?",
        "Do you still have the confirmation emails for both orders?",
        "We'd want the double charge confirmed directly by your bank first.",
        "Without a screenshot of the charge I can't take this any further.",
    ],
)
def test_asking_them_to_prove_their_word_is_an_accusation(reply: str) -> None:
    assert Flag.ACCUSATION in flags_of(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "You don't need to send any receipts: I can see both charges, and I've refunded the second one.",
        "I'll email you a copy of the refund confirmation tonight so you have it for your records.",
        "Can you confirm the last four digits of the card so I refund the right one?",
        "You won't need to send photos, statements or a police report for any of this.",
    ],
)
def test_offering_or_waiving_paperwork_is_not_an_accusation(reply: str) -> None:
    assert Flag.ACCUSATION not in flags_of(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "I'm sorry about that. But you did click the order button twice, so the system did what you asked.",
        "I get it, it's annoying. However, you chose express checkout, which skips the review page.",
        "That's frustrating, I know. Still, most customers would have checked their basket before paying.",
        "It's on your side to keep an eye on your statements, not ours.",
        "Is this really about the charge, or are you just hoping for a discount?",
        "Nobody else has had this problem, so it's hard to see how it happened, isn't it?",
        "I think you may be getting a bit emotional about a small refund.",
    ],
)
def test_blame_and_doubt_in_any_wording_are_accusations(reply: str) -> None:
    assert Flag.ACCUSATION in flags_of(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "Nine years, and then a double charge with nobody picking up: I'd be fed up too. That's on us.",
        "That shouldn't have happened, and you shouldn't have had to chase it. I've refunded the second charge.",
        "You did everything right here. The fault was in our checkout, not anything you did.",
    ],
)
def test_kind_replies_raise_no_accusation(reply: str) -> None:
    assert Flag.ACCUSATION not in flags_of(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "Oh, nine whole years. Should we build a statue in your honour?",
        "Well, charges don't make themselves, do they?",
        "Let me just check my crystal ball for where your money went.",
    ],
)
def test_sarcasm_is_an_accusation(reply: str) -> None:
    assert Flag.ACCUSATION in flags_of(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "Under section 4 of our terms of sale, duplicate payments are refunded within 30 business days.",
        "A charge is a charge. Those are the payment rules.",
        "The refund window is the refund window, I'm afraid.",
        "That's simply how the payments platform works, for every customer.",
        "I'm required to follow the dispute procedure, so I can't refund it here.",
        "If I refunded it for you, I'd have to do it for everyone.",
        "Sorry, the billing system simply won't let me reverse a charge that old.",
    ],
)
def test_policy_cited_as_the_answer_is_policy_hiding(reply: str) -> None:
    assert Flag.POLICY_HIDING in flags_of(reply)


def test_policy_with_an_exception_made_is_not_hiding() -> None:
    reply = "Normally refunds take a week under our terms, but I'll push this one through myself today."
    assert Flag.POLICY_HIDING not in flags_of(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "I've fixed the charge. While I have you, our Gold membership is half price this month.",
        "Have you thought about our Premium plan? It comes with priority support for $9 a month.",
        "It's only $40 in the end, so it's not worth getting upset over.",
        "I can give you 15% off your next order if you stay with us.",
    ],
)
def test_selling_or_shrinking_the_loss_is_transactional(reply: str) -> None:
    assert Flag.TRANSACTIONAL in flags_of(reply)


def test_corporate_abstractions_are_doublespeak() -> None:
    reply = (
        "The duplicate payment event has been escalated in line with our billing framework, "
        "and a refund will be actioned pending validation."
    )
    assert Flag.DOUBLESPEAK in flags_of(reply)


def test_a_plain_account_of_the_fault_is_not_doublespeak() -> None:
    reply = "Our checkout charged you twice. I've refunded the second $40 and it reaches your card by Friday."
    assert Flag.DOUBLESPEAK not in flags_of(reply)


def test_a_fix_they_asked_for_is_not_jumping_to_a_solution() -> None:
    asked = "Can you just refund the second charge or not?"
    assert Flag.JUMPS_TO_SOLUTION not in flags_of("I'll refund the second charge right now.", asked, turn=2)
    assert Flag.JUMPS_TO_SOLUTION in flags_of("I'll refund the second charge right now.")
