"""Speed of the offline evaluator: time per 10-turn transcript and transcripts per second, one core.

Usage: python -m benchmarks.offline_grading [--transcripts N]

Transcripts are generated from pools of customer and trainee sentences with varied numbers, so
almost every sentence is new and the per-sentence caches rarely help (as in real grading). The
first transcript (model and lexicon loading) is timed separately as the warm-up.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core
    os.environ.setdefault(_var, "1")

CUSTOMER = (
    "You charged me {n} times for the same order and nobody has called me back.",
    "I've been a customer for {n} years and this is how you treat me?",
    "My parcel was marked delivered at {n}:12 but I was home all afternoon and nothing came.",
    "Your agent told me to file a police report, as if I'd steal from my own daughter.",
    "The combine broke down {n} times in the first week of harvest and rain is coming.",
    "I'm furious. I've spent {n} days on the phone and I still don't have my money.",
    "Your status page calls it a service degradation, as if the weather did it.",
)
TRAINEE = (
    "I'm so sorry we charged you {n} times - that was our mistake.",
    "It sounds like you've spent {n} days chasing us for an answer, which is exhausting.",
    "That makes complete sense, anyone would be upset after that.",
    "Our policy is that refunds take {n} business days.",
    "Can you walk me through what happened when you called the first time?",
    "You've been with us for {n} years, and I want to keep earning your trust.",
    "I'll refund the extra charge today and call you on Friday to make sure it arrived.",
    "Please be advised that we are investigating the matter and will circle back.",
    "Would you prefer a refund to your card or a credit on your account?",
    "Are you sure someone in your house didn't take it?",
)


def make_transcript(rng: random.Random, number: int) -> Any:
    """A 10-turn transcript (5 customer, 5 trainee turns) of fresh sentences."""
    from evaluators.transcript import Transcript

    turns = []
    for _ in range(5):
        said = " ".join(rng.choice(CUSTOMER).format(n=rng.randint(2, 999)) for _ in range(rng.randint(1, 3)))
        reply = " ".join(rng.choice(TRAINEE).format(n=rng.randint(2, 999)) for _ in range(rng.randint(1, 3)))
        turns += [{"role": "customer", "text": said}, {"role": "trainee", "text": reply}]
    return Transcript(id=f"bench-{number}", turns=turns)


def run(transcripts: int = 300, seed: int = 7) -> dict[str, float]:
    """Grade `transcripts` fresh 10-turn transcripts; return timing figures in milliseconds."""
    from evaluators.offline import grade_offline
    from evaluators.reading import read_turn
    from evaluators.signals import TurnContext

    rng = random.Random(seed)
    start = time.perf_counter()
    grade_offline(make_transcript(rng, -1))
    warm_up_ms = (time.perf_counter() - start) * 1000

    samples = [make_transcript(rng, i) for i in range(transcripts)]
    times: list[float] = []
    cpu_start = time.process_time()
    wall_start = time.perf_counter()
    for transcript in samples:
        t0 = time.perf_counter()
        grade_offline(transcript)
        times.append((time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start

    turn_times: list[float] = []
    for transcript in [make_transcript(rng, transcripts + i) for i in range(100)]:  # fresh sentences again
        said: list[str] = []
        for turn in transcript.turns:
            if turn.role == "customer":
                said.append(turn.text)
                continue
            t0 = time.perf_counter()
            read_turn(turn.text, TurnContext(customer_said=tuple(said)))
            turn_times.append((time.perf_counter() - t0) * 1000)

    from evaluators.signals import MAX_TURN_CHARS

    longest = ("I understand how frustrating this is, and I'm sorry we let you down. " * 300)[:MAX_TURN_CHARS]
    t0 = time.perf_counter()
    read_turn(longest, TurnContext(customer_said=("It never arrived.",)))
    longest_ms = (time.perf_counter() - t0) * 1000

    quantiles = statistics.quantiles(times, n=20)
    turn_quantiles = statistics.quantiles(turn_times, n=20)
    return {
        "transcripts": float(transcripts),
        "warm_up_ms": warm_up_ms,
        "median_ms_per_transcript": statistics.median(times),
        "p95_ms_per_transcript": quantiles[18],
        "transcripts_per_second": transcripts / wall,
        "cpu_share_of_wall": cpu / wall,
        "median_ms_per_read_turn": statistics.median(turn_times),
        "p95_ms_per_read_turn": turn_quantiles[18],
        "ms_to_read_a_20k_char_turn": longest_ms,
    }


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=300)
    args = parser.parse_args()
    figures = run(args.transcripts)
    print("Offline grading, 10-turn transcripts (5 trainee turns), one core")
    for key, value in figures.items():
        print(f"  {key:28} {value:10.2f}")


if __name__ == "__main__":
    main()
