"""Load test: 50 trainees practising at once against one database; no turn may be lost.

Each trainee is a thread with its own engine (the real engine, per-turn reader, mood and prompt
builder) over one shared Store, and a fake LLM customer that answers at once. Every trainee joins
a cohort, starts its assignment, plays N turns, and submits the session, which the offline
evaluator grades and stores. Afterwards the rows are counted: every turn the engine
acknowledged, every reply, and one evaluation per session must be in the database.

The database is a SQLite file in a temporary folder, or PostgreSQL when HOTSEAT_TEST_DATABASE_URL
or --database-url names one (in a fresh schema, dropped afterwards). Figures, never assertions:
`python benchmarks/load_test.py [--trainees 50] [--turns 10] [--database-url URL]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Listening without offering a fix: the customer calms but is not won back, so every turn is played.
TRAINEE_LINES = [
    "That sounds exhausting. Can you tell me what happened from the start?",
    "So if I've got this right, it broke down twice during harvest and nobody called you back.",
    "That would make anyone furious, especially after everything you've put into this.",
    "What else happened after that call?",
    "It makes sense that you feel let down, after all these years with us.",
    "So the part that hurts most is that nobody picked up the phone when it mattered.",
]
REPLY = "I hear you. But I still want this fixed properly, and soon."


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))]


@contextmanager
def _database(url: str | None, folder: Path) -> Iterator[str]:
    """The URL to test against: a SQLite file in `folder`, or a fresh schema on the PostgreSQL at `url`."""
    if not url or url.startswith("sqlite"):
        yield url or f"sqlite:///{folder / 'load.db'}"
        return
    from sqlalchemy import create_engine, text

    schema = f"hotseat_load_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def run(trainees: int = 50, turns: int = 10, database_url: str | None = None) -> dict[str, Any]:
    """Play `trainees` concurrent sessions of `turns` turns each and count what was stored."""
    from sqlalchemy import func, select

    from hotseat.org import accounts
    from hotseat.org.assignments import create_assignment, start_assignment
    from hotseat.org.cohorts import create_cohort, join_cohort
    from hotseat.org.reviews import submit_for_review
    from hotseat.practice.engine import PracticeEngine
    from hotseat.practice.personas import PersonaLibrary
    from hotseat.providers.fake import FakeChatModel
    from hotseat.settings import load_settings
    from hotseat.storage import Store
    from hotseat.storage.schema import EvaluationRow, TurnRow

    wanted = database_url or os.environ.get("HOTSEAT_TEST_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp, _database(wanted, Path(tmp)) as url:
        settings = load_settings(data_dir=Path(tmp), database_url=url, turn_limit=10_000, provider="openai")
        store = Store.open(url)
        personas = PersonaLibrary(settings.personas_dir)
        persona_id = personas.ids()[0]

        def new_engine() -> PracticeEngine:
            return PracticeEngine(settings, store, personas, FakeChatModel(default=REPLY))

        admin = accounts.bootstrap_admin(store, "load-admin", "load-test-password")
        cohort = create_cohort(store, admin, "Load test")
        assignment = create_assignment(store, admin, cohort.id, personas=personas, persona_id=persona_id)
        people = []
        for i in range(trainees):
            trainee = accounts.identity_actor(store, accounts.SsoIdentity("load-test", f"trainee-{i:03d}"))
            join_cohort(store, trainee, cohort.join_code or "")
            people.append(trainee)
        warm = new_engine()  # load the reader's models and the tokenizer once, outside the timing
        warm.say(warm.start(persona_id, user_id=admin.id), TRAINEE_LINES[0])

        barrier = threading.Barrier(trainees)
        latencies: list[float] = []
        acknowledged: dict[str, int] = {}  # session id -> turns the engine said were saved
        errors: list[str] = []
        lock = threading.Lock()

        def practise(trainee: accounts.Actor) -> None:
            try:
                engine = new_engine()
                barrier.wait()
                session = start_assignment(engine, trainee, assignment.id)
                acknowledged[session.id] = len(session.turns)
                mine = []
                for t in range(turns):
                    if session.ended:
                        break
                    start = time.perf_counter()
                    engine.say(session, TRAINEE_LINES[t % len(TRAINEE_LINES)])
                    mine.append((time.perf_counter() - start) * 1000)
                    acknowledged[session.id] = len(session.turns)
                submit_for_review(store, trainee, session.id)
                with lock:
                    latencies.extend(mine)
            except Exception as exc:  # recorded and reported: a load test counts failures, it does not stop
                with lock:
                    errors.append(f"{trainee.username}: {type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=practise, args=(p,)) for p in people]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started

        with store.transaction() as db:
            ids = list(acknowledged)
            stored = int(db.scalar(select(func.count()).select_from(TurnRow).where(TurnRow.session_id.in_(ids))) or 0)
            trainee_stored = int(
                db.scalar(
                    select(func.count())
                    .select_from(TurnRow)
                    .where(TurnRow.session_id.in_(ids), TurnRow.role == "trainee")
                )
                or 0
            )
            graded = int(
                db.scalar(
                    select(func.count(func.distinct(EvaluationRow.session_id))).where(EvaluationRow.session_id.in_(ids))
                )
                or 0
            )
        store.engine.dispose()
    expected = sum(acknowledged.values())
    return {
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "trainees": trainees,
        "turns_per_trainee": turns,
        "sessions": len(acknowledged),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "messages_acknowledged": expected,
        "messages_stored": stored,
        "turns_lost": expected - stored,
        "trainee_turns_stored": trainee_stored,
        "sessions_graded": graded,
        "wall_s": round(wall, 2),
        "trainee_turns_per_s": round(trainee_stored / wall, 1) if wall else None,
        "turn_ms_median": round(statistics.median(latencies), 1) if latencies else None,
        "turn_ms_p95": round(_percentile(latencies, 95), 1) if latencies else None,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: print the figures as JSON; exit 1 if a turn was lost or a trainee failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trainees", type=int, default=50)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--database-url", default=None, help="default: HOTSEAT_TEST_DATABASE_URL, else SQLite")
    args = parser.parse_args(argv)
    figures = run(args.trainees, args.turns, args.database_url)
    print(json.dumps(figures, indent=2))
    return 1 if figures["turns_lost"] or figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
