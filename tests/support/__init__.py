"""Test helpers shared by the suite (import as `from support import ...`; `tests/` is on sys.path)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent  # the checkout the tests run from
TEST_API_KEY = "sk-test-hotseat-0123456789abcdef"  # fake; tests assert it never leaks into messages


def require_or_skip(condition: bool, reason: str, env_var: str) -> None:
    """Skip the test when `condition` is false, or fail it when the env var `env_var` is "1" (CI)."""
    if condition:
        return
    if os.environ.get(env_var) == "1":
        pytest.fail(f"{reason} ({env_var}=1 makes this a failure instead of a skip)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for servers started as subprocesses)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
