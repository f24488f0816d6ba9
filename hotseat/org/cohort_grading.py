"""Grade a cohort: every finished attempt at its assignments that no stored evaluation covers yet.

Resumable by construction: each grade is stored as soon as it is made, and what is graded is skipped
next time. Only an admin or a grader of the cohort may do it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from evaluators.results import Evaluation
from hotseat.errors import ConfigError, HotseatError
from hotseat.org.access import require_cohort_grader, require_role
from hotseat.org.accounts import Actor, Role
from hotseat.org.scores import latest_evaluations
from hotseat.practice.session import PracticeSession
from hotseat.review.grades import covers, evaluation_of, save_evaluation, session_facts
from hotseat.storage import Store
from hotseat.storage.schema import AssignmentRow, AssignmentSessionRow, SessionRow

if TYPE_CHECKING:
    from hotseat.grading.batch_api import BatchOutcome, BatchRunner
    from hotseat.practice.personas import PersonaSource
    from hotseat.providers.base import ChatModel
    from hotseat.settings import Settings


@dataclass(frozen=True)
class CohortWork:
    """What grading a cohort has to do: the sessions to grade, and what it leaves alone."""

    cohort_id: int
    cohort_name: str
    to_grade: list[PracticeSession]
    already_graded: int  # a stored evaluation covers every trainee turn
    unfinished: int  # still being played: graded once finished
    empty: int  # finished without a trainee turn: nothing to grade


@dataclass
class CohortGradeReport:
    """What grading a cohort did."""

    cohort_id: int
    cohort_name: str
    evaluator: str = "offline"
    graded: int = 0
    skipped: int = 0  # already graded
    unfinished: int = 0
    empty: int = 0
    fallbacks: int = 0  # graded offline because the judge failed
    failures: list[tuple[str, str]] = field(default_factory=list)  # (session id, reason)
    batch: BatchOutcome | None = None

    @property
    def ok(self) -> bool:
        """True when every session that needed a grade got one."""
        return not self.failures


@dataclass(frozen=True)
class CohortBatch:
    """How to grade a cohort through the Batch API: the runner, where its state lives, the judge model."""

    runner: BatchRunner
    state_path: Path
    model_name: str
    temperature: float
    batch_id: str | None = None


def cohort_state_path(settings: Settings, cohort_id: int) -> Path:
    """Where a cohort's pending batch is remembered between runs."""
    return settings.data_dir / "batches" / f"cohort-{cohort_id}.batch.json"


def cohort_work(store: Store, actor: Actor, cohort_id: int) -> CohortWork:
    """The cohort's finished, linked sessions not yet graded (oldest first); AccessDenied unless admin or its grader."""
    with store.transaction() as db:
        user = require_role(db, actor, Role.GRADER, Role.ADMIN, doing="grade a cohort")
        cohort = require_cohort_grader(db, user, cohort_id, doing="grade it")
        name = cohort.name
        rows = db.execute(
            select(SessionRow.id, SessionRow.status, AssignmentSessionRow.submitted_at)
            .join(AssignmentSessionRow, AssignmentSessionRow.session_id == SessionRow.id)
            .join(AssignmentRow, AssignmentRow.id == AssignmentSessionRow.assignment_id)
            .where(AssignmentRow.cohort_id == cohort_id)
            .order_by(SessionRow.created_at, SessionRow.id)
        ).all()
        finished = [sid for sid, status, submitted in rows if status != "active" or submitted is not None]
        stored = {sid: row.result for sid, row in latest_evaluations(db, finished).items()}
    to_grade: list[PracticeSession] = []
    graded = empty = 0
    for session in store.load_sessions(finished):
        evaluation = evaluation_of(stored[session.id]) if session.id in stored else None
        if not session.trainee_turns():
            empty += 1
        elif evaluation is not None and covers(evaluation, session):
            graded += 1
        else:
            to_grade.append(session)
    return CohortWork(cohort_id, name, to_grade, graded, len(rows) - len(finished), empty)


def grade_cohort(
    store: Store,
    actor: Actor,
    cohort_id: int,
    *,
    model: ChatModel | None,
    personas: PersonaSource | None = None,
    concurrency: int = 1,
    batch: CohortBatch | None = None,
    on_start: Callable[[int], None] = lambda total: None,
    on_done: Callable[[], None] = lambda: None,
) -> CohortGradeReport:
    """Grade and store every finished, ungraded session of the cohort (`model` None: offline).

    With `batch`, the sessions go through the Batch API; otherwise up to `concurrency` are graded
    at once, each stored as soon as it is graded.
    """
    from evaluators.grader import make_grader
    from evaluators.judge import evaluator_name

    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    work = cohort_work(store, actor, cohort_id)
    report = CohortGradeReport(
        cohort_id,
        work.cohort_name,
        evaluator=evaluator_name(model) if model else "offline",
        skipped=work.already_graded,
        unfinished=work.unfinished,
        empty=work.empty,
    )
    on_start(len(work.to_grade))
    if batch is not None:
        _grade_by_batch(store, work, batch, model, personas, concurrency, report)
        return report
    grader = make_grader(model=model)

    def grade_one(session: PracticeSession) -> Evaluation:
        try:
            return grader(session.to_transcript(), facts=session_facts(personas, session))
        finally:
            on_done()

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="grade-cohort") as pool:
        futures = {pool.submit(grade_one, session): session for session in work.to_grade}
        for future in as_completed(futures):
            session = futures[future]
            try:
                evaluation = future.result()
                save_evaluation(store, session.id, evaluation)
            except HotseatError as exc:
                report.failures.append((session.id, exc.message))
            except Exception as exc:  # one detector bug must not sink the cohort
                report.failures.append((session.id, f"{type(exc).__name__}: {exc}"))
            else:
                report.graded += 1
                report.fallbacks += evaluation.fallback_reason is not None
    return report


def _grade_by_batch(
    store: Store,
    work: CohortWork,
    batch: CohortBatch,
    model: ChatModel | None,
    personas: PersonaSource | None,
    concurrency: int,
    report: CohortGradeReport,
) -> None:
    from evaluators.judge import make_llm_judge
    from hotseat.grading.batch_api import BatchItem, grade_with_batch

    if model is None:
        raise ConfigError(
            "--batch-api needs OpenAI: no LLM is configured.",
            hint="Set OPENAI_API_KEY (and HOTSEAT_JUDGE_MODEL if you like), or grade without --batch-api.",
        )
    items = [BatchItem(s.to_transcript(), session_facts(personas, s)) for s in work.to_grade]
    outcome = grade_with_batch(
        items,
        judge=make_llm_judge(model=model),
        runner=batch.runner,
        state_path=batch.state_path,
        model=batch.model_name,
        temperature=batch.temperature,
        batch_id=batch.batch_id,
        concurrency=concurrency,
        metadata={"source": "hotseat grade-cohort", "cohort": str(work.cohort_id)},
    )
    for session_id, evaluation in outcome.evaluations.items():
        save_evaluation(store, session_id, evaluation)
        report.graded += 1
        report.fallbacks += evaluation.fallback_reason is not None
    batch.state_path.unlink(missing_ok=True)
    report.batch = outcome


def summary(report: CohortGradeReport) -> str:
    """One line saying what grading the cohort did."""
    parts = [f"cohort '{report.cohort_name}': graded {report.graded} session(s) with {report.evaluator}"]
    if report.fallbacks:
        parts.append(f"{report.fallbacks} fell back to the offline evaluator (see fallback_reason)")
    if report.skipped:
        parts.append(f"skipped {report.skipped} already graded")
    if report.unfinished:
        parts.append(f"{report.unfinished} still in progress")
    if report.empty:
        parts.append(f"{report.empty} with nothing to grade")
    if report.failures:
        ids = ", ".join(sid for sid, _ in report.failures[:10])
        parts.append(f"{len(report.failures)} failed: {ids}")
    return "; ".join(parts) + "."
