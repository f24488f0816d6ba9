"""A session's grade, once: graded when no stored grade covers every trainee turn, then stored and reused.

The debrief, the CLI, a trainee's submission for review and cohort grading all go through here,
with the same scenario facts, so a session is never graded twice or two different ways.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from evaluators.results import Evaluation
from hotseat.errors import HotseatError
from hotseat.practice.personas import PersonaSource
from hotseat.practice.session import PracticeSession
from hotseat.providers.base import ChatModel
from hotseat.storage import Store


def session_facts(personas: PersonaSource | None, session: PracticeSession) -> tuple[str, ...]:
    """What is true in the session's scenario (its story), for the grader; () if the persona is gone."""
    if personas is None:
        return ()
    try:
        return tuple(personas.get(session.persona_id, session.persona_version).scenario(session.scenario_id).story())
    except HotseatError:  # a persona file removed or broken since: grade without the scenario's facts
        return ()


def grade_session(
    session: PracticeSession,
    judge_model: ChatModel | None,
    *,
    facts: Sequence[str] = (),
    budget_s: float | None = None,
) -> Evaluation:
    """Grade the session's transcript (customer and trainee words only: hints never reach the grader)."""
    from evaluators.grader import grade  # the judge's prompt and models load on first grade, not on import

    return grade(session.to_transcript(), model=judge_model, facts=tuple(facts), budget_s=budget_s)


def evaluation_of(result: Mapping[str, Any]) -> Evaluation | None:
    """A stored result as an Evaluation, or None if it was stored under another schema."""
    try:
        return Evaluation.model_validate(result)
    except ValidationError:
        return None


def covers(evaluation: Evaluation, session: PracticeSession) -> bool:
    """False when the session has trainee turns newer than the grade saw."""
    trainee = session.trainee_turns()
    if not evaluation.turns or not trainee:
        return True
    return max(t.index for t in evaluation.turns) >= trainee[-1].index


def save_evaluation(store: Store, session_id: str, evaluation: Evaluation) -> None:
    """Store a grade as the session's newest."""
    store.add_evaluation(session_id, evaluation.evaluator, evaluation.model_dump(mode="json"))


def stored_evaluation(store: Store, session: PracticeSession) -> Evaluation | None:
    """The session's newest stored grade, if it still covers every trainee turn."""
    raw = store.latest_evaluation(session.id)
    evaluation = evaluation_of(raw) if raw is not None else None
    return evaluation if evaluation is not None and covers(evaluation, session) else None


def evaluation_for(
    store: Store, session: PracticeSession, judge_model: ChatModel | None = None, *, facts: Sequence[str] = ()
) -> Evaluation:
    """The stored grade of the session, or a new one (`judge_model` None: the offline evaluator), stored once."""
    evaluation = stored_evaluation(store, session)
    if evaluation is None:
        evaluation = grade_session(session, judge_model, facts=facts)
        save_evaluation(store, session.id, evaluation)
    return evaluation


def judge_into_store(
    store: Store,
    session: PracticeSession,
    judge_model: ChatModel | None,
    *,
    facts: Sequence[str] = (),
    budget_s: float | None = None,
) -> Evaluation:
    """Grade with the LLM judge now (falling back, with a note, when it fails) and store the grade."""
    evaluation = grade_session(session, judge_model, facts=facts, budget_s=budget_s)
    save_evaluation(store, session.id, evaluation)
    return evaluation


def judge_settled(evaluation: Evaluation | None) -> bool:
    """True when the grade is the LLM judge's, or says why the judge could not give one."""
    return evaluation is not None and (evaluation.evaluator != "offline" or evaluation.fallback_reason is not None)
