"""The LLM's draft of a customer's lines and examples, for the author to review before saving.

One structured call (`prompts/persona_draft.yaml`), validated with pydantic; an invalid answer is
sent back with its problems for a bounded number of attempts, then `DraftError` keeps the last output.
The draft is merged into the editor's data; it is never saved here.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, ValidationError

from evaluators.judge import extract_json_object
from hotseat.authoring.validation import field_errors
from hotseat.datafiles import StrictModel
from hotseat.errors import PersonaError, ProviderError
from hotseat.practice.personas import PersonaLine, Reaction
from hotseat.prompts import PromptLibrary
from hotseat.providers.base import ChatModel

MAX_ATTEMPTS = 2
MAX_PROBLEMS = 8


Sentence = Annotated[str, Field(min_length=1, max_length=600)]


class PersonaDraft(StrictModel):
    """What the LLM drafts: lines per reaction, example utterances and the check's example replies."""

    lines: dict[Reaction, Annotated[list[PersonaLine], Field(min_length=2, max_length=5)]]
    trigger_examples: list[Sentence] = Field(min_length=1, max_length=8)
    need_examples: list[Sentence] = Field(min_length=1, max_length=8)
    good_replies: list[Sentence] = Field(min_length=1, max_length=10)
    bad_replies: list[Sentence] = Field(min_length=1, max_length=10)


class DraftError(PersonaError):
    """The LLM gave no usable draft after bounded attempts; `last_output` keeps its last answer."""

    def __init__(self, message: str, *, hint: str | None = None, last_output: str = "", attempts: int = 0) -> None:
        super().__init__(message, hint=hint)
        self.last_output = last_output
        self.attempts = attempts


def _problems(raw: str) -> tuple[PersonaDraft | None, list[str]]:
    try:
        data = extract_json_object(raw)
    except ValueError as exc:
        return None, [str(exc)]
    try:
        draft = PersonaDraft.model_validate(data)
    except ValidationError as exc:
        return None, [f"{f.path}: {f.message}" for f in field_errors(exc)][:MAX_PROBLEMS]
    return draft, []


def draft_persona(model: ChatModel, prompts: PromptLibrary, data: Mapping[str, Any]) -> PersonaDraft:
    """Ask the LLM to draft lines and examples for the persona's data (its first scenario)."""
    template = prompts.get("persona_draft")
    scenarios = data.get("scenarios") or [{}]
    reactions = [{"key": r.value, "meaning": r.meaning} for r in Reaction]
    raw, problems = "", list[str]()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        messages = template.render(
            persona=data, scenario=scenarios[0], reactions=reactions, problems=problems, previous_answer=raw
        )
        try:
            raw = model.complete_json(messages, PersonaDraft)
        except ProviderError as exc:
            raise DraftError(f"The LLM could not draft: {exc.message}", hint=exc.hint, attempts=attempt) from exc
        draft, problems = _problems(raw)
        if draft is not None:
            return draft
    raise DraftError(
        f"The LLM's draft was not usable after {MAX_ATTEMPTS} attempts: " + "; ".join(problems[:3]),
        hint="Try again, or write the lines yourself.",
        last_output=raw,
        attempts=MAX_ATTEMPTS,
    )


def apply_draft(data: Mapping[str, Any], draft: PersonaDraft) -> dict[str, Any]:
    """The persona's data with the draft's lines (for the persona) and examples (for its first scenario)."""
    merged = copy.deepcopy(dict(data))
    lines = dict(merged.get("lines") or {})
    for reaction, drafted in draft.lines.items():
        lines[reaction.value] = list(drafted)
    merged["lines"] = lines
    scenarios = list(merged.get("scenarios") or [{}])
    first = dict(scenarios[0])
    first["trigger_examples"] = list(draft.trigger_examples)
    first["need_examples"] = list(draft.need_examples)
    first["example_replies"] = {"good": list(draft.good_replies), "bad": list(draft.bad_replies)}
    merged["scenarios"] = [first, *scenarios[1:]]
    return merged
