"""The simulated customer: an LLM playing the persona, or the embedded scripted customer."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator

from hotseat.practice.character import CharacterGuard, context_for
from hotseat.practice.personas import Reaction, fill_line
from hotseat.practice.prompt_window import CustomerPromptBuilder
from hotseat.practice.reactions import ENDING_REACTIONS, choose_reaction
from hotseat.practice.reply_request import ReplyRequest
from hotseat.providers.base import ChatMessage, ChatModel, record_prompt_tokens


class ScriptedCustomer:
    """The embedded default: plays the persona from its file, no network, no key.

    It picks a line for what the trainee just did (apologised, cited policy, paraphrased...),
    never repeats a line within a session, tells more of the story when asked, and says
    goodbye its own way when the conversation ends.
    """

    name = "scripted"
    streams = False

    def reply(self, request: ReplyRequest) -> Iterator[str]:
        """Yield the scripted reply (whole sentences)."""
        yield self.compose(request)

    def compose(self, request: ReplyRequest) -> str:
        """The full reply text."""
        reaction = choose_reaction(request)
        lines = request.persona.lines_for(request.scenario).for_reaction(reaction)
        said = set(request.session.customer_lines())
        rng = random.Random(self._seed(request))
        fresh = [line for line in lines if self._fill(line, request) not in said]
        if not fresh and reaction not in ENDING_REACTIONS.values():
            # Every line of this kind is used: say something still upset rather than repeat one verbatim.
            spare = request.persona.lines_for(request.scenario).for_reaction(Reaction.STILL_UPSET)
            fresh = [line for line in spare if self._fill(line, request) not in said]
        text = self._fill(rng.choice(fresh or lines), request)
        if text in said:
            text = f"I've said it already: {text[0].lower()}{text[1:]}"
        signals = request.signals
        if reaction is Reaction.IGNORED_QUESTION and signals is not None and signals.ignored_question:
            return f"{text} {signals.ignored_question}"
        asked = signals is not None and signals.asks_question and request.ending is None
        if asked and reaction in {Reaction.ANSWERS_QUESTION, Reaction.FELT_HEARD, Reaction.APOLOGY_OWNED}:
            fact = self._next_fact(request)
            if fact:
                text = f"{text} {fact}"
        return text

    @staticmethod
    def _seed(request: ReplyRequest) -> int:
        key = f"{request.session.id}:{len(request.session.turns)}"
        return int(hashlib.sha256(key.encode()).hexdigest()[:12], 16)

    @staticmethod
    def _fill(line: str, request: ReplyRequest) -> str:
        return fill_line(line, request.scenario)

    @staticmethod
    def _next_fact(request: ReplyRequest) -> str | None:
        said = " ".join(request.session.customer_lines()).lower()
        for fact in request.scenario.facts:
            if fact.lower() not in said:
                return fact if fact.endswith((".", "!", "?")) else fact + "."
        return None


class LLMCustomer:
    """An LLM plays the persona, with the mood rendered last in its prompt."""

    streams = True

    def __init__(self, model: ChatModel, builder: CustomerPromptBuilder) -> None:
        self.model = model
        self.builder = builder
        self.name = model.name

    def reply(self, request: ReplyRequest) -> Iterator[str]:
        """Build the prompt within the token budget and stream the model's reply, kept in character."""

        prompt = self.builder.build(request)
        request.session.summary = prompt.summary
        request.session.summarised_through = prompt.summarised_through
        self.last_prompt_tokens = prompt.tokens
        record_prompt_tokens(prompt.tokens)  # per reply: last_prompt_tokens is shared by every user
        guard = CharacterGuard(
            context_for(request, prompt.messages[-1].content), self.builder.prompts.get("customer_reminder")
        )
        self.last_guard = guard.report
        yield from guard.run(
            lambda extra: self._draft(prompt.messages + extra), lambda: ScriptedCustomer().compose(request)
        )

    def _draft(self, messages: list[ChatMessage]) -> Iterator[str]:
        if self.model.can_stream:
            yield from self.model.stream(messages)
        else:
            yield self.model.complete(messages)
