"""One exception family. Every message says what went wrong and how to fix it."""

from __future__ import annotations


class HotseatError(Exception):
    """Base of every error Hotseat raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}" if hint else message)

    def user_message(self) -> str:
        """The text to show a person: what went wrong, then how to fix it."""
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class ConfigError(HotseatError):
    """Settings are missing or contradict each other."""


class PersonaError(HotseatError):
    """A persona file is missing, unreadable or invalid."""


class PromptError(HotseatError):
    """A prompt template is missing, invalid, or was rendered without a variable."""


class InputError(HotseatError):
    """The trainee's message cannot be accepted as it is (empty, too long...)."""


class ProviderError(HotseatError):
    """The LLM provider failed after retries. The trainee's text is always kept."""


class ProviderTimeout(ProviderError):
    """The provider did not answer in time."""


class ProviderRateLimited(ProviderError):
    """The provider answered 429 (rate limit or quota) after retries."""


class EvaluationError(HotseatError):
    """Grading failed: the judge's answer was invalid after bounded retries."""

    def __init__(
        self, message: str, *, hint: str | None = None, last_output: str | None = None, attempts: int = 0
    ) -> None:
        super().__init__(message, hint=hint)
        self.last_output = last_output
        self.attempts = attempts


class StorageError(HotseatError):
    """The database could not be reached or is not at the expected schema."""


class NotFoundError(HotseatError):
    """A session, turn or record does not exist (or is not visible to this user)."""


class AccessDenied(HotseatError):
    """The current user may not do this."""


class ConflictError(StorageError):
    """Someone else (another tab) changed the same record first."""


class AuthenticationError(HotseatError):
    """Sign-in failed: one message for an unknown user and a wrong password, so neither is revealed."""


class DuplicateError(HotseatError):
    """Something that may be done once was done again (a second review of a session by one grader...)."""


class SignInThrottled(AuthenticationError):
    """Too many failed sign-ins lately (from this account or this client): wait before trying again."""

    def __init__(self, message: str, *, hint: str | None = None, retry_after_s: float = 0.0) -> None:
        super().__init__(message, hint=hint)
        self.retry_after_s = retry_after_s


class AccountLocked(AuthenticationError):
    """Too many failed sign-ins in a row: only an admin can unlock the account."""
