"""Validate a custom persona with the same models as the YAML files, and say where each error is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from hotseat.errors import PersonaError
from hotseat.practice.personas import Persona

PERSONA_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
PERSONA_ID_RULE = "2–80 characters: lower-case letters, digits and dashes, starting with a letter or digit"


@dataclass(frozen=True)
class FieldError:
    """One validation error: where (`path`, e.g. "scenarios.0.customer.name") and what to do about it."""

    path: str
    message: str
    loc: tuple[str | int, ...] = ()


class PersonaInvalid(PersonaError):
    """A persona that does not validate; `fields` lists each error by field, for a form to show beside it."""

    def __init__(self, message: str, *, fields: tuple[FieldError, ...], hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.fields = fields


def field_errors(exc: ValidationError) -> list[FieldError]:
    """Pydantic's errors as (field path, message) pairs a person can act on."""
    found = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        path = ".".join(str(p) for p in loc) or "(top level)"
        kind = err["type"]
        if kind == "missing":
            message = "this field is required"
        elif kind == "extra_forbidden":
            message = "unknown field: remove it or fix its spelling"
        else:
            message = str(err["msg"]).removeprefix("Value error, ")
        found.append(FieldError(path, message, loc))
    return found


def describe(fields: list[FieldError] | tuple[FieldError, ...]) -> str:
    """The errors as indented lines, one per field."""
    return "\n".join(f"  - {f.path}: {f.message}" for f in fields)


def check_persona_id(persona_id: str) -> str:
    """The id, trimmed; PersonaInvalid unless it is a slug."""
    value = persona_id.strip()
    if not PERSONA_ID.fullmatch(value):
        error = FieldError("id", f"{value!r} is not a valid persona id; use {PERSONA_ID_RULE}", ("id",))
        raise PersonaInvalid(f"The persona id is invalid:\n{describe([error])}", fields=(error,))
    return value


def validate_persona(data: Mapping[str, Any], *, persona_id: str | None = None, source: str = "The persona") -> Persona:
    """`data` validated as a Persona (`persona_id`, if given, replaces its id); PersonaInvalid lists each field."""
    raw = dict(data)
    if persona_id is not None:
        raw["id"] = persona_id
    if "id" in raw and isinstance(raw["id"], str):
        check_persona_id(raw["id"])
    try:
        return Persona.model_validate(raw)
    except ValidationError as exc:
        fields = tuple(field_errors(exc))
        raise PersonaInvalid(
            f"{source} is invalid:\n{describe(fields)}",
            fields=fields,
            hint="Fix the fields listed; the schema is hotseat.practice.personas.Persona.",
        ) from exc


def parse_yaml(text: str, *, source: str = "The file") -> dict[str, Any]:
    """A YAML mapping from `text`; PersonaError saying where the syntax is wrong."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PersonaError(
            f"{source} is not valid YAML{at}: {problem}.",
            hint="Fix the YAML syntax (indentation and quoting are the usual causes).",
        ) from exc
    if not isinstance(raw, dict):
        raise PersonaError(
            f"{source} must contain a YAML mapping (key: value pairs), not {type(raw).__name__}.",
            hint="Start from `hotseat personas export ID` of an existing persona.",
        )
    return raw


def persona_from_yaml(
    text: str, *, persona_id: str | None = None, default_id: str | None = None, source: str = "The file"
) -> Persona:
    """A Persona from YAML text; its id is `persona_id`, else the file's own `id:`, else `default_id`."""
    raw = parse_yaml(text, source=source)
    if persona_id is None and not raw.get("id"):
        persona_id = default_id
    if persona_id is None and not raw.get("id"):
        error = FieldError("id", "this field is required (or give the id with --id)", ("id",))
        raise PersonaInvalid(f"{source} is invalid:\n{describe([error])}", fields=(error,))
    return validate_persona(raw, persona_id=persona_id, source=source)


class _Dumper(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML's stubs leave SafeDumper untyped
    """Block style; multi-line text as literal blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def persona_to_yaml(persona: Persona) -> str:
    """The persona as YAML (its id included): `persona_from_yaml` reads it back as an equal Persona."""
    data = persona.model_dump(mode="json")
    title = (persona.title.splitlines() or [persona.id])[0]
    header = f"# {title}\n# Schema: hotseat.practice.personas.Persona (import with `hotseat personas import FILE`).\n"
    body: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    return header + body
