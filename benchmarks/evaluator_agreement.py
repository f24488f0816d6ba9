"""Agreement of the offline evaluator (and optionally the LLM judge) with human labels.

Usage: python -m benchmarks.evaluator_agreement [DATA_DIR] [--judge] [--limit N]

DATA_DIR defaults to ../shared/data beside the repository: the research-licensed dev files
described in its README. They are read in place and never copied into the repository. Each
item becomes a small transcript: the customer side of its history and its context as customer
turns, its reply as the one trainee turn (the supporter's earlier turns are left out, so the
reply alone is graded). Hotseat's 1-5 scores map to the gold scales exactly as that README
says: to 0-2 by (score - 1) / 2 rounded half up, to 0/1 by score >= 3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"
FILES = ("epitome", "esconv", "annomi", "empathy_ratings", "clear")
CUSTOMER_SPEAKERS = frozenset({"seeker", "client", "customer", "user"})
DIRECT = (("epitome", "empathy"), ("esconv", "paraphrase"), ("annomi", "paraphrase"))
TARGET_MEAN_QWK = 0.50

# Published figures from the data README, to read beside ours (not to copy).
PUBLISHED: dict[tuple[str, str], str] = {
    ("epitome", "empathy"): "RoBERTa acc .82 / F1 .75; humans QWK .73; word list QWK .36",
    ("epitome", "paraphrase"): "RoBERTa acc .84 / F1 .70; humans QWK .72; word list QWK .06",
    ("esconv", "paraphrase"): "word list QWK .26",
    ("annomi", "paraphrase"): "10 experts QWK .65 (present/absent kappa .66); word list QWK .08",
    ("empathy_ratings", "empathy"): "LLMs vs experts median weighted kappa .60; experts .58; word list .01",
    ("clear", "plain_language"): "classic formulas |Spearman| ~.55; word list QWK .35",
}
WORD_LIST_FLOOR: dict[tuple[str, str], float] = {
    ("epitome", "empathy"): 0.36,
    ("epitome", "paraphrase"): 0.06,
    ("esconv", "paraphrase"): 0.26,
    ("annomi", "paraphrase"): 0.08,
    ("empathy_ratings", "empathy"): 0.01,
    ("clear", "plain_language"): 0.35,
}

Grader = Callable[[Any], Any]


@dataclass
class Item:
    """One labelled reply, ready to grade."""

    transcript: Any
    gold: dict[str, int]
    scales: dict[str, list[int]]
    mappings: dict[str, str]
    continuous: float | None


@dataclass
class Row:
    """Agreement figures for one file and skill."""

    file: str
    skill: str
    mapping: str
    n: int
    accuracy: float
    macro_f1: float
    spearman: float
    qwk: float
    majority_accuracy: float
    spearman_continuous: float | None = None


def to_gold_scale(score: int, scale: list[int]) -> int:
    """Map a 1-5 score onto the gold scale: 0-2 by (score - 1) / 2 half up, 0/1 by score >= 3."""
    if scale == [0, 1]:
        return int(score >= 3)
    return int((score - 1) / 2 + 0.5)


def _customer_turns(record: dict[str, Any]) -> list[str]:
    said = [h["text"] for h in record.get("history") or [] if h.get("speaker") in CUSTOMER_SPEAKERS]
    context = (record.get("context") or "").strip()
    if context and not all(line.strip() in "\n".join(said[-3:]) for line in context.splitlines() if line.strip()):
        said.append(context)
    return [t for t in said if t.strip()]


def load_items(path: Path) -> Iterator[Item]:
    """The labelled items of one dev file, as transcripts."""
    from evaluators.transcript import Transcript, TranscriptTurn

    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            record = json.loads(line)
            turns = [TranscriptTurn(role="customer", text=t) for t in _customer_turns(record)]
            turns.append(TranscriptTurn(role="trainee", text=record["reply"]))
            labels = {lab["skill"]: lab for lab in record.get("labels", [])}
            gold = {k: v for k, v in record["gold"].items() if v is not None and k in labels}
            yield Item(
                transcript=Transcript(id=record["id"], turns=turns),
                gold=gold,
                scales={k: labels[k]["scale"] for k in gold},
                mappings={k: labels[k].get("mapping", "") for k in gold},
                continuous=next(
                    (lab.get("gold_continuous") for lab in labels.values() if "gold_continuous" in lab), None
                ),
            )


def _figures(file: str, skill: str, items: list[Item], scores: list[int]) -> Row:
    from scipy.stats import spearmanr
    from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

    gold = [it.gold[skill] for it in items]
    predicted = [to_gold_scale(s, it.scales[skill]) for s, it in zip(scores, items, strict=True)]
    majority = Counter(gold).most_common(1)[0][1] / len(gold)
    rho = spearmanr(scores, gold).statistic if len(set(scores)) > 1 else 0.0
    continuous = [it.continuous for it in items]
    rho_c = None
    if all(c is not None for c in continuous) and len(set(scores)) > 1:
        rho_c = float(spearmanr(scores, continuous).statistic)
    return Row(
        file=file,
        skill=skill,
        mapping=items[0].mappings[skill],
        n=len(gold),
        accuracy=float(accuracy_score(gold, predicted)),
        macro_f1=float(f1_score(gold, predicted, average="macro", zero_division=0)),
        spearman=float(rho),
        qwk=float(cohen_kappa_score(gold, predicted, weights="quadratic")),
        majority_accuracy=majority,
        spearman_continuous=rho_c,
    )


def evaluate(data_dir: Path, grade: Grader, *, limit: int | None = None) -> list[Row]:
    """Grade every item of every dev file present and compute the figures per file and skill."""
    from evaluators.skills import Skill

    rows: list[Row] = []
    for name in FILES:
        path = data_dir / f"{name}.dev.jsonl"
        if not path.is_file():
            print(f"  (skipping {name}: {path} not found)", file=sys.stderr)
            continue
        items = list(load_items(path))[:limit]
        evaluations = [grade(it.transcript) for it in items]
        skills = sorted({k for it in items for k in it.gold if k in {s.value for s in Skill}})
        for skill in skills:
            pairs = [(it, ev) for it, ev in zip(items, evaluations, strict=True) if skill in it.gold]
            scores = [ev.score(Skill(skill)).score for _, ev in pairs]
            rows.append(_figures(name, skill, [it for it, _ in pairs], scores))
    return rows


def render(rows: list[Row], title: str) -> str:
    """A plain-text table, the published figures beside each row, and the summary lines."""
    out = [title, ""]
    head = (
        f"{'file':16} {'skill':15} {'map':6} {'n':>4} {'acc':>5} {'mF1':>5} {'rho':>6} {'QWK':>6} "
        f"{'maj.acc':>7}  published"
    )
    out.append(head)
    out.append("-" * len(head))
    for r in rows:
        kind = "direct" if r.mapping.startswith("direct") else "approx"
        out.append(
            f"{r.file:16} {r.skill:15} {kind:6} {r.n:>4} {r.accuracy:>5.2f} {r.macro_f1:>5.2f} {r.spearman:>+6.2f} "
            f"{r.qwk:>+6.2f} {r.majority_accuracy:>7.2f}  {PUBLISHED.get((r.file, r.skill), '')}"
        )
    out.append("")
    out.append("Majority-class guessing: QWK 0.00 on every row (accuracy shown as maj.acc).")
    direct = [r for r in rows if (r.file, r.skill) in DIRECT]
    if direct:
        mean = sum(r.qwk for r in direct) / len(direct)
        verdict = "meets" if mean >= TARGET_MEAN_QWK else "below"
        out.append(
            f"Mean QWK, directly mapped skills ({', '.join(f'{r.file}/{r.skill}' for r in direct)}): "
            f"{mean:.3f} ({verdict} the {TARGET_MEAN_QWK:.2f} target)"
        )
    approx = [r for r in rows if (r.file, r.skill) not in DIRECT and r.file != "clear"]
    if approx:
        out.append(f"Mean QWK, other rows: {sum(r.qwk for r in approx) / len(approx):.3f}")
    for r in rows:
        floor = WORD_LIST_FLOOR.get((r.file, r.skill))
        if floor is not None:
            out.append(f"  {r.file}/{r.skill}: QWK {r.qwk:+.2f} vs word-list floor {floor:.2f} ({r.qwk - floor:+.2f})")
    clear = next((r for r in rows if r.file == "clear"), None)
    if clear:
        cont = (
            f", {abs(clear.spearman_continuous):.3f} vs teachers' continuous scores"
            if clear.spearman_continuous
            else ""
        )
        out.append(f"CLEAR plain_language |Spearman|: {abs(clear.spearman):.3f} vs tertiles{cont} (formulas ~.55)")
    return "\n".join(out)


def _judge_grader() -> Grader | None:
    try:
        from evaluators.grader import make_grader
        from hotseat.providers.factory import build_judge_model
        from hotseat.settings import load_settings
    except ImportError as exc:
        print(f"--judge: the LLM judge is not available ({exc}); skipping it.", file=sys.stderr)
        return None
    model = build_judge_model(load_settings())
    if model is None:
        print("--judge: no LLM configured (set OPENAI_API_KEY or HOTSEAT_PROVIDER); skipping it.", file=sys.stderr)
        return None
    grader = make_grader(model=model)
    return lambda transcript: grader(transcript)


def main(argv: list[str] | None = None) -> int:
    """Print the agreement tables; exit 0 even when the data is absent (with a clear message)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--judge", action="store_true", help="also run the LLM judge when one is configured")
    parser.add_argument("--limit", type=int, default=None, help="grade only the first N items of each file")
    args = parser.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"Skipping: no labelled data at {args.data_dir} (pass the folder holding *.dev.jsonl).")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from evaluators.offline import grade_offline

    print(render(evaluate(args.data_dir, grade_offline, limit=args.limit), "Offline evaluator vs human labels"))
    if args.judge and (judge := _judge_grader()):
        print()
        print(render(evaluate(args.data_dir, judge, limit=args.limit), "LLM judge vs human labels"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
