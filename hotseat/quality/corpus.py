"""Hotseat's own labelled corpus (`corpus/`): replies and sessions in context, split by scenario.

Used by `scripts/train_reader.py` (train and dev splits only), `benchmarks/evaluator_agreement.py`
and `benchmarks/gaming.py` (the test split), and the tests. See corpus/README.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evaluators.signals import TurnContext
from evaluators.skills import Flag, Skill
from evaluators.text import words
from hotseat.errors import ConfigError
from hotseat.practice.personas import PersonaLibrary, Scenario
from hotseat.quality.checkout import CHECKOUT, checkout_folder

CORPUS_DIR = CHECKOUT / "corpus"  # a checkout only: from an installed wheel, splits() raises ConfigError
SPLITS = ("train", "dev", "test")
# What a strict trainer marks down: the kinds the "fooled" rate is measured on.
ADVERSARIAL_KINDS = frozenset(
    [
        "stock_sympathy",
        "parrot",
        "distorted",
        "sarcasm",
        "blame_wrapped",
        "non_apology",
        "evasive",
        "empty_values",
        "one_word",
        "rambling",
        "policy",
        "accusation",
        "proof_request",
        "doublespeak",
        "transactional",
        "injection",
        "solution_first",
    ]
)
REPLY_KINDS = ADVERSARIAL_KINDS | frozenset(
    ["good_plain", "good_stock", "open_question", "concrete_offer", "non_english", "mixed", "ordinary"]
)
SESSION_KINDS = frozenset({"repetition", "ignored_question", "follow_through", "good", "mixed", "poor"})


@dataclass(frozen=True)
class ReplyItem:
    """One labelled trainee reply in context."""

    id: str
    persona: str
    scenario: Scenario
    kind: str
    customer: tuple[str, ...]
    reply: str
    skills: dict[Skill, int]
    flags: frozenset[Flag]
    # per flag, the sentence(s) of the reply that carry it (corpus/evidence/<scenario>.yaml), where labelled
    evidence: Mapping[Flag, tuple[str, ...]] = field(default_factory=dict)
    # for replies at values 3+, the sentence(s) that connect to long-term values, where labelled
    values_evidence: tuple[str, ...] = ()

    def evidence_sentences(self, flag: Flag, sentences: list[str]) -> set[int] | None:
        """Which of the reader's `sentences` of this reply carry `flag`, by the evidence labels; None when
        the flag has no evidence label. A reader sentence matches a labelled one when either contains the
        other or they share most of their words (the reader may split a sentence differently)."""
        return _labelled_among(self.evidence.get(flag, ()), sentences)

    def values_sentences(self, sentences: list[str]) -> set[int] | None:
        """Which of the reader's `sentences` carry the connection to long-term values, by the labels
        (None when the reply has no values label)."""
        return _labelled_among(self.values_evidence, sentences)

    def shows_evidence(self, flag: Flag, shown: str) -> bool | None:
        """Whether the sentence a reading shows as a flag's evidence is one the labels say carries it
        (None when the flag has no evidence label)."""
        found = self.evidence_sentences(flag, [shown])
        return None if found is None else bool(found)

    def fools(self, levels: dict[Skill, int], raised: set[Flag]) -> bool:
        """Whether a reading was fooled by this reply: a skill at 4-5 the label puts at 1-2, or a flag missed."""
        return any(levels[s] >= 4 and self.skills[s] <= 2 for s in Skill) or bool(self.flags - raised)

    def tally(
        self, raised: set[Flag], tp: dict[Flag, int], fp: dict[Flag, int], fn: dict[Flag, int], flags: Iterable[Flag]
    ) -> None:
        """Add this reply's true positives, false positives and misses for `flags` to the counts."""
        for f in flags:
            tp[f] += f in raised and f in self.flags
            fp[f] += f in raised and f not in self.flags
            fn[f] += f not in raised and f in self.flags

    def context(self) -> TurnContext:
        """What the reader may know: the customer's turns and the scenario's facts and examples."""
        return TurnContext(
            customer_said=self.customer,
            facts=tuple(self.scenario.story()),
            trainee_turn_number=1 if len(self.customer) == 1 and self.customer[0] == self.scenario.opening_line else 2,
            needs=tuple(self.scenario.need_examples),
            triggers=tuple(self.scenario.trigger_examples),
        )


@dataclass(frozen=True)
class SessionItem:
    """One labelled whole conversation."""

    id: str
    persona: str
    scenario: Scenario
    kind: str
    turns: tuple[tuple[str, str], ...]  # (role, text)
    skills: dict[Skill, int]
    flags: frozenset[Flag]
    repeated_turns: tuple[int, ...] = ()
    ignored_questions: tuple[int, ...] = ()
    followed_through: bool = True


def _labelled_among(labelled: tuple[str, ...], sentences: list[str]) -> set[int] | None:
    """Indexes of the reader's `sentences` that match a labelled one (None when nothing is labelled). A
    reader sentence matches when either contains the other or they share most of their words."""
    if not labelled:
        return None
    return {i for i, s in enumerate(sentences) if any(_same_sentence(s, e) for e in labelled)}


def _same_sentence(a: str, b: str) -> bool:
    a, b = " ".join(a.split()), " ".join(b.split())
    if a == b or (min(len(a), len(b)) >= 12 and (a in b or b in a)):
        return True
    wa, wb = set(words(a)), set(words(b))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.6


VALUES_KEY = "values"  # in an evidence file, beside the flags: the sentences that carry the values skill


def evidence(scenario_id: str, root: Path = CORPUS_DIR) -> dict[str, dict[Flag | str, tuple[str, ...]]]:
    """item id -> flag (or "values") -> the labelled sentences that carry it, from `evidence/<scenario>.yaml`
    (empty if none)."""
    path = root / "evidence" / f"{scenario_id}.yaml"
    if not path.is_file():
        return {}
    items = _load(path).get("items") or {}
    if not isinstance(items, dict):
        raise ConfigError(f"{path}: items must map reply ids to flags.", hint="See corpus/README.md for the format.")
    return {
        str(item_id): {
            (f if f == VALUES_KEY else Flag(f)): tuple(str(s) for s in sentences)
            for f, sentences in (flags or {}).items()
        }
        for item_id, flags in items.items()
    }


def splits(root: Path = CORPUS_DIR) -> dict[str, str]:
    """scenario id -> split name."""
    if root == CORPUS_DIR:
        checkout_folder("corpus")  # a clear error, not a traceback, from an installed wheel
    data = yaml.safe_load((root / "splits.yaml").read_text(encoding="utf-8"))
    return {scenario: split for split in SPLITS for scenario in data.get(split, [])}


def _resolve(text: str, scenario: Scenario) -> str:
    return scenario.opening_line if text.strip() == "@opening" else text


def _load(path: Path) -> dict[str, object]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}", hint="Check it with scripts/check_corpus.py.") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a corpus file.", hint="See corpus/README.md for the format.")
    return data


def _files(
    folder: str, key: str, split: str | None, personas: PersonaLibrary, root: Path
) -> Iterator[tuple[str, Scenario, dict[str, Any]]]:
    """(persona id, scenario, raw entry) for every entry under `key` of the files of one split."""
    where = splits(root)
    for path in sorted((root / folder).glob("*.yaml")):
        if split is not None and where.get(path.stem) != split:
            continue
        data = _load(path)
        persona = str(data["persona"])
        scenario = personas.get(persona).scenario(path.stem)
        for raw in data.get(key, []):  # type: ignore[attr-defined]
            yield persona, scenario, raw


def replies(split: str | None, personas: PersonaLibrary, root: Path = CORPUS_DIR) -> Iterator[ReplyItem]:
    """Reply items of one split (or all, with None), in file order."""
    labels: dict[str, dict[str, dict[Flag | str, tuple[str, ...]]]] = {}
    for persona, scenario, raw in _files("replies", "items", split, personas, root):
        if scenario.id not in labels:
            labels[scenario.id] = evidence(scenario.id, root)
        marked = labels[scenario.id].get(raw["id"], {})
        yield ReplyItem(
            id=raw["id"],
            persona=persona,
            scenario=scenario,
            kind=raw["kind"],
            customer=tuple(_resolve(c, scenario) for c in raw["customer"]),
            reply=raw["reply"],
            skills={Skill(k): int(v) for k, v in raw["skills"].items()},
            flags=frozenset(Flag(f) for f in raw.get("flags", [])),
            evidence={k: v for k, v in marked.items() if isinstance(k, Flag)},
            values_evidence=marked.get(VALUES_KEY, ()),
        )


def sessions(split: str | None, personas: PersonaLibrary, root: Path = CORPUS_DIR) -> Iterator[SessionItem]:
    """Session items of one split (or all, with None), in file order."""
    for persona, scenario, raw in _files("sessions", "sessions", split, personas, root):
        yield SessionItem(
            id=raw["id"],
            persona=persona,
            scenario=scenario,
            kind=raw["kind"],
            turns=tuple((t["role"], _resolve(t["text"], scenario)) for t in raw["turns"]),
            skills={Skill(k): int(v) for k, v in raw["skills"].items()},
            flags=frozenset(Flag(f) for f in raw.get("flags", [])),
            repeated_turns=tuple(raw.get("repeated_turns", [])),
            ignored_questions=tuple(raw.get("ignored_questions", [])),
            followed_through=bool(raw.get("followed_through", True)),
        )
