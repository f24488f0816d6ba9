"""A promise to act, by when, is a fix on offer whatever its verb; listening with a time in it is not.
The sentences here were written for this test, not taken from the corpus."""

from __future__ import annotations

import pytest

from evaluators.reading import read_turn
from evaluators.signals import TurnContext
from evaluators.skills import Flag

CUSTOMER = (
    "Your courier left my new hearing aids on the porch in the rain, and now they don't work. "
    "I have a job interview on Thursday."
)


@pytest.mark.parametrize(
    "reply",
    [
        "I'll courier a new pair to you tomorrow morning.",
        "I can reinstate your order now.",
        "We'll cover the audiologist's fitting fee this week.",
        "I'll ask the depot to pull the delivery photo and call you by Wednesday.",
        "I'm sending a replacement pair by courier today.",
        "We're covering the audiologist's fitting fee this week.",
    ],
)
def test_a_promise_by_when_is_a_fix_and_first_it_jumps_past_them(reply: str) -> None:
    signals = read_turn(reply, TurnContext(customer_said=(CUSTOMER,)))
    assert signals.offers_solution, reply
    assert Flag.JUMPS_TO_SOLUTION in signals.flags  # a bare fix, before any sign they were heard


@pytest.mark.parametrize(
    "reply",
    [
        "I can hear how worried you are about Thursday.",
        "I'll be honest with you right now: that should never have happened.",
        "Let me make sure I have this right before anything else today.",
        "Can you tell me what the audiologist said this morning?",
        "I'm so sorry about this morning.",
        "I'm looking at your delivery record right now.",
    ],
)
def test_listening_with_a_time_in_it_is_not_a_fix(reply: str) -> None:
    assert not read_turn(reply, TurnContext(customer_said=(CUSTOMER,))).offers_solution, reply


def test_a_promise_after_listening_does_not_jump() -> None:
    reply = (
        "Hearing aids ruined in the rain, three days before an interview: that's awful, and it's on us. "
        "I'll courier a new pair to you tomorrow morning."
    )
    signals = read_turn(reply, TurnContext(customer_said=(CUSTOMER,)))
    assert signals.offers_solution
    assert Flag.JUMPS_TO_SOLUTION not in signals.flags


@pytest.mark.parametrize(
    "reply",
    [
        "A new pair is outside what I'm able to approve. I'll courier you a cleaning kit tomorrow.",
        "Are you absolutely certain they were working before? I'll send a courier for them tomorrow.",
    ],
)
def test_a_worse_fault_is_named_instead_of_the_jump(reply: str) -> None:
    """A fix that comes with a wall or a doubt: the trainee hears about the wall or the doubt, not the jump."""
    flags = set(read_turn(reply, TurnContext(customer_said=(CUSTOMER,))).flags)
    assert flags & {Flag.POLICY_HIDING, Flag.ACCUSATION}, reply
    assert Flag.JUMPS_TO_SOLUTION not in flags, reply
