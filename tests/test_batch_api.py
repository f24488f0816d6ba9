"""`hotseat grade --batch-api` end to end against the loopback server's Batch API."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.console import Console
from support.openai_server import OpenAIServer, RecordedRequest
from typer.testing import CliRunner

from evaluators.skills import Skill
from hotseat.grading.batch_api import BatchAnswers, BatchOptions, grade_file_with_batch, parse_results, state_path_for
from hotseat.grading.runner import GradeOptions
from hotseat.settings import Settings

pytestmark = pytest.mark.server

_TURN = re.compile(r'<turn index="(\d+)"[^>]*>(.*)</turn>')


def transcript_line(tid: str, text: str) -> str:
    turns = [
        {"role": "customer", "text": "You charged me twice and nobody answers the phone."},
        {"role": "trainee", "text": text},
        {"role": "customer", "text": "Go on."},
    ]
    return json.dumps({"id": tid, "persona": "sorry-hardest-word", "turns": turns})


INPUT = [transcript_line(f"t{i}", f"I'm sorry, transcript {i} was charged twice by us.") for i in range(1, 4)]


def good_answer(request: RecordedRequest) -> str:
    """A judge that grades what it is shown, quoting the first trainee turn."""
    turns = _TURN.findall(request.last_user_message)
    quote = " ".join(json.loads(turns[0][1]).split()[:4])
    skills = {s.value: {"evidence": [quote], "reasoning": "r", "score": 4, "suggestion": "s"} for s in Skill}
    return json.dumps({"skills": skills, "turns": [{"index": int(i), "skills": {}, "flags": []} for i, _ in turns]})


def invented_quote(request: RecordedRequest) -> str:
    """An answer whose evidence the trainee never said."""
    answer = json.loads(good_answer(request))
    answer["skills"]["empathy"]["evidence"] = ["words nobody said"]
    return json.dumps(answer)


def transcript_id(request: RecordedRequest) -> str:
    """Which input transcript a request grades (by the number in its trainee turn)."""
    match = re.search(r"transcript (\d+)", request.last_user_message)
    return f"t{match.group(1)}" if match else ""


def write_input(path: Path, lines: Sequence[str] = INPUT) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_batch(grade_app: typer.Typer, source: Path, out: Path, *extra: str) -> Any:
    args = ["grade", str(source), "--out", str(out), "--batch-api", "--poll-interval", "0.001", *extra]
    return CliRunner().invoke(grade_app, args)


def test_happy_path_one_batch_grades_every_transcript_in_input_order(
    grade_app: typer.Typer, openai_env: OpenAIServer, tmp_path: Path
) -> None:
    server = openai_env
    server.default_reply = good_answer
    source, out = write_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"

    result = run_batch(grade_app, source, out)

    assert result.exit_code == 0, result.output
    assert [r["id"] for r in records(out)] == ["t1", "t2", "t3"]
    first = records(out)[0]
    assert first["evaluator"] == "llm:test-model"
    assert first["skills"]["empathy"] == {
        "score": 4,
        "evidence": ["I'm sorry, transcript 1"],
        "reasoning": "r",
        "suggestion": "s",
    }
    assert "fallback_reason" not in first and [t["index"] for t in first["turns"]] == [1]
    assert server.chat_requests == []  # everything came from the batch: no synchronous call
    assert len(server.batch_creations) == 1
    uploaded = next(f for f in server.files.values() if f.purpose == "batch")
    lines = [json.loads(line) for line in uploaded.data.decode().splitlines()]
    assert [line["custom_id"] for line in lines] == ["t1", "t2", "t3"]
    assert {line["url"] for line in lines} == {"/v1/chat/completions"}
    body = lines[0]["body"]
    assert body["model"] == "test-model"
    assert body["response_format"]["json_schema"]["name"] == "JudgeAnswer"
    assert body["messages"][0]["content"].startswith("You grade a customer-service practice conversation.")
    assert server.batch_creations[0].body["completion_window"] == "24h"
    assert re.search(r"batch batch-test\d+: completed, 3/3 done, 0 failed", result.stderr)
    assert "graded 3 transcript(s) with llm:test-model" in result.stderr
    assert not state_path_for(out).exists()


def test_an_interrupted_run_resumes_the_same_batch(
    grade_app: typer.Typer, openai_env: OpenAIServer, openai_settings: Settings, tmp_path: Path
) -> None:
    server = openai_env
    server.default_reply = good_answer
    server.polls_per_status = 3
    source, out = write_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"

    def interrupt(_seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grade_file_with_batch(
            GradeOptions(input_path=source, out=out),
            BatchOptions(poll_interval=0.001),
            settings=openai_settings,
            stdout=io.StringIO(),
            console=Console(file=io.StringIO()),
            sleep=interrupt,
        )

    state = json.loads(state_path_for(out).read_text(encoding="utf-8"))
    assert state["batch_id"] == next(iter(server.batches))
    assert not out.exists()

    result = run_batch(grade_app, source, out)

    assert result.exit_code == 0, result.output
    assert f"Resuming batch {state['batch_id']}" in result.stderr
    assert len(server.batch_creations) == 1  # not submitted again
    assert [r["id"] for r in records(out)] == ["t1", "t2", "t3"]
    assert not state_path_for(out).exists()


def test_invalid_answers_and_errored_requests_are_graded_synchronously(
    grade_app: typer.Typer, openai_env: OpenAIServer, tmp_path: Path
) -> None:
    server = openai_env
    seen: set[str] = set()

    def first_answer_for_t2_invents_a_quote(request: RecordedRequest) -> str:
        tid = transcript_id(request)
        first = tid not in seen
        seen.add(tid)
        return invented_quote(request) if tid == "t2" and first else good_answer(request)

    server.default_reply = first_answer_for_t2_invents_a_quote
    server.error_batch_requests("t3")
    source, out = write_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"

    result = run_batch(grade_app, source, out)

    assert result.exit_code == 0, result.output
    graded = {r["id"]: r for r in records(out)}
    assert list(graded) == ["t1", "t2", "t3"]
    assert all(r["evaluator"] == "llm:test-model" and "fallback_reason" not in r for r in graded.values())
    assert graded["t2"]["skills"]["empathy"]["evidence"] == ["I'm sorry, transcript 2"]
    retried = {transcript_id(r): r for r in server.chat_requests}
    assert set(retried) == {"t2", "t3"}
    assert "words nobody said" in retried["t2"].last_user_message  # the rejected answer is sent back
    assert "words nobody said" not in retried["t3"].last_user_message
    assert "2 graded synchronously" in result.stderr


def test_when_the_judge_still_fails_the_offline_evaluator_grades_and_says_why(
    grade_app: typer.Typer, openai_env: OpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTSEAT_MAX_RETRIES", "0")
    server = openai_env
    server.default_reply = good_answer
    server.error_batch_requests("t1")
    server.fail_next(503, times=20)
    source, out = write_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"

    result = run_batch(grade_app, source, out)

    assert result.exit_code == 0, result.output
    first, second = records(out)[:2]
    assert first["evaluator"] == "offline"
    assert "could not be reached" in first["fallback_reason"]
    assert second["evaluator"] == "llm:test-model"
    assert "1 fell back to the offline evaluator" in result.stderr


def test_a_failed_batch_is_a_clear_error_and_writes_nothing(
    grade_app: typer.Typer, openai_env: OpenAIServer, tmp_path: Path
) -> None:
    server = openai_env
    server.fail_next_batch("Line 2: the model test-model is not available for batches.")
    source, out = write_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"
    out.write_text("earlier results\n", encoding="utf-8")

    result = run_batch(grade_app, source, out)

    assert result.exit_code == 2
    assert re.search(r"Batch batch-test\d+ failed: Line 2: the model test-model is not available", result.stderr)
    assert "Run again to submit a new batch" in result.stderr
    assert out.read_text(encoding="utf-8") == "earlier results\n"
    assert not state_path_for(out).exists()  # the next run submits a new batch
    assert server.chat_requests == []


def test_an_unknown_batch_id_is_a_clear_error(grade_app: typer.Typer, openai_env: OpenAIServer, tmp_path: Path) -> None:
    source, out = write_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"

    result = run_batch(grade_app, source, out, "--batch-id", "batch-nope")

    assert result.exit_code == 2
    assert "The Batch API failed while polling batch batch-nope (HTTP 404)" in result.stderr
    assert not out.exists()


def test_batch_api_needs_out_and_an_llm(grade_app: typer.Typer, tmp_path: Path) -> None:
    source = write_input(tmp_path / "in.jsonl")

    no_out = CliRunner().invoke(grade_app, ["grade", str(source), "--batch-api"])
    no_llm = CliRunner().invoke(grade_app, ["grade", str(source), "--batch-api", "--out", str(tmp_path / "o.jsonl")])

    assert no_out.exit_code == 2 and "--batch-api needs --out" in no_out.stderr
    assert no_llm.exit_code == 2 and "--batch-api needs OpenAI" in no_llm.stderr


def test_result_files_are_read_with_errors_and_usage() -> None:
    ok = {"choices": [{"message": {"content": "{}"}}], "usage": {"prompt_tokens": 10, "completion_tokens": 2}}
    text = "\n".join(
        [
            json.dumps({"custom_id": "a", "response": {"status_code": 200, "body": ok}, "error": None}),
            json.dumps({"custom_id": "b", "response": None, "error": {"code": "x", "message": "expired"}}),
            json.dumps({"custom_id": "c", "response": {"status_code": 429, "body": {"error": {"message": "slow"}}}}),
            "not json",
        ]
    )
    found = BatchAnswers()
    parse_results(text, found)
    assert found.answers == {"a": "{}"}
    assert found.errors == {"b": "expired", "c": "HTTP 429: slow"}
    assert found.usage.prompt_tokens == 10 and found.usage.completion_tokens == 2


def test_a_transcript_changed_since_submission_is_graded_synchronously_on_resume(
    grade_app: typer.Typer, openai_env: OpenAIServer, openai_settings: Settings, tmp_path: Path
) -> None:
    server = openai_env
    server.default_reply = good_answer
    server.polls_per_status = 3
    source, out = write_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"

    def interrupt(_seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grade_file_with_batch(
            GradeOptions(input_path=source, out=out),
            BatchOptions(poll_interval=0.001),
            settings=openai_settings,
            stdout=io.StringIO(),
            console=Console(file=io.StringIO()),
            sleep=interrupt,
        )
    edited = [*INPUT[:1], transcript_line("t2", "I'm sorry, transcript 2 was fixed by us today."), *INPUT[2:]]
    write_input(source, edited)

    result = run_batch(grade_app, source, out)

    assert result.exit_code == 0, result.output
    assert len(server.batch_creations) == 1
    assert [transcript_id(r) for r in server.chat_requests] == ["t2"]
    assert records(out)[1]["skills"]["empathy"]["evidence"] == ["I'm sorry, transcript 2"]
    assert "1 graded synchronously" in result.stderr


def test_an_expired_batch_keeps_what_it_answered_and_the_rest_is_graded_synchronously(
    grade_app: typer.Typer, openai_env: OpenAIServer, tmp_path: Path
) -> None:
    server = openai_env
    server.default_reply = good_answer
    server.expire_next_batch(answered=1)
    source, out = write_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"

    result = run_batch(grade_app, source, out)

    assert result.exit_code == 0, result.output
    assert [r["id"] for r in records(out)] == ["t1", "t2", "t3"]
    assert all(r["evaluator"] == "llm:test-model" for r in records(out))
    assert sorted(transcript_id(r) for r in server.chat_requests) == ["t2", "t3"]
    assert re.search(r"batch batch-test\d+: expired", result.stderr)
    assert "1 answer(s) accepted; 2 graded synchronously" in result.stderr


def test_more_than_one_batch_can_hold_is_refused_before_anything_is_uploaded(
    grade_app: typer.Typer, openai_env: OpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotseat.grading import batch_api

    monkeypatch.setattr(batch_api, "MAX_REQUESTS", 2)
    source, out = write_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"

    result = run_batch(grade_app, source, out)

    assert result.exit_code == 2
    assert "3 transcripts is more than the 2 requests one batch may hold" in result.stderr
    assert openai_env.files == {} and not out.exists() and not state_path_for(out).exists()
