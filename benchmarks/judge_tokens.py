"""The LLM judge's prompt tokens per transcript, beside a naive design that grades one skill per call.

One structured call sends the instructions, the six rubrics and the transcript once. The naive
design sends the same instructions, one rubric and the full transcript six times. Counted with
tiktoken (o200k_base) on the exact messages the judge renders, for a 10-turn transcript; also
prints the share of the prompt that is a fixed prefix (cacheable across transcripts).

Run: `python benchmarks/judge_tokens.py` or `hotseat bench`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

# A 10-turn conversation (5 customer, 5 trainee) in the spirit of the seeds.
TURNS: list[tuple[Literal["customer", "trainee"], str]] = [
    ("customer", "Your seed failed on forty acres. I planted exactly when your rep told me to, and nothing came up."),
    ("trainee", "That sounds exhausting. Can you tell me what happened from the start?"),
    ("customer", "I called three times last week and nobody called me back. I've bought from you for twelve years."),
    ("trainee", "So you followed our advice, lost forty acres, and then couldn't even get a call back. Is that right?"),
    ("customer", "That's right. And now the planting window is almost closed."),
    ("trainee", "Anyone would be furious after trusting us for twelve years and being left waiting like that."),
    ("customer", "Furious is one word for it. What are you going to do about it?"),
    ("trainee", "We got this wrong and I'm sorry. Not calling you back was our mistake, not yours."),
    ("customer", "Fine. But I need seed in the ground this week."),
    ("trainee", "I'll have replacement seed at your farm on Thursday, and I'll call you myself on Friday to check."),
]


def _rubrics() -> tuple[dict[Any, Any], str]:
    from evaluators.skills import Skill

    try:
        from evaluators.rubric import load_rubrics

        return dict(load_rubrics()), "rubric files"
    except ImportError:  # before the rubric files land: a stand-in of similar length
        anchor = "Level {n}: what the trainee does at this level, with two example sentences from the seeds. " * 3
        text = "\n".join(anchor.format(n=n) for n in range(1, 6))
        return {s: text for s in Skill}, "stand-in rubrics (evaluators.rubric not available)"


def _count(messages: list[Any]) -> int:
    from hotseat.tokens import count_message_tokens

    return count_message_tokens([(m.role, m.content) for m in messages])


def run() -> dict[str, Any]:
    """Prompt tokens of one judge call vs six per-skill calls for a 10-turn transcript."""
    from evaluators.judge import LLMJudge, make_llm_judge
    from evaluators.skills import Skill
    from evaluators.transcript import Transcript, TranscriptTurn
    from hotseat.providers.fake import FakeChatModel
    from hotseat.tokens import count_tokens

    rubrics, source = _rubrics()
    transcript = Transcript(id="bench", turns=[TranscriptTurn(role=r, text=t) for r, t in TURNS])
    judge = make_llm_judge(model=FakeChatModel(name="bench"), rubrics=rubrics)
    injected: set[int] = set()
    messages = judge.render(transcript, injected=injected)
    single = _count(messages)
    fixed = count_tokens(messages[0].content)

    naive_calls = []
    for skill in Skill:
        blocks = [b for b in judge.rubric_blocks if b["key"] == skill.value]
        one = LLMJudge(model=judge.model, rubric_blocks=blocks, template=judge.template, max_attempts=1)
        naive_calls.append(_count(one.render(transcript, injected=injected)))
    naive = sum(naive_calls)
    return {
        "rubrics": source,
        "transcript_turns": len(TURNS),
        "transcript_tokens": sum(count_tokens(t) for _, t in TURNS),
        "judge_prompt_tokens": single,
        "judge_fixed_prefix_tokens": fixed,
        "judge_fixed_prefix_share": round(fixed / single, 3),
        "judge_prefix_cacheable": fixed >= 1024,
        "naive_calls": len(naive_calls),
        "naive_prompt_tokens_per_call": naive_calls,
        "naive_prompt_tokens_total": naive,
        "naive_over_judge": round(naive / single, 2),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
