"""Shared fixtures. Every test is isolated from the developer's environment and from the internet.

Fixtures:
  openai_server   a real OpenAI-compatible server on 127.0.0.1 (see tests/support/openai_server.py);
                  parametrize with `indirect=True` and a mode ("openai", "llamacpp", "llamacpp-legacy", "plain").
  openai_settings `Settings` pointing Hotseat's provider at `openai_server`, with short time-outs.
  openai_env      the same as environment variables (for AppTest, the CLI, subprocesses).
  llama_server    a real llama.cpp llama-server on 127.0.0.1 (session-wide; `llm` marker tests).
Helpers (import them: `tests/` is on sys.path): `from support import TEST_API_KEY, free_port, require_or_skip`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import typer
from pydantic import SecretStr
from support import TEST_API_KEY, free_port, require_or_skip
from support.grade_cli import grade_cli
from support.network import block_internet
from support.openai_server import OpenAIServer

if TYPE_CHECKING:
    from hotseat.settings import Settings

__all__ = ["TEST_API_KEY", "free_port", "require_or_skip"]

_KEPT_PREFIXES = ("HOTSEAT_REQUIRE_", "HOTSEAT_TEST_")


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse non-loopback connections from the test process (subprocesses are not covered)."""
    block_internet(monkeypatch)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Drop the developer's provider/database settings and .env; put user data in a tmp dir."""
    for name in list(os.environ):
        hotseat_setting = name.startswith("HOTSEAT_") and not name.startswith(_KEPT_PREFIXES)
        if hotseat_setting or name.startswith("OPENAI_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOTSEAT_DATA_DIR", str(tmp_path / "hotseat-data"))
    from hotseat.settings import Settings

    monkeypatch.setitem(Settings.model_config, "env_file", None)


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real llama.cpp `llama-server` on 127.0.0.1 with the small cached model, for the whole session.

    Built and fetched by scripts/llama_server.sh (`.ci/run` runs it); skipped when missing, a
    failure when HOTSEAT_REQUIRE_LLM=1 (CI).
    """
    from hotseat.providers.devserver import LlamaServer, available, model_file, server_binary

    require_or_skip(
        available(),
        f"llama-server or its model is missing ({server_binary()}, {model_file()}): run scripts/llama_server.sh",
        "HOTSEAT_REQUIRE_LLM",
    )
    server = LlamaServer(log_path=tmp_path_factory.mktemp("llama") / "llama-server.log")
    with server:
        yield server


@pytest.fixture
def openai_server(request: pytest.FixtureRequest) -> Iterator[OpenAIServer]:
    """A started `OpenAIServer` on 127.0.0.1 (mode from indirect parametrization, else "openai")."""
    server = OpenAIServer(mode=getattr(request, "param", "openai"))
    with server:
        yield server
    if server.errors:
        pytest.fail("OpenAIServer raised while serving:\n" + "\n".join(server.errors), pytrace=False)


@pytest.fixture
def openai_settings(openai_server: OpenAIServer) -> Settings:
    """Settings for Hotseat's OpenAI provider aimed at `openai_server`: fast time-outs, 2 retries."""
    from hotseat.settings import ProviderChoice, Settings

    return Settings(
        provider=ProviderChoice.OPENAI,
        openai_base_url=openai_server.base_url,
        openai_api_key=SecretStr(TEST_API_KEY),
        model="test-model",
        request_timeout_s=5.0,
        max_retries=2,
    )


@pytest.fixture
def openai_env(openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> OpenAIServer:
    """Environment variables that make Hotseat use `openai_server` (for AppTest, CLI, subprocesses)."""
    monkeypatch.setenv("HOTSEAT_PROVIDER", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("HOTSEAT_MODEL", "test-model")
    monkeypatch.setenv("HOTSEAT_REQUEST_TIMEOUT_S", "5")
    return openai_server


@pytest.fixture
def grade_app() -> typer.Typer:
    """The `grade` commands on an app of their own."""
    return grade_cli()
