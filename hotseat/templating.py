"""One placeholder syntax for every text file: Jinja2 (`{{ name }}`), strict about undefined names.

Prompts, coach hints, persona lines and rubric suggestions all use it: a file declares (or the
code fixes) the names it may use, `undeclared` finds any other when the file loads, and `render`
fills them in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

# Sandboxed: persona lines and prompts may be written in the app by authors, not only by developers.
ENV = SandboxedEnvironment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # plain text for people and LLMs, never HTML
    keep_trailing_newline=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


def undeclared(sources: Iterable[str], declared: Iterable[str]) -> list[str]:
    """Names the templates use beyond `declared`, sorted; ValueError for a syntax error."""
    used: set[str] = set()
    for source in sources:
        used |= _names_used(source)
    return sorted(used - set(declared))


@lru_cache(maxsize=1024)
def _names_used(source: str) -> frozenset[str]:
    """The variables one template uses (parsed once per template text: the debrief asks per turn)."""
    try:
        return frozenset(meta.find_undeclared_variables(ENV.parse(source)))
    except jinja2.TemplateSyntaxError as exc:
        raise ValueError(f"template syntax error at line {exc.lineno}: {exc.message}") from exc


_PLAIN = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")
_ANY_TAG = re.compile(r"\{\{.*?\}\}|\{%|%\}|\{#|#\}|\{\{|\}\}", re.S)


def check_placeholders(text: str, allowed: Iterable[str]) -> None:
    """Raise ValueError unless `text` uses only plain `{{ name }}` placeholders from `allowed`.

    For short data lines (persona lines, rubric suggestions): no filters, attributes or tags.
    """
    known = ", ".join("{{ " + name + " }}" for name in allowed)
    for match in _PLAIN.finditer(text):
        if match.group(1) not in allowed:
            raise ValueError(f"unknown placeholder {match.group(0)} in {text!r}; use {known}")
    leftover = _ANY_TAG.search(_PLAIN.sub("", text))
    if leftover:
        raise ValueError(f"{leftover.group(0)!r} in {text!r} is not a placeholder; use only {known}")


@lru_cache(maxsize=1024)
def compiled(source: str) -> jinja2.Template:
    """The compiled template for `source` (cached: the same lines are filled many times)."""
    return ENV.from_string(source)


def render(source: str, **values: Any) -> str:
    """`source` with its placeholders filled in."""
    return compiled(source).render(**values)
