"""Peak memory of `hotseat grade --offline` by input size: it should stay flat (results are streamed).

Usage: python benchmarks/grade_memory.py [--sizes 1000 20000] [--turns 10] [--concurrency 1]

For each size, a JSONL file of generated 10-turn transcripts is written to a temporary folder and
graded by `hotseat grade --offline --out ...` in a fresh Python process; that process's peak
resident set size (ru_maxrss) is printed beside the input size and the time taken. Figures only:
nothing here asserts a time or a size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from offline_grading import CUSTOMER, TRAINEE  # noqa: E402

CHILD = """
import resource, sys
from hotseat.cli.main import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def write_transcripts(path: Path, count: int, turns: int, seed: int = 7) -> None:
    """`count` transcripts of `turns` turns (customer first), one JSON object a line."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(count):
            lines = []
            for t in range(turns):
                pool = CUSTOMER if t % 2 == 0 else TRAINEE
                lines.append({"role": "customer" if t % 2 == 0 else "trainee",
                              "text": rng.choice(pool).format(n=rng.randint(2, 999))})  # fmt: skip
            fh.write(json.dumps({"id": f"t{i:06d}", "persona": "sorry-hardest-word", "turns": lines}) + "\n")


def measure(count: int, turns: int, concurrency: int, folder: Path) -> dict[str, float]:
    """Grade `count` generated transcripts in a fresh process; its peak RSS (MB) and wall time (s)."""
    source, out = folder / f"in-{count}.jsonl", folder / f"out-{count}.jsonl"
    write_transcripts(source, count, turns)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "HOTSEAT_DATA_DIR": str(folder)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "grade", str(source), "--offline", "--out", str(out),
         "--concurrency", str(concurrency)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    graded = sum(1 for _ in out.open(encoding="utf-8")) if out.exists() else 0
    return {
        "transcripts": count,
        "graded": graded,
        "input_mb": round(source.stat().st_size / 1e6, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "seconds": round(elapsed, 1),
    }


def main() -> None:
    """Print one line of figures per input size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hotseat-grade-memory-") as tmp:
        for size in args.sizes:
            figures = measure(size, args.turns, args.concurrency, Path(tmp))
            print("  ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


if __name__ == "__main__":
    main()
