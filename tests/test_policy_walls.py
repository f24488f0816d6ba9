"""Policy walls read from their shape: a tautology in place of a reason, and a refusal or a full stop
beside a rule or mechanism. The sentences here were written for this test, not taken from the corpus.
"""

from __future__ import annotations

import pytest

from evaluators.flags import policy_walls
from evaluators.reading import read_turn
from evaluators.signals import TurnContext
from evaluators.skills import Flag
from evaluators.turn import parse_turn

CUSTOMER = (
    "My pharmacy refused to refill my son's inhaler two days early, the day before our flight, "
    "and the pharmacist said 'the system is the system'."
)


@pytest.mark.parametrize(
    "reply",
    [
        "Shipping is shipping, and it costs what it costs.",
        "The refill date's the refill date, I'm afraid.",
        "A late fee is a late fee.",
        "Your insurance only pays for one inhaler a month, so we can't refill it before the 14th.",
        "Early refills go through the review queue, and that's how it has to be.",
        "The schedule is set by head office. I'm not able to change that.",
        "We cannot release it early because of the plan rules.",
    ],
)
def test_walls_in_unfamiliar_words_are_policy_hiding(reply: str) -> None:
    signals = read_turn(reply, TurnContext(customer_said=(CUSTOMER,)))
    assert Flag.POLICY_HIDING in signals.flags, reply
    assert signals.evidence[Flag.POLICY_HIDING.value] in reply


@pytest.mark.parametrize(
    "reply",
    [
        "A promise is a promise, and we broke ours. I'm sorry.",
        "That is what it is: our mistake, not yours.",
        "I can't believe the system turned you away the day before a flight.",
        "I can't find the refill in our system yet; could you read me the prescription number?",
        "The system refused a refill it should have allowed, and I can't defend that.",
        "I can't change the plan rules, but I can release the inhaler myself today at no cost.",
        "So the system wouldn't let them refill it, and you were flying the next day.",
    ],
)
def test_owning_restating_or_beating_the_rule_is_not_a_wall(reply: str) -> None:
    walls = policy_walls(parse_turn(reply, [CUSTOMER], []))
    assert not walls, walls
