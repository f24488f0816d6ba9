"""Settings from environment variables (and an optional .env file), validated by pydantic."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotseat.datafiles import packaged_path


class ProviderChoice(StrEnum):
    """Which customer engine to use."""

    AUTO = "auto"  # an LLM when one is configured, else the embedded scripted customer
    OPENAI = "openai"  # OpenAI or any OpenAI-compatible server (OPENAI_BASE_URL)
    SCRIPTED = "scripted"  # the embedded default: no network, no key


class StructuredMode(StrEnum):
    """How to ask a server for JSON. `auto` starts strict and degrades on refusal."""

    AUTO = "auto"
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    TOOL_CALLING = "tool_calling"
    PROMPT = "prompt"


def _default_data_dir() -> Path:
    return Path.cwd() / ".hotseat"


def _bundled_personas() -> Path:
    return packaged_path("hotseat.bundled.personas")


def _bundled_prompts() -> Path:
    return packaged_path("hotseat.bundled.prompts")


class Settings(BaseSettings):
    """Everything configurable. Environment variables use the HOTSEAT_ prefix unless noted."""

    model_config = SettingsConfigDict(env_prefix="HOTSEAT_", env_file=".env", extra="ignore")

    provider: ProviderChoice = ProviderChoice.AUTO
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "HOTSEAT_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "HOTSEAT_OPENAI_BASE_URL")
    )
    model: str = "gpt-4o-mini"
    judge_model: str | None = None
    temperature: float = 0.8
    request_timeout_s: float = 60.0
    max_retries: int = 3
    structured_output: StructuredMode = StructuredMode.AUTO
    judge_temperature: float = 0.1
    judge_max_tokens: int = Field(default=1500, ge=64)
    judge_budget_s: float = Field(default=180.0, gt=0)
    customer_max_tokens: int = Field(default=160, ge=16)

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "HOTSEAT_DATABASE_URL")
    )
    personas_dir: Path = Field(default_factory=_bundled_personas)  # the personas shipped in the package
    prompts_dir: Path = Field(default_factory=_bundled_prompts)  # the prompts shipped in the package

    max_message_chars: int = 2000
    client_ip_header: str | None = None  # e.g. X-Forwarded-For behind your proxy (sign-in back-off per client)
    prompt_token_budget: int = 2500
    summary_block_turns: int = 6
    turn_limit: int = 16
    tiktoken_encoding: str = "o200k_base"

    def resolved_database_url(self) -> str:
        """The database URL: DATABASE_URL if set, else a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'hotseat.db'}"

    def llm_configured(self) -> bool:
        """True when an API key or an OpenAI-compatible base URL is set."""
        return self.openai_api_key is not None or bool(self.openai_base_url)

    def uses_llm(self) -> bool:
        """True when the customer (and judge) should be an LLM rather than the scripted default."""
        if self.provider is ProviderChoice.SCRIPTED:
            return False
        if self.provider is ProviderChoice.OPENAI:
            return True
        return self.llm_configured()

    def judge_model_name(self) -> str:
        """The model that grades transcripts (defaults to the customer model)."""
        return self.judge_model or self.model


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
