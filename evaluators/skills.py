"""The six skills and the flags: stable public keys (do not rename)."""

from __future__ import annotations

from enum import StrEnum


class Skill(StrEnum):
    """The six skills a trainee is graded on."""

    EMPATHY = "empathy"
    PARAPHRASE = "paraphrase"
    VALIDATION = "validation"
    APOLOGY = "apology"
    PLAIN_LANGUAGE = "plain_language"
    VALUES = "values"


class Flag(StrEnum):
    """What the trainee did wrong, from the four loyalty-killing conversations."""

    POLICY_HIDING = "policy_hiding"
    ACCUSATION = "accusation"
    TRANSACTIONAL = "transactional"
    NON_APOLOGY = "non_apology"
    JUMPS_TO_SOLUTION = "jumps_to_solution"
    DOUBLESPEAK = "doublespeak"
    INJECTION = "injection"


SKILLS: tuple[Skill, ...] = tuple(Skill)
FLAGS: tuple[Flag, ...] = tuple(Flag)
