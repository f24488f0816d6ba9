"""Seed a demo cohort, then print the calibration kappas computed on it.

Creates an admin, two graders and six trainees; a cohort with three assignments; sessions played
by scripted trainee lines against the embedded customer (no LLM); offline evaluations; and two
reviews of every submitted session, with some scores adjusted.

The graders' decisions are simulated: each grader adjusts the evaluator's score by a seeded rule
(per-skill leanings plus noise). The kappas show the calibration pipeline working end to end;
they are not a measurement of how well the evaluator agrees with real people.

Run: `python scripts/seed_demo_cohort.py [--database-url URL] [--reset] [--json]`
(default: a fresh SQLite file, .hotseat/demo.db). Then: `DATABASE_URL=<url> make run`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DEMO_PASSWORD = "hotseat-demo"
STRONG = [
    "That sounds really frustrating, and I'm sorry. Can you tell me what happened from the start?",
    "So if I've got this right, you did everything you were asked and still ended up paying for our mistake.",
    "I'm sorry, we got this wrong and that's on us. You deserve better than a rule read back to you.",
    "You've been with us for years, and I want you to stay because we earned it, not because leaving is hard.",
    "Here's what I can do today: fix it now, or escalate it to my manager with a refund. Which would you prefer?",
]
WEAK = [
    "Our policy clearly states that this cannot be changed.",
    "I'm sorry you feel that way, but the policy is the policy.",
    "Did you actually read the terms before buying?",
    "Let me process that for you right away.",
    "Per our terms and conditions, adjustments are subject to eligibility.",
]
TRAINEES = [
    ("demo-trainee-1", "Amira", 0.9),  # share of strong lines
    ("demo-trainee-2", "Ben", 0.75),
    ("demo-trainee-3", "Chloé", 0.6),
    ("demo-trainee-4", "Dev", 0.45),
    ("demo-trainee-5", "Elif", 0.3),
    ("demo-trainee-6", "Finn", 0.15),
]
ASSIGNMENTS = [
    ("policy-over-problem", "upset", "Week 1: the policy wall"),
    ("sorry-hardest-word", "furious", "Week 2: owning the mistake"),
    ("guilty-until-proven-innocent", "calm", "Week 3: no accusations"),
]
# How each simulated grader leans per skill, against the evaluator: +1 kinder, -1 stricter.
LEANINGS = {
    "demo-grader-1": {"empathy": -1, "values": +1, "apology": -1},
    "demo-grader-2": {"empathy": -1, "values": +1, "paraphrase": -1},
}
COMMENTS = {
    +1: "Better than the score says: the intent and the follow-through were there.",
    -1: "Too generous: the words are right but they read as a formula, not as listening.",
}


def _default_url() -> str:
    from hotseat.settings import load_settings

    return f"sqlite:///{load_settings().data_dir / 'demo.db'}"


def _script(rng: random.Random, strong_share: float, turns: int = 5) -> list[str]:
    return [rng.choice(STRONG) if rng.random() < strong_share else rng.choice(WEAK) for _ in range(turns)]


def _simulated_score(rng: random.Random, evaluator: int, leaning: int) -> int:
    shift = leaning if rng.random() < 0.6 else 0
    shift += rng.choice((-1, 0, 0, 0, 0, 1))
    return max(1, min(5, evaluator + shift))


def seed(database_url: str, *, rng_seed: int = 7) -> dict[str, Any]:
    """Fill the database at `database_url` with the demo cohort; return the people, counts and kappas."""
    from evaluators.results import Evaluation
    from evaluators.skills import Skill
    from hotseat.errors import HotseatError
    from hotseat.org import accounts
    from hotseat.org.accounts import Role
    from hotseat.org.assignments import create_assignment, start_assignment
    from hotseat.org.calibration import calibration_report
    from hotseat.org.cohorts import add_grader, create_cohort, join_cohort
    from hotseat.org.dashboard import cohort_dashboard
    from hotseat.org.reviews import SkillDecision, review_queue, submit_for_review, submit_review
    from hotseat.practice.engine import PracticeEngine
    from hotseat.practice.personas import PersonaLibrary
    from hotseat.practice.session import PracticeSession
    from hotseat.review.grades import grade_session, session_facts
    from hotseat.settings import load_settings
    from hotseat.storage import Store

    rng = random.Random(rng_seed)
    settings = load_settings(database_url=database_url)
    store = Store.open(database_url)
    personas = PersonaLibrary(settings.personas_dir)
    engine = PracticeEngine(settings, store, personas, None)  # the embedded scripted customer

    admin = accounts.bootstrap_admin(store, "demo-admin", DEMO_PASSWORD, display_name="Demo Admin")
    graders = [
        accounts.create_user(store, admin, name, DEMO_PASSWORD, role=Role.GRADER, display_name=label)
        for name, label in (("demo-grader-1", "Grace"), ("demo-grader-2", "Gil"))
    ]
    cohort = create_cohort(store, admin, "Demo cohort: support onboarding")
    for grader in graders:
        add_grader(store, admin, cohort.id, grader.id)
    due = datetime.now(UTC) + timedelta(days=14)
    assignments = [
        create_assignment(store, admin, cohort.id, personas=personas, persona_id=p, difficulty=d, due=due, title=t)
        for p, d, t in ASSIGNMENTS
    ]

    def grade(session: PracticeSession) -> Evaluation:
        return grade_session(session, None, facts=session_facts(personas, session))

    trainees = []
    for i, (username, name, strong_share) in enumerate(TRAINEES):
        trainee = accounts.create_user(store, admin, username, DEMO_PASSWORD, display_name=name)
        join_cohort(store, trainee, cohort.join_code or "")
        trainees.append(trainee)
        for j, assignment in enumerate(assignments):
            if i == len(TRAINEES) - 1 and j == len(assignments) - 1:
                continue  # one trainee has not started the last assignment
            session = start_assignment(engine, trainee, assignment.id)
            for line in _script(rng, strong_share):
                if session.ended:
                    break
                try:
                    engine.say(session, line)
                except HotseatError:
                    break
            if i == len(TRAINEES) - 2 and j == len(assignments) - 1:
                continue  # one trainee is still in progress on it
            submit_for_review(store, trainee, session.id, grade=grade)

    for grader in graders:
        for item in review_queue(store, grader):
            evaluation = store.latest_evaluation(item.session_id) or {}
            scores = {s["skill"]: int(s["score"]) for s in evaluation.get("skills", [])}
            decisions: dict[str, SkillDecision] = {}
            for skill in Skill:
                given = _simulated_score(rng, scores[skill.value], LEANINGS[grader.username].get(skill.value, 0))
                delta = given - scores[skill.value]
                comment = COMMENTS[1 if delta > 0 else -1] if delta else ""
                decisions[skill] = SkillDecision(given, comment)
            submit_review(store, grader, item.session_id, decisions, comment="Demo review (simulated grader).")

    report = calibration_report(store, admin, cohort_id=cohort.id)
    board = cohort_dashboard(store, admin, cohort.id)
    store.engine.dispose()

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    return {
        "database_url": database_url,
        "password": DEMO_PASSWORD,
        "admin": admin.username,
        "graders": [g.username for g in graders],
        "trainees": [t.username for t in trainees],
        "cohort": {"id": cohort.id, "name": cohort.name, "join_code": cohort.join_code},
        "reviewed_sessions": report.reviewed_sessions,
        "reviews": report.reviews,
        "completion": {c.assignment.title: f"{c.done}/{c.trainees} done" for c in board.completion},
        "weakest_skills": [d.skill.value for d in board.weakest[:3]],
        "kappas": {
            s.skill.value: {
                "evaluator_vs_graders": rounded(s.evaluator_kappa),
                "evaluator_pairs": s.evaluator_pairs,
                "grader_vs_grader": rounded(s.grader_kappa),
                "grader_pairs": s.grader_pairs,
                "exact_agreement": rounded(s.exact_agreement),
                "mean_adjustment": rounded(s.mean_adjustment),
            }
            for s in report.skills
        },
        "evaluator_disagrees_most": [
            {
                "skill": s.skill.value,
                "example_session": s.examples[0].session_id if s.examples else None,
                "evaluator_score": s.examples[0].evaluator_score if s.examples else None,
                "grader_score": s.examples[0].grader_score if s.examples else None,
            }
            for s in report.disagreements[:3]
        ],
    }


def _print_table(result: dict[str, Any]) -> None:
    print(f"Seeded {result['database_url']}")
    print(f"  admin {result['admin']}, graders {', '.join(result['graders'])}, trainees {len(result['trainees'])}")
    print(f"  password for every demo account: {result['password']}")
    print(f"  cohort '{result['cohort']['name']}', join code {result['cohort']['join_code']}")
    print(f"  {result['reviewed_sessions']} sessions reviewed, {result['reviews']} reviews")
    print("  " + "; ".join(f"{k}: {v}" for k, v in result["completion"].items()))
    print("\nQuadratic-weighted kappa (simulated graders: shows the pipeline, not real agreement)")
    print(f"  {'skill':<16}{'evaluator~graders':>19}{'grader~grader':>15}{'exact':>8}{'mean adj.':>11}")
    for skill, k in result["kappas"].items():

        def fmt(value: float | None, n: int) -> str:
            return "undefined" if value is None else f"{value:.2f} (n={n})"

        print(
            f"  {skill:<16}{fmt(k['evaluator_vs_graders'], k['evaluator_pairs']):>19}"
            f"{fmt(k['grader_vs_grader'], k['grader_pairs']):>15}"
            f"{k['exact_agreement'] or 0:>8.2f}{k['mean_adjustment'] or 0:>+11.2f}"
        )
    worst = ", ".join(d["skill"] for d in result["evaluator_disagrees_most"])
    print(f"\nThe evaluator disagrees most on: {worst}")
    print(f"Run the app on it: DATABASE_URL={result['database_url']} make run")


def main(argv: list[str] | None = None) -> int:
    """Command line: seed, print the kappas; exit 1 with a message if the database is not fresh."""
    parser = argparse.ArgumentParser(description="Seed a demo cohort and print calibration kappas.")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file .hotseat/demo.db")
    parser.add_argument("--reset", action="store_true", help="delete the SQLite file first")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the simulated graders and scripts")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    url = args.database_url or _default_url()
    if args.reset:
        if not url.startswith("sqlite:///"):
            print("--reset only deletes SQLite files; drop the PostgreSQL schema yourself.", file=sys.stderr)
            return 2
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    from hotseat.errors import HotseatError

    try:
        result = seed(url, rng_seed=args.seed)
    except HotseatError as exc:
        print(f"Not seeded: {exc.user_message()}", file=sys.stderr)
        print("Seed a fresh database: --database-url, or --reset for the default SQLite file.", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
