"""Train the reader's scorers on Hotseat's own corpus: `python scripts/train_reader.py`.

Fits, per skill, a multinomial logistic model over levels 1-5 and, per flag, a logistic model,
on `evaluators.features` of the corpus's **train** split; picks the regularisation and the flag
thresholds on the **dev** split; refits on train+dev and writes `evaluators/models/reader.json`.
The **test** split is never read here (benchmarks/evaluator_agreement.py reports it).
Needs scikit-learn (a test dependency); the shipped model is plain numbers read by numpy.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evaluators import scorer  # noqa: E402
from evaluators.features import EMBEDDING_DIM, FEATURE_NAMES, SCALAR_NAMES  # noqa: E402
from evaluators.flags import detect_injection  # noqa: E402
from evaluators.language import is_english  # noqa: E402
from evaluators.reading import analyse  # noqa: E402
from evaluators.skills import Flag, Skill  # noqa: E402
from hotseat.practice.personas import PersonaLibrary  # noqa: E402
from hotseat.quality.corpus import ReplyItem, replies  # noqa: E402

C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3)
BLENDS = (0.3, 0.45, 0.6)  # the rules keep a share: they carry over to unseen scenarios, the model less so
LEARNED_FLAGS = (
    Flag.POLICY_HIDING,
    Flag.ACCUSATION,
    Flag.DOUBLESPEAK,
)  # non-apology: the rules are precise, the model is not


def featurise(items: list[ReplyItem]) -> tuple[np.ndarray, list[ReplyItem], list[set[Flag]]]:
    """Feature rows for the gradable items (English, not injection), with the rules' flags (cached in /tmp)."""
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
        return pickle.loads(cache.read_bytes())
    result = _featurise(items)
    cache.write_bytes(pickle.dumps(result))
    return result


def _featurise(items: list[ReplyItem]) -> tuple[np.ndarray, list[ReplyItem], list[set[Flag]]]:
    rows, kept, rule_flags = [], [], []
    for item in items:
        if detect_injection(item.reply) or not is_english(item.reply):
            continue
        a = analyse(item.reply, item.context(), with_features=True)
        assert a.x is not None
        rows.append(a.x)
        kept.append(item)
        rule_flags.append(set(a.out.flags))
    return np.vstack(rows), kept, rule_flags


def directions(x: np.ndarray, items: list[ReplyItem]) -> np.ndarray:
    """Per skill, the unit direction in embedding space from low-level to high-level replies."""
    emb = x[:, len(SCALAR_NAMES) : len(SCALAR_NAMES) + EMBEDDING_DIM]
    rows = []
    for skill in Skill:
        y = np.array([i.skills[skill] for i in items])
        hi, lo = emb[y >= 4], emb[y <= 2]
        d = (hi.mean(axis=0) if len(hi) else np.zeros(EMBEDDING_DIM)) - (lo.mean(axis=0) if len(lo) else 0)
        rows.append(d / (np.linalg.norm(d) or 1.0))
    return np.vstack(rows)


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=scorer.MODEL_FILE)
    args = parser.parse_args()
    personas = PersonaLibrary(ROOT / "personas")
    train_items = list(replies("train", personas))
    dev_items = list(replies("dev", personas))
    x_tr, it_tr, _rf_tr = featurise(train_items)
    x_dev, it_dev, rf_dev = featurise(dev_items)
    _raw_tr, _raw_dev = x_tr, x_dev
    print(f"train {len(it_tr)} items, dev {len(it_dev)} items, {x_tr.shape[1]} features")
    dirs_tr = directions(x_tr, it_tr)
    dirs_all = directions(np.vstack([x_tr, x_dev]), it_tr + it_dev)
    x_tr, x_dev = project(x_tr, dirs_tr), project(x_dev, dirs_tr)
    out: dict[str, object] = {
        "version": "reader-1",
        "features": FEATURE_NAMES,
        "directions": np.round(dirs_all, 6).tolist(),
        "skills": {},
        "flags": {},
    }
    summary: dict[str, object] = {}
    # Refit on train+dev with directions from both (the dev projections above used train's only).
    x_all = project(np.vstack([_raw_tr, _raw_dev]), dirs_all)
    for skill in Skill:
        y_tr = np.array([i.skills[skill] for i in it_tr])
        y_dev = np.array([i.skills[skill] for i in it_dev])
        rule_dev = np.maximum(1.0, 5 * x_dev[:, SCALAR_NAMES.index(f"rule_{skill.value}")])
        best = (-2.0, C_GRID[0], 1.0)
        for c in C_GRID:
            model, mean, scale = _fit_skill(x_tr, y_tr, c)
            learned = _expected(model, x_dev, mean, scale)
            for blend in BLENDS:
                pred = np.clip(np.rint(blend * learned + (1 - blend) * rule_dev), 1, 5).astype(int)
                rho = spearmanr(pred, y_dev).statistic
                qwk = cohen_kappa_score(y_dev, pred, weights="quadratic")
                score = float(np.nan_to_num(rho) + qwk)
                if score > best[0]:
                    best = (score, c, blend)
        print(f"  {skill.value:15s} C={best[1]:<6} blend={best[2]} dev (spearman+qwk)/2 {best[0] / 2:.3f}")
        model, mean, scale = _fit_skill(x_all, np.concatenate([y_tr, y_dev]), best[1])
        entry = _full_classes(model, mean, scale)
        entry["blend"] = best[2]
        out["skills"][skill.value] = entry  # type: ignore[index]
        summary[skill.value] = {"C": best[1], "blend": best[2], "dev_score": round(best[0] / 2, 3)}
    for flag in LEARNED_FLAGS:
        y_tr = np.array([flag in i.flags for i in it_tr])
        y_dev = np.array([flag in i.flags for i in it_dev])
        rule_dev = np.array([flag in r for r in rf_dev])
        if y_tr.sum() < 5:
            continue
        best_f = (-1.0, C_GRID[0], 0.5)
        for c in C_GRID:
            mean, scale = _standardise(x_tr)
            model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit((x_tr - mean) / scale, y_tr)
            p = model.predict_proba((x_dev - mean) / scale)[:, 1]
            for t in (0.65, 0.75, 0.85):  # and at run time a learned flag also needs a word of that fault in the turn
                pred = rule_dev | (p >= t)
                tp = float((pred & y_dev).sum())
                prec = tp / max(1, pred.sum())
                rec = tp / max(1, y_dev.sum())
                f1 = 2 * prec * rec / max(1e-9, prec + rec)
                if f1 > best_f[0]:
                    best_f = (f1, c, t)
        rule_only = rule_dev
        tp = float((rule_only & y_dev).sum())
        rule_f1 = 2 * tp / max(1, rule_only.sum() + y_dev.sum())
        print(
            f"  flag {flag.value:18s} dev F1 rules {rule_f1:.3f} rules+model {best_f[0]:.3f}",
            f"(C={best_f[1]}, t={best_f[2]})",
        )
        if best_f[0] <= rule_f1 + 0.01:
            continue  # the model adds nothing the rules do not: leave this flag to the rules
        mean, scale = _standardise(x_all)
        y_all = np.concatenate([y_tr, y_dev])
        model = LogisticRegression(C=best_f[1], max_iter=3000, class_weight="balanced").fit(
            (x_all - mean) / scale, y_all
        )
        entry = {
            "mean": np.round(mean, 6).tolist(),
            "scale": np.round(scale, 6).tolist(),
            "coef": np.round(model.coef_, 6).tolist(),
            "intercept": np.round(model.intercept_, 6).tolist(),
            "classes": [0, 1],
            "threshold": best_f[2],
        }
        out["flags"][flag.value] = entry  # type: ignore[index]
    out["training"] = {"train_items": len(it_tr), "dev_items": len(it_dev), "choices": summary}
    args.out.write_text(json.dumps(out, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
