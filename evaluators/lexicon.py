"""Cue lexicons as data: `evaluators/lexicons/<name>.yaml`, compiled once and cached."""

from __future__ import annotations

import re
from functools import cache
from re import _parser as _sre_parse  # type: ignore[attr-defined]  # the stdlib's own regex parser

from pydantic import Field, field_validator

from hotseat.datafiles import StrictModel, load_yaml_model, packaged_path
from hotseat.errors import EvaluationError

LEXICON_DIR = packaged_path("evaluators", "lexicons")
MEMO_SIZE = 20_000  # (group, sentence) results kept; cleared when full
_FLAGS = re.IGNORECASE | re.MULTILINE
NARROW_FROM = 20  # groups with this many patterns are narrowed per text first (smaller ones are quicker run whole)
MASKS_PER_PATTERN = 2  # the most selective requirements of each pattern that the gate checks
# Words in nearly every reply: a requirement of only these lets almost every text through.
_COMMON_WORDS = frozenset(
    {"i", "i'm", "we", "we're", "you", "you're", "your", "our", "it", "it's", "is", "are", "was", "be", "to"}
    | {"the", "a", "of", "and", "that", "this", "not"}
)
SCAN_AT_MOST = 12  # more open patterns than this: one pass of the whole alternation is quicker


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
    """A compiled lexicon: `find(group, text)` returns the matched phrases.

    Speed: a group of 100+ case-insensitive alternatives makes the regex engine try every
    alternative at every word. So for large groups each pattern carries the literals every match
    of it must contain (read with the stdlib's regex parser); on ASCII text a gate keeps only the
    patterns whose literals occur, and those few are scanned as the alternation would be. A
    pattern that cannot match anywhere in the text cannot change what the alternation finds.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._compiled = {group: _alternation(patterns) for group, patterns in lexicon.cues.items()}
        self._literals = _Literals()
        self._gates = {
            group: _Gate(patterns, self._literals)
            for group, patterns in lexicon.cues.items()
            if len(patterns) >= NARROW_FROM
        }
        self._present: dict[str, int] = {}  # lower-cased text -> its literal mask
        self._memo: dict[tuple[str, str], list[str]] = {}

    def _matches(self, group: str, text: str) -> list[re.Match[str]]:
        """What the group's alternation finds in `text`, trying only the patterns `text` can match.

        The alternation, scanned left to right, takes at each place the first pattern (in file
        order) that matches there; so does this, over the few patterns the gate leaves open.
        """
        full = self._compiled[group]
        gate = self._gates.get(group)
        if gate is None or not text.isascii():  # few patterns, or case folding beyond ASCII: run them all
            return list(full.finditer(text))
        lowered = text.lower()
        present = self._present.get(lowered)
        if present is None:
            present = self._literals.present(lowered)
            if len(self._present) > MEMO_SIZE:
                self._present.clear()
            self._present[lowered] = present
        active = gate.open_for(present)
        if len(active) > SCAN_AT_MOST:
            return list(full.finditer(text))
        singles = gate.singles
        upcoming = [singles[i].search(text) for i in active]
        found: list[re.Match[str]] = []
        position = 0
        while True:
            best: re.Match[str] | None = None
            for slot, index in enumerate(active):
                match = upcoming[slot]
                if match is not None and match.start() < position:
                    match = upcoming[slot] = singles[index].search(text, position)
                if match is not None and (best is None or match.start() < best.start()):
                    best = match
            if best is None:
                return found
            if best.end() == best.start():  # an empty match: leave its subtleties to the engine
                return list(full.finditer(text))
            found.append(best)
            position = best.end()

    def groups(self) -> list[str]:
        """The cue group names."""
        return list(self._compiled)

    def find(self, group: str, text: str) -> list[str]:
        """Every phrase of `group` found in `text` (already normalised by the caller)."""
        if group not in self._compiled:
            raise EvaluationError(
                f"Lexicon {self.lexicon.name!r} has no cue group {group!r}.",
                hint=f"Add it to {LEXICON_DIR / (self.lexicon.name + '.yaml')}.",
            )
        key = (group, text)
        found = self._memo.get(key)
        if found is None:
            found = [m.group(0) for m in self._matches(group, text)]
            if len(self._memo) > MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = found
        return list(found)

    def spans(self, group: str, text: str) -> list[tuple[int, int]]:
        """(start, end) of every phrase of `group` in `text` (not memoised)."""
        self.find(group, "")  # validates the group name
        return [m.span() for m in self._matches(group, text)]

    def has(self, group: str, text: str) -> bool:
        """True when any phrase of `group` occurs in `text`."""
        return bool(self.find(group, text))

    def first(self, group: str, text: str) -> str | None:
        """The first phrase of `group` in `text`, or None."""
        found = self.find(group, text)
        return found[0] if found else None


class _Literals:
    """Which of a lexicon's required literals occur in a lower-case text, as one bit mask.

    One pass of a regex built as a trie (a look-ahead at each position finds the longest literal
    starting there; every literal that is a prefix of it is there too). Bit 0 is always set.
    """

    def __init__(self) -> None:
        self.bits: dict[str, int] = {}
        self._scan: re.Pattern[str] | None = None
        self._masks: dict[str, int] = {}

    def bit(self, literal: str) -> int:
        """The bit of `literal` (added if new; call before the first `present`)."""
        return 1 << self.bits.setdefault(literal, len(self.bits) + 1)

    def present(self, lowered: str) -> int:
        if self._scan is None:
            self._scan = re.compile(f"(?=({_trie(sorted(self.bits))}))") if self.bits else re.compile("(?!)")
            bits = self.bits
            self._masks = {lit: sum(1 << b for other, b in bits.items() if lit.startswith(other)) for lit in bits}
        masks = self._masks
        found = 1
        for longest in self._scan.findall(lowered):
            found |= masks[longest]
        return found


def _trie(literals: list[str]) -> str:
    """A regex matching the longest of `literals` at a position (literals sorted)."""
    tree: dict[str, dict] = {}  # type: ignore[type-arg]
    for literal in literals:
        node = tree
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_body(tree)


def _trie_body(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
    ends = "" in node
    branches = [re.escape(char) + _trie_body(child) for char, child in node.items() if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends else body


class _Gate:
    """Which of a group's patterns a lower-case ASCII text can match, from the literals they need.

    Each pattern keeps its most selective requirements as masks over the lexicon's literal bits
    (one of a requirement's bits must be present); a pattern with no requirement is always open.
    """

    def __init__(self, patterns: list[str], literals: _Literals) -> None:
        self.masks: list[tuple[int, int]] = []
        for pattern in patterns:
            needs = sorted(_requirements(pattern), key=_selectivity)[:MASKS_PER_PATTERN]
            # a set of distinct bits, so the sum is their OR ('utili' thrice must not carry into other bits)
            masks = [sum({literals.bit(lit) for lit in need}) for need in needs] + [1, 1]
            self.masks.append((masks[0], masks[1]))
        self.singles = [_alternation([pattern]) for pattern in patterns]

    def open_for(self, present: int) -> tuple[int, ...]:
        """Indexes of the patterns whose required literals are all in `present` (a literal mask)."""
        return tuple(i for i, (a, b) in enumerate(self.masks) if present & a and present & b)


def _selectivity(need: tuple[str, ...]) -> tuple[bool, int, int]:
    """Sort key, most selective first: not only common words, few alternatives, long literals."""
    common = all(set(lit.split()) <= _COMMON_WORDS for lit in need)
    return (common, len(need), -min(len(lit) for lit in need))


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    """One regex matching any of `patterns` as whole words (in order: the first that fits wins).

    A match must not start or end inside a word; one that ends on a space or a punctuation mark
    ("I've booked your ") is already at a word's edge, whatever follows it."""
    return re.compile(
        "(?<![a-z0-9])(?:" + "|".join(f"(?:{p})" for p in patterns) + ")(?:(?![a-z0-9])|(?<![a-z0-9]))", _FLAGS
    )


def _requirements(pattern: str) -> tuple[tuple[str, ...], ...]:
    """What every match of `pattern` contains: a tuple of lower-case literals per requirement, one
    of which must occur (an alternation gives several). Empty when nothing is certain."""
    try:
        parsed = _sre_parse.parse(pattern, _FLAGS)
    except re.error:  # the lexicon's validator compiles every pattern, so this is only a safeguard
        return ()
    return tuple(tuple(lit.lower() for lit in need) for need in _needs_of(list(parsed)))


def _needs_of(items: list[tuple[object, object]]) -> list[tuple[str, ...]]:
    """The requirements of a sequence of parsed regex items (runs of two or more literals)."""
    needs: list[tuple[str, ...]] = []
    run: list[str] = []

    def close_run() -> None:
        if len(run) >= 2:
            needs.append(("".join(run),))
        run.clear()

    for op, arg in items:
        name = str(op)
        if name == "LITERAL" and isinstance(arg, int):
            run.append(chr(arg))
            continue
        close_run()
        if name == "SUBPATTERN" and isinstance(arg, tuple):
            needs.extend(_needs_of(list(arg[-1])))  # a group is required: so is what it needs
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and isinstance(arg, tuple) and arg[0] >= 1:
            needs.extend(_needs_of(list(arg[2])))  # repeated at least once
        elif name == "BRANCH" and isinstance(arg, tuple):
            longest = [max((n[0] for n in _needs_of(list(alt)) if len(n) == 1), key=len, default="") for alt in arg[1]]
            if all(longest):
                needs.append(tuple(longest))  # one alternative or another: one of their literals
        # an optional part, a class or a look-around: nothing certain, the run just breaks
    close_run()
    return needs


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


@cache
def word_list(name: str) -> frozenset[str]:
    """Every word of `evaluators/lexicons/<name>.txt`, lower-cased."""
    return frozenset(w.lower() for line in text_lines(name) for w in line.split())
