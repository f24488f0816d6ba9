"""Choose the evaluator: the LLM judge when a model is given, else offline; fall back when the judge fails."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from evaluators.results import Evaluation
from evaluators.skills import Skill
from evaluators.transcript import Transcript
from hotseat.errors import EvaluationError, HotseatError, ProviderError
from hotseat.providers.base import ChatModel

if TYPE_CHECKING:
    from evaluators.rubric import Rubric


class Grader(Protocol):
    """Grades one transcript; `facts` are what is true in the scenario."""

    def __call__(self, transcript: Transcript, *, facts: Sequence[str] = ()) -> Evaluation: ...


def _offline(transcript: Transcript, facts: Sequence[str]) -> Evaluation:
    from evaluators.offline import grade_offline

    return grade_offline(transcript, facts=facts)


def fallback_reason(exc: EvaluationError | ProviderError) -> str:
    """A one-line note for the result saying why the offline evaluator graded instead."""
    what = "gave no valid answer" if isinstance(exc, EvaluationError) else "could not be reached"
    return f"LLM judge {what} ({exc.message}); graded by the offline evaluator instead."


def make_grader(
    *,
    model: ChatModel | None,
    rubrics: Mapping[Skill, Rubric | str] | None = None,
    max_attempts: int = 3,
    budget_s: float | None = None,
) -> Grader:
    """A grading function bound to one model (None: offline), building the judge once.

    `budget_s` is the judge's total time per transcript: it starts no new request once spent.
    """
    if model is None:

        def grade_offline(transcript: Transcript, *, facts: Sequence[str] = ()) -> Evaluation:
            return _offline(transcript, facts)

        return grade_offline
    from evaluators.judge import make_llm_judge

    try:
        judge = make_llm_judge(model=model, rubrics=rubrics, max_attempts=max_attempts, budget_s=budget_s)
    except HotseatError as exc:  # a missing rubric or prompt file: grade, and say why not by the judge
        reason = f"LLM judge could not be set up ({exc.message}); graded by the offline evaluator instead."

        def grade_unjudged(transcript: Transcript, *, facts: Sequence[str] = ()) -> Evaluation:
            return _offline(transcript, facts).model_copy(update={"fallback_reason": reason})

        return grade_unjudged

    def grade_with_fallback(transcript: Transcript, *, facts: Sequence[str] = ()) -> Evaluation:
        try:
            return judge(transcript, facts=facts)
        except (EvaluationError, ProviderError) as exc:
            evaluation = _offline(transcript, facts)
            return evaluation.model_copy(update={"fallback_reason": fallback_reason(exc)})

    return grade_with_fallback


def grade(
    transcript: Transcript, *, model: ChatModel | None, facts: Sequence[str] = (), budget_s: float | None = None
) -> Evaluation:
    """Grade one transcript: LLM judge when `model` is given, else offline; never fails on a bad judge."""
    return make_grader(model=model, budget_s=budget_s)(transcript, facts=facts)
