"""`hotseat grade`: grade a JSONL file of transcripts (registered on the main CLI by `register`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hotseat.errors import HotseatError, InputError
from hotseat.grading.runner import GradeOptions, GradeReport, OutputFormat, grade_file, summary
from hotseat.providers.base import ChatModel

# Options shared by `grade` and `grade-cohort`.
RateLimitOption = Annotated[
    float | None, typer.Option("--rate-limit", min=0.001, help="At most N requests a minute to the LLM.")
]
BatchApiOption = Annotated[
    bool, typer.Option("--batch-api", help="Submit through OpenAI's Batch API (half price, up to 24 h).")
]
PollIntervalOption = Annotated[
    float, typer.Option("--poll-interval", min=0.001, help="Seconds between batch status checks.")
]
BatchIdOption = Annotated[str | None, typer.Option("--batch-id", help="Collect this batch instead of submitting one.")]


def check_prompts() -> None:
    """Check the prompt files before any grading starts (PromptError names each broken one)."""
    from hotseat.prompts import PromptLibrary
    from hotseat.settings import load_settings

    PromptLibrary(load_settings().prompts_dir).check()


def default_model_factory() -> ChatModel | None:
    """The configured judge model, or None when no LLM is configured (grading is then offline)."""
    from hotseat.providers.factory import build_judge_model
    from hotseat.settings import load_settings

    return build_judge_model(load_settings())


def grade_command(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT.jsonl",
            help='Transcripts as JSON lines: {"id", "persona", "turns": [...]}; "-" reads stdin.',
            allow_dash=True,
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write results (default: stdout).", dir_okay=False)
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use the offline evaluator even if an LLM is set.")
    ] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, help="Transcripts graded at once.")] = 1,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="jsonl (full results) or csv (scores only).")] = (
        OutputFormat.JSONL
    ),
    resume: Annotated[bool, typer.Option("--resume", help="Skip ids already in --out and append the rest.")] = False,
    rate_limit: RateLimitOption = None,
    batch_api: BatchApiOption = False,
    poll_interval: PollIntervalOption = 30.0,
    batch_id: BatchIdOption = None,
) -> None:
    """Grade transcripts on the six skills; exit 1 if any line could not be graded."""
    console = Console(stderr=True)
    if str(input_path) != "-" and not input_path.is_file():
        console.print(f"No input file {input_path}.", markup=False, soft_wrap=True)
        raise typer.Exit(2)
    options = GradeOptions(
        input_path=input_path, out=out, offline=offline, concurrency=concurrency, fmt=fmt, resume=resume,
        rate_limit=rate_limit,
    )  # fmt: skip
    try:
        check_prompts()
        if batch_api or batch_id:
            report = _grade_with_batch(options, poll_interval, batch_id, console)
        else:
            report = grade_file(options, model_factory=default_model_factory, stdout=sys.stdout, console=console)
    except KeyboardInterrupt as exc:
        console.print("Interrupted. Run the same command again to resume.", markup=False, soft_wrap=True)
        raise typer.Exit(130) from exc
    except HotseatError as exc:
        console.print(exc.user_message(), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    console.print(summary(report), markup=False, highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


def _grade_with_batch(
    options: GradeOptions, poll_interval: float, batch_id: str | None, console: Console
) -> GradeReport:
    from hotseat.grading.batch_api import BatchOptions, grade_file_with_batch
    from hotseat.settings import load_settings

    batch = BatchOptions(poll_interval=poll_interval, batch_id=batch_id)
    return grade_file_with_batch(options, batch, settings=load_settings(), stdout=sys.stdout, console=console)


def grade_cohort_command(
    cohort_id: Annotated[int, typer.Argument(metavar="COHORT_ID", help="The cohort to grade.")],
    user: Annotated[str, typer.Option("--user", "-u", help="Your username: an admin or a grader of the cohort.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use the offline evaluator even if an LLM is set.")
    ] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, help="Sessions graded at once.")] = 1,
    rate_limit: RateLimitOption = None,
    batch_api: BatchApiOption = False,
    poll_interval: PollIntervalOption = 30.0,
    batch_id: BatchIdOption = None,
) -> None:
    """Grade every finished session of a cohort not graded yet; exit 1 if any could not be graded."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from hotseat.grading.batch_api import BatchRunner, make_client
    from hotseat.grading.rate_limit import rate_limited
    from hotseat.org.accounts import authenticate
    from hotseat.org.cohort_grading import CohortBatch, cohort_state_path, grade_cohort
    from hotseat.org.cohort_grading import summary as cohort_summary
    from hotseat.practice.personas import PersonaLibrary
    from hotseat.settings import load_settings
    from hotseat.storage import Store

    console = Console(stderr=True)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, err=True)
    try:
        if offline and (batch_api or batch_id):
            raise InputError("--batch-api and --offline contradict each other.", hint="Choose one.")
        check_prompts()
        settings = load_settings()
        store = Store.open(settings.resolved_database_url())
        actor = authenticate(store, user, password, client="cli")
        model = rate_limited(None if offline else default_model_factory(), rate_limit)
        batch = None
        if batch_api or batch_id:
            runner = BatchRunner(make_client(settings), console=console, poll_interval=poll_interval)
            batch = CohortBatch(
                runner=runner,
                state_path=cohort_state_path(settings, cohort_id),
                model_name=settings.judge_model_name(),
                temperature=settings.temperature,
                batch_id=batch_id,
            )
        bar = Progress(
            TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console,
            redirect_stdout=False, redirect_stderr=False, disable=batch is not None,
        )  # fmt: skip
        task = bar.add_task("grading", total=None)
        with bar:
            report = grade_cohort(
                store,
                actor,
                cohort_id,
                model=model,
                personas=PersonaLibrary(settings.personas_dir),
                concurrency=concurrency,
                batch=batch,
                on_start=lambda total: bar.update(task, total=total),
                on_done=lambda: bar.advance(task),
            )
    except KeyboardInterrupt as exc:
        console.print("Interrupted. Run the same command again to resume.", markup=False, soft_wrap=True)
        raise typer.Exit(130) from exc
    except HotseatError as exc:
        console.print(exc.user_message(), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    if model is None and not offline:
        console.print("No LLM judge configured: graded offline (set OPENAI_API_KEY or OPENAI_BASE_URL).")
    for session_id, reason in report.failures:
        console.print(f"session {session_id}: {reason}", markup=False, highlight=False, soft_wrap=True)
    if report.batch is not None and report.batch.batch_id:
        from hotseat.grading.batch_api import describe

        console.print(describe(report.batch), markup=False, highlight=False, soft_wrap=True)
    console.print(cohort_summary(report), markup=False, highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the `grade` and `grade-cohort` commands to the main CLI."""
    app.command("grade")(grade_command)
    app.command("grade-cohort")(grade_cohort_command)
