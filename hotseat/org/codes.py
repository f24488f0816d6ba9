"""Random codes people read and type: join codes and temporary passwords, without confusable characters."""

from __future__ import annotations

import secrets

CONFUSABLE = frozenset("0Oo1lIiLS5Z2B8")  # pairs a reader mixes up: 0/O/o, 1/l/I/i/L, S/5, Z/2, B/8
UPPER = "".join(ch for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" if ch not in CONFUSABLE)
LOWER = "".join(ch for ch in "abcdefghijklmnopqrstuvwxyz0123456789" if ch not in CONFUSABLE)
TEMPORARY_GROUPS, TEMPORARY_GROUP = 4, 4  # xxxx-xxxx-xxxx-xxxx: 16 of 28 characters, about 77 bits


def random_code(alphabet: str, length: int) -> str:
    """`length` characters drawn from `alphabet` with `secrets` (a cryptographic generator)."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def temporary_password() -> str:
    """A temporary password to read out or copy: lower case, in dashed groups, nothing to misread."""
    return "-".join(random_code(LOWER, TEMPORARY_GROUP) for _ in range(TEMPORARY_GROUPS))
