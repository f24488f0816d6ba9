"""Train the reader's scorers on Hotseat's own corpus: `python scripts/train_reader.py`.

Fits, per skill, a multinomial logistic model over levels 1-5 and, per flag, a logistic model,
on `evaluators.features` of the corpus's **train and dev** splits. Every choice (regularisation,
the model's share beside the rules, how far below the rules' level it may go, flag thresholds, whether
a learned flag needs a word of its fault) is scored by leave-one-scenario-out cross-validation:
each scenario is read by models that never saw it, through the same `conclude` step (caps and
all) the app uses. A flag's choice must also keep its cross-validated precision. The final
models are refit on train+dev and written to `evaluators/models/reader.json`. The **test**
split is never read here (benchmarks/corpus_agreement.py reports it).
Needs scikit-learn (a test dependency); the shipped model is plain numbers read by numpy.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

import numpy as np
import yaml
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evaluators import scorer  # noqa: E402
from evaluators.clauses import CLAUSE_DIM, CLAUSE_FLAGS  # noqa: E402
from evaluators.features import EMBEDDING_DIM, FEATURE_NAMES, SCALAR_NAMES  # noqa: E402
from evaluators.flags import detect_injection  # noqa: E402
from evaluators.language import is_english  # noqa: E402
from evaluators.reading import Analysis, analyse, conclude  # noqa: E402
from evaluators.rubric import EXAMPLE_SITUATIONS, load_rubrics  # noqa: E402
from evaluators.scorer import ReaderModel, ValuesReading, bounded_level, parse_model  # noqa: E402
from evaluators.signals import TurnContext  # noqa: E402
from evaluators.skills import Flag, Skill  # noqa: E402
from hotseat.practice.personas import PersonaLibrary  # noqa: E402
from hotseat.quality.corpus import ADVERSARIAL_KINDS, ReplyItem, replies  # noqa: E402

C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
BLENDS = (0.3, 0.45, 0.6, 0.75, 0.9, 1.0)  # the model's share of the level; the rest is the rules'
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
PINNED_TURNS = ROOT / "tests" / "fixtures" / "labelled_turns.yaml"
MIN_FLAG_PRECISION = 0.75  # a learned flag may not push a flag's cross-validated precision below this
UNANCHORED_COST = 0.05  # a learned flag without a word of its fault in the turn must earn it clearly
NEAR_BEST = 0.01  # held-out scores this close to the best are treated as ties, won by the cautious choice
SLACKS = (0.0, 1.0, 4.0)  # how far below the rules' level the model may go: not at all, one level, freely
SLACK_COST = 0.02  # per level of slack: the rules carry over to unseen scenarios, so lowering them must earn it
CLAUSE_C = (0.3, 1.0)
CLAUSE_THRESHOLDS = (0.95, 0.9, 0.85, 0.8)  # strictest first: ties keep the stricter
# A clause model takes the most recall that keeps the flag's cross-validated precision at this or more.
# Recall, not F1: the phrase rules were written against these scenarios, so held out here they look
# better than they are on new ones (the old test split: recall .69 -> .53, precision .91 -> .79), and
# F1 undervalues what the clause models add where the rules have never looked. The floor sits that
# optimism above the issue's .70 precision target.
MIN_CLAUSE_PRECISION = 0.75
CLAUSE_PRECISION_SLACK = 0.01  # a clause model may cost this much precision where the reader is below the floor
# Values read sentence by sentence: a model of "this sentence looks past today's problem", trained on
# the sentences the corpus marks in replies labelled 3+ (`values` in corpus/evidence/) against replies
# labelled 1 (none does); 2s, stock lines about valuing them, are left out. Below `low` the level is
# capped, above `high` lifted to 3.
VALUES_C = (0.3, 1.0)
VALUES_LOWS = (0.0, 0.2, 0.3, 0.4, 0.5)  # 0: never capped
VALUES_CAPS = (2, 1)
VALUES_HIGHS = (1.01, 0.95, 0.9, 0.8)  # 1.01: never lifted
CANDIDATE_FLAGS = (
    Flag.POLICY_HIDING,
    Flag.ACCUSATION,
    Flag.DOUBLESPEAK,
    Flag.TRANSACTIONAL,
    Flag.NON_APOLOGY,
)


def featurise(items: list[ReplyItem]) -> tuple[np.ndarray, list[ReplyItem], list[Analysis]]:
    """Feature rows and analyses for the gradable items (English, not injection), cached in /tmp."""
    import hashlib
    import pickle

    key = hashlib.sha256(
        repr([(i.id, i.reply, i.customer, i.scenario.need_examples) for i in items]).encode()
        + Path(__file__).read_bytes()
        + b"".join(p.read_bytes() for p in sorted((ROOT / "evaluators").rglob("*.py")))
        + b"".join(p.read_bytes() for p in sorted((ROOT / "evaluators" / "lexicons").glob("*.yaml")))
    ).hexdigest()[:16]
    cache = Path("/tmp") / f"hotseat-reader-features-{key}.pkl"
    if cache.is_file():
        return pickle.loads(cache.read_bytes())  # type: ignore[no-any-return]
    result = _featurise(items)
    cache.write_bytes(pickle.dumps(result))
    return result


def _featurise(items: list[ReplyItem]) -> tuple[np.ndarray, list[ReplyItem], list[Analysis]]:
    rows, kept, analyses = [], [], []
    for item in items:
        if detect_injection(item.reply) or not is_english(item.reply):
            continue
        a = analyse(item.reply, item.context(), with_features=True)
        assert a.x is not None
        rows.append(a.x)
        kept.append(item)
        analyses.append(a)
    return np.vstack(rows), kept, analyses


def directions(x: np.ndarray, items: list[ReplyItem]) -> np.ndarray:
    """Unit directions in embedding space: per skill from low-level to high-level replies, then per
    candidate flag from replies without it to replies with it."""
    emb = x[:, len(SCALAR_NAMES) : len(SCALAR_NAMES) + EMBEDDING_DIM]
    rows = []
    for skill in Skill:
        y = np.array([i.skills[skill] for i in items])
        rows.append(_direction(emb[y <= 2], emb[y >= 4]))
    for flag in CANDIDATE_FLAGS:
        raised = np.array([flag in i.flags for i in items])
        rows.append(_direction(emb[~raised], emb[raised]))
    return np.vstack(rows)


def _direction(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    d = (high.mean(axis=0) if len(high) else np.zeros(EMBEDDING_DIM)) - (low.mean(axis=0) if len(low) else 0)
    return d / (np.linalg.norm(d) or 1.0)


def project(x: np.ndarray, dirs: np.ndarray) -> np.ndarray:
    """Scalars plus embedding projections: what the shipped scorer sees."""
    n = len(SCALAR_NAMES)
    return np.hstack([x[:, :n], x[:, n : n + EMBEDDING_DIM] @ dirs.T])


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    return mean, scale


def _fit_skill(x: np.ndarray, y: np.ndarray, c: float) -> tuple[LogisticRegression, np.ndarray, np.ndarray]:
    mean, scale = _standardise(x)
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit((x - mean) / scale, y)
    return model, mean, scale


def _expected(model: LogisticRegression, x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    p = model.predict_proba((x - mean) / scale)
    return p @ model.classes_.astype(float)


def _full_classes(model: LogisticRegression, mean: np.ndarray, scale: np.ndarray) -> dict[str, object]:
    coef = model.coef_
    intercept = model.intercept_
    classes = [int(c) for c in model.classes_]
    if len(classes) == 2:  # binary: softmax form with a zero row for the first class
        coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
        intercept = np.array([0.0, intercept[0]])
    return {
        "mean": np.round(mean, 6).tolist(),
        "scale": np.round(scale, 6).tolist(),
        "coef": np.round(coef, 6).tolist(),
        "intercept": np.round(intercept, 6).tolist(),
        "classes": classes,
    }


@dataclass(frozen=True)
class SkillChoice:
    """How one skill's level is made: the model's C, its share beside the rules, and how far it may go below them."""

    c: float
    blend: float
    slack: float


@dataclass(frozen=True)
class FlagChoice:
    """How one flag is learned: C, the probability threshold, and whether it needs a word of the fault."""

    c: float
    threshold: float
    anchored: bool


@dataclass(frozen=True)
class ClauseChoice:
    """How one flag is read sentence by sentence: C and the probability threshold."""

    c: float
    threshold: float


@dataclass(frozen=True)
class ValuesChoice:
    """How values are read sentence by sentence: C, and the cap below `low` / the lift above `high`."""

    c: float
    low: float
    cap: int
    high: float


@dataclass(frozen=True)
class _HeldOutValues:
    """Stands in for a ValuesReading: the item's held-out probability of its likeliest values sentence."""

    likeliest: float
    low: float
    cap: int
    high: float

    def presence(self, sentences: np.ndarray) -> float:
        return self.likeliest if len(sentences) else 0.0

    bound = ValuesReading.bound


@dataclass
class CrossValidated:
    """Every item's predictions from models that never saw its scenario, per skill / flag and C."""

    learned: dict[Skill, dict[float, np.ndarray]]
    probability: dict[Flag, dict[float, np.ndarray]]
    # per clause flag and C: the item's most suspect sentence's probability, and its index
    clause: dict[Flag, dict[float, tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    # per C: the probability of the item's likeliest values sentence
    values: dict[float, np.ndarray] = field(default_factory=dict)


def fit_clause(
    rows: list[np.ndarray], labels: list[bool], c: float, evidence: list[set[int] | None] | None = None
) -> LogisticRegression:
    """A sentence model for one flag. Where the corpus labels which sentences carry the flag
    (`evidence`), those sentences are the positives and the reply's other sentences negatives.
    Elsewhere it learns from turn labels (multiple-instance): first every sentence of a flagged turn
    counts as flagged; then only the sentences the first model finds suspect (at least the most
    suspect one), the others weighing less."""
    marked = evidence or [None] * len(rows)
    x = np.vstack(rows)
    owner = np.concatenate([np.full(len(r), i) for i, r in enumerate(rows)])
    y = np.concatenate(
        [
            np.array([int(flagged and (m is None or j in m)) for j in range(len(r))], dtype=int)
            for r, flagged, m in zip(rows, labels, marked, strict=True)
        ]
    )
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, y)
    p = model.predict_proba(x)[:, 1]
    refined = y.copy()
    weight = np.ones(len(y))
    for i, flagged in enumerate(labels):
        if not flagged or not len(rows[i]) or marked[i] is not None:
            continue
        mine = np.flatnonzero(owner == i)
        refined[mine] = p[mine] >= 0.5
        refined[mine[p[mine].argmax()]] = 1
        weight[mine] = np.where(refined[mine] == 1, 1.0, 0.3)
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, refined, sample_weight=weight)


def clause_evidence(flag: Flag, items: list[ReplyItem], analyses: list[Analysis]) -> list[set[int] | None]:
    """Per item, the reader's sentences that the corpus labels as carrying `flag` (None: not labelled,
    or no reader sentence matches the label)."""
    marked: list[set[int] | None] = []
    for item, a in zip(items, analyses, strict=True):
        found = item.evidence_sentences(flag, a.turn.sentences) if flag in item.flags else None
        marked.append(found or None)
    return marked


def fit_values(
    rows: list[np.ndarray], items: list[ReplyItem], analyses: list[Analysis], c: float
) -> LogisticRegression:
    """The values-sentence model: in replies labelled 3+ the sentences the corpus marks as carrying
    values (multiple-instance where unmarked, as `fit_clause`), against every sentence of replies
    labelled 1; stock lines (2) are left out."""
    kept = [k for k, item in enumerate(items) if item.skills[Skill.VALUES] != 2]
    marked = [items[k].values_sentences(analyses[k].turn.sentences) or None for k in kept]
    return fit_clause([rows[k] for k in kept], [items[k].skills[Skill.VALUES] >= 3 for k in kept], c, marked)


def _most_suspect(model: LogisticRegression, rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    best_p, best_i = np.zeros(len(rows)), np.zeros(len(rows), dtype=int)
    for k, r in enumerate(rows):
        if len(r):
            p = model.predict_proba(r)[:, 1]
            best_p[k], best_i[k] = float(p.max()), int(p.argmax())
    return best_p, best_i


def _sentence_rows(analyses: list[Analysis]) -> list[np.ndarray]:
    return [a.sentence_x if a.sentence_x is not None else np.zeros((0, CLAUSE_DIM)) for a in analyses]


def cross_validate(x: np.ndarray, items: list[ReplyItem], analyses: list[Analysis]) -> CrossValidated:
    """Leave one scenario out: fit on the others (directions too), predict the one left out."""
    scenario = np.array([i.scenario.id for i in items])
    n = len(items)
    cv = CrossValidated(
        learned={s: {c: np.zeros(n) for c in C_GRID} for s in Skill},
        probability={f: {c: np.zeros(n) for c in C_GRID} for f in CANDIDATE_FLAGS},
        clause={f: {c: (np.zeros(n), np.zeros(n, dtype=int)) for c in CLAUSE_C} for f in CLAUSE_FLAGS},
        values={c: np.zeros(n) for c in VALUES_C},
    )
    sentence_rows = _sentence_rows(analyses)
    for held in sorted(set(scenario)):
        tr, te = scenario != held, scenario == held
        kept = [i for i, keep in zip(items, tr, strict=True) if keep]
        px = project(x, directions(x[tr], kept))
        for skill in Skill:
            y = np.array([i.skills[skill] for i in items])
            for c in C_GRID:
                model, mean, scale = _fit_skill(px[tr], y[tr], c)
                cv.learned[skill][c][te] = _expected(model, px[te], mean, scale)
        for flag in CANDIDATE_FLAGS:
            yf = np.array([flag in i.flags for i in items])
            for c in C_GRID:
                if yf[tr].sum() < 5:
                    continue
                mean, scale = _standardise(px[tr])
                model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
                model.fit((px[tr] - mean) / scale, yf[tr])
                cv.probability[flag][c][te] = model.predict_proba((px[te] - mean) / scale)[:, 1]
        train_rows = [r for r, keep in zip(sentence_rows, tr, strict=True) if keep]
        test_rows = [r for r, hold in zip(sentence_rows, te, strict=True) if hold]
        kept_analyses = [a for a, keep in zip(analyses, tr, strict=True) if keep]
        for flag in CLAUSE_FLAGS:
            labels = [flag in i.flags for i in kept]
            marked = clause_evidence(flag, kept, kept_analyses)
            for c in CLAUSE_C:
                best_p, best_i = _most_suspect(fit_clause(train_rows, labels, c, marked), test_rows)
                cv.clause[flag][c][0][te] = best_p
                cv.clause[flag][c][1][te] = best_i
        for c in VALUES_C:
            cv.values[c][te] = _most_suspect(fit_values(train_rows, kept, kept_analyses, c), test_rows)[0]
        print(f"  fold {held}: {int(te.sum())} items", flush=True)
    return cv


@dataclass(frozen=True)
class _FlagEntry:
    anchored: bool


class _HeldOutModel:
    """Stands in for a ReaderModel inside `conclude`: item `index`'s held-out predictions under the choices."""

    def __init__(
        self,
        cv: CrossValidated,
        index: int,
        skills: dict[Skill, SkillChoice],
        flags: dict[Flag, FlagChoice],
        clauses: dict[Flag, ClauseChoice] | None = None,
        values: ValuesChoice | None = None,
    ) -> None:
        self.cv, self.index, self.skill_choices, self.flag_choices = cv, index, skills, flags
        self.flags = {f: _FlagEntry(choice.anchored) for f, choice in flags.items()}
        self.clauses = clauses or {}
        self.values = (
            None
            if values is None
            else _HeldOutValues(float(cv.values[values.c][index]), values.low, values.cap, values.high)
        )

    def clause_flag(self, flag: Flag, sentences: np.ndarray) -> int | None:
        choice = self.clauses.get(flag)
        if choice is None or not len(sentences):
            return None
        best_p, best_i = self.cv.clause[flag][choice.c]
        return int(best_i[self.index]) if best_p[self.index] >= choice.threshold else None

    def skill_level(self, skill: Skill, x: np.ndarray) -> float:
        choice = self.skill_choices[skill]
        learned = float(self.cv.learned[skill][choice.c][self.index])
        return bounded_level(skill, learned, x, blend=choice.blend, slack=choice.slack)

    def flag_raised(self, flag: Flag, x: np.ndarray) -> bool:
        choice = self.flag_choices.get(flag)
        return choice is not None and float(self.cv.probability[flag][choice.c][self.index]) >= choice.threshold


@dataclass
class Figures:
    """Agreement of held-out readings with the labels, as benchmarks/corpus_agreement.py counts it."""

    pred: dict[Skill, np.ndarray]
    gold: dict[Skill, np.ndarray]
    tp: dict[Flag, int]
    fp: dict[Flag, int]
    fn: dict[Flag, int]
    fooled: float
    evidence_right: int = 0  # raised, rightly, with evidence labels: the shown sentence is a labelled one
    evidence_labelled: int = 0

    def skill_score(self, skill: Skill) -> float:
        qwk = cohen_kappa_score(self.gold[skill], self.pred[skill], weights="quadratic")
        return float(self.spearman(skill) + qwk) / 2

    def spearman(self, skill: Skill) -> float:
        return float(np.nan_to_num(spearmanr(self.pred[skill], self.gold[skill]).statistic))

    def precision(self, flag: Flag) -> float:
        return self.tp[flag] / max(1, self.tp[flag] + self.fp[flag])

    def recall(self, flag: Flag) -> float:
        return self.tp[flag] / max(1, self.tp[flag] + self.fn[flag])

    def f1(self, flag: Flag) -> float:
        return 2 * self.tp[flag] / max(1, 2 * self.tp[flag] + self.fp[flag] + self.fn[flag])


def held_out(
    cv: CrossValidated | None,
    items: list[ReplyItem],
    analyses: list[Analysis],
    skills: dict[Skill, SkillChoice],
    flags: dict[Flag, FlagChoice],
    clauses: dict[Flag, ClauseChoice] | None = None,
    values: ValuesChoice | None = None,
    misses: list[dict[str, object]] | None = None,
) -> Figures:
    """Read every item through `conclude` with its held-out predictions (cv None: the rules alone).

    With `misses`, every item the held-out reading gets wrong (a flag missed or raised wrongly, or a
    skill two or more levels off) is appended to it, for study (train and dev items only)."""
    pred = {s: np.zeros(len(items), dtype=int) for s in Skill}
    tp = {f: 0 for f in Flag}
    fp = {f: 0 for f in Flag}
    fn = {f: 0 for f in Flag}
    fooled = adversarial = evidence_right = evidence_labelled = 0
    for i, (item, a) in enumerate(zip(items, analyses, strict=True)):
        model = None if cv is None else cast(ReaderModel, _HeldOutModel(cv, i, skills, flags, clauses, values))
        signals = conclude(replace(a, out=a.out.model_copy(deep=True)), item.context(), model)
        levels = {s: signals.skills.get(s, 1) for s in Skill}
        for s in Skill:
            pred[s][i] = levels[s]
        raised = set(signals.flags)
        item.tally(raised, tp, fp, fn, Flag)
        if misses is not None:
            _note_miss(misses, item, levels, raised)
        for f in raised & item.flags:
            right = item.shows_evidence(f, signals.evidence.get(f.value, ""))
            if right is not None:
                evidence_labelled += 1
                evidence_right += right
        if item.kind in ADVERSARIAL_KINDS:
            adversarial += 1
            fooled += item.fools(levels, raised)
    gold = {s: np.array([i.skills[s] for i in items]) for s in Skill}
    return Figures(pred, gold, tp, fp, fn, fooled / max(1, adversarial), evidence_right, evidence_labelled)


def _note_miss(misses: list[dict[str, object]], item: ReplyItem, levels: dict[Skill, int], raised: set[Flag]) -> None:
    """Append `item` to `misses` when its held-out reading misses or wrongly raises a flag, or puts a skill
    two or more levels off."""
    off = {s.value: (item.skills[s], levels[s]) for s in Skill if abs(item.skills[s] - levels[s]) >= 2}
    if off or raised != set(item.flags):
        misses.append(
            {
                "id": item.id,
                "kind": item.kind,
                "reply": item.reply,
                "missed": sorted(f.value for f in item.flags - raised),
                "wrongly_raised": sorted(f.value for f in raised - item.flags),
                "skills_off": off,
            }
        )


@dataclass
class Anchors:
    """Hand-checked turns the reader must keep: the rubrics' own examples (read in the situations they
    were written for) and the labelled turns the tests pin (`tests/fixtures/labelled_turns.yaml`).

    A choice may not move a rubric example further from its level than the rules alone do, nor a
    pinned turn more than one level from its label (unless the rules already do); and a learned
    flag may not fire where the example says it should not (a rubric example of level 3+, or a
    pinned turn without that flag).
    """

    analyses: list[Analysis]
    contexts: list[TurnContext]
    x: np.ndarray
    wanted: list[dict[Skill, int]]
    tolerance: list[int]
    allowed_flags: list[set[Flag]]
    rule_errors: list[dict[Skill, int]]
    rule_flags: list[set[Flag]]

    @classmethod
    def load(cls) -> Anchors:
        cases: list[tuple[str, TurnContext, dict[Skill, int], int, set[Flag]]] = []
        rubric_context = TurnContext(customer_said=EXAMPLE_SITUATIONS)
        for skill, rubric in load_rubrics().items():
            for level in rubric.levels:
                allowed = set(Flag) if level.score < 3 else set()
                cases += [(e, rubric_context, {skill: level.score}, 0, allowed) for e in level.examples]
        pinned = yaml.safe_load(PINNED_TURNS.read_text(encoding="utf-8"))["cases"]
        for case in pinned:
            said = case["customer"] if isinstance(case["customer"], list) else [case["customer"]]
            context = TurnContext(customer_said=said, felt_heard=case.get("felt_heard", False))
            wanted = {Skill(k): int(v) for k, v in case["skills"].items()}
            cases.append((case["trainee"], context, wanted, 1, {Flag(f) for f in case["flags"]}))
        anchors = cls([], [], np.zeros((0, len(FEATURE_NAMES))), [], [], [], [], [])
        rows = []
        for text, context, wanted, tolerance, allowed in cases:
            if detect_injection(text) or not is_english(text):
                continue
            a = analyse(text, context, with_features=True)
            signals = conclude(replace(a, out=a.out.model_copy(deep=True)), context, None)
            anchors.analyses.append(a)
            anchors.contexts.append(context)
            rows.append(a.x)
            anchors.wanted.append(wanted)
            anchors.tolerance.append(tolerance)
            anchors.allowed_flags.append(allowed)
            anchors.rule_errors.append({s: abs(signals.skills.get(s, 1) - w) for s, w in wanted.items()})
            anchors.rule_flags.append(set(signals.flags))
        anchors.x = np.vstack(rows)
        return anchors

    def excess(
        self,
        fitted: CrossValidated,
        skills: dict[Skill, SkillChoice],
        flags: dict[Flag, FlagChoice],
        clauses: dict[Flag, ClauseChoice] | None = None,
        values: ValuesChoice | None = None,
    ) -> tuple[dict[Skill, int], dict[Flag, int]]:
        """Per skill, how many anchors the choices move out of bounds; per flag, how many it wrongly fires on."""
        moved = dict.fromkeys(Skill, 0)
        fired = dict.fromkeys(Flag, 0)
        for i, a in enumerate(self.analyses):
            model = cast(ReaderModel, _HeldOutModel(fitted, i, skills, flags, clauses, values))
            signals = conclude(replace(a, out=a.out.model_copy(deep=True)), self.contexts[i], model)
            for skill, want in self.wanted[i].items():
                bound = max(self.tolerance[i], self.rule_errors[i][skill])
                moved[skill] += abs(signals.skills.get(skill, 1) - want) > bound
            for f in set(signals.flags) - self.rule_flags[i] - self.allowed_flags[i]:
                fired[f] += 1
        return moved, fired


def fit_all(
    x: np.ndarray, items: list[ReplyItem], analyses: list[Analysis], x_new: np.ndarray, new: list[Analysis]
) -> CrossValidated:
    """Predictions for `x_new` (analyses `new`) from models fitted on every item (per skill / flag and C)."""
    dirs = directions(x, items)
    px, pn = project(x, dirs), project(x_new, dirs)
    n = len(x_new)
    fitted = CrossValidated(
        learned={s: {c: np.zeros(n) for c in C_GRID} for s in Skill},
        probability={f: {c: np.zeros(n) for c in C_GRID} for f in CANDIDATE_FLAGS},
        clause={},
    )
    rows, new_rows = _sentence_rows(analyses), _sentence_rows(new)
    for flag in CLAUSE_FLAGS:
        labels = [flag in i.flags for i in items]
        marked = clause_evidence(flag, items, analyses)
        fitted.clause[flag] = {c: _most_suspect(fit_clause(rows, labels, c, marked), new_rows) for c in CLAUSE_C}
    fitted.values = {c: _most_suspect(fit_values(rows, items, analyses, c), new_rows)[0] for c in VALUES_C}
    for skill in Skill:
        y = np.array([i.skills[skill] for i in items])
        for c in C_GRID:
            model, mean, scale = _fit_skill(px, y, c)
            fitted.learned[skill][c][:] = _expected(model, pn, mean, scale)
    for flag in CANDIDATE_FLAGS:
        yf = np.array([flag in i.flags for i in items])
        for c in C_GRID:
            mean, scale = _standardise(px)
            model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit((px - mean) / scale, yf)
            fitted.probability[flag][c][:] = model.predict_proba((pn - mean) / scale)[:, 1]
    return fitted


def _simplest_near_best(scored: list[tuple[float, SkillChoice]]) -> SkillChoice:
    """The most cautious choice (least slack, strongest regularisation, smallest model share) whose
    held-out score is within NEAR_BEST of the best: small differences between folds are noise, and
    the cautious model carries over better to conversations unlike the corpus."""
    top = max(score for score, _ in scored)
    near = [choice for score, choice in scored if score >= top - NEAR_BEST]
    return min(near, key=lambda c: (c.slack, c.c, c.blend))


def choose(
    cv: CrossValidated, items: list[ReplyItem], analyses: list[Analysis], anchors: Anchors, fitted: CrossValidated
) -> tuple[dict[Skill, SkillChoice], dict[Flag, FlagChoice]]:
    """Skill choices, then flag choices given them, then the skills again given the flags: the best
    held-out agreement among the choices that keep the rubric's examples where the rules put them."""
    skills = {s: SkillChoice(C_GRID[0], BLENDS[0], 0.0) for s in Skill}
    flags: dict[Flag, FlagChoice] = {}
    for _round in range(2):
        scored: dict[Skill, list[tuple[float, SkillChoice]]] = {s: [] for s in Skill}
        by_slack: dict[tuple[Skill, float], float] = {}
        for slack in SLACKS:
            for c in C_GRID:
                for blend in BLENDS:
                    choice = SkillChoice(c, blend, slack)
                    figures = held_out(cv, items, analyses, dict.fromkeys(Skill, choice), flags)
                    moved, _fired = anchors.excess(fitted, dict.fromkeys(Skill, choice), flags)
                    for s in Skill:
                        if moved[s]:
                            continue
                        # Letting the model lower the rules' level must earn its keep clearly.
                        raw = figures.skill_score(s)
                        by_slack[s, slack] = max(by_slack.get((s, slack), -9.0), raw)
                        scored[s].append((raw - SLACK_COST * min(slack, 2.0), choice))
        skills = {s: _simplest_near_best(scored[s]) if scored[s] else skills[s] for s in Skill}
        for s in Skill:
            print(
                f"  {s.value:15s} best (rho+qwk)/2 by slack:",
                {k: round(by_slack.get((s, k), float("nan")), 3) for k in SLACKS},
            )
        base = held_out(cv, items, analyses, skills, {})
        best_f: dict[Flag, tuple[float, FlagChoice | None]] = {f: (base.f1(f), None) for f in CANDIDATE_FLAGS}
        by_anchor: dict[tuple[Flag, bool], float] = {}
        for anchored in (True, False):
            for c in C_GRID:
                for t in THRESHOLDS:
                    choice_f = FlagChoice(c, t, anchored)
                    figures = held_out(cv, items, analyses, skills, dict.fromkeys(CANDIDATE_FLAGS, choice_f))
                    _moved, fired = anchors.excess(fitted, skills, dict.fromkeys(CANDIDATE_FLAGS, choice_f))
                    for f in CANDIDATE_FLAGS:
                        if fired[f]:
                            continue
                        floor_p = min(MIN_FLAG_PRECISION, base.precision(f)) if base.tp[f] else MIN_FLAG_PRECISION
                        gain = figures.f1(f) - (0.0 if anchored else UNANCHORED_COST)
                        if figures.precision(f) >= floor_p:
                            by_anchor[f, anchored] = max(by_anchor.get((f, anchored), 0.0), figures.f1(f))
                        if figures.precision(f) >= floor_p and gain > best_f[f][0] + 0.01:
                            best_f[f] = (gain, choice_f)
        flags = {f: choice for f, (_, choice) in best_f.items() if choice is not None}
        for f in CANDIDATE_FLAGS:
            print(
                f"  flag {f.value:15s} F1 rules {base.f1(f):.3f}, learned anchored / not:",
                round(by_anchor.get((f, True), 0), 3),
                round(by_anchor.get((f, False), 0), 3),
            )
    return skills, flags


def choose_clauses(
    cv: CrossValidated,
    items: list[ReplyItem],
    analyses: list[Analysis],
    anchors: Anchors,
    fitted: CrossValidated,
    skills: dict[Skill, SkillChoice],
    flags: dict[Flag, FlagChoice],
) -> dict[Flag, ClauseChoice]:
    """Per flag, the clause model (C, threshold) with the most held-out recall over the reader without it,
    keeping precision at MIN_CLAUSE_PRECISION or more (or, where the reader without it is already below
    that, no lower than the reader's own) and firing on no anchor that forbids the flag."""
    base = held_out(cv, items, analyses, skills, flags)
    floor = {f: min(MIN_CLAUSE_PRECISION, base.precision(f) - CLAUSE_PRECISION_SLACK) for f in CLAUSE_FLAGS}
    best: dict[Flag, tuple[float, ClauseChoice | None]] = {f: (base.recall(f) + 0.01, None) for f in CLAUSE_FLAGS}
    for c in CLAUSE_C:
        for t in CLAUSE_THRESHOLDS:
            choice = ClauseChoice(c, t)
            trial = dict.fromkeys(CLAUSE_FLAGS, choice)
            figures = held_out(cv, items, analyses, skills, flags, trial)
            _moved, fired = anchors.excess(fitted, skills, flags, trial)
            for f in CLAUSE_FLAGS:
                print(
                    f"  clause {f.value:15s} C {c} t {t}: P {figures.precision(f):.3f} R {figures.recall(f):.3f}"
                    f" F1 {figures.f1(f):.3f} (without: {base.f1(f):.3f}), anchors fired {fired[f]}"
                )
                if fired[f] or figures.precision(f) < floor[f]:
                    continue
                if figures.recall(f) > best[f][0]:
                    best[f] = (figures.recall(f), choice)
    return {f: choice for f, (_, choice) in best.items() if choice is not None}


def choose_values(
    cv: CrossValidated,
    items: list[ReplyItem],
    analyses: list[Analysis],
    anchors: Anchors,
    fitted: CrossValidated,
    chosen: tuple[dict[Skill, SkillChoice], dict[Flag, FlagChoice], dict[Flag, ClauseChoice]],
) -> ValuesChoice | None:
    """The values-sentence reading with the best held-out values score, if it beats the reader without
    it by more than NEAR_BEST, moving no anchor out of bounds; near-ties go to the gentlest choice."""
    skills, flags, clauses = chosen
    base = held_out(cv, items, analyses, skills, flags, clauses).skill_score(Skill.VALUES)
    scored: list[tuple[float, ValuesChoice]] = []
    for c in VALUES_C:
        for low in VALUES_LOWS:
            for cap in VALUES_CAPS if low else (5,):
                for high in VALUES_HIGHS:
                    choice = ValuesChoice(c, low, cap, high)
                    score = held_out(cv, items, analyses, skills, flags, clauses, choice).skill_score(Skill.VALUES)
                    moved, _fired = anchors.excess(fitted, skills, flags, clauses, choice)
                    print(f"  values C {c} low {low} cap {cap} high {high}: {score:.3f} (without {base:.3f})")
                    if not moved[Skill.VALUES]:
                        scored.append((score, choice))
    top = max((score for score, _ in scored), default=base)
    if top <= base + NEAR_BEST:
        return None
    near = [choice for score, choice in scored if score >= top - NEAR_BEST]
    return min(near, key=lambda v: (v.low, -v.high, -v.cap, v.c))


def report(title: str, figures: Figures, items: list[ReplyItem]) -> dict[str, object]:
    """Print and return the held-out figures."""
    rho = {s.value: round(figures.spearman(s), 3) for s in Skill}
    tp, fp, fn = (sum(d.values()) for d in (figures.tp, figures.fp, figures.fn))
    summary = {
        "spearman": rho,
        "spearman_mean": round(float(np.mean(list(rho.values()))), 3),
        "flag_recall": round(tp / max(1, tp + fn), 3),
        "flag_precision": round(tp / max(1, tp + fp), 3),
        "fooled": round(figures.fooled, 3),
        "evidence_right": round(figures.evidence_right / max(1, figures.evidence_labelled), 3),
    }
    print(f"{title}: {len(items)} items, mean Spearman {summary['spearman_mean']}", rho)
    print(f"  flags recall {summary['flag_recall']} precision {summary['flag_precision']}, fooled {figures.fooled:.3f}")
    print(
        f"  evidence shown is a labelled sentence: {figures.evidence_right} of {figures.evidence_labelled}"
        " rightly raised flags with evidence labels"
    )
    for f in Flag:
        if figures.tp[f] + figures.fn[f]:
            print(f"    {f.value:18s} P {figures.precision(f):.2f} R {figures.recall(f):.2f} F1 {figures.f1(f):.2f}")
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=scorer.MODEL_FILE)
    parser.add_argument(
        "--misses", type=Path, help="Also write, as JSON lines, each train/dev item the held-out reader gets wrong."
    )
    args = parser.parse_args()
    personas = PersonaLibrary(ROOT / "personas")
    x_raw, items, analyses = featurise([*replies("train", personas), *replies("dev", personas)])
    print(
        f"train+dev: {len(items)} items from {len({i.scenario.id for i in items})} scenarios, {x_raw.shape[1]} features"
    )
    cv = cross_validate(x_raw, items, analyses)
    anchors = Anchors.load()
    fitted = fit_all(x_raw, items, analyses, anchors.x, anchors.analyses)
    skills, flags = choose(cv, items, analyses, anchors, fitted)
    clauses = choose_clauses(cv, items, analyses, anchors, fitted, skills, flags)
    values = choose_values(cv, items, analyses, anchors, fitted, (skills, flags, clauses))
    rules = report("rules alone, held out", held_out(None, items, analyses, skills, {}), items)
    wrong: list[dict[str, object]] = []
    chosen_figures = held_out(cv, items, analyses, skills, flags, clauses, values, wrong)
    chosen = report("chosen reader, held out", chosen_figures, items)
    if args.misses:
        args.misses.write_text("".join(json.dumps(w) + "\n" for w in wrong), encoding="utf-8")
        print(f"wrote {len(wrong)} held-out misses to {args.misses}")
    for s, choice in skills.items():
        print(f"  {s.value:15s} {choice}")
    for f, choice_f in flags.items():
        print(f"  flag {f.value:13s} {choice_f}")
    for f, choice_c in clauses.items():
        print(f"  clause {f.value:11s} {choice_c}")
    print(f"  values sentences {values}")

    dirs = directions(x_raw, items)
    px = project(x_raw, dirs)
    out: dict[str, object] = {
        "version": "reader-2",
        "features": FEATURE_NAMES,
        "directions": np.round(dirs, 6).tolist(),
        "skills": {},
        "flags": {},
    }
    for skill, choice in skills.items():
        y = np.array([i.skills[skill] for i in items])
        model, mean, scale = _fit_skill(px, y, choice.c)
        entry = _full_classes(model, mean, scale)
        entry.update(blend=choice.blend, slack=choice.slack)
        out["skills"][skill.value] = entry  # type: ignore[index]
    for flag, choice_f in flags.items():
        yf = np.array([flag in i.flags for i in items])
        mean, scale = _standardise(px)
        model = LogisticRegression(C=choice_f.c, max_iter=3000, class_weight="balanced").fit((px - mean) / scale, yf)
        out["flags"][flag.value] = {  # type: ignore[index]
            "mean": np.round(mean, 6).tolist(),
            "scale": np.round(scale, 6).tolist(),
            "coef": np.round(model.coef_, 6).tolist(),
            "intercept": np.round(model.intercept_, 6).tolist(),
            "classes": [0, 1],
            "threshold": choice_f.threshold,
            "anchored": choice_f.anchored,
        }
    sentence_rows = _sentence_rows(analyses)
    out["clauses"] = {"dim": CLAUSE_DIM, "flags": {}}
    for flag, choice_c in clauses.items():
        marked = clause_evidence(flag, items, analyses)
        clause_model = fit_clause(sentence_rows, [flag in i.flags for i in items], choice_c.c, marked)
        out["clauses"]["flags"][flag.value] = {  # type: ignore[index]
            "coef": np.round(clause_model.coef_, 6).tolist(),
            "intercept": np.round(clause_model.intercept_, 6).tolist(),
            "classes": [0, 1],
            "threshold": choice_c.threshold,
        }
    if values is not None:
        values_model = fit_values(sentence_rows, items, analyses, values.c)
        out["clauses"]["values"] = {  # type: ignore[index]
            "coef": np.round(values_model.coef_, 6).tolist(),
            "intercept": np.round(values_model.intercept_, 6).tolist(),
            "classes": [0, 1],
            "low": values.low,
            "cap": values.cap,
            "high": values.high,
        }
    out["training"] = {
        "items": len(items),
        "scenarios": sorted({i.scenario.id for i in items}),
        "cross_validated": {"rules_alone": rules, "reader": chosen},
        "skills": {s.value: vars(c) for s, c in skills.items()},
        "flags": {f.value: vars(c) for f, c in flags.items()},
        "clauses": {f.value: vars(c) for f, c in clauses.items()},
        "values_sentences": None if values is None else vars(values),
    }
    parse_model(out)  # the file must load
    args.out.write_text(json.dumps(out, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
