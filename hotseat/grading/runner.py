"""Batch grading of JSONL transcripts (the library behind `hotseat grade`).

Input, one JSON object a line: {"id", "persona", "turns": [{"role", "text"}, ...]}.
Output, one line (or CSV row) per graded transcript, in input order.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from evaluators.results import Evaluation, SkillScore, TurnGrade
from evaluators.signals import MAX_TURN_CHARS
from evaluators.skills import Flag, Skill
from evaluators.transcript import Transcript
from hotseat.datafiles import closest
from hotseat.errors import HotseatError, InputError
from hotseat.grading.rate_limit import check_rate_limit, rate_limited
from hotseat.providers.base import ChatModel
from hotseat.text import read_cell, safe_cell

if TYPE_CHECKING:
    from hotseat.practice.personas import PersonaLibrary

MAX_TURNS = 400
CSV_COLUMNS = ("id", "evaluator", *(f"{s.value}_score" for s in Skill), "flags", "fallback_reason")


class OutputFormat(StrEnum):
    """How graded transcripts are written."""

    JSONL = "jsonl"
    CSV = "csv"


# -- input -------------------------------------------------------------------------------------


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"{where}: {err['msg']}")
    more = len(exc.errors()) - 3
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def parse_transcript_line(line: str) -> Transcript:
    """Parse one JSONL line into a gradable Transcript, or raise InputError saying what is wrong."""
    hint = 'Each line must be {"id": "...", "persona": "...", "turns": [{"role": ..., "text": ...}]}.'
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno}).", hint=hint) from exc
    except (ValueError, RecursionError) as exc:
        raise InputError("invalid JSON: nested too deeply or unreadable.", hint=hint) from exc
    if not isinstance(raw, dict):
        raise InputError(f"expected a JSON object, got {type(raw).__name__}.", hint=hint)
    try:
        transcript = Transcript.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"wrong schema: {_describe(exc)}.", hint=hint) from exc
    if not transcript.id.strip():
        raise InputError('"id" is empty.', hint="Give every transcript a unique, non-empty id.")
    if not _valid_unicode(transcript.id + transcript.persona):
        raise InputError('"id" or "persona" contains bytes that are not valid UTF-8 (or a lone surrogate).')
    if not transcript.turns:
        raise InputError('"turns" is empty: nothing to grade.', hint="Include the conversation's turns.")
    if len(transcript.turns) > MAX_TURNS:
        raise InputError(
            f"{len(transcript.turns)} turns is more than the {MAX_TURNS} a practice conversation can have.",
            hint="Split the conversation or check the export.",
        )
    for i, turn in enumerate(transcript.turns):
        if not turn.text.strip():
            raise InputError(f"turn {i} ({turn.role}) is empty.", hint="Remove empty turns.")
        if len(turn.text) > MAX_TURN_CHARS:
            raise InputError(
                f"turn {i} has {len(turn.text):,} characters, more than the {MAX_TURN_CHARS:,} allowed.",
                hint="A turn this long is not a chat message; check the export.",
            )
        if not _valid_unicode(turn.text):
            raise InputError(f"turn {i} contains bytes that are not valid UTF-8 (or a lone surrogate).")
    if not any(t.role == "trainee" for t in transcript.turns):
        raise InputError("no trainee turns: nothing to grade.", hint='Add turns with "role": "trainee".')
    return transcript


# -- output ------------------------------------------------------------------------------------


def evaluation_record(transcript_id: str, evaluation: Evaluation) -> dict[str, Any]:
    """The public output line for one graded transcript."""
    record: dict[str, Any] = {
        "id": transcript_id,
        "evaluator": evaluation.evaluator,
        "skills": {
            s.skill.value: {
                "score": s.score,
                "evidence": list(s.evidence),
                "reasoning": s.reasoning,
                "suggestion": s.suggestion,
            }
            for s in sorted(evaluation.skills, key=lambda s: list(Skill).index(s.skill))
        },
        "flags": [f.value for f in evaluation.flags],
        "turns": [
            {"index": t.index, "skills": {k.value: v for k, v in t.skills.items()}, "flags": [f.value for f in t.flags]}
            for t in evaluation.turns
        ],
    }
    if evaluation.fallback_reason:
        record["fallback_reason"] = evaluation.fallback_reason
    if evaluation.fallback_skills:
        record["fallback_skills"] = [s.value for s in evaluation.fallback_skills]
    return record


def record_evaluation(record: Mapping[str, Any]) -> tuple[str, Evaluation]:
    """Read an output line back: (id, Evaluation). Raises pydantic's ValidationError if malformed."""
    skills = [SkillScore(skill=Skill(key), **value) for key, value in record["skills"].items()]
    evaluation = Evaluation(
        evaluator=record["evaluator"],
        skills=skills,
        flags=[Flag(f) for f in record.get("flags", [])],
        turns=[TurnGrade.model_validate(t) for t in record.get("turns", [])],
        fallback_reason=record.get("fallback_reason"),
        fallback_skills=[Skill(s) for s in record.get("fallback_skills", [])],
    )
    return str(record["id"]), evaluation


def csv_row(transcript_id: str, evaluation: Evaluation) -> list[str]:
    """One spreadsheet row: id, evaluator, a score per skill, flags (;-separated), fallback reason."""
    scores = [str(evaluation.score(s).score) for s in Skill]
    flags = ";".join(f.value for f in evaluation.flags)
    cells = [transcript_id, evaluation.evaluator, *scores, flags, evaluation.fallback_reason or ""]
    return [safe_cell(cell) for cell in cells]


class ResultWriter:
    """Writes graded transcripts as JSONL lines or CSV rows, flushing each so a crash loses nothing."""

    def __init__(self, stream: TextIO, fmt: OutputFormat, *, header: bool = True) -> None:
        self.stream = stream
        self.fmt = fmt
        self._csv = csv.writer(stream, lineterminator="\n") if fmt is OutputFormat.CSV else None
        if self._csv is not None and header:
            self._csv.writerow(CSV_COLUMNS)

    def write(self, transcript_id: str, evaluation: Evaluation) -> None:
        """Write one result."""
        if self._csv is not None:
            self._csv.writerow(csv_row(transcript_id, evaluation))
        else:
            self.stream.write(json.dumps(evaluation_record(transcript_id, evaluation), ensure_ascii=False) + "\n")
        self.stream.flush()


def _drop_partial_last_line(path: Path) -> None:
    """An interrupted run can leave half a line at the end; cut it so appending stays well-formed."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


def graded_ids(path: Path, fmt: OutputFormat) -> set[str]:
    """Ids already present in an output file (unreadable lines are ignored: they get re-graded)."""
    if not path.exists():
        return set()
    _drop_partial_last_line(path)
    done: set[str] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        if fmt is OutputFormat.CSV:
            done = {read_cell(row["id"]) for row in csv.DictReader(fh) if row.get("id")}
        else:
            for line in fh:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and isinstance(record.get("id"), str):
                    done.add(record["id"])
    return done


# -- the batch ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineFailure:
    """A line that could not be graded, and why."""

    line: int  # 1-based line number in the input file
    reason: str
    transcript_id: str | None = None


@dataclass
class GradeReport:
    """What a batch run did."""

    graded: int = 0
    skipped: int = 0  # already in the output (--resume)
    fallbacks: int = 0  # graded offline because the judge failed
    unknown_personas: int = 0  # graded, but the persona id is not one of ours
    failures: list[LineFailure] = field(default_factory=list)
    evaluator: str = "offline"

    @property
    def ok(self) -> bool:
        """True when every line was graded or skipped."""
        return not self.failures


@dataclass(frozen=True)
class GradeJob:
    """One parsed input line waiting to be graded."""

    line: int
    transcript: Transcript


def iter_jobs(
    lines: Iterable[str],
    skip_ids: set[str],
    report: GradeReport,
    on_failure: Callable[[LineFailure], None],
    *,
    known_personas: Collection[str] | None = None,
    on_warning: Callable[[LineFailure], None] = lambda warning: None,
) -> Iterator[GradeJob]:
    """The gradable lines (not in `skip_ids`), in order, one at a time; bad and duplicate lines go to `report`.

    With `known_personas`, a transcript naming another persona is graded but reported to `on_warning`.
    Only the ids seen so far are kept, so memory does not grow with the transcripts' size.
    """
    first_seen: dict[str, int] = {}
    known = set(known_personas) if known_personas is not None else None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            transcript = parse_transcript_line(line)
        except InputError as exc:
            failure = LineFailure(number, exc.message)
        else:
            if transcript.id in first_seen:
                failure = LineFailure(
                    number,
                    f"duplicate id {transcript.id!r} (first on line {first_seen[transcript.id]}).",
                    transcript.id,
                )
            else:
                first_seen[transcript.id] = number
                if known is not None and transcript.persona and transcript.persona not in known:
                    report.unknown_personas += 1
                    on_warning(
                        LineFailure(
                            number,
                            f"unknown persona {transcript.persona!r} ({closest(transcript.persona, sorted(known))}); "
                            "graded anyway.",
                            transcript.id,
                        )
                    )
                if transcript.id in skip_ids:
                    report.skipped += 1
                else:
                    yield GradeJob(number, transcript)
                continue
        report.failures.append(failure)
        on_failure(failure)


def parse_jobs(
    lines: Sequence[str], skip_ids: set[str], report: GradeReport, on_failure: Callable[[LineFailure], None]
) -> list[GradeJob]:
    """Every gradable line at once (the Batch API needs them all); see `iter_jobs`."""
    return list(iter_jobs(lines, skip_ids, report, on_failure))


def grade_lines(
    lines: Iterable[str],
    writer: ResultWriter,
    grader: Callable[[Transcript], Evaluation],
    *,
    concurrency: int = 1,
    skip_ids: set[str] | None = None,
    total: int | None = None,
    known_personas: Collection[str] | None = None,
    on_failure: Callable[[LineFailure], None] = lambda failure: None,
    on_warning: Callable[[LineFailure], None] = lambda warning: None,
    on_start: Callable[[int | None], None] = lambda total: None,
    on_done: Callable[[], None] = lambda: None,
) -> GradeReport:
    """Grade every line with `grader` on up to `concurrency` threads, writing results in input order.

    Lines are read, graded and written as a stream: at most a few transcripts per thread are held
    at once, so memory stays flat whatever the input's size. `total` (lines) only feeds `on_start`.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    report = GradeReport()
    if total is None and isinstance(lines, Sequence):
        total = sum(1 for line in lines if line.strip())
    on_start(total)
    jobs = iter_jobs(lines, skip_ids or set(), report, on_failure, known_personas=known_personas, on_warning=on_warning)

    def run(job: GradeJob) -> Evaluation:
        try:
            return grader(job.transcript)
        finally:
            on_done()

    def finish(job: GradeJob, future: Future[Evaluation]) -> None:
        try:
            evaluation = future.result()
        except HotseatError as exc:
            failure = LineFailure(job.line, f"grading failed: {exc.message}", job.transcript.id)
        except Exception as exc:  # a detector bug must not sink a 10,000-line batch
            failure = LineFailure(job.line, f"grading failed: {type(exc).__name__}: {exc}", job.transcript.id)
        else:
            writer.write(job.transcript.id, evaluation)
            report.graded += 1
            report.fallbacks += evaluation.fallback_reason is not None
            return
        report.failures.append(failure)
        on_failure(failure)

    window = concurrency * 2  # transcripts in flight: enough to keep every thread busy
    pending: deque[tuple[GradeJob, Future[Evaluation]]] = deque()
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="grade")
    try:
        for job in jobs:
            pending.append((job, executor.submit(run, job)))
            while len(pending) >= window or (pending and pending[0][1].done()):
                finish(*pending.popleft())
        while pending:
            finish(*pending.popleft())
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    report.failures.sort(key=lambda f: f.line)
    return report


@contextmanager
def open_output(
    path: Path | None, fmt: OutputFormat, *, resume: bool, stdout: TextIO
) -> Iterator[tuple[ResultWriter, set[str]]]:
    """A writer for `path` (None: stdout) and the ids it already holds when resuming."""
    if path is None:
        if resume:
            raise InputError("--resume needs --out: there is no earlier output on stdout to continue.")
        yield ResultWriter(stdout, fmt), set()
        return
    done = graded_ids(path, fmt) if resume else set()
    appending = resume and path.exists() and path.stat().st_size > 0
    with path.open("a" if appending else "w", encoding="utf-8", newline="") as fh:
        yield ResultWriter(fh, fmt, header=not appending), done


def read_lines(path: Path, *, stdin: TextIO | None = None) -> list[str]:
    """The input's lines ("-" reads stdin), split on newlines only; bad UTF-8 fails on its own line."""
    return list(iter_lines(path, stdin=stdin))


def iter_lines(path: Path, *, stdin: TextIO | None = None) -> Iterator[str]:
    """The input's lines one at a time, as `read_lines` splits them, without reading the whole input."""
    if str(path) == "-":
        source = stdin if stdin is not None else sys.stdin
        if hasattr(source, "buffer"):
            yield from _decoded(source.buffer)
        else:
            yield from _decoded(io.BytesIO(source.read().encode("utf-8")))
        return
    with path.open("rb") as fh:
        yield from _decoded(fh)


def _decoded(stream: IO[bytes]) -> Iterator[str]:
    first = True
    for raw in stream:  # binary iteration splits on b"\n" only
        if first:
            raw = raw.removeprefix(codecs.BOM_UTF8)
            first = False
        yield raw.removesuffix(b"\n").decode("utf-8", errors="surrogateescape")


def count_lines(path: Path) -> int | None:
    """Non-empty lines in a file (for the progress bar), read in blocks; None for stdin."""
    if str(path) == "-":
        return None
    return sum(1 for line in iter_lines(path) if line.strip())


def build_grader(
    model_factory: Callable[[], ChatModel | None],
    *,
    offline: bool = False,
    rate_limit: float | None = None,
    budget_s: float | None = None,
    personas_dir: Path | None = None,
) -> tuple[Callable[[Transcript], Evaluation], str]:
    """The grading function for a batch and the evaluator it will use ("offline" or "llm:<model>").

    A transcript naming a `scenario` is graded with that scenario's facts (from `personas_dir`).
    """
    from evaluators.grader import make_grader
    from evaluators.judge import evaluator_name

    model = rate_limited(None if offline else model_factory(), rate_limit)
    grader = make_grader(model=model, budget_s=budget_s)
    facts_of = ScenarioFacts(personas_dir)

    def grade_one(transcript: Transcript) -> Evaluation:
        return grader(transcript, facts=facts_of(transcript))

    return grade_one, (evaluator_name(model) if model else "offline")


class ScenarioFacts:
    """The facts of a transcript's `scenario` (a scenario id of its persona); () when none is named."""

    def __init__(self, personas_dir: Path | None = None) -> None:
        self.personas_dir = personas_dir
        self._library: PersonaLibrary | None = None

    def __call__(self, transcript: Transcript) -> tuple[str, ...]:
        """The facts, or InputError/PersonaError naming the unknown persona or scenario."""
        if not transcript.scenario:
            return ()
        if not transcript.persona:
            raise InputError(
                f'"scenario" {transcript.scenario!r} needs a "persona" to look it up in.',
                hint='Add the persona id, e.g. "persona": "policy-over-problem".',
            )
        if self._library is None:
            from hotseat.practice.personas import PersonaLibrary
            from hotseat.settings import load_settings

            self._library = PersonaLibrary(self.personas_dir or load_settings().personas_dir)
        persona = self._library.get(transcript.persona)
        return tuple(persona.scenario(transcript.scenario).story())


@dataclass(frozen=True)
class GradeOptions:
    """The `hotseat grade` options."""

    input_path: Path
    out: Path | None = None
    offline: bool = False
    concurrency: int = 1
    fmt: OutputFormat = OutputFormat.JSONL
    resume: bool = False
    rate_limit: float | None = None


def grade_file(
    options: GradeOptions,
    *,
    model_factory: Callable[[], ChatModel | None],
    stdout: TextIO,
    console: Console,
    progress: bool = True,
    personas_dir: Path | None = None,
) -> GradeReport:
    """Grade a JSONL file as `hotseat grade` does: progress and failures on `console`, results to out."""
    check_rate_limit(options.rate_limit)
    if options.concurrency < 1:
        raise InputError("--concurrency must be at least 1.")
    total = count_lines(options.input_path)
    from hotseat.settings import load_settings

    settings = load_settings()
    grader, evaluator = build_grader(
        model_factory,
        offline=options.offline,
        rate_limit=options.rate_limit,
        budget_s=settings.judge_budget_s,
        personas_dir=settings.personas_dir,
    )
    if evaluator == "offline" and not options.offline:
        console.print("No LLM judge configured: grading offline (set OPENAI_API_KEY or OPENAI_BASE_URL).")
    bar = Progress(
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        redirect_stdout=False,
        redirect_stderr=False,
        disable=not progress,
    )
    task = bar.add_task("grading", total=None)

    def report_failure(failure: LineFailure) -> None:
        console.print(f"line {failure.line}: {failure.reason}", markup=False, highlight=False, soft_wrap=True)

    known_personas = persona_ids(personas_dir)
    with open_output(options.out, options.fmt, resume=options.resume, stdout=stdout) as (writer, done), bar:
        report = grade_lines(
            iter_lines(options.input_path),
            writer,
            grader,
            concurrency=options.concurrency,
            skip_ids=done,
            total=total,
            known_personas=known_personas,
            on_failure=report_failure,
            on_warning=report_failure,
            on_start=lambda total: bar.update(task, total=total),
            on_done=lambda: bar.advance(task),
        )
    report.evaluator = evaluator
    return report


def persona_ids(folder: Path | None) -> set[str] | None:
    """The persona ids in `folder` (default: the configured personas), or None if it cannot be read."""
    from hotseat.practice.personas import PersonaLibrary

    if folder is None:
        from hotseat.settings import load_settings

        folder = load_settings().personas_dir
    try:
        return set(PersonaLibrary(folder).ids())
    except HotseatError:
        return None


def summary(report: GradeReport) -> str:
    """One line for stderr saying what the batch did."""
    parts = [f"graded {report.graded} transcript(s) with {report.evaluator}"]
    if report.fallbacks:
        parts.append(f"{report.fallbacks} fell back to the offline evaluator (see fallback_reason)")
    if report.skipped:
        parts.append(f"skipped {report.skipped} already graded")
    if report.unknown_personas:
        parts.append(f"{report.unknown_personas} named an unknown persona")
    if report.failures:
        lines = ", ".join(str(f.line) for f in report.failures[:20])
        more = "…" if len(report.failures) > 20 else ""
        parts.append(f"{len(report.failures)} line(s) failed: {lines}{more}")
    return "; ".join(parts) + "."
