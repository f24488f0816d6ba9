"""Figures against a real llama.cpp llama-server on this machine (prints them; never asserts timings).

    PYTHONPATH=. python benchmarks/llm_server.py [--model PATH.gguf] [--parts customer,judge,debrief]

- customer: time to first token and total per customer turn (raw, and first visible text with the
  out-of-character guard); the out-of-character rate of raw drafts (before the guard) and of what
  the trainee is shown (after), with the guard's outcomes (ok, trimmed, regenerated, scripted).
- judge: per structured-output mode, one realistic transcript: whether the first answer was valid
  as a whole (before salvaging), how many skills the judge graded after salvaging, and the time.
- debrief: the debrief's time to first paint (AppTest) with the real judge configured (it grades in
  the background) against the offline evaluator alone.

Needs scripts/llama_server.sh to have built the server and fetched the model.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TRAINEE_LINES = {
    "policy-over-problem": [
        "That's our policy, basic economy can't be changed.",
        "I hear you: your surgery moved, your surgeon says no flying, and all you got was a form email.",
        "I'm sorry, we handled this badly. I can move you to a flight in May at no cost.",
    ],
    "sorry-hardest-word": [
        "You're right, we got this wrong and I'm sorry. What would put this right for you?",
        "Can you tell me more about what happened when you called?",
        "I'll sort it today and call you myself on Friday to confirm it's done.",
    ],
    "guilty-until-proven-innocent": [
        "We'll need proof before we can do anything.",
        "I'm sorry, I didn't mean to doubt you. Tell me what happened.",
        "So the item arrived damaged and you were treated like a suspect. That's not fair.",
    ],
    "transaction-not-relationship": [
        "What's your account number?",
        "You've been with us for years and we made you feel like a number. I'm sorry.",
        "Let's fix this together today, and I'll make sure it doesn't happen again.",
    ],
}

JUDGE_TRANSCRIPT = [
    ("customer", "You charged me twice for the same flight and nobody ever called me back."),
    ("trainee", "That's frustrating. Our system sometimes double-charges, it's a known issue."),
    ("customer", "A known issue? So you knew and did nothing?"),
    ("trainee", "You're right to be angry: you paid twice and we ignored you. I'm sorry, that's on us."),
    ("customer", "Fine. What are you going to do about it?"),
    ("trainee", "I'll refund the second charge today and email you the confirmation within the hour."),
]


def _settings(base_url: str, **extra: Any) -> Any:
    from hotseat.providers.devserver import MODEL_ALIAS
    from hotseat.settings import ProviderChoice, Settings

    return Settings(
        provider=ProviderChoice.OPENAI,
        openai_base_url=base_url,
        model=MODEL_ALIAS,
        request_timeout_s=600,
        max_retries=0,
        **extra,
    )


def bench_customer(base_url: str, tmp: Path) -> dict[str, Any]:
    """TTFT and total per customer turn; out-of-character rates before and after the guard."""
    from hotseat.practice.character import context_for, reply_breach
    from hotseat.practice.customer import LLMCustomer
    from hotseat.providers.devserver import MODEL_ALIAS
    from hotseat.services import build_services

    os.environ.update(
        OPENAI_BASE_URL=base_url,
        HOTSEAT_PROVIDER="openai",
        HOTSEAT_MODEL=MODEL_ALIAS,
        HOTSEAT_DATA_DIR=str(tmp / "customer"),
        HOTSEAT_CUSTOMER_MAX_TOKENS="80",
        HOTSEAT_REQUEST_TIMEOUT_S="600",
    )
    services = build_services()
    engine, store = services.engine, services.store
    customer = engine.customer
    if not isinstance(customer, LLMCustomer):
        raise SystemExit("the customer is not the LLM")
    model, builder = customer.model, customer.builder
    raw_ttft: list[float] = []
    raw_total: list[float] = []
    shown_first: list[float] = []
    shown_total: list[float] = []
    raw_breaches: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    shown_breaching = 0
    turns = 0
    after_kinds: dict[str, int] = {}
    for persona, lines in TRAINEE_LINES.items():
        session = engine.start(persona, None, "calm", user_id=store.local_user_id())
        for line in lines:
            engine.submit(session, line)
            request = engine.reply_request(session)
            prompt = builder.build(request)
            context = context_for(request, prompt.messages[-1].content)  # before the reply is stored
            # after: the guarded customer, as the trainee sees it (stored); it runs first, so its
            # first draft pays the prompt processing: that draft's first token is the turn's TTFT
            firsts: list[float] = []
            started = time.monotonic()
            original = model.stream

            def timed(
                messages: Any, _original: Any = original, _firsts: list[float] = firsts, _started: float = started
            ) -> Any:
                for index, chunk in enumerate(_original(messages)):
                    if index == 0:
                        _firsts.append(time.monotonic() - _started)
                    yield chunk

            model.stream = timed  # type: ignore[method-assign]
            first = None
            shown = ""
            try:
                for chunk in engine.respond(session):
                    first = first if first is not None else time.monotonic() - started
                    shown += chunk
            finally:
                model.stream = original  # type: ignore[method-assign]
            shown_total.append(time.monotonic() - started)
            shown_first.append(first if first is not None else shown_total[-1])
            if firsts:
                raw_ttft.append(firsts[0])
            report = customer.last_guard
            outcomes[report.outcome] = outcomes.get(report.outcome, 0) + 1
            after = reply_breach(shown, context)
            if report.outcome != "scripted" and after:
                shown_breaching += 1
                after_kinds[after.value] = after_kinds.get(after.value, 0) + 1
            # before: one raw draft of the same prompt, unguarded (not stored; its prefix is cached)
            started = time.monotonic()
            draft = "".join(original(prompt.messages))
            raw_total.append(time.monotonic() - started)
            breach = reply_breach(draft, context)
            if breach:
                raw_breaches[breach.value] = raw_breaches.get(breach.value, 0) + 1
            turns += 1
            said = f"shown ({report.outcome}): {shown.strip()[:100]!r}"
            print(f"  [{persona}] raw: {draft.strip()[:100]!r} -> {breach}; {said}")
            if session.ended:
                break
    raw_ooc = sum(raw_breaches.values())
    return {
        "turns": turns,
        "ttft_s_median": round(statistics.median(raw_ttft), 2) if raw_ttft else None,
        "ttft_s_max": round(max(raw_ttft), 2) if raw_ttft else None,
        "raw_draft_total_s_median_cached_prompt": round(statistics.median(raw_total), 2),
        "guarded_first_text_s_median": round(statistics.median(shown_first), 2),
        "guarded_total_s_median": round(statistics.median(shown_total), 2),
        "out_of_character_before": f"{raw_ooc}/{turns}",
        "out_of_character_before_kinds": raw_breaches,
        "guard_outcomes": outcomes,
        "out_of_character_after": f"{shown_breaching}/{turns}",
        "out_of_character_after_kinds": after_kinds,
    }


def bench_judge(base_url: str, modes: list[str], max_tokens: int, budget_s: float) -> dict[str, Any]:
    """Per structured-output mode: valid before/after salvaging and time per transcript."""
    from evaluators.judge import make_llm_judge
    from evaluators.judge_schema import JudgeAnswer
    from evaluators.transcript import Transcript, TranscriptTurn
    from hotseat.errors import EvaluationError, ProviderError
    from hotseat.providers.openai_compat import OpenAIChatModel
    from hotseat.settings import StructuredMode

    transcript = Transcript(
        id="bench",
        persona="policy-over-problem",
        turns=[TranscriptTurn(role=r, text=t) for r, t in JUDGE_TRANSCRIPT],  # type: ignore[arg-type]
    )
    results: dict[str, Any] = {}
    for mode in modes:
        settings = _settings(base_url, structured_output=StructuredMode(mode))
        model = OpenAIChatModel(settings, temperature=0.1, max_tokens=max_tokens, timeout_s=600)
        judge = make_llm_judge(model=model, max_attempts=3, budget_s=budget_s)
        started = time.monotonic()
        try:
            first = model.complete_json(judge.render(transcript), JudgeAnswer)
        except ProviderError as exc:
            results[mode] = {"error": exc.message}
            continue
        first_s = time.monotonic() - started
        strict, _problems = judge.check_answer(transcript, first)
        from evaluators.skills import Skill

        first_skills, _turns, _ = judge.salvage(first, list(Skill), dict(transcript.trainee_turns()), set())
        try:
            evaluation = judge(transcript, first_answer=first, budget_s=max(1.0, budget_s - first_s))
            graded = len(Skill) - len(evaluation.fallback_skills)
        except (EvaluationError, ProviderError):
            graded = 0
        results[mode] = {
            "valid_before_salvage": strict is not None,
            "skills_valid_in_first_answer": f"{len(first_skills)}/6",
            "skills_by_judge_after_salvage": f"{graded}/6",
            "first_answer_s": round(first_s, 1),
            "total_s": round(time.monotonic() - started, 1),
        }
        print(f"  judge {mode}: {results[mode]}")
    return results


def _debrief_script() -> None:
    import streamlit as st

    from hotseat.ui.debrief_view import render_debrief
    from hotseat.ui.state import services

    svc = services()
    render_debrief(svc, svc.engine.load(st.query_params["session"]))


def bench_debrief(base_url: str, tmp: Path) -> dict[str, Any]:
    """Time to first paint of the debrief: offline alone vs the real (slow) judge in the background."""
    from streamlit.testing.v1 import AppTest

    from hotseat.providers.devserver import MODEL_ALIAS
    from hotseat.ui.state import services

    figures: dict[str, Any] = {}
    for label, env in (
        ("offline_only", {"HOTSEAT_PROVIDER": "scripted"}),
        ("with_slow_judge", {"HOTSEAT_PROVIDER": "openai", "OPENAI_BASE_URL": base_url, "HOTSEAT_MODEL": MODEL_ALIAS}),
    ):
        os.environ.update({"HOTSEAT_DATA_DIR": str(tmp / label), **env})
        os.environ["HOTSEAT_PROVIDER"] = "scripted"
        services.clear()
        svc = services()
        session = svc.engine.start("policy-over-problem", None, "upset", user_id=svc.store.local_user_id())
        for line in TRAINEE_LINES["policy-over-problem"]:
            svc.engine.say(session, line)
        os.environ.update(env)
        services.clear()
        at = AppTest.from_function(_debrief_script, default_timeout=120)
        at.query_params["session"] = session.id
        started = time.monotonic()
        at.run()
        figures[f"{label}_first_paint_s"] = round(time.monotonic() - started, 2)
        figures[f"{label}_caption"] = " ".join(c.value for c in at.caption)[:120]
    services.clear()
    return figures


def main() -> None:
    """Start llama-server, run the chosen parts, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a GGUF file (default: the cached 0.5B model)")
    parser.add_argument("--parts", default="customer,judge,debrief")
    parser.add_argument("--modes", default="json_schema,json_object,tool_calling,prompt")
    parser.add_argument("--judge-max-tokens", type=int, default=900)
    parser.add_argument("--judge-budget", type=float, default=300.0)
    args = parser.parse_args()
    if args.model:
        os.environ["HOTSEAT_LLAMA_MODEL"] = args.model
    import tempfile

    from hotseat.providers.devserver import LlamaServer, model_file

    parts = args.parts.split(",")
    figures: dict[str, Any] = {"model": str(model_file())}
    with tempfile.TemporaryDirectory() as tmp, LlamaServer(log_path=Path(tmp) / "server.log") as server:
        if "customer" in parts:
            figures["customer"] = bench_customer(server.base_url, Path(tmp))
        if "judge" in parts:
            figures["judge"] = bench_judge(
                server.base_url, args.modes.split(","), args.judge_max_tokens, args.judge_budget
            )
        if "debrief" in parts:
            figures["debrief"] = bench_debrief(server.base_url, Path(tmp))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
