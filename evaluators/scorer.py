"""The learned scorers: small linear models over `evaluators.features`, shipped as one JSON file.

Trained by `scripts/train_reader.py` on the train and dev splits of Hotseat's own corpus
(`corpus/`), never on research data. Per skill a multinomial logistic model over levels 1-5
(the expected level, blended with the rules' level and rounded, is the score); per flag a logistic
model with a threshold. Every setting was chosen by leave-one-scenario-out cross-validation.
Pure numpy: no torch, no scikit-learn at run time.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evaluators.clauses import CLAUSE_DIM
from evaluators.detectors import readability_level
from evaluators.features import DIFFICULTY_SCALE, EMBEDDING_DIM, FEATURE_NAMES, LONGEST_SCALE, SCALAR_NAMES
from evaluators.skills import Flag, Skill
from hotseat.datafiles import packaged_path
from hotseat.errors import EvaluationError

MODEL_FILE = packaged_path("evaluators", "models", "reader.json")
_lock = threading.Lock()
_loaded: dict[Path, ReaderModel | None] = {}


@dataclass(frozen=True)
class _Linear:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (classes, features) or (1, features)
    intercept: np.ndarray
    classes: tuple[int, ...]
    threshold: float = 0.5
    blend: float = 1.0  # share of the model in the level; the rest is the precise rules' level
    slack: float = 0.0  # how far the model may take a level below the rules' (0: the rules are a floor)
    anchored: bool = True  # a learned flag also needs a word of that fault in the turn

    def logits(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.mean) / self.scale
        out: np.ndarray = self.coef @ z + self.intercept
        return out


@dataclass(frozen=True)
class ValuesReading:
    """Values read sentence by sentence: a turn with no sentence that looks past today's problem (the
    most likely one below `low`) keeps values at `cap` or less; one whose most likely sentence clears
    `high` is at least "present" (3). The level model reads the whole reply, where one sentence about
    the next twelve years is lost among the rest, and a good reply lifts every skill with it."""

    model: _Linear  # over `evaluators.clauses` rows
    low: float = 0.0
    cap: int = 5
    high: float = 1.01

    def presence(self, sentences: np.ndarray) -> float:
        """The probability of the turn's likeliest values sentence (0 without sentences)."""
        if not len(sentences):
            return 0.0
        z = np.clip(sentences @ self.model.coef[0] + self.model.intercept[0], -30, 30)
        return float((1 / (1 + np.exp(-z))).max())

    def bound(self, level: int, presence: float) -> int:
        """`level` after this reading: capped without a values sentence, lifted to 3 with a clear one."""
        if presence < self.low:
            return min(level, self.cap)
        return max(level, 3) if presence >= self.high else level


@dataclass(frozen=True)
class ReaderModel:
    """Per-skill level models and per-flag detectors."""

    skills: dict[Skill, _Linear]
    flags: dict[Flag, _Linear]
    version: str
    directions: np.ndarray  # (k, EMBEDDING_DIM): meaning directions learned from the corpus (low -> high level)
    clauses: dict[Flag, _Linear] = field(default_factory=dict)  # per flag, over `evaluators.clauses` rows
    values: ValuesReading | None = None

    def inputs(self, x: np.ndarray) -> np.ndarray:
        """The scalar features plus the reply embedding projected on the learned directions."""
        n = len(SCALAR_NAMES)
        return np.concatenate([x[:n], self.directions @ x[n : n + EMBEDDING_DIM]])

    def skill_level(self, skill: Skill, x: np.ndarray) -> float:
        """The expected level (1-5, continuous) of `skill` for features `x` (FEATURE_NAMES order)."""
        m = self.skills[skill]
        logits = m.logits(self.inputs(x))
        p = np.exp(logits - logits.max())
        p /= p.sum()
        learned = float(np.dot(p, np.asarray(m.classes, dtype=np.float64)))
        return bounded_level(skill, learned, x, blend=m.blend, slack=m.slack)

    def flag_probability(self, flag: Flag, x: np.ndarray) -> float:
        """P(flag) for features `x`."""
        m = self.flags[flag]
        return float(1 / (1 + np.exp(-m.logits(self.inputs(x))[0])))

    def flag_raised(self, flag: Flag, x: np.ndarray) -> bool:
        """True when P(flag) clears the threshold chosen by cross-validation."""
        return flag in self.flags and self.flag_probability(flag, x) >= self.flags[flag].threshold

    def clause_suspicion(self, flag: Flag, sentences: np.ndarray) -> np.ndarray:
        """Per sentence, the clause model's probability that it carries `flag` (zeros without a model)."""
        m = self.clauses.get(flag)
        if m is None or not len(sentences):
            return np.zeros(len(sentences))
        z = np.clip(sentences @ m.coef[0] + m.intercept[0], -30, 30)
        return np.asarray(1 / (1 + np.exp(-z)))

    def clause_flag(self, flag: Flag, sentences: np.ndarray) -> int | None:
        """The index of the turn's most suspect sentence when it clears `flag`'s clause threshold, else None."""
        p = self.clause_suspicion(flag, sentences)
        if flag not in self.clauses or not len(p):
            return None
        best = int(p.argmax())
        return best if p[best] >= self.clauses[flag].threshold else None


def rule_level(skill: Skill, x: np.ndarray) -> float:
    """The precise rules' level (1-5) of `skill`, as recorded in features `x`."""
    return max(1.0, 5 * float(x[SCALAR_NAMES.index(f"rule_{skill.value}")]))


def ceiling(skill: Skill, x: np.ndarray) -> float:
    """The highest level the features allow, whatever the blend: plain language at most one level above
    what its readability earns (dense words or long sentences are not plain, however concrete).

    Plain language is readable *and* concrete; the corpus's replies are short chat, so the learned
    model sees little of the readable half and must not lift a hard text over this line.
    """
    if skill is not Skill.PLAIN_LANGUAGE:
        return 5.0
    difficulty = DIFFICULTY_SCALE * float(x[SCALAR_NAMES.index("difficulty")])
    longest = LONGEST_SCALE * float(x[SCALAR_NAMES.index("longest_sentence_words")])
    return float(max(1, min(5, readability_level(difficulty, longest) + 1)))


def bounded_level(skill: Skill, learned: float, x: np.ndarray, *, blend: float, slack: float) -> float:
    """A skill's level (1-5, continuous) from the model's expected level and features `x`: the blend with
    the rules' level (`combine`), under the features' `ceiling`. The shipped model and the trainer's
    held-out readings both come through here."""
    return min(ceiling(skill, x), combine(learned, rule_level(skill, x), blend=blend, slack=slack))


def combine(learned: float, rule: float, *, blend: float, slack: float) -> float:
    """A skill's level from the model's and the rules': the blend, bounded below by the rules less `slack`.

    The model lifts what the rules miss (good replies in unusual words) and lowers only so far; the
    rest of the lowering is the caps' job (stock, ungrounded, blame, repetition).
    """
    return max(rule - slack, blend * learned + (1 - blend) * rule)


def _linear(raw: dict[str, object]) -> _Linear:
    return _Linear(
        mean=np.asarray(raw.get("mean", 0.0), dtype=np.float64),
        scale=np.asarray(raw.get("scale", 1.0), dtype=np.float64),
        coef=np.atleast_2d(np.asarray(raw["coef"], dtype=np.float64)),
        intercept=np.atleast_1d(np.asarray(raw["intercept"], dtype=np.float64)),
        classes=tuple(int(c) for c in raw.get("classes", [0, 1])),  # type: ignore[attr-defined]
        threshold=float(raw.get("threshold", 0.5)),  # type: ignore[arg-type]
        blend=float(raw.get("blend", 1.0)),  # type: ignore[arg-type]
        slack=float(raw.get("slack", 0.0)),  # type: ignore[arg-type]
        anchored=bool(raw.get("anchored", True)),
    )


def parse_model(data: dict[str, object], *, source: str = "reader model") -> ReaderModel:
    """Build a ReaderModel from its JSON form; a model for other features is refused."""
    if data.get("features") != FEATURE_NAMES:
        raise EvaluationError(
            f"The {source} was trained on other features than this code computes.",
            hint="Retrain it: python scripts/train_reader.py",
        )
    skills = {Skill(k): _linear(v) for k, v in data["skills"].items()}  # type: ignore[attr-defined]
    flags = {Flag(k): _linear(v) for k, v in data.get("flags", {}).items()}  # type: ignore[attr-defined]
    directions = np.asarray(data.get("directions", np.zeros((0, EMBEDDING_DIM))), dtype=np.float64)
    clauses = data.get("clauses", {})
    if clauses and clauses.get("dim") != CLAUSE_DIM:  # type: ignore[attr-defined]
        raise EvaluationError(
            f"The {source}'s clause models were trained on other sentence features than this code computes.",
            hint="Retrain it: python scripts/train_reader.py",
        )
    values = clauses.get("values") if clauses else None  # type: ignore[attr-defined]
    return ReaderModel(
        values=None
        if values is None
        else ValuesReading(_linear(values), float(values["low"]), int(values["cap"]), float(values["high"])),
        clauses={Flag(k): _linear(v) for k, v in clauses.get("flags", {}).items()},  # type: ignore[attr-defined]
        skills=skills,
        flags=flags,
        version=str(data.get("version", "")),
        directions=directions.reshape(-1, EMBEDDING_DIM),
    )


def load_model(path: Path = MODEL_FILE) -> ReaderModel | None:
    """The shipped model (cached), or None when the file is absent (the rules then score alone)."""
    with _lock:
        if path not in _loaded:
            if not path.is_file():
                _loaded[path] = None
            else:
                _loaded[path] = parse_model(json.loads(path.read_text(encoding="utf-8")), source=str(path))
        return _loaded[path]


def reset_cache() -> None:
    """Forget loaded models (tests and the trainer)."""
    with _lock:
        _loaded.clear()
