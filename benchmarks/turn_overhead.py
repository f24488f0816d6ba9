"""Hotseat's own overhead per trainee turn, provider excluded, and prompt size over a session.

Measures, with a fake LLM that answers instantly, the time of: reading the turn's signals,
updating the mood, building the customer's prompt, counting its tokens, and storing both
turns in SQLite. Prints median and p95, then the prompt tokens at turns 1, 10 and 30 and the
share of each prompt that repeats the previous prompt's prefix (what a provider can cache).

Run: `python benchmarks/turn_overhead.py` or `hotseat bench`.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

# Listening without ever offering a fix: the customer calms but is never "won back", so the
# session runs all its turns and the prompt keeps growing unless the budget holds it.
TRAINEE_LINES = [
    "That sounds exhausting. Can you tell me what happened from the start?",
    "So if I've got this right, it broke down twice during harvest and nobody called you back.",
    "That would make anyone furious, especially after everything you've put into this.",
    "What else happened after that call?",
    "It makes sense that you feel let down, after all these years with us.",
    "So the part that hurts most is that nobody picked up the phone when it mattered.",
]


_ASIDES = (
    "and I am writing all of this down",
    "I want to get every detail right",
    "take your time with it",
    "I have your whole file open in front of me",
    "nothing you say here is wasted",
    "I am listening before I touch anything",
    "your account history is on my screen",
)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def _common_prefix_tokens(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def run(turns: int = 60) -> dict[str, Any]:
    """Play one long session against a fake LLM and return the figures."""
    from hotseat.practice.engine import PracticeEngine
    from hotseat.practice.personas import PersonaLibrary
    from hotseat.practice.prompt_window import CustomerPromptBuilder
    from hotseat.providers.fake import FakeChatModel
    from hotseat.settings import load_settings
    from hotseat.storage import Store
    from hotseat.tokens import encoding

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), database_url=None, turn_limit=10_000, provider="openai")
        store = Store.open(settings.resolved_database_url())
        personas = PersonaLibrary(settings.personas_dir)
        model = FakeChatModel(default="I hear you. But I still want this fixed properly, and soon.")
        engine = PracticeEngine(settings, store, personas, model)
        persona_id = personas.ids()[0]
        warm_up = engine.start(persona_id, user_id=store.local_user_id())
        cold_start = time.perf_counter()
        engine.say(warm_up, TRAINEE_LINES[0])  # loads the embedding model, readability data, tokenizer
        cold_ms = (time.perf_counter() - cold_start) * 1000
        session = engine.start(persona_id, user_id=store.local_user_id())
        builder = engine.customer.builder  # type: ignore[attr-defined]
        assert isinstance(builder, CustomerPromptBuilder)
        enc = encoding(settings.tiktoken_encoding)
        timings_ms: list[float] = []
        tokens_at: dict[int, int] = {}
        prefix_share: list[float] = []
        previous: list[int] | None = None
        for i in range(turns):
            # A line said again earns nothing and makes the customer leave: vary each one.
            text = f"{TRAINEE_LINES[i % len(TRAINEE_LINES)]} ({_ASIDES[i % len(_ASIDES)]}, part {i + 1}.)"
            start = time.perf_counter()
            engine.submit(session, text)
            engine.reply_text(session)
            timings_ms.append((time.perf_counter() - start) * 1000)
            tokens_at[i + 1] = session.turns[-1].prompt_tokens or 0
            flat = enc.encode("\n".join(m.content for m in model.history[-1]), disallowed_special=())
            if previous is not None:
                prefix_share.append(_common_prefix_tokens(previous, flat) / len(flat))
            previous = flat
            if session.ended:
                break
        store.engine.dispose()
    return {
        "turns_played": len(timings_ms),
        "first_turn_cold_start_ms": round(cold_ms, 1),
        "overhead_ms_median": round(statistics.median(timings_ms), 2),
        "overhead_ms_p95": round(_percentile(timings_ms, 95), 2),
        "prompt_tokens_turn_1": tokens_at.get(1),
        "prompt_tokens_turn_10": tokens_at.get(10),
        "prompt_tokens_turn_30": tokens_at.get(30),
        "prompt_tokens_turn_60": tokens_at.get(60),
        "prompt_tokens_max": max(tokens_at.values()),
        "prompt_token_budget": settings.prompt_token_budget,
        "prefix_reuse_share_median": round(statistics.median(prefix_share), 3) if prefix_share else None,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
