"""Prompts as files: `prompts/<name>.yaml` with declared variables, rendered by Jinja2.

A prompt file holds `description`, `variables` (every name the templates use) and the
message templates `system` and optionally `user`. Rendering without a declared variable,
or a template that uses an undeclared one, fails loudly.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
from pydantic import Field, model_validator

from hotseat.datafiles import StrictModel, closest, load_yaml_model
from hotseat.errors import PromptError
from hotseat.providers.base import ChatMessage
from hotseat.templating import compiled, undeclared


class PromptTemplate(StrictModel):
    """One prompt file."""

    name: str
    description: str
    variables: list[str] = Field(default_factory=list)
    system: str
    user: str | None = None

    @model_validator(mode="after")
    def _declared_variables_match(self) -> PromptTemplate:
        extra = undeclared((self.system, self.user or ""), self.variables)
        if extra:
            raise ValueError(f"variables: templates use {extra} but do not declare them")
        return self

    @cached_property
    def _compiled(self) -> tuple[jinja2.Template, jinja2.Template | None]:
        return compiled(self.system), compiled(self.user) if self.user else None

    def render(self, **values: Any) -> list[ChatMessage]:
        """Render into chat messages; every declared variable must be given."""
        missing = sorted(set(self.variables) - set(values))
        if missing:
            raise PromptError(
                f"Prompt {self.name!r} needs variable(s) {missing}.",
                hint="Pass every variable listed under `variables:` in the prompt file.",
            )
        system_t, user_t = self._compiled
        try:
            messages = [ChatMessage(role="system", content=system_t.render(**values).strip())]
            if user_t is not None:
                messages.append(ChatMessage(role="user", content=user_t.render(**values).strip()))
        except jinja2.UndefinedError as exc:
            raise PromptError(
                f"Prompt {self.name!r} failed to render: {exc.message}.",
                hint="Check the attribute names used in the template.",
            ) from exc
        return messages


# What the code passes to each prompt file it renders: a file may use fewer, never others.
# Checked when the app and the CLI start (PromptLibrary.check), so a broken file fails there,
# not after a trainee's turn is stored.
PROMPT_VARIABLES: dict[str, frozenset[str]] = {
    "customer": frozenset({"persona", "scenario", "difficulty"}),
    "customer_state": frozenset({"mood", "reaction", "ending", "injection"}),
    "customer_memory": frozenset({"lines", "omitted"}),
    "customer_reminder": frozenset({"name", "reason", "walking_away"}),
    "coach": frozenset({"persona", "scenario", "turns", "omitted", "mood", "suggestion"}),
    "judge": frozenset({"rubrics", "turns", "facts", "previous_answer", "problems", "skills"}),
    "structured_output": frozenset({"schema_name", "schema_json"}),
    "persona_draft": frozenset({"persona", "scenario", "reactions", "problems", "previous_answer"}),
}


class PromptLibrary:
    """Prompt files in a folder, loaded on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[str, PromptTemplate] = {}

    def get(self, name: str) -> PromptTemplate:
        """Load `prompts/<name>.yaml`."""
        if name not in self._cache:
            path = self.folder / f"{name}.yaml"
            if not path.is_file():
                known = sorted(p.stem for p in self.folder.glob("*.yaml"))
                raise PromptError(
                    f"No prompt file {path}; {closest(name, known)}.",
                    hint="Set HOTSEAT_PROMPTS_DIR or restore the file from the repository.",
                )
            self._cache[name] = load_yaml_model(path, PromptTemplate, PromptError, name=name)
        return self._cache[name]

    def check(self, expected: dict[str, frozenset[str]] | None = None) -> None:
        """Load every prompt the code renders and check its variables; raise one PromptError naming each problem."""
        problems: list[str] = []
        for name, passed in (expected or PROMPT_VARIABLES).items():
            try:
                template = self.get(name)
            except PromptError as exc:
                problems.append(exc.message)
                continue
            extra = sorted(set(template.variables) - passed)
            if extra:
                problems.append(
                    f"{self.folder / (name + '.yaml')}: variables {extra} are declared but Hotseat never passes them "
                    f"(it passes {sorted(passed)})."
                )
        if problems:
            raise PromptError(
                "Prompt files are broken:\n" + "\n".join(f"  - {p}" for p in problems),
                hint="Fix them (or restore them from the repository) and start again.",
            )
