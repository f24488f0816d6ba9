"""The LLM customer's prompt, kept under a token budget and laid out for prompt caching.

Layout: fixed system prompt (persona, scenario, rules) → digest of older turns (changes
only when a block of turns is folded in) → recent turns verbatim → current state (last).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hotseat.practice.reactions import choose_reaction
from hotseat.prompts import PromptLibrary
from hotseat.providers.base import ChatMessage
from hotseat.tokens import count_message_tokens

if TYPE_CHECKING:
    from hotseat.practice.reply_request import ReplyRequest
    from hotseat.practice.session import Turn

DIGEST_WORDS = 24  # words kept per turn in the digest
DIGEST_MAX_LINES = 12  # older digest lines are dropped (counted) beyond this
MIN_RECENT_TURNS = 2


@dataclass(frozen=True)
class CustomerPrompt:
    """A built prompt and how it was trimmed."""

    messages: list[ChatMessage]
    tokens: int
    summary: str
    summarised_through: int


def _digest_line(turn: Turn) -> str:
    words = turn.text.split()
    text = " ".join(words[:DIGEST_WORDS]) + (" …" if len(words) > DIGEST_WORDS else "")
    who = "You said" if turn.role == "customer" else "They said"
    return f'{who}: "{text}"'


class CustomerPromptBuilder:
    """Builds the customer's prompt for a request, folding old turns into a digest in blocks."""

    def __init__(self, prompts: PromptLibrary, *, budget: int, block: int, encoding: str = "o200k_base") -> None:
        self.prompts = prompts
        self.budget = budget
        self.block = max(1, block)
        self.encoding = encoding

    def build(self, request: ReplyRequest) -> CustomerPrompt:
        """The prompt for the customer's next reply, within the budget where possible."""
        session = request.session
        system = self.prompts.get("customer").render(
            persona=request.persona, scenario=request.scenario, difficulty=request.difficulty.value
        )
        state = self.prompts.get("customer_state").render(
            mood=(request.change.after if request.change else session.mood),
            reaction=self._reaction(request),
            ending=request.ending.value if request.ending else "",
            injection=bool(request.signals and "injection" in request.signals.flags),
        )
        through = session.summarised_through
        while True:
            messages, summary = self._assemble(system, state, session.turns, through)
            tokens = count_message_tokens([(m.role, m.content) for m in messages], self.encoding)
            remaining = len(session.turns) - through
            if tokens <= self.budget or remaining <= MIN_RECENT_TURNS:
                return CustomerPrompt(messages, tokens, summary, through)
            through = min(through + self.block, len(session.turns) - MIN_RECENT_TURNS)

    def _assemble(
        self, system: list[ChatMessage], state: list[ChatMessage], turns: list[Turn], through: int
    ) -> tuple[list[ChatMessage], str]:
        messages = list(system)
        summary = ""
        if through > 0:
            lines = [_digest_line(t) for t in turns[:through]]
            omitted = max(0, len(lines) - DIGEST_MAX_LINES)
            memory = self.prompts.get("customer_memory").render(lines=lines[omitted:], omitted=omitted)
            summary = memory[0].content
            messages.append(ChatMessage(role="system", content=summary))
        for turn in turns[through:]:
            if turn.role == "customer":
                messages.append(ChatMessage(role="assistant", content=turn.text))
            else:
                messages.append(ChatMessage(role="user", content=turn.text))
        messages.extend(state)
        return messages, summary

    @staticmethod
    def _reaction(request: ReplyRequest) -> str:
        """What the trainee just did, as the scripted customer would react (never the engine's notes)."""
        return choose_reaction(request).value
