"""Agreement of the offline reader with Hotseat's own labelled corpus, on one split (default: test).

Usage: python benchmarks/corpus_agreement.py [--split test|dev|train] [--json]

Per reply (read in context by the same `read_turn` the app uses): Spearman per skill against the
labels, flag recall and precision, the "fooled" rate on adversarial replies (a skill scored 4-5
that the label puts at 1-2, or an expected flag missed), and how often good replies in plain,
unusual words reach 3 on the skills they deserve 3+ on. Per session (`grade_offline` over the
whole conversation): Spearman per skill. The test split is never read while tuning
(scripts/train_reader.py uses train and dev only): these are the figures to report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from evaluators.offline import grade_offline  # noqa: E402
from evaluators.reading import read_turn  # noqa: E402
from evaluators.skills import Flag, Skill  # noqa: E402
from evaluators.transcript import Transcript, TranscriptTurn  # noqa: E402
from hotseat.practice.personas import PersonaLibrary  # noqa: E402
from hotseat.quality.corpus import ADVERSARIAL_KINDS, replies, sessions  # noqa: E402

SCORED_FLAGS = tuple(f for f in Flag)


def reply_figures(split: str) -> dict[str, object]:
    """Per-skill Spearman, flag recall/precision, fooled rate and good-reply rate on one split."""
    personas = PersonaLibrary(REPO / "personas")
    gold: dict[Skill, list[int]] = {s: [] for s in Skill}
    pred: dict[Skill, list[int]] = {s: [] for s in Skill}
    tp = {f: 0 for f in SCORED_FLAGS}
    fp = {f: 0 for f in SCORED_FLAGS}
    fn = {f: 0 for f in SCORED_FLAGS}
    fooled = adversarial = 0
    good_ok = good_total = 0
    not_english_ok = not_english = 0
    for item in replies(split, personas):
        signals = read_turn(item.reply, item.context())
        if item.kind == "non_english":
            not_english += 1
            not_english_ok += bool(signals.not_graded) and not signals.flags
            continue
        levels = {s: signals.skills.get(s, 1) for s in Skill}
        for s in Skill:
            gold[s].append(item.skills[s])
            pred[s].append(levels[s])
        raised = set(signals.flags)
        item.tally(raised, tp, fp, fn, SCORED_FLAGS)
        if item.kind in ADVERSARIAL_KINDS:
            adversarial += 1
            fooled += item.fools(levels, raised)
        if item.kind == "good_plain":
            deserved = [s for s in Skill if item.skills[s] >= 3 and s is not Skill.PLAIN_LANGUAGE]
            good_total += len(deserved)
            good_ok += sum(levels[s] >= 3 for s in deserved)
    rho = {s.value: round(float(spearmanr(pred[s], gold[s]).statistic), 3) for s in Skill}
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return {
        "split": split,
        "replies": len(gold[Skill.EMPATHY]),
        "spearman": rho,
        "spearman_mean": round(float(np.mean(list(rho.values()))), 3),
        "flag_recall": round(total_tp / max(1, total_tp + total_fn), 3),
        "flag_precision": round(total_tp / max(1, total_tp + total_fp), 3),
        "per_flag": {
            f.value: {
                "recall": round(tp[f] / max(1, tp[f] + fn[f]), 3),
                "precision": round(tp[f] / max(1, tp[f] + fp[f]), 3),
                "support": tp[f] + fn[f],
            }
            for f in SCORED_FLAGS
        },
        "fooled_rate": round(fooled / max(1, adversarial), 3),
        "adversarial_items": adversarial,
        "good_plain_skills_at_3_plus": round(good_ok / max(1, good_total), 3),
        "non_english_recognised": f"{not_english_ok}/{not_english}",
    }


def session_figures(split: str) -> dict[str, object]:
    """Per-skill Spearman of whole-session grades against the session labels."""
    personas = PersonaLibrary(REPO / "personas")
    gold: dict[Skill, list[int]] = {s: [] for s in Skill}
    pred: dict[Skill, list[int]] = {s: [] for s in Skill}
    n = 0
    for item in sessions(split, personas):
        transcript = Transcript(
            id=item.id,
            persona=item.persona,
            turns=[TranscriptTurn(role=role, text=text) for role, text in item.turns],  # type: ignore[arg-type]
        )
        evaluation = grade_offline(
            transcript,
            facts=item.scenario.story(),
            needs=item.scenario.need_examples,
            triggers=item.scenario.trigger_examples,
        )
        n += 1
        for s in Skill:
            gold[s].append(item.skills[s])
            pred[s].append(evaluation.score(s).score)
    rho = {s.value: round(float(spearmanr(pred[s], gold[s]).statistic), 3) for s in Skill}
    return {
        "split": split,
        "sessions": n,
        "spearman": rho,
        "spearman_mean": round(float(np.mean(list(rho.values()))), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=("train", "dev", "test"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = {"replies": reply_figures(args.split), "sessions": session_figures(args.split)}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    r = figures["replies"]
    print(f"Hotseat corpus, {args.split} split: {r['replies']} replies")  # type: ignore[index]
    for skill, rho in r["spearman"].items():  # type: ignore[index,union-attr]
        print(f"  {skill:15s} Spearman {rho:+.3f}")
    print(f"  mean Spearman {r['spearman_mean']:.3f} (target >= .75, none below .60)")  # type: ignore[index]
    print(f"  flags: recall {r['flag_recall']:.3f}, precision {r['flag_precision']:.3f} (targets >= .70)")  # type: ignore[index]
    for flag, f in r["per_flag"].items():  # type: ignore[index,union-attr]
        print(f"    {flag:18s} recall {f['recall']:.2f} precision {f['precision']:.2f} (n={f['support']})")
    print(f"  fooled on adversarial replies: {r['fooled_rate']:.1%} of {r['adversarial_items']} (target <= 20%)")  # type: ignore[index]
    print(f"  good plain replies scored >= 3 where deserved: {r['good_plain_skills_at_3_plus']:.1%}")  # type: ignore[index]
    print(f"  non-English replies recognised (not graded, no flag): {r['non_english_recognised']}")  # type: ignore[index]
    s = figures["sessions"]
    print(f"Sessions: {s['sessions']}")  # type: ignore[index]
    for skill, rho in s["spearman"].items():  # type: ignore[index,union-attr]
        print(f"  {skill:15s} Spearman {rho:+.3f}")
    print(f"  mean Spearman {s['spearman_mean']:.3f}")  # type: ignore[index]
    return 0


if __name__ == "__main__":
    sys.exit(main())
