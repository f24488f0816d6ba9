"""How a turn is cut into sentences: every reading (flags, evidence, paraphrase) works sentence by sentence."""

from __future__ import annotations

import pytest

from evaluators.text import sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It came to $12.50 in all. I've refunded it.", ["It came to $12.50 in all.", "I've refunded it."]),
        ("Section 9.2 sets a 4.1% fee. That's not a reason.", ["Section 9.2 sets a 4.1% fee.", "That's not a reason."]),
        (
            "Dr. Okafor's letter is on file at St. Brigid's. Thank you.",
            ["Dr. Okafor's letter is on file at St. Brigid's.", "Thank you."],
        ),
        ("No. That was our mistake.", ["No.", "That was our mistake."]),
        ("Oh no. Your order is in our system.", ["Oh no.", "Your order is in our system."]),
        ('Really? "Lost in transit"? Come on!', ["Really?", '"Lost in transit"?', "Come on!"]),
        ("First line\nsecond line", ["First line", "second line"]),
        ("Well... fine", ["Well...", "fine"]),
        ("   ", []),
    ],
)
def test_sentences_end_at_a_stop_before_a_space_not_inside_numbers_or_titles(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_every_sentence_is_an_exact_piece_of_the_text() -> None:
    text = "I'm sorry, Ms. Reyes.  You paid $1,340.00 for a scratch that was there (see photo 3). We'll fix it!"
    found = sentences(text)
    assert len(found) == 3
    assert all(s in text for s in found)
