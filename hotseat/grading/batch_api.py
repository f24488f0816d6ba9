"""Grading through OpenAI's Batch API: half the price, results within 24 hours.

One /v1/chat/completions request per transcript (custom_id = transcript id, the judge's first-attempt
prompt and response_format) goes up as a JSONL file; the batch id is kept in a state file so an
interrupted run polls the same batch again instead of submitting a new one. Each answer is checked
like the judge checks its own (verbatim evidence, real turns); an answer that fails, and a request
that errored, is graded synchronously by the judge (bounded retries) or falls back to offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import openai
from pydantic import BaseModel, ConfigDict, ValidationError
from rich.console import Console

from evaluators.judge_schema import JudgeAnswer
from evaluators.results import Evaluation
from evaluators.transcript import Transcript
from hotseat.errors import EvaluationError, InputError, ProviderError
from hotseat.providers.base import ChatMessage, Usage

if TYPE_CHECKING:
    from openai.types import Batch

    from evaluators.judge import LLMJudge
    from hotseat.grading.runner import GradeOptions, GradeReport
    from hotseat.providers.base import ChatModel
    from hotseat.settings import Settings

ENDPOINT = "/v1/chat/completions"
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
DEFAULT_POLL_INTERVAL_S = 30.0
MAX_REQUESTS = 50_000  # the Batch API's limits on one input file
MAX_INPUT_BYTES = 200 * 1024 * 1024


class BatchError(ProviderError):
    """The Batch API refused, failed or lost a batch."""


# -- requests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchItem:
    """One transcript to grade in a batch, with what is true in its scenario."""

    transcript: Transcript
    facts: tuple[str, ...] = ()

    @property
    def custom_id(self) -> str:
        """The request's custom_id: the transcript id."""
        return self.transcript.id

    def digest(self) -> str:
        """A fingerprint of what is graded (turns and facts), to notice a transcript that changed."""
        payload = json.dumps(
            [self.transcript.model_dump(mode="json", include={"turns"}), list(self.facts)], sort_keys=True
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def json_schema_format(schema: type[BaseModel]) -> dict[str, Any]:
    """The `response_format` of a json_schema request, as the provider sends on the judge's first attempt."""
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema(), "strict": False},
    }


def request_line(custom_id: str, messages: Sequence[ChatMessage], *, model: str, temperature: float) -> dict[str, Any]:
    """One line of a batch input file: a chat completion asking for a `JudgeAnswer`."""
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": ENDPOINT,
        "body": {
            "model": model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "response_format": json_schema_format(JudgeAnswer),
            "temperature": temperature,
        },
    }


def build_input_file(items: Sequence[BatchItem], judge: LLMJudge, *, model: str, temperature: float) -> bytes:
    """The batch input file: one request line per item, in order; InputError beyond the API's limits."""
    if len(items) > MAX_REQUESTS:
        raise InputError(
            f"{len(items):,} transcripts is more than the {MAX_REQUESTS:,} requests one batch may hold.",
            hint="Split the input into parts and grade each part with its own --out.",
        )
    lines = [
        json.dumps(
            request_line(
                item.custom_id, judge.render(item.transcript, facts=item.facts), model=model, temperature=temperature
            ),
            ensure_ascii=False,
        )
        for item in items
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(
            f"The batch input would be {len(data) / 2**20:,.0f} MB, more than the {MAX_INPUT_BYTES // 2**20} MB "
            "one batch may hold.",
            hint="Split the input into parts and grade each part with its own --out.",
        )
    return data


# -- the state file ----------------------------------------------------------------------------


class BatchState(BaseModel):
    """What an interrupted run needs to collect its batch: the id, and what each request graded."""

    model_config = ConfigDict(extra="forbid")

    batch_id: str
    input_file_id: str = ""
    model: str = ""
    submitted_at: datetime
    requests: dict[str, str] | None = None  # custom_id -> BatchItem.digest(); None: unknown (--batch-id)


def state_path_for(out: Path) -> Path:
    """Where the state of a batch writing `out` is kept: beside it, e.g. grades.jsonl.batch.json."""
    return out.with_name(out.name + ".batch.json")


def load_state(path: Path) -> BatchState | None:
    """The saved state, or None when there is none; InputError when the file is not a batch state."""
    if not path.exists():
        return None
    try:
        return BatchState.model_validate_json(path.read_bytes())
    except (ValidationError, ValueError, OSError) as exc:
        raise InputError(
            f"{path} is not a readable batch state file.",
            hint="Delete it to submit a new batch, or pass --batch-id to collect a batch you know.",
        ) from exc


def save_state(path: Path, state: BatchState) -> None:
    """Write the state atomically (a crash leaves the old file or the new one, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(state.model_dump_json(indent=2), encoding="utf-8")
    os.replace(partial, path)


# -- the client --------------------------------------------------------------------------------


def make_client(settings: Settings) -> openai.OpenAI:
    """The official OpenAI client from settings: key, base URL, time-out and retries."""
    secret = settings.openai_api_key
    return openai.OpenAI(
        api_key=secret.get_secret_value() if secret else "not-needed",
        base_url=settings.openai_base_url,
        timeout=settings.request_timeout_s,
        max_retries=settings.max_retries,
    )


def _api_error(exc: openai.OpenAIError, doing: str, batch_id: str | None) -> BatchError:
    status = f" (HTTP {exc.status_code})" if isinstance(exc, openai.APIStatusError) else ""
    detail = exc.message if isinstance(exc, openai.APIError) else type(exc).__name__
    resume = f" Run the same command again: it resumes batch {batch_id}." if batch_id else ""
    return BatchError(
        f"The Batch API failed while {doing}{status}: {detail}",
        hint=f"Check OPENAI_API_KEY / OPENAI_BASE_URL (the Batch API is OpenAI's).{resume}",
    )


@dataclass
class BatchAnswers:
    """What a finished batch returned: raw answers and errors by custom_id, and the tokens it used."""

    answers: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)


def _answer_text(body: dict[str, Any]) -> str:
    message = (body.get("choices") or [{}])[0].get("message") or {}
    calls = message.get("tool_calls") or []
    if not message.get("content") and calls:
        return str(calls[0].get("function", {}).get("arguments", ""))
    return str(message.get("content") or "")


def _usage_of(body: dict[str, Any]) -> Usage:
    usage = body.get("usage") or {}
    details = usage.get("prompt_tokens_details") or {}
    return Usage(
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        cached_tokens=int(details.get("cached_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
    )


def parse_results(text: str, into: BatchAnswers) -> None:
    """Read a batch output or error file (JSONL) into `into`."""
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            custom_id = str(item["custom_id"])
        except (ValueError, KeyError, TypeError):
            continue
        response = item.get("response") or {}
        body: dict[str, Any] = response["body"] if isinstance(response.get("body"), dict) else {}
        if response.get("status_code") == 200 and not item.get("error"):
            into.answers[custom_id] = _answer_text(body)
            into.usage = into.usage + _usage_of(body)
            continue
        error = item.get("error") or body.get("error") or {}
        message = error.get("message") if isinstance(error, dict) else str(error)
        status = response.get("status_code")
        into.errors[custom_id] = f"HTTP {status}: {message}" if status else str(message or "no answer")


class BatchRunner:
    """Submits a batch (or resumes one), polls it to the end, and downloads what it returned."""

    def __init__(
        self,
        client: openai.OpenAI,
        *,
        console: Console,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.console = console
        self.poll_interval = poll_interval
        self.sleep = sleep

    def submit(self, input_file: bytes, *, metadata: dict[str, str] | None = None) -> tuple[str, str]:
        """Upload the input file and create the batch: (batch id, input file id)."""
        try:
            uploaded = self.client.files.create(
                file=("hotseat-batch.jsonl", input_file, "application/jsonl"), purpose="batch"
            )
            batch = self.client.batches.create(
                input_file_id=uploaded.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
                metadata=metadata,
            )
        except openai.OpenAIError as exc:
            raise _api_error(exc, "submitting the batch", None) from exc
        return batch.id, uploaded.id

    def wait(self, batch_id: str) -> Batch:
        """Poll until the batch is completed, failed, expired or cancelled; status on the console."""
        shown = ""
        with self.console.status(f"batch {batch_id}: waiting…") as spinner:
            while True:
                try:
                    batch = self.client.batches.retrieve(batch_id)
                except openai.OpenAIError as exc:
                    raise _api_error(exc, f"polling batch {batch_id}", batch_id) from exc
                line = self._describe(batch)
                spinner.update(line)
                if line != shown:
                    self.console.print(line, markup=False, highlight=False, soft_wrap=True)
                    shown = line
                if batch.status in TERMINAL:
                    return batch
                self.sleep(self.poll_interval)

    @staticmethod
    def _describe(batch: Batch) -> str:
        counts = batch.request_counts
        done = f", {counts.completed}/{counts.total} done, {counts.failed} failed" if counts and counts.total else ""
        return f"batch {batch.id}: {batch.status}{done}"

    def collect(self, batch: Batch) -> BatchAnswers:
        """Download the batch's output and error files."""
        found = BatchAnswers()
        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            try:
                text = self.client.files.content(file_id).text
            except openai.OpenAIError as exc:
                raise _api_error(exc, f"downloading the results of batch {batch.id}", batch.id) from exc
            parse_results(text, found)
        return found


def failure_message(batch: Batch) -> str:
    """Why a batch failed, from its errors."""
    errors = batch.errors.data if batch.errors and batch.errors.data else []
    reasons = "; ".join(
        (f"line {e.line}: " if e.line else "") + (e.message or e.code or "unknown error") for e in errors[:3]
    )
    return reasons or "no reason given"


# -- grading -----------------------------------------------------------------------------------


@dataclass
class BatchOutcome:
    """What grading through a batch did: the evaluations by transcript id, and how each was reached."""

    batch_id: str
    status: str
    evaluations: dict[str, Evaluation] = field(default_factory=dict)
    from_batch: int = 0  # the batch's answer passed the checks
    regraded: int = 0  # graded synchronously: answer invalid, request errored, or not in the batch
    fallbacks: int = 0  # graded offline because the judge still failed
    usage: Usage = field(default_factory=Usage)


def _offline(item: BatchItem, reason: str) -> Evaluation:
    from evaluators.offline import grade_offline

    return grade_offline(item.transcript, facts=item.facts).model_copy(update={"fallback_reason": reason})


def regrade(judge: LLMJudge, item: BatchItem, first_answer: str | None) -> Evaluation:
    """Grade one transcript synchronously (continuing from the batch's answer); offline if the judge fails."""
    from evaluators.grader import fallback_reason

    try:
        return judge(item.transcript, facts=item.facts, first_answer=first_answer)
    except (EvaluationError, ProviderError) as exc:
        return _offline(item, fallback_reason(exc))


def grade_with_batch(
    items: Sequence[BatchItem],
    *,
    judge: LLMJudge,
    runner: BatchRunner,
    state_path: Path,
    model: str,
    temperature: float,
    batch_id: str | None = None,
    concurrency: int = 1,
    metadata: dict[str, str] | None = None,
) -> BatchOutcome:
    """Grade `items` through one batch: submit (or resume the one in `state_path`), wait, check, re-grade.

    Raises BatchError when the batch failed (the state file is then removed, so the next run submits
    anew). The caller removes the state file once it has stored the evaluations.
    """
    state = load_state(state_path)
    console = runner.console
    if batch_id is not None and (state is None or state.batch_id != batch_id):
        state = BatchState(batch_id=batch_id, model=model, submitted_at=datetime.now(UTC))
        save_state(state_path, state)
    if state is not None:
        console.print(f"Resuming batch {state.batch_id} (state in {state_path}).", markup=False, soft_wrap=True)
    elif items:
        input_file = build_input_file(items, judge, model=model, temperature=temperature)
        new_id, file_id = runner.submit(input_file, metadata=metadata)
        state = BatchState(
            batch_id=new_id,
            input_file_id=file_id,
            model=model,
            submitted_at=datetime.now(UTC),
            requests={item.custom_id: item.digest() for item in items},
        )
        save_state(state_path, state)
        console.print(f"Submitted batch {new_id}: {len(items)} request(s).", markup=False, soft_wrap=True)
    else:
        return BatchOutcome(batch_id="", status="empty")

    batch = runner.wait(state.batch_id)
    if batch.status == "failed":
        state_path.unlink(missing_ok=True)
        raise BatchError(
            f"Batch {batch.id} failed: {failure_message(batch)}. Nothing was written.",
            hint="Run again to submit a new batch, or grade without --batch-api.",
        )
    answers = runner.collect(batch)
    outcome = BatchOutcome(batch_id=batch.id, status=batch.status, usage=answers.usage)

    def grade_one(item: BatchItem) -> tuple[Evaluation, bool]:
        raw = answers.answers.get(item.custom_id)
        known = state.requests is None or state.requests.get(item.custom_id) == item.digest()
        if raw is not None and known:
            evaluation, _problems = judge.check_answer(item.transcript, raw, facts=item.facts)
            if evaluation is not None:
                return evaluation, True
            return regrade(judge, item, raw), False
        return regrade(judge, item, None), False

    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="batch-check") as pool:
        for item, (evaluation, direct) in zip(items, pool.map(grade_one, items), strict=True):
            outcome.evaluations[item.custom_id] = evaluation
            outcome.from_batch += direct
            outcome.regraded += not direct
            outcome.fallbacks += evaluation.fallback_reason is not None
    return outcome


def describe(outcome: BatchOutcome) -> str:
    """One line for stderr: where the grades came from and the tokens the batch used."""
    usage = outcome.usage
    parts = [f"batch {outcome.batch_id} {outcome.status}: {outcome.from_batch} answer(s) accepted"]
    if outcome.regraded:
        parts.append(f"{outcome.regraded} graded synchronously (invalid answer, errored or changed)")
    parts.append(
        f"batch tokens: {usage.prompt_tokens} prompt ({usage.cached_tokens} cached), "
        f"{usage.completion_tokens} completion"
    )
    return "; ".join(parts) + "."


# -- `hotseat grade --batch-api` ----------------------------------------------------------------


@dataclass(frozen=True)
class BatchOptions:
    """The Batch API options of `hotseat grade` and `hotseat grade-cohort`."""

    poll_interval: float = DEFAULT_POLL_INTERVAL_S
    batch_id: str | None = None


def batch_judge(settings: Settings, model: ChatModel | None = None) -> tuple[LLMJudge, str]:
    """The judge that builds the requests and re-grades, and the judge model's name; ConfigError without an LLM."""
    from evaluators.judge import make_llm_judge
    from hotseat.errors import ConfigError
    from hotseat.providers.factory import build_judge_model

    sync_model = model or build_judge_model(settings)
    if sync_model is None:
        raise ConfigError(
            "--batch-api needs OpenAI: no LLM is configured.",
            hint="Set OPENAI_API_KEY (and HOTSEAT_JUDGE_MODEL if you like), or grade without --batch-api.",
        )
    return make_llm_judge(model=sync_model), settings.judge_model_name()


def grade_file_with_batch(
    options: GradeOptions,
    batch: BatchOptions,
    *,
    settings: Settings,
    stdout: TextIO,
    console: Console,
    client: openai.OpenAI | None = None,
    model: ChatModel | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> GradeReport:
    """`hotseat grade --batch-api`: parse, grade through one batch, then write every line in input order."""
    from hotseat.grading.rate_limit import rate_limited
    from hotseat.grading.runner import (
        GradeReport,
        LineFailure,
        graded_ids,
        open_output,
        parse_jobs,
        read_lines,
    )

    if options.out is None:
        raise InputError(
            "--batch-api needs --out.", hint="The batch id is kept beside the output so an interrupted run resumes."
        )
    if options.offline:
        raise InputError("--batch-api and --offline contradict each other.", hint="Choose one.")
    if batch.poll_interval <= 0:
        raise InputError("--poll-interval must be a positive number of seconds.")
    lines = read_lines(options.input_path)
    if model is None and options.rate_limit:
        from hotseat.providers.factory import build_judge_model

        model = rate_limited(build_judge_model(settings), options.rate_limit)
    judge, model_name = batch_judge(settings, model)

    report = GradeReport(evaluator=judge.evaluator)

    def report_failure(failure: LineFailure) -> None:
        console.print(f"line {failure.line}: {failure.reason}", markup=False, highlight=False, soft_wrap=True)

    done = graded_ids(options.out, options.fmt) if options.resume else set()
    jobs = parse_jobs(lines, done, report, report_failure)
    runner = BatchRunner(
        client or make_client(settings), console=console, poll_interval=batch.poll_interval, sleep=sleep
    )
    state_path = state_path_for(options.out)
    outcome = grade_with_batch(
        [BatchItem(job.transcript) for job in jobs],
        judge=judge,
        runner=runner,
        state_path=state_path,
        model=model_name,
        temperature=settings.temperature,
        batch_id=batch.batch_id,
        concurrency=options.concurrency,
        metadata={"source": "hotseat grade", "input": options.input_path.name[:200]},
    )
    with open_output(options.out, options.fmt, resume=options.resume, stdout=stdout) as (writer, _done):
        for job in jobs:
            writer.write(job.transcript.id, outcome.evaluations[job.transcript.id])
            report.graded += 1
    state_path.unlink(missing_ok=True)
    report.fallbacks = outcome.fallbacks
    if outcome.batch_id:
        console.print(describe(outcome), markup=False, highlight=False, soft_wrap=True)
    return report
