"""Can the customer be gamed? Stock lines repeated against every persona, scenario and difficulty.

Usage: python benchmarks/gaming.py [--json]

Plays each stock line (the parrot lines from the reader issue and a classic non-apology) every
turn until the conversation ends, against every persona x scenario x difficulty with the scripted
customer, and prints how many were won back (target: none), how many turns it took to end, and
whether any customer line repeated verbatim. Then the "fooled" rate on the corpus's adversarial
test replies (see benchmarks/corpus_agreement.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.corpus_agreement import reply_figures  # noqa: E402
from hotseat.quality.gaming import STOCK_LINES, play_all  # noqa: E402


def run() -> dict[str, object]:
    """The figures (also used by `hotseat bench`)."""
    results = play_all(STOCK_LINES, all_scenarios=True)
    endings = Counter(r.ending for r in results)
    by_line = {line[:40] + "…": dict(Counter(r.ending for r in results if r.line == line)) for line in STOCK_LINES}
    won = [f"{r.persona}/{r.scenario}/{r.difficulty}: {r.line[:30]}…" for r in results if r.ending == "won_back"]
    replies = reply_figures("test")
    return {
        "games": len(results),
        "endings": dict(endings),
        "won_back_by_a_repeated_line": won,
        "by_line": by_line,
        "mean_turns_to_end": round(sum(r.turns for r in results) / len(results), 2),
        "customer_lines_repeated_verbatim": sum(r.repeated_customer_lines for r in results),
        "fooled_rate_adversarial_test": replies["fooled_rate"],
        "adversarial_test_items": replies["adversarial_items"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{figures['games']} games (stock line x persona x scenario x difficulty), scripted customer")
    print(f"  endings: {figures['endings']}")
    print(f"  won back by a repeated line: {len(figures['won_back_by_a_repeated_line'])} (target 0)")  # type: ignore[arg-type]
    for line, endings in figures["by_line"].items():  # type: ignore[union-attr]
        print(f"    {line:45s} {endings}")
    print(f"  mean trainee turns until the session ended: {figures['mean_turns_to_end']}")
    print(f"  customer lines repeated verbatim: {figures['customer_lines_repeated_verbatim']}")
    print(
        f"Fooled on the corpus's adversarial test replies: {figures['fooled_rate_adversarial_test']:.1%}"
        f" of {figures['adversarial_test_items']} (target <= 20%)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
