"""Cue lexicons as data: `evaluators/lexicons/<name>.yaml`, compiled once and cached."""

from __future__ import annotations

import re
from functools import cache

from pydantic import Field, field_validator

from hotseat.datafiles import StrictModel, load_yaml_model, packaged_path
from hotseat.errors import EvaluationError

LEXICON_DIR = packaged_path("evaluators", "lexicons")
MEMO_SIZE = 20_000  # (group, sentence) results kept; cleared when full


class Lexicon(StrictModel):
    """Named groups of regular expressions, matched at word edges on normalised text."""

    name: str
    description: str
    cues: dict[str, list[str]] = Field(min_length=1)

    @field_validator("cues")
    @classmethod
    def _patterns_compile(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for group, patterns in value.items():
            if not patterns:
                raise ValueError(f"cue group {group!r} is empty")
            for pattern in patterns:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"{group}: {pattern!r} is not a valid regex ({exc})") from exc
        return value


class CueSet:
    """A compiled lexicon: `find(group, text)` returns the matched phrases."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._compiled = {
            group: re.compile(
                "(?<![a-z0-9])(?:" + "|".join(f"(?:{p})" for p in patterns) + ")(?![a-z0-9])",
                re.IGNORECASE | re.MULTILINE,
            )
            for group, patterns in lexicon.cues.items()
        }
        self._memo: dict[tuple[str, str], list[str]] = {}

    def groups(self) -> list[str]:
        """The cue group names."""
        return list(self._compiled)

    def find(self, group: str, text: str) -> list[str]:
        """Every phrase of `group` found in `text` (already normalised by the caller)."""
        try:
            pattern = self._compiled[group]
        except KeyError:
            raise EvaluationError(
                f"Lexicon {self.lexicon.name!r} has no cue group {group!r}.",
                hint=f"Add it to {LEXICON_DIR / (self.lexicon.name + '.yaml')}.",
            ) from None
        key = (group, text)
        found = self._memo.get(key)
        if found is None:
            found = [m.group(0) for m in pattern.finditer(text)]
            if len(self._memo) > MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = found
        return list(found)

    def spans(self, group: str, text: str) -> list[tuple[int, int]]:
        """(start, end) of every phrase of `group` in `text` (not memoised)."""
        self.find(group, "")  # validates the group name
        return [m.span() for m in self._compiled[group].finditer(text)]

    def has(self, group: str, text: str) -> bool:
        """True when any phrase of `group` occurs in `text`."""
        return bool(self.find(group, text))

    def first(self, group: str, text: str) -> str | None:
        """The first phrase of `group` in `text`, or None."""
        found = self.find(group, text)
        return found[0] if found else None


@cache
def cues(name: str) -> CueSet:
    """Load and compile one lexicon by file name (cached for the process)."""
    path = LEXICON_DIR / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in LEXICON_DIR.glob("*.yaml"))
        raise EvaluationError(f"No lexicon {name!r} in {LEXICON_DIR}.", hint=f"Known: {', '.join(known)}.")
    return CueSet(load_yaml_model(path, Lexicon, EvaluationError, name=name))


def lexicon_names() -> list[str]:
    """Every lexicon file's name."""
    return sorted(p.stem for p in LEXICON_DIR.glob("*.yaml"))


@cache
def text_lines(name: str) -> tuple[str, ...]:
    """The lines of `evaluators/lexicons/<name>.txt`, without blanks and `#` comments."""
    path = LEXICON_DIR / f"{name}.txt"
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EvaluationError(
            f"Cannot read the word list {path}: {exc.strerror}.", hint="Restore it from the repository."
        ) from exc
    return tuple(line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#"))


def word_list(name: str) -> frozenset[str]:
    """Every word of `evaluators/lexicons/<name>.txt`, lower-cased."""
    return frozenset(w.lower() for line in text_lines(name) for w in line.split())
