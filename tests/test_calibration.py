"""Calibration: quadratic-weighted kappa against scikit-learn, and the per-skill report."""

from __future__ import annotations

import importlib.util
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from helpers_org import World, build_world, fast_passwords, fixed_grade
from sklearn.metrics import cohen_kappa_score

from evaluators.skills import Skill
from hotseat.errors import AccessDenied, NotFoundError
from hotseat.org import accounts
from hotseat.org.accounts import Role
from hotseat.org.calibration import calibrate, calibration_report, quadratic_weighted_kappa
from hotseat.org.cohorts import add_grader
from hotseat.org.reviews import Review, ReviewedSkill, SkillDecision, submit_for_review, submit_review

SCALE = [1, 2, 3, 4, 5]
ROOT = Path(__file__).resolve().parent.parent


def sklearn_qwk(a: list[int], b: list[int]) -> float:
    """scikit-learn's kappa on the full 1–5 scale (without `labels` it would index only the scores seen)."""
    return float(cohen_kappa_score(a, b, weights="quadratic", labels=SCALE))


# -- the kappa itself -------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(40))
def test_qwk_matches_scikit_learn_on_random_ratings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    a = rng.integers(1, 6, n)
    b = np.clip(a + rng.integers(-2, 3, n), 1, 5) if seed % 2 else rng.integers(1, 6, n)
    ours, theirs = quadratic_weighted_kappa(a.tolist(), b.tolist()), sklearn_qwk(a.tolist(), b.tolist())
    if math.isnan(theirs):
        assert math.isnan(ours)
    else:
        assert ours == pytest.approx(theirs, abs=1e-12)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]),
        ([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]),
        ([3, 3, 3, 4], [3, 3, 4, 4]),
        ([1, 5, 1, 5], [2, 4, 2, 4]),
        ([2, 2, 5], [2, 5, 5]),  # scores 3 and 4 never given: the scale, not the scores seen, sets the weights
    ],
)
def test_qwk_matches_scikit_learn_on_edge_cases(a: list[int], b: list[int]) -> None:
    assert quadratic_weighted_kappa(a, b) == pytest.approx(sklearn_qwk(a, b), abs=1e-12)


def test_qwk_is_one_for_perfect_agreement_symmetric_and_undefined_without_spread() -> None:
    assert quadratic_weighted_kappa([1, 3, 5], [1, 3, 5]) == pytest.approx(1.0)
    assert quadratic_weighted_kappa([1, 2, 4, 5], [2, 2, 5, 3]) == pytest.approx(
        quadratic_weighted_kappa([2, 2, 5, 3], [1, 2, 4, 5])
    )
    assert math.isnan(quadratic_weighted_kappa([4, 4, 4], [4, 4, 4]))
    assert math.isnan(quadratic_weighted_kappa([], []))
    assert quadratic_weighted_kappa([3, 3, 3], [4, 4, 4]) == pytest.approx(
        0.0
    )  # a constant offset: no better than chance


def test_qwk_refuses_mismatched_or_off_scale_ratings() -> None:
    with pytest.raises(ValueError, match="same number"):
        quadratic_weighted_kappa([1, 2], [1])
    with pytest.raises(ValueError, match="scale"):
        quadratic_weighted_kappa([0, 2], [1, 2])


# -- the report, from reviews (no database) ---------------------------------------------------
def _review(review_id: int, session: str, grader: str, pairs: dict[Skill, tuple[int, int]]) -> Review:
    both = {s: pairs.get(s, (3, 3)) for s in Skill}
    skills = tuple(ReviewedSkill(s, e, g, "why" if e != g else "") for s, (e, g) in both.items())
    return Review(review_id, session, 1, grader, review_id, "", datetime.now(UTC), skills)


def test_the_report_pairs_evaluator_with_graders_and_graders_with_each_other() -> None:
    evaluator = [4, 4, 2, 5, 3, 1]
    gina = [4, 2, 2, 3, 3, 2]
    otto = [3, 2, 2, 4, 3, 1]
    reviews = {
        f"s{i}": [
            _review(2 * i, f"s{i}", "gina", {Skill.EMPATHY: (evaluator[i], gina[i])}),
            _review(2 * i + 1, f"s{i}", "otto", {Skill.EMPATHY: (evaluator[i], otto[i])}),
        ]
        for i in range(len(evaluator))
    }
    evidence: dict[int, dict[Skill, tuple[str, ...]]] = {2: {Skill.EMPATHY: ("that sounds frustrating",)}}
    report = calibrate(reviews, evidence)
    empathy = report.skill(Skill.EMPATHY)
    assert empathy.evaluator_pairs == 12 and empathy.grader_pairs == 6
    assert empathy.evaluator_kappa == pytest.approx(sklearn_qwk(evaluator * 2, gina + otto))  # pair order is irrelevant
    assert empathy.grader_kappa == pytest.approx(sklearn_qwk(gina, otto))
    assert empathy.mean_adjustment == pytest.approx((sum(gina) + sum(otto) - 2 * sum(evaluator)) / 12)
    widest = empathy.examples[0]
    assert abs(widest.grader_score - widest.evaluator_score) == 2 and widest.comment == "why"
    assert report.disagreements[0].skill == Skill.EMPATHY  # the other skills all agree
    assert report.skill(Skill.VALUES).evaluator_kappa is None  # everyone gave 3 throughout: undefined
    assert (report.reviewed_sessions, report.reviews) == (6, 12)


def test_an_empty_report_has_no_figures() -> None:
    report = calibrate({}, {})
    assert report.reviews == 0 and report.disagreements == ()
    assert all(s.evaluator_kappa is None and s.grader_kappa is None for s in report.skills)


# -- the report, from the database ------------------------------------------------------------
@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    fast_passwords(monkeypatch)
    return build_world(f"sqlite:///{tmp_path / 'org.db'}", tmp_path)


def test_calibration_over_a_cohorts_reviews(world: World) -> None:
    second = accounts.create_user(world.store, world.admin, "gil", "correct-horse-battery", role=Role.GRADER)
    add_grader(world.store, world.admin, world.cohort.id, second.id)
    evaluator_scores = [2, 4, 5]
    gina_scores = [2, 3, 3]
    gil_scores = [2, 3, 4]
    for i, score in enumerate(evaluator_scores):
        trainee = world.alice if i % 2 == 0 else world.bob
        session = world.play(trainee)
        submit_for_review(world.store, trainee, session.id, grade=fixed_grade(score))
        for grader, given in ((world.grader, gina_scores[i]), (second, gil_scores[i])):
            submit_review(world.store, grader, session.id, {Skill.PARAPHRASE: SkillDecision(given, "checked")})
    report = calibration_report(world.store, world.grader, cohort_id=world.cohort.id)
    paraphrase = report.skill(Skill.PARAPHRASE)
    pairs_eval = [e for e in evaluator_scores for _ in (0, 1)]
    pairs_grader = [g for pair in zip(gina_scores, gil_scores, strict=True) for g in pair]
    assert paraphrase.evaluator_kappa == pytest.approx(sklearn_qwk(pairs_eval, pairs_grader))
    assert paraphrase.grader_kappa == pytest.approx(sklearn_qwk(gina_scores, gil_scores))
    assert report.disagreements[0].skill == Skill.PARAPHRASE
    assert paraphrase.examples[0].evaluator_score == 5 and paraphrase.examples[0].grader_score == 3
    assert calibration_report(world.store, world.admin).reviews == 6
    assert calibration_report(world.store, world.other_grader).reviews == 0
    with pytest.raises(NotFoundError):
        calibration_report(world.store, world.other_grader, cohort_id=world.cohort.id)
    with pytest.raises(AccessDenied):
        calibration_report(world.store, world.alice)


def test_the_demo_cohort_seeds_and_yields_a_kappa_for_every_skill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_passwords(monkeypatch)
    spec = importlib.util.spec_from_file_location("seed_demo_cohort", ROOT / "scripts" / "seed_demo_cohort.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = module.seed(url)
    assert result["reviews"] == 2 * result["reviewed_sessions"] > 10
    for skill in Skill:
        figures = result["kappas"][skill.value]
        assert (
            figures["evaluator_pairs"] == result["reviews"] and figures["grader_pairs"] == result["reviewed_sessions"]
        )
        assert figures["evaluator_vs_graders"] is not None and figures["grader_vs_grader"] is not None
    assert len(result["evaluator_disagrees_most"]) == 3
    assert module.main(["--database-url", url]) == 1  # not a fresh database: refused, nothing added
